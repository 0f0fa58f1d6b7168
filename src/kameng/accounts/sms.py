"""Text messages (短信), the way Django sends mail: one ``send_sms`` and a backend chosen in
settings (``KAMENG_SMS_BACKEND``).

- ``console`` (the default, like Django's console mail backend): the message is written to the
  server's log, so a self-hosted install without an SMS contract still works for its operator.
- ``locmem``: kept in ``outbox`` (tests).
- ``http``: POSTs ``{"to": "+86…", "text": "…"}`` as JSON to ``KAMENG_SMS_URL``, signed with
  HMAC-SHA256 of the body under ``KAMENG_SMS_KEY`` in the ``X-Kameng-Signature`` header. An
  operator points it at a small relay for their provider (阿里云短信, 腾讯云短信 …): providers'
  own APIs differ and need contracts and templates, so Kameng speaks one plain signed webhook.

Sending happens after the commit that created the code; a failure is logged and the person asks
for a new code (``services.resend_phone_code``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings

log = logging.getLogger("kameng.sms")

SIGNATURE_HEADER = "X-Kameng-Signature"
outbox: list[dict] = []  # the locmem backend's messages


class SmsError(Exception):
    """The provider did not take the message."""


def signature(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def send_sms(*, to: str, text: str) -> None:
    backend = settings.KAMENG_SMS_BACKEND
    if backend == "locmem":
        outbox.append({"to": to, "text": text})
    elif backend == "http":
        _post(to, text)
    else:
        log.warning("SMS to %s (console backend, not sent): %s", to, text)


def _post(to: str, text: str) -> None:
    body = json.dumps({"to": to, "text": text}, ensure_ascii=False, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310 - the operator's configured relay
        settings.KAMENG_SMS_URL,
        data=body,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature(settings.KAMENG_SMS_KEY, body)},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.KAMENG_SMS_TIMEOUT_S) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:  # unreachable, timed out, reset, bad URL
        raise SmsError(f"cannot reach the SMS relay: {exc}") from exc
    if not 200 <= status < 300:
        raise SmsError(f"the SMS relay answered HTTP {status}")
