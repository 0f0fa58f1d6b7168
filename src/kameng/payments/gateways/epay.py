"""EPay / 易支付: the protocol most Chinese card shops speak.

Request and notification are signed the same way: MD5 of every non-empty parameter except
``sign`` and ``sign_type``, sorted by key, joined as ``k=v&k=v``, with the merchant KEY appended.
A notification (GET or POST) is successful when ``trade_status`` is ``TRADE_SUCCESS``; the reply
that stops the provider retrying is exactly ``success``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import urllib.parse
from collections.abc import Mapping
from decimal import Decimal

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kameng.payments import conf
from kameng.payments.gateways.base import BadSignature, Gateway, Notification

SUCCESS_STATUSES = {"TRADE_SUCCESS", "TRADE_FINISHED"}
_MONEY = re.compile(r"^\d{1,12}(\.\d{1,2})?$")


def sign(params: Mapping[str, str], key: str) -> str:
    text = "&".join(
        f"{k}={params[k]}" for k in sorted(params) if k not in ("sign", "sign_type") and params[k] not in ("", None)
    )
    return hashlib.md5((text + key).encode()).hexdigest()  # noqa: S324 - MD5 is the protocol


def yuan(amount_fen: int) -> str:
    return f"{amount_fen // 100}.{amount_fen % 100:02d}"


def fen_from_yuan(text: str) -> int:
    """Exact: "10.5" -> 1050; anything not a plain yuan amount -> -1 (read as a wrong amount)."""
    if not _MONEY.match(text or ""):
        return -1
    return int(Decimal(text) * 100)


class EpayGateway(Gateway):
    name = "epay"
    label = _("EPay (Alipay / WeChat Pay)")

    def checkout_url(self, payment, request=None) -> str:
        cfg = conf.epay()
        params = {
            "pid": cfg["pid"],
            "type": cfg["type"],
            "out_trade_no": payment.out_trade_no,
            "notify_url": conf.site_url() + reverse("api-v1:payments_notify_epay"),
            "return_url": conf.site_url() + reverse("payments:wallet") + f"?payment={payment.out_trade_no}",
            "name": f"Kameng wallet top-up {payment.out_trade_no}",
            "money": yuan(payment.amount_fen),
        }
        params["sign"] = sign(params, cfg["key"])
        params["sign_type"] = "MD5"
        return f"{cfg['url']}?{urllib.parse.urlencode(params)}"

    def parse_notification(self, params: Mapping[str, str]) -> Notification:
        cfg = conf.epay()
        values = {k: str(v) for k, v in params.items()}
        given = values.get("sign", "")
        if not cfg["key"]:
            raise BadSignature("EPay key not configured")
        if not given or not hmac.compare_digest(sign(values, cfg["key"]), given.lower()):
            raise BadSignature("signature mismatch")
        if values.get("pid") != cfg["pid"]:
            raise BadSignature("notification for another merchant id")
        for field in ("out_trade_no", "trade_no", "trade_status"):
            if not values.get(field):
                raise BadSignature(f"missing {field}")
        return Notification(
            event_id=f"{values['trade_no']}:{values['trade_status']}",
            out_trade_no=values["out_trade_no"],
            provider_trade_no=values["trade_no"],
            amount_fen=fen_from_yuan(values.get("money", "")),
            currency="CNY",  # EPay only settles in yuan
            succeeded=values["trade_status"] in SUCCESS_STATUSES,
        )

    def ack(self) -> HttpResponse:
        return HttpResponse("success", content_type="text/plain")

    def nack(self) -> HttpResponse:
        # 200 with any other body: the provider reads it as "not accepted" and retries.
        return HttpResponse("fail", content_type="text/plain")
