"""/api/v1/orders: buyers place, pay, confirm and reveal; merchants deliver and withdraw; operators
decide payouts and check the books. Thin: parse, call one service or selector, shape."""

from __future__ import annotations

from ninja import Path, Query, Router

from kameng.accounts.auth import api_auth
from kameng.core.errors import DomainError
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of
from kameng.orders import funds, selectors, services
from kameng.orders.schemas import (
    MAX_ID,
    BalanceOut,
    DebtOut,
    EventOut,
    FundIn,
    FundOut,
    GuaranteeFundOut,
    LedgerCheckOut,
    NoteIn,
    OrderIn,
    OrderKeyOut,
    OrderOut,
    OrderPageOut,
    PayoutIn,
    PayoutOut,
    PlaceOut,
    RejectIn,
    RevealOut,
    ShopOrderOut,
    ShopOrderPageOut,
)

router = Router(tags=["orders"])
TOPUP_URL = "/api/v1/payments/topups"


def _id():
    return Path(..., ge=1, le=MAX_ID)


def _page(page) -> dict:
    return {
        "items": list(page.object_list),
        "page": page.number,
        "pages": page.paginator.num_pages,
        "total": page.paginator.count,
    }


def _placed(order) -> dict:
    """The same body for a new order and for its replay: computed from the order as it is now."""
    shortfall = selectors.wallet_shortfall(order=order)
    hint = None
    if shortfall:
        hint = {
            "method": "POST",
            "url": TOPUP_URL,
            "body": {"order_id": order.pk, "amount_fen": shortfall},
        }
    return {"order": order, "paid": order.paid_at is not None, "shortfall_fen": shortfall, "topup": hint}


def _client_ip(request) -> str | None:
    # Behind a proxy, Django's REMOTE_ADDR is what the deployment configures it to be; we do not
    # trust a client-sent X-Forwarded-For here.
    return request.META.get("REMOTE_ADDR") or None


# --- merchant (static paths first, so they never read as an order id) ----------------------------


@router.get("/shop", auth=api_auth, response=ShopOrderPageOut, summary="My shop's orders (merchant)")
def shop_orders(request, state: str | None = Query(None, max_length=32), page: int = Query(1, ge=1, le=10**6)):
    return _page(selectors.paginate(selectors.orders_of_shop(merchant=request.auth, state=state), page))


@router.get("/shop/{order_id}", auth=api_auth, response=ShopOrderOut, summary="One order of my shop")
def shop_order(request, order_id: int = _id()):
    return selectors.order_of_shop(merchant=request.auth, order_id=order_id)


@router.post("/shop/{order_id}/deliver", auth=api_auth, response=ShopOrderOut, summary="Deliver manually (人工发货)")
def deliver(request, order_id: int = _id(), *, payload: NoteIn):
    services.deliver_manually(merchant=request.auth, order_id=order_id, note=payload.note)
    return selectors.order_of_shop(merchant=request.auth, order_id=order_id)


@router.get("/balance", auth=api_auth, response=BalanceOut, summary="My balances (merchant)")
def balance(request):
    return selectors.merchant_balance(merchant=request.auth)


@router.post("/payouts", auth=api_auth, response={201: PayoutOut}, summary="Request a payout (提现)")
def request_payout(request, payload: PayoutIn):
    return 201, funds.request_payout(
        merchant=request.auth, amount_fen=payload.amount_fen, method=payload.method, account=payload.account
    )


@router.get("/payouts", auth=api_auth, response=list[PayoutOut], summary="My payouts, newest first")
def my_payouts(request):
    return list(selectors.payouts_of_shop(merchant=request.auth)[:100])


# --- operator ------------------------------------------------------------------------------------


@router.get("/operator/payouts", auth=api_auth, response=list[PayoutOut], summary="Payouts to decide (operator)")
def payout_queue(request, state: str | None = Query("requested", max_length=32)):
    return list(selectors.payout_queue(operator=request.auth, state=state)[:200])


@router.post("/operator/payouts/{payout_id}/approve", auth=api_auth, response=PayoutOut, summary="Approve a payout")
def approve_payout(request, payout_id: int = _id()):
    return funds.decide_payout(operator=request.auth, payout_id=payout_id, approve=True)


@router.post("/operator/payouts/{payout_id}/reject", auth=api_auth, response=PayoutOut, summary="Reject a payout")
def reject_payout(request, payout_id: int = _id(), *, payload: RejectIn):
    return funds.decide_payout(operator=request.auth, payout_id=payout_id, approve=False, note=payload.note)


@router.get(
    "/operator/debts",
    auth=api_auth,
    response=list[DebtOut],
    summary="Shops' debts to the guarantee fund, oldest first (operator)",
)
def debts(request, include_paid: bool = Query(False, description="also debts already paid back")):
    return list(selectors.debt_list(operator=request.auth, open_only=not include_paid)[:500])


