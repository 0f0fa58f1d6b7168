"""Supplier client configuration.

Read from Django settings first, then the environment, so a deployment can set either. The shared
secret defaults to one derived from SECRET_KEY: the sandbox simulator started on the same machine
(`kameng supplier-sim`) derives the same one, and a fresh install never ships a guessable secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from django.conf import settings


def _setting(name: str, default: str) -> str:
    value = getattr(settings, name, None)
    if value is None or value == "":
        value = os.environ.get(name, default)
    return str(value)


def default_secret() -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"kameng-supplier-sandbox", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SupplierConfig:
    url: str
    secret: str
    timeout: float  # seconds to wait for the answer; past it the outcome is unknown, not failed
    check_seconds: int  # first delay before asking again about an accepted or unknown request
    max_check_seconds: int  # the back-off between checks never grows beyond this
    give_up_seconds: int  # after this long without a final answer the request is failed ("no answer")
    batch_size: int  # requests one reconcile pass claims at a time


def supplier_config() -> SupplierConfig:
    return SupplierConfig(
        url=_setting("KAMENG_SUPPLIER_URL", "http://127.0.0.1:8766").rstrip("/"),
        secret=_setting("KAMENG_SUPPLIER_SECRET", "") or default_secret(),
        timeout=float(_setting("KAMENG_SUPPLIER_TIMEOUT", "10")),
        check_seconds=int(_setting("KAMENG_SUPPLIER_CHECK_SECONDS", "30")),
        max_check_seconds=int(_setting("KAMENG_SUPPLIER_MAX_CHECK_SECONDS", "600")),
        give_up_seconds=int(_setting("KAMENG_SUPPLIER_GIVE_UP_SECONDS", str(6 * 3600))),
        batch_size=int(_setting("KAMENG_SUPPLIER_BATCH_SIZE", "50")),
    )
