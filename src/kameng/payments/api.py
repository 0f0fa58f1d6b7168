"""/api/v1/payments: wallet top-ups for buyers, and the gateways' notification endpoints.

Thin: parse, call one service or selector, shape. The notification endpoints have no auth and no
CSRF (the gateway's signature is the authentication) and answer in each gateway's protocol."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Router

from kameng.accounts.auth import api_auth
from kameng.payments import selectors, services
from kameng.payments.gateways.base import get_gateway, is_enabled
from kameng.payments.models import PaymentStatus
from kameng.payments.schemas import PaymentOut, TopupIn, TopupOut, WalletOut

router = Router(tags=["payments"])


def _with_checkout(payment, request) -> dict:
    data = PaymentOut.model_validate(payment).model_dump()
    pending = payment.status == PaymentStatus.PENDING and is_enabled(payment.gateway)
    data["checkout_url"] = get_gateway(payment.gateway).checkout_url(payment, request) if pending else None
    return data


@router.post("/topups", auth=api_auth, response={201: TopupOut}, summary="Start a wallet top-up")
def start_topup(request, payload: TopupIn):
    payment = services.start_topup(
        buyer=request.auth, amount_fen=payload.amount_fen, gateway=payload.gateway, order_id=payload.order_id
    )
    return 201, _with_checkout(payment, request)


@router.get("/topups", auth=api_auth, response=list[PaymentOut], summary="My top-ups, newest first")
def list_topups(request):
    return list(selectors.payments_of(buyer=request.auth)[:100])


@router.get("/topups/{out_trade_no}", auth=api_auth, response=TopupOut, summary="One of my top-ups")
def get_topup(request, out_trade_no: str):
    return _with_checkout(selectors.payment_of(buyer=request.auth, out_trade_no=out_trade_no), request)


@router.get("/wallet", auth=api_auth, response=WalletOut, summary="My wallet balance and recent history")
def wallet(request):
    return {
        "balance_fen": selectors.wallet_balance(buyer=request.auth),
        "history": selectors.wallet_history(buyer=request.auth, limit=50),
    }


def _notify(request: HttpRequest, gateway: str):
    if not is_enabled(gateway):
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    result = services.handle_notification(
        gateway=gateway, params=params.dict(), remote_addr=request.META.get("REMOTE_ADDR") or None
    )
    gw = get_gateway(gateway)
    return gw.ack() if result.accepted else gw.nack()


@router.post("/notify/sandbox", auth=None, url_name="payments_notify_sandbox", include_in_schema=False)
def notify_sandbox(request):
    return _notify(request, "sandbox")


@router.api_operation(
    ["GET", "POST"], "/notify/epay", auth=None, url_name="payments_notify_epay", include_in_schema=False
)
def notify_epay(request):
    return _notify(request, "epay")