@router.get(
    "/operator/guarantee-fund",
    auth=api_auth,
    response=GuaranteeFundOut,
    summary="The guarantee fund: balance, advances paid, recovered, outstanding (operator)",
)
def guarantee_fund(request):
    return selectors.guarantee_fund(operator=request.auth)


@router.get("/operator/ledger-check", auth=api_auth, response=LedgerCheckOut, summary="Check the books (operator)")
def ledger_check(request):
    report = selectors.ledger_check(operator=request.auth)
    return {
        "ok": report.ok,
        "accounts": report.accounts,
        "entries": report.entries,
        "postings": report.postings,
        "total_fen": report.total_fen,
        "breaches": report.breaches,
    }


@router.post(
    "/operator/guarantee-fund",
    auth=api_auth,
    response=FundOut,
    summary="Top up the guarantee fund (保障基金, operator); send an Idempotency-Key",
)
def fund_guarantee(request, payload: FundIn):
    # The key makes a retried request move the money once (the ledger source is unique).
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if not key or len(key) > 100 or not key.isprintable():
        raise DomainError("orders.idempotency_key_required")
    funds.fund_guarantee(
        operator=request.auth,
        amount_fen=payload.amount_fen,
        source=f"{request.auth.pk}:{key}",
        from_commission=payload.origin == "commission",
    )
    return {
        "guarantee_fund_fen": balance_of(kind=AccountKind.GUARANTEE_FUND),
        "platform_commission_fen": balance_of(kind=AccountKind.PLATFORM_COMMISSION),
    }


# --- buyer ---------------------------------------------------------------------------------------


@router.post(
    "",
    auth=api_auth,
    response={200: PlaceOut, 201: PlaceOut},
    summary="Place an order (send an Idempotency-Key header)",
    description="201 for a new order, 200 with the same body when the Idempotency-Key was seen before. "
    "When the wallet is short the order waits for payment: `topup` says how to top up for it.",
)
def place_order(request, payload: OrderIn):
    result = services.place_order(
        buyer=request.auth,
        product_id=payload.product_id,
        quantity=payload.quantity,
        buyer_fields=payload.buyer_fields,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    if result.batches is not None:
        # The answer lists the batches just written: hand them over instead of reading them again
        # (what prefetch_related("batches") would have stored on this one object).
        related = result.order.batches.all()
        related._result_cache = list(result.batches)
        related._prefetch_done = True
        result.order._prefetched_objects_cache = {"batches": related}
    return (201 if result.created else 200), _placed(result.order)


@router.get("", auth=api_auth, response=OrderPageOut, summary="My orders, newest first")
def my_orders(request, state: str | None = Query(None, max_length=32), page: int = Query(1, ge=1, le=10**6)):
    qs = selectors.orders_of_buyer(buyer=request.auth, state=state).prefetch_related("batches")
    return _page(selectors.paginate(qs, page))


@router.get("/{order_id}", auth=api_auth, response=OrderOut, summary="One of my orders")
def my_order(request, order_id: int = _id()):
    return selectors.order_of_buyer(buyer=request.auth, order_id=order_id)


@router.post("/{order_id}/pay", auth=api_auth, response=OrderOut, summary="Pay a waiting order from my wallet")
def pay(request, order_id: int = _id()):
    return services.pay_order(buyer=request.auth, order_id=order_id)


@router.post("/{order_id}/cancel", auth=api_auth, response=OrderOut, summary="Cancel an unpaid order")
def cancel(request, order_id: int = _id()):
    selectors.order_of_buyer(buyer=request.auth, order_id=order_id)  # role and ownership first
    return services.cancel_order(buyer=request.auth, order_id=order_id, reason="cancelled by the buyer")


@router.post("/{order_id}/confirm", auth=api_auth, response=OrderOut, summary="Confirm receipt (确认收货)")
def confirm(request, order_id: int = _id()):
    return services.confirm_receipt(buyer=request.auth, order_id=order_id)


@router.get("/{order_id}/keys", auth=api_auth, response=list[OrderKeyOut], summary="Card keys delivered to me")
def keys(request, order_id: int = _id()):
    return list(selectors.delivered_keys(buyer=request.auth, order_id=order_id))


@router.post(
    "/{order_id}/keys/{key_id}/reveal",
    auth=api_auth,
    response=RevealOut,
    summary="Show a card key (recorded on the order's timeline with time, address and browser)",
)
def reveal(request, order_id: int = _id(), key_id: int = _id()):
    code, password = services.reveal_key(
        buyer=request.auth,
        order_id=order_id,
        order_key_id=key_id,
        ip=_client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    return {"id": key_id, "code": code, "password": password}


@router.get("/{order_id}/timeline", auth=api_auth, response=list[EventOut], summary="My order's evidence timeline")
def timeline(request, order_id: int = _id()):
    order = selectors.order_of_buyer(buyer=request.auth, order_id=order_id)
    return selectors.timeline_of(order=order)
