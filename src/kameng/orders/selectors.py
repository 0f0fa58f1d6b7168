"""Every read of orders that is more than a get. Each selector returns only what the user may see:
another buyer's order, or another shop's, is "not found" (ids leak nothing); a wrong role is 403.
Card-key plaintext is never read here: only ``services.reveal_key`` shows it, and records it."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, Exists, F, IntegerField, OuterRef, QuerySet, Sum, Value, When
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.core.errors import DomainError
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of, check_ledger
from kameng.orders import rules
from kameng.orders.models import (
    BatchState,
    DeliveryBatch,
    MerchantDebt,
    Order,
    OrderKey,
    OrderState,
    Payout,
    Refund,
)
from kameng.shops.models import Shop, ShopStatus
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


@dataclass(frozen=True)
class Guidance:
    """What the checkout tells a buyer before paying (10.3)."""

    terms_to_confirm: bool  # the shop wrote usage rules, region notes or a refund policy
    batched: bool  # above the 分批到账 threshold (8.8)
    batch_threshold_fen: int
    first_order_warning: str  # "", "new_shop" or "warned_shop": the buyer's first order here
    new_account_limit_fen: int | None  # the largest order this (new) account may place


def checkout_guidance(*, buyer: User, product, total_fen: int, now=None) -> Guidance:
    now = now or timezone.now()
    r = rules.current()
    shop = product.shop
    warning = ""
    if not Order.objects.filter(buyer=buyer, shop_id=shop.pk).exists():
        if shop.status == ShopStatus.WARNED:
            warning = "warned_shop"
        elif now - shop.created_at < r.new_shop_age:
            warning = "new_shop"
    return Guidance(
        terms_to_confirm=bool(product.usage_rules or product.region_notes or product.refund_policy),
        batched=total_fen > r.batch_threshold_fen,
        batch_threshold_fen=r.batch_threshold_fen,
        first_order_warning=warning,
        new_account_limit_fen=rules.new_account_limit_fen(buyer, r, now=now),
    )


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


@dataclass(frozen=True)
class WaitingRelease:
    """What releases a waiting batch (分批到账): the batch before it settling or being refunded."""

    after_seq: int  # the batch that must end first
    by: object = None  # when it ends at the latest (its protection window), if it is running
    held: bool = False  # the earlier batch is held by an after-sales case: no clock runs
    delivering: bool = False  # the earlier batch is not delivered yet


def waiting_releases(batches) -> dict[int, WaitingRelease]:
    """For each waiting batch (by seq), what it waits for. A batch is released when every earlier
    one has settled or been refunded (``delivery.advance``), so the first unfinished earlier batch
    tells when: its protection window's end, unless a case holds it or it is still on its way."""
    ordered = sorted(batches, key=lambda b: b.seq)
    notes: dict[int, WaitingRelease] = {}
    for i, batch in enumerate(ordered):
        if batch.state != BatchState.WAITING:
            continue
        before = next((b for b in ordered[:i] if b.state not in (BatchState.SETTLED, BatchState.REFUNDED)), None)
        if before is None:
            notes[batch.seq] = WaitingRelease(after_seq=batch.seq - 1 or 1)
        elif before.state == BatchState.DELIVERED:
            notes[batch.seq] = WaitingRelease(
                after_seq=before.seq, by=None if before.held_by else before.confirm_due_at, held=bool(before.held_by)
            )
        else:
            notes[batch.seq] = WaitingRelease(after_seq=before.seq, delivering=True)
    return notes


@dataclass(frozen=True)
class Confirmable:
    """What 确认收货 would settle now: the delivered batches no case holds, and their escrow."""

    seqs: list[int]
    amount_fen: int  # leaves escrow for the shop (what earlier refunds returned is not counted)
    held_seqs: list[int]  # delivered but held by an after-sales case: they stay in escrow


def confirmable(*, buyer: User, order_id: int) -> Confirmable:
    """The same batches ``services.confirm_receipt`` settles, read without a lock, for the page
    that asks the buyer once more."""
    order = order_of_buyer(buyer=buyer, order_id=order_id)
    delivered = list(order.batches.filter(state=BatchState.DELIVERED).order_by("seq"))
    free = [b for b in delivered if not b.held_by]
    return Confirmable(
        seqs=[b.seq for b in free],
        amount_fen=sum(b.amount_fen - b.refunded_fen for b in free),
        held_seqs=[b.seq for b in delivered if b.held_by],
    )


