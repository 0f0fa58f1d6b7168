"""A plain, accessible human check for sign-up: a small sum written out in words, answered in digits.

No image and no third-party service (Kameng runs offline): a screen reader reads the question
like any label. It will not stop a determined person, but it stops scripts that post the form
blind, together with a hidden field only scripts fill, a minimum time to fill the form and the
per-address throttle in ``services.register_buyer``. The challenge is signed, so the server keeps
no state; its answer is stored only as a keyed hash inside the signature."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

SALT = "kameng.accounts.human-check"
MAX_AGE_S = 3600
_ZH = "零一二三四五六七八九十"
_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def _digest(answer: int, nonce: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{nonce}:{answer}".encode()).hexdigest()[:16]


def new_challenge(language: str = "zh-hans") -> Challenge:
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_urlsafe(8)
    if language.startswith("zh"):
        words = (_ZH[a], _ZH[b])
    else:
        words = (_EN[a], _EN[b])
    question = _("What is %(a)s plus %(b)s? Answer in digits.") % {"a": words[0], "b": words[1]}
    token = signing.dumps({"n": nonce, "h": _digest(a + b, nonce), "t": int(time.time())}, salt=SALT)
    return Challenge(question, token)


def passes(*, token: str, answer: str, min_seconds: int | None = None) -> bool:
    """True when the answer is right, the challenge is ours, under an hour old and was not answered
    faster than a person can read and type (``KAMENG_SIGNUP_MIN_SECONDS``)."""
    min_seconds = settings.KAMENG_SIGNUP_MIN_SECONDS if min_seconds is None else min_seconds
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE_S)
        value = int((answer or "").strip().translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    except (signing.BadSignature, ValueError, TypeError):
        return False
    if not isinstance(data, dict) or time.time() - data.get("t", 0) < min_seconds:
        return False
    return secrets.compare_digest(_digest(value, str(data.get("n", ""))), str(data.get("h", "")))
