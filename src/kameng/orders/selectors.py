"""Every read of orders that is more than a get. Each selector returns only what the user may see:
another buyer's order, or another shop's, is "not found" (ids leak nothing); a wrong role is 403.
Card-key plaintext is never read here: only ``services.reveal_key`` shows it, and records it."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, QuerySet, Sum, Value, When

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.core.errors import DomainError
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of, check_ledger
from kameng.orders.models import BatchState, DeliveryBatch, Order, OrderKey, OrderState, Payout
from kameng.shops.models import Shop
from kameng.shops.selectors import shop_of_merchant
from kameng.timeline.labels import kind_label
from kameng.timeline.selectors import events_of

PAGE_SIZE = 20
# Escrow of a paid order is held by the batches not yet settled or refunded.
_HELD_BATCH_STATES = (BatchState.WAITING, BatchState.DELIVERING, BatchState.DELIVERED)
# Keys the buyer may see: their batch was released (and maybe settled since).
_VISIBLE_BATCH_STATES = (BatchState.DELIVERED, BatchState.SETTLED)
# Never shown in an order's timeline, even to its buyer.
_SECRET_PAYLOAD_KEYS = frozenset({"code", "password", "secret", "signature", "token", "plaintext"})


def _state_filter(state: str | None) -> str | None:
    if not state:
        return None
    if state not in OrderState.values:
        raise DomainError("invalid_input", fields={"state": f"one of {', '.join(OrderState.values)}"})
    return state


def paginate(qs: QuerySet, page: int | str | None) -> Page:
    return Paginator(qs, PAGE_SIZE).get_page(page or 1)


# --- buyer ---------------------------------------------------------------------------------------


def orders_of_buyer(*, buyer: User, state: str | None = None) -> QuerySet[Order]:
    """The buyer's orders, newest first."""
    require_role(buyer, Role.BUYER)
    qs = Order.objects.filter(buyer=buyer).select_related("shop").order_by("-created_at", "-id")
    state = _state_filter(state)
    return qs.filter(state=state) if state else qs


def order_of_buyer(*, buyer: User, order_id: int) -> Order:
    require_role(buyer, Role.BUYER)
    order = Order.objects.select_related("shop", "product").filter(pk=order_id, buyer=buyer).first()
    if order is None:
        raise DomainError("not_found")
    return order


def delivered_keys(*, buyer: User, order_id: int) -> QuerySet[OrderKey]:
    """The card keys handed to the buyer so far (released or settled batches only)."""
    order = order_of_buyer(buyer=buyer, order_id=order_id)
    return (
        OrderKey.objects.filter(batch__order=order, batch__state__in=_VISIBLE_BATCH_STATES)
        .select_related("batch")
        .order_by("batch__seq", "id")
    )


def wallet_shortfall(*, order: Order) -> int:
    """How much the buyer must top up before this order can be paid (0 if it needs nothing)."""
    if order.state != OrderState.PENDING_PAYMENT:
        return 0
    return max(0, order.total_fen - balance_of(kind=AccountKind.BUYER_WALLET, owner_id=order.buyer_id))


def wallet_balance(*, buyer: User) -> int:
    require_role(buyer, Role.BUYER)
    return balance_of(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk)


@dataclass(frozen=True)
class TimelineItem:
    kind: str
    label: str
    actor_role: str
    created_at: object
    payload: dict
    seq: int
    hash: str


def public_payload(payload: object) -> dict:
    if not isinstance(payload, dict):
        return {}
    return {k: v for k, v in payload.items() if k not in _SECRET_PAYLOAD_KEYS}


def timeline_of(*, order: Order) -> list[TimelineItem]:
    """The order's evidence chain, oldest first. The caller got ``order`` from a selector above,
    which is the permission check."""
    return [
        TimelineItem(
            kind=e.kind,
            label=kind_label(e.kind),
            actor_role=e.actor_role or "",
            created_at=e.created_at,
            payload=public_payload(e.payload),
            seq=e.seq,
            hash=e.hash,
        )
        for e in events_of(stream=order.stream)
    ]


def events_for_page(*, order: Order):
    """Raw events for the timeline partial (it hides fingerprints and addresses itself)."""
    return events_of(stream=order.stream)


# --- merchant ------------------------------------------------------------------------------------


def _merchant_shop(merchant: User) -> Shop:
    shop = shop_of_merchant(user=merchant)
    if shop is None:
        raise DomainError("shop.no_shop")
    return shop


def orders_of_shop(*, merchant: User, state: str | None = None) -> QuerySet[Order]:
    """The shop's orders: 人工发货 orders waiting for the merchant first (soonest due), then newest."""
    shop = _merchant_shop(merchant)
    waiting = When(state=OrderState.DELIVERING, delivery_kind="manual", then=Value(0))
    qs = (
        Order.objects.filter(shop=shop)
        .select_related("buyer")
        .annotate(_waiting=Case(waiting, default=Value(1), output_field=IntegerField()))
        .order_by("_waiting", "delivery_due_at", "-created_at", "-id")
    )
    state = _state_filter(state)
    return qs.filter(state=state) if state else qs


def order_of_shop(*, merchant: User, order_id: int) -> Order:
    require_role(merchant, Role.MERCHANT)
    order = Order.objects.select_related("shop", "product", "buyer").filter(pk=order_id, shop__owner=merchant).first()
    if order is None:
        raise DomainError("not_found")
    return order


@dataclass(frozen=True)
class MerchantBalance:
    available_fen: int  # settled, withdrawable
    pending_fen: int  # paid by buyers, still in the escrow of the shop's orders (before commission)
    in_payout_fen: int  # requested payouts not yet decided


def merchant_balance(*, merchant: User) -> MerchantBalance:
    shop = _merchant_shop(merchant)
    pending = (
        DeliveryBatch.objects.filter(
            order__shop=shop, order__paid_at__isnull=False, state__in=_HELD_BATCH_STATES
        ).aggregate(total=Sum("amount_fen"))["total"]
        or 0
    )
    return MerchantBalance(
        available_fen=balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop.pk),
        pending_fen=pending,
        in_payout_fen=balance_of(kind=AccountKind.MERCHANT_PAYOUT, owner_id=shop.pk),
    )


def payouts_of_shop(*, merchant: User) -> QuerySet[Payout]:
    shop = _merchant_shop(merchant)
    return Payout.objects.filter(shop=shop).order_by("-created_at", "-id")


# --- operator ------------------------------------------------------------------------------------


def payout_queue(*, operator: User, state: str | None = Payout.State.REQUESTED) -> QuerySet[Payout]:
    """Payouts for operators to decide, oldest first (first come, first paid)."""
    require_role(operator, Role.OPERATOR)
    qs = Payout.objects.select_related("shop", "requested_by", "decided_by").order_by("created_at", "id")
    if state:
        if state not in Payout.State.values:
            raise DomainError("invalid_input", fields={"state": f"one of {', '.join(Payout.State.values)}"})
        qs = qs.filter(state=state)
    return qs


def ledger_check(*, operator: User):
    require_role(operator, Role.OPERATOR)
    return check_ledger()
