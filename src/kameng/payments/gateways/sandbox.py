"""The built-in sandbox gateway: a checkout page that pays or fails, then a signed asynchronous
notification (HMAC-SHA256 over the sorted ``k=v&k=v`` parameters) to our callback URL.

It behaves like an external gateway on purpose: it keeps its own record (``SandboxCharge``),
sends the notification from a task and keeps re-sending it from the sweep until we ack.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kameng.core.errors import payload_for
from kameng.payments import conf
from kameng.payments.gateways.base import BadSignature, Gateway, Notification

log = logging.getLogger(__name__)

FIELDS = ("event_id", "out_trade_no", "trade_no", "amount_fen", "currency", "status")
SUCCESS, FAILED = "SUCCESS", "FAILED"


def canonical(params: Mapping[str, str]) -> str:
    return "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign")


def sign(params: Mapping[str, str], secret: bytes | None = None) -> str:
    secret = conf.sandbox_secret() if secret is None else secret
    return hmac.new(secret, canonical(params).encode(), hashlib.sha256).hexdigest()


def notify_url() -> str:
    return conf.site_url() + reverse("api-v1:payments_notify_sandbox")


class SandboxGateway(Gateway):
    name = "sandbox"
    label = _("Sandbox test gateway")

    def checkout_url(self, payment, request=None) -> str:
        path = reverse("payments:sandbox_checkout", args=[payment.out_trade_no])
        return request.build_absolute_uri(path) if request is not None else conf.site_url() + path

    def parse_notification(self, params: Mapping[str, str]) -> Notification:
        given = params.get("sign", "")
        missing = [f for f in FIELDS if not params.get(f)]
        if missing:
            raise BadSignature(f"missing {', '.join(missing)}")
        signed = {k: str(params[k]) for k in FIELDS}
        if not given or not hmac.compare_digest(sign(signed), str(given)):
            raise BadSignature("signature mismatch")
        if signed["status"] not in (SUCCESS, FAILED):
            raise BadSignature("unknown status")
        try:
            amount = int(signed["amount_fen"])
        except ValueError:
            amount = -1
        return Notification(
            event_id=signed["event_id"],
            out_trade_no=signed["out_trade_no"],
            provider_trade_no=signed["trade_no"],
            amount_fen=amount,
            currency=signed["currency"],
            succeeded=signed["status"] == SUCCESS,
        )

    def ack(self) -> HttpResponse:
        return JsonResponse({"ok": True})

    def nack(self) -> HttpResponse:
        status, payload = payload_for("payments.notification_rejected")
        return JsonResponse(payload, status=status)


def notification_params(charge) -> dict[str, str]:
    params = {
        "event_id": f"{charge.trade_no}:{SUCCESS if charge.succeeded else FAILED}",
        "out_trade_no": charge.out_trade_no,
        "trade_no": charge.trade_no,
        "amount_fen": str(charge.amount_fen),
        "currency": charge.currency,
        "status": SUCCESS if charge.succeeded else FAILED,
    }
    params["sign"] = sign(params)
    return params


def post_notification(url: str, params: Mapping[str, str]) -> tuple[int, bytes]:
    """One HTTP POST, form-encoded, as a real gateway sends it. Returns (status, body)."""
    data = urllib.parse.urlencode(params).encode()
    req = urllib.request.Request(  # noqa: S310 - the URL is our own configured SITE_URL
        url, data=data, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
            return response.status, response.read(4096)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(4096)


def is_ack(status: int, body: bytes) -> bool:
    if status != 200:
        return False
    try:
        return json.loads(body).get("ok") is True
    except (ValueError, AttributeError):
        return False