@dataclass(frozen=True)
class BatchRow:
    batch: DeliveryBatch
    release: WaitingRelease | None


def batch_rows(batches) -> list[BatchRow]:
    """The order's batches for its pages, each waiting one with what releases it."""
    batches = list(batches)
    notes = waiting_releases(batches)
    return [BatchRow(batch=b, release=notes.get(b.seq)) for b in batches]


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


# --- merchant money: balances, debts, why payouts are frozen ------------------------------------


def products_of_orders(order_ids) -> dict[int, int]:
    """Order id → its product id, in one query."""
    return dict(Order.objects.filter(pk__in=list(order_ids)).values_list("pk", "product_id"))


def _outstanding(qs: QuerySet[MerchantDebt]) -> int:
    return int(qs.aggregate(s=Sum(F("amount_fen") - F("recovered_fen")))["s"] or 0)


def outstanding_debt_fen(shop_id: int) -> int:
    """What the shop still owes the guarantee fund (先行赔付 advanced for it, unpaid penalties)."""
    return _outstanding(MerchantDebt.objects.filter(shop_id=shop_id, cleared_at__isnull=True))


@dataclass(frozen=True)
class PayoutFreeze:
    """Why a shop cannot withdraw now (None when it can)."""

    code: str  # "shop_frozen", "shop_banned", "penalty" (10.6), "debt"
    debt_fen: int = 0


def freeze_of(shop: Shop, debt_fen: int) -> PayoutFreeze | None:
    if shop.status in ("frozen", "banned"):
        return PayoutFreeze(f"shop_{shop.status}", debt_fen)
    if shop.payouts_frozen:  # an automatic penalty (10.6): too many disputes lost
        return PayoutFreeze("penalty", debt_fen)
    if debt_fen:
        # A shop that owes the guarantee fund is paid out only once the debt is recovered (8.2).
        return PayoutFreeze("debt", debt_fen)
    return None


def payout_freeze(shop: Shop) -> PayoutFreeze | None:
    return freeze_of(shop, outstanding_debt_fen(shop.pk))


@dataclass(frozen=True)
class MerchantBalance:
    available_fen: int  # settled, withdrawable
    pending_fen: int  # paid by buyers, still in the escrow of the shop's orders (before commission)
    in_payout_fen: int  # requested payouts not yet decided
    deposit_fen: int = 0  # 保证金
    debt_fen: int = 0  # owed to the guarantee fund; payouts are frozen while it is not zero
    freeze: PayoutFreeze | None = None

    @property
    def frozen_code(self) -> str:
        return self.freeze.code if self.freeze else ""


def merchant_balance(*, merchant: User) -> MerchantBalance:
    shop = _merchant_shop(merchant)
    pending = (
        DeliveryBatch.objects.filter(
            order__shop=shop, order__paid_at__isnull=False, state__in=_HELD_BATCH_STATES
        ).aggregate(total=Sum("amount_fen"))["total"]
        or 0
    )
    debt = outstanding_debt_fen(shop.pk)
    return MerchantBalance(
        available_fen=balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop.pk),
        pending_fen=pending,
        in_payout_fen=balance_of(kind=AccountKind.MERCHANT_PAYOUT, owner_id=shop.pk),
        deposit_fen=balance_of(kind=AccountKind.MERCHANT_DEPOSIT, owner_id=shop.pk),
        debt_fen=debt,
        freeze=freeze_of(shop, debt),
    )


def debts_of_shop(*, merchant: User) -> QuerySet[MerchantDebt]:
    """The shop's open debts to the guarantee fund, oldest first (the order they are recovered in)."""
    shop = _merchant_shop(merchant)
    return _with_kind(MerchantDebt.objects.filter(shop=shop, cleared_at__isnull=True)).order_by("created_at", "pk")


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


def _with_kind(qs: QuerySet[MerchantDebt]) -> QuerySet[MerchantDebt]:
    """``is_advance``: the debt is 先行赔付 the fund paid a buyer (its source is a refund's);
    otherwise it is a penalty the shop could not pay."""
    return qs.annotate(is_advance=Exists(Refund.objects.filter(source=OuterRef("source"))))


