"""Payment settings with their defaults, read at call time (tests override them)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def enabled_gateway_names() -> list[str]:
    """None unless configured: the sandbox is never on by default (see payments.checks)."""
    return list(getattr(settings, "KAMENG_PAYMENT_GATEWAYS", []))


def topup_min_fen() -> int:
    return int(getattr(settings, "KAMENG_TOPUP_MIN_FEN", 1))


def topup_max_fen() -> int:
    return int(getattr(settings, "KAMENG_TOPUP_MAX_FEN", 50_000_00))


def payment_ttl_minutes() -> int:
    return int(getattr(settings, "KAMENG_PAYMENT_TTL_MINUTES", 30))


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def sandbox_secret() -> bytes:
    """Explicit setting, else derived from SECRET_KEY (so every install has its own)."""
    configured = getattr(settings, "KAMENG_SANDBOX_GATEWAY_SECRET", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"kameng.payments.sandbox-gateway", hashlib.sha256).digest()


def epay() -> dict[str, str]:
    return {
        "url": getattr(settings, "KAMENG_EPAY_URL", ""),
        "pid": str(getattr(settings, "KAMENG_EPAY_PID", "")),
        "key": getattr(settings, "KAMENG_EPAY_KEY", ""),
        "type": getattr(settings, "KAMENG_EPAY_TYPE", "alipay"),
    }