def debt_list(*, operator: User, open_only: bool = True) -> QuerySet[MerchantDebt]:
    """Debts of every shop to the guarantee fund, oldest first; open ones only unless asked."""
    require_role(operator, Role.OPERATOR)
    qs = _with_kind(MerchantDebt.objects.select_related("shop")).order_by("created_at", "pk")
    return qs.filter(cleared_at__isnull=True) if open_only else qs


@dataclass(frozen=True)
class GuaranteeFund:
    balance_fen: int  # what the fund holds now
    advances_paid_fen: int  # 先行赔付 it paid buyers for shops that could not
    recovered_fen: int  # paid back to it by those shops (debts recovered)
    outstanding_fen: int  # still owed to it (advances and penalties)
    debtors: int  # shops owing it


def guarantee_fund(*, operator: User) -> GuaranteeFund:
    require_role(operator, Role.OPERATOR)
    open_debts = MerchantDebt.objects.filter(cleared_at__isnull=True)
    return GuaranteeFund(
        balance_fen=balance_of(kind=AccountKind.GUARANTEE_FUND),
        advances_paid_fen=int(Refund.objects.aggregate(s=Sum("from_fund_fen"))["s"] or 0),
        recovered_fen=int(MerchantDebt.objects.aggregate(s=Sum("recovered_fen"))["s"] or 0),
        outstanding_fen=_outstanding(open_debts),
        debtors=open_debts.values("shop").distinct().count(),
    )


def ledger_check(*, operator: User):
    require_role(operator, Role.OPERATOR)
    return check_ledger()


# --- for other apps' domain code (after-sales, evidence) -----------------------------------------
# These check no user: the caller already decided who may see the order (a case it may see, a
# tag it owns). They are how those apps read orders without importing ``orders.models``.


def orders_among(
    *, ids: list[int] | QuerySet, buyer: User | None = None, merchant: User | None = None
) -> QuerySet[Order]:
    """The orders whose ids are in ``ids`` (a list, or a subquery of the caller's own rows), newest
    first; only ``buyer``'s own, or ``merchant``'s shop's, when given."""
    qs = Order.objects.select_related("shop", "product").filter(pk__in=ids)
    if buyer is not None:
        qs = qs.filter(buyer=buyer)
    if merchant is not None:
        qs = qs.filter(shop__owner=merchant)
    return qs.order_by("-created_at", "-pk")


def batches_of(*, order: Order, seqs: list[int]) -> QuerySet[DeliveryBatch]:
    """The order's batches numbered ``seqs``, in sequence order."""
    return DeliveryBatch.objects.filter(order=order, seq__in=seqs).order_by("seq")


def keys_of_order(*, order_id: int, ids: list[int]) -> QuerySet[OrderKey]:
    """The order's keys among ``ids`` (a case's keys), by id."""
    return OrderKey.objects.filter(batch__order_id=order_id, pk__in=ids).order_by("pk")


def current_keys_of(*, batches: list[DeliveryBatch] | QuerySet[DeliveryBatch]) -> QuerySet[OrderKey]:
    """The keys delivered in ``batches`` that were not replaced since, by id."""
    return OrderKey.objects.filter(batch__in=batches, replaced_at__isnull=True).order_by("pk")


def current_keys_among(*, order_id: int, ids: list[int]) -> QuerySet[OrderKey]:
    """The order's keys among ``ids`` that were not replaced since, by id."""
    return keys_of_order(order_id=order_id, ids=ids).filter(replaced_at__isnull=True)


def current_keys_in(*, order_id: int, seqs: list[int]) -> QuerySet[OrderKey]:
    """The keys delivered in the order's batches numbered ``seqs``, not replaced since, by id."""
    return OrderKey.objects.filter(batch__order_id=order_id, batch__seq__in=seqs, replaced_at__isnull=True).order_by(
        "pk"
    )


def refunds_from(*, source_prefix: str) -> QuerySet[Refund]:
    """The refunds whose ledger source starts with ``source_prefix`` (e.g. one case's), by id."""
    return Refund.objects.filter(source__startswith=source_prefix).order_by("pk")
