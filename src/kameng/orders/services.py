"""Every write to orders: placing and paying (escrow), delivery of all three kinds, reveals,
confirmation and settlement, refunds, payouts and the periodic sweep.

Lock order (docs/concurrency.md): order row → ledger accounts (by id, inside ledger.post_entry) →
card keys (SKIP LOCKED) → product row (stock counter, last and shortest). Money moves only through
``kameng.ledger.services``; every entry's source names the order and step, so a retried step
can never move money twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.catalog.models import DeliveryKind, Product
from kameng.catalog.services import validate_buyer_fields
from kameng.core.db import insert_rows
from kameng.core.errors import DomainError
from kameng.core.templatetags.money import format_fen
from kameng.inventory.services import allocate_card_keys, reveal_card_key
from kameng.ledger.models import AccountKind
from kameng.ledger.services import Line, get_or_create_account, open_account, post_entry, transfer
from kameng.orders import funds, rules
from kameng.orders.delivery import advance, record_batch_delivered, release_batch, start_topup
from kameng.orders.models import BatchState, DeliveryBatch, Order, OrderKey, OrderState
from kameng.orders.money import refund_batches
from kameng.orders.signals import PAID
from kameng.orders.transitions import next_order_state
from kameng.orders.uow import (
    current_work,
    escrow_account,
    locked_order,
    record_event,
    record_fact,
    set_batch_state,
    set_order_state,
    unit_of_work,
    wallet_account,
)
from kameng.shops.models import Shop
from kameng.suppliers.models import RequestStatus
from kameng.suppliers.selectors import request_for_ref

log = logging.getLogger(__name__)

IDEMPOTENCY_KEY_MAX = 100


# --- small helpers -------------------------------------------------------------------------------


def _request_fingerprint(product_id: int, quantity: int, buyer_fields: dict) -> str:
    raw = json.dumps([product_id, quantity, buyer_fields], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def _clean_idempotency_key(key: str | None) -> str:
    key = (key or "").strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise DomainError("orders.idempotency_key_required")
    return key


# --- placing and paying --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceResult:
    order: Order
    created: bool
    paid: bool
    shortfall_fen: int  # how much to top up when the wallet was short (the order waits for it)
    batches: tuple[DeliveryBatch, ...] | None = None  # a new order's batches as just written


def place_order(
    *,
    buyer: User,
    product_id: int,
    quantity: int,
    buyer_fields: dict | None,
    idempotency_key: str | None,
    pay_now: bool = True,
) -> PlaceResult:
    """Create an order and, when the wallet holds enough, pay it into escrow in the same transaction.

    The same Idempotency-Key from the same buyer always answers with the same order and never
    charges again (this is why 重复扣款 cannot happen here); the same key with a different request is
    refused. If card-key stock runs out, the order is refused before any money moves."""
    require_role(buyer, Role.BUYER)
    key = _clean_idempotency_key(idempotency_key)
    fields_in = buyer_fields or {}
    fingerprint = _request_fingerprint(product_id, quantity, fields_in)
    # No look-up of the key up front: a new key is the common case. A key seen before shows up as
    # the unique constraint refusing the insert, or as a refusal the first request did not get
    # (product unpublished or sold out since): then the existing order is answered again.
    try:
        return _place_new_order(
            buyer=buyer,
            product_id=product_id,
            quantity=quantity,
            fields_in=fields_in,
            key=key,
            fingerprint=fingerprint,
            pay_now=pay_now,
        )
    except (IntegrityError, DomainError):
        existing = Order.objects.filter(buyer=buyer, idempotency_key=key).first()
        if existing is None:
            raise
        return _replay(existing, fingerprint)


def _place_new_order(
    *, buyer: User, product_id: int, quantity: int, fields_in: dict, key: str, fingerprint: str, pay_now: bool
) -> PlaceResult:
    product = _product_for_order(product_id)
    if product is None or not product.published or not product.shop.can_sell:
        raise DomainError("catalog.product_not_available")
    if not isinstance(quantity, int) or not product.min_per_order <= quantity <= product.max_per_order:
        raise DomainError("orders.quantity_out_of_range", min=product.min_per_order, max=product.max_per_order)
    if product.delivery_kind == DeliveryKind.CARD_KEY:
        if fields_in:
            raise DomainError("catalog.invalid_required_field", fields={"buyer_fields": "not used by this product"})
        cleaned_fields: dict = {}
        if product.stock_available < quantity:
            raise DomainError("inventory.out_of_stock")  # early answer; the allocation decides for real
    else:
        cleaned_fields = validate_buyer_fields(product=product, values=fields_in)

    now = timezone.now()
    r = rules.current()
    total = product.price_fen * quantity
    limit = rules.new_account_limit_fen(buyer, r, now=now)
    if limit is not None and total > limit:
        raise DomainError("orders.new_account_limit", max=format_fen(limit), days=r.new_account_age.days)
    # Inside a caller's transaction a duplicate key must not abort it: insert in a savepoint. On
    # its own, the order's transaction is the one that rolls back, so the savepoint is not needed.
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with unit_of_work() as work:
        # The wallet is read before the insert so that a card-key order paid at once is inserted in
        # its final state (paid and delivered) instead of inserted and then updated. Every later
        # step still refuses on its own (ledger balance, key allocation) and rolls this back.
        wallet = wallet_account(buyer.pk) if pay_now else None
        paying = wallet is not None and wallet.balance_fen >= total
        inserted_paid = paying and product.delivery_kind == DeliveryKind.CARD_KEY
        with guard:
            order = Order(
                buyer=buyer,
                shop=product.shop,
                product=product,
                product_title=product.title_zh,
                delivery_kind=product.delivery_kind,
                quantity=quantity,
                unit_price_fen=product.price_fen,
                total_fen=total,
                buyer_fields=cleaned_fields,
                idempotency_key=key,
                request_fingerprint=fingerprint,
                created_at=now,
                payment_due_at=now + r.payment_window,
                rulebook_id=r.rulebook_id,  # its protection window and commission stay this version's
            )
            if inserted_paid:
                _mark_paid_and_delivered(order, now=now)
            insert_rows([order])
        sizes = (
            rules.split_into_batches(
                quantity=quantity, unit_price_fen=product.price_fen, threshold_fen=r.batch_threshold_fen
            )
            if total > r.batch_threshold_fen
            else [quantity]
        )
        work.new_streams.add(order.stream)
        # Not inserted yet: a paid card-key order inserts them once, already released.
        batches = [
            DeliveryBatch(order=order, seq=n, quantity=size, amount_fen=size * product.price_fen)
            for n, size in enumerate(sizes, start=1)
        ]
        record_event(
            order,
            "order.created",
            {
                "product_id": product.pk,
                "title": product.title_zh,
                "quantity": quantity,
                "unit_price_fen": product.price_fen,
                "total_fen": total,
                "batches": sizes,
                "buyer_fields": cleaned_fields,
            },
            actor=buyer,
        )
        paid = False
        shortfall = 0
        if paying:
            _pay_locked(
                order=order, now=now, batches=batches, wallet=wallet, new_batches=True, inserted_paid=inserted_paid
            )
            paid = True
        else:
            DeliveryBatch.objects.bulk_create(batches)
            if wallet is not None:
                shortfall = total - wallet.balance_fen
    return PlaceResult(order=order, created=True, paid=paid, shortfall_fen=shortfall, batches=tuple(batches))


def _product_for_order(product_id: int) -> Product | None:
    """The product with its shop's status, in one plain statement: every checkout starts here, and
    building ``select_related("shop")`` costs more CPU than the read. The product's fields are
    converted as the ORM would (raw queryset); the shop is loaded with only its status, which is
    what ``Shop.can_sell`` reads: any other field of it would load on first use (deferred)."""
    quote = connection.ops.quote_name
    sql = (
        f"SELECT p.*, s.{quote(_SHOP_STATUS)} AS shop_status "  # noqa: S608 (table and column names only)
        f"FROM {quote(Product._meta.db_table)} p JOIN {quote(Shop._meta.db_table)} s ON s.id = p.shop_id "
        f"WHERE p.id = %s"
    )
    product = next(iter(Product.objects.raw(sql, [product_id])), None)
    if product is not None:
        product.shop = Shop.from_db(connection.alias, ["id", "status"], [product.shop_id, product.shop_status])
    return product


_SHOP_STATUS = Shop._meta.get_field("status").column


def _replay(order: Order, fingerprint: str) -> PlaceResult:
    if order.request_fingerprint != fingerprint:
        raise DomainError("orders.idempotency_mismatch")
    return PlaceResult(order=order, created=False, paid=order.paid_at is not None, shortfall_fen=0)


def pay_order(*, buyer: User, order_id: int) -> Order:
    """Pay a waiting order from the wallet into its escrow."""
    require_role(buyer, Role.BUYER)
    with unit_of_work():
        order = locked_order(order_id)
        if order.buyer_id != buyer.pk:
            raise DomainError("not_found")
        _pay_locked(order=order, now=timezone.now())
    return order


def pay_waiting_order_after_topup(*, order_id: int, payment_id: int | None = None, amount_fen: int = 0) -> bool:
    """A top-up for this order was captured: pay it now if it still waits. If the order expired or
    was cancelled meanwhile, the money simply stays in the buyer's wallet: nothing is lost.

    If the order was already paid, this payment is a duplicate charge (重复扣款, rule 8.4): it was
    credited to the wallet and is not charged to the order, so it stands refunded without a case;
    the order timeline records it and the buyer is told."""
    try:
        with unit_of_work():
            order = locked_order(order_id)
            if order.state != OrderState.PENDING_PAYMENT:
                if order.paid_at is not None and payment_id is not None:
                    _record_duplicate_payment(order, payment_id=payment_id, amount_fen=amount_fen)
                return False
            _pay_locked(order=order, now=timezone.now())
            return True
    except DomainError as exc:
        log.info("order %s not paid after top-up: %s", order_id, exc.code)
        return False


def _record_duplicate_payment(order: Order, *, payment_id: int, amount_fen: int) -> None:
    from kameng.notifications.services import notify

    record_event(
        order,
        "payment.duplicate_refunded",
        {"payment": payment_id, "amount_fen": amount_fen, "to": "wallet", "rule": "8.4"},
        actor_role="system",
    )
    notify(
        user=order.buyer,
        kind="order.duplicate_payment",
        params={"order": order.pk, "amount": format_fen(amount_fen)},
        url=f"/orders/{order.pk}/",
        subject=order.stream,
        dedupe_key=f"duplicate-payment:{payment_id}",
    )


def _pay_locked(
    *,
    order: Order,
    now: datetime,
    batches: list[DeliveryBatch] | None = None,
    wallet=None,
    new_batches: bool = False,
    inserted_paid: bool = False,
) -> None:
    """The order row is locked by the caller (or was created in this transaction).

    ``new_batches``: the batches are not inserted yet (a new order); they are inserted here in
    their state after payment, instead of inserted then updated. ``inserted_paid``: a new card-key
    order its caller inserted already in its state after payment and delivery
    (``_mark_paid_and_delivered``): the order row is not written again."""
    if not inserted_paid and order.state != OrderState.PENDING_PAYMENT:
        next_order_state(order.state, "pay")  # raises invalid_transition
    if now > order.payment_due_at:
        raise DomainError("orders.payment_window_passed")
    # Money first (wallet → escrow), then keys; the stock counter is written at the very end of
    # the unit of work, so the product row is locked only until the commit.
    entry, _created = transfer(
        source=f"order:{order.pk}:paid",
        from_account=wallet or wallet_account(order.buyer_id),
        to_account=open_account(kind=AccountKind.ORDER_ESCROW, owner_id=order.pk),
        amount_fen=order.total_fen,
        memo=f"order {order.pk} paid into escrow",
    )
    if not inserted_paid:
        order.state = next_order_state(order.state, "pay")
        order.paid_at = now
    changed = ["state", "paid_at"]
    record_event(order, "order.paid", {"amount_fen": order.total_fen, "ledger_entry": entry.source, "from": "wallet"})
    record_fact(PAID, order, at=now, quantity=order.quantity, amount_fen=order.total_fen)
    batches = batches if batches is not None else list(order.batches.all())
    if order.delivery_kind == DeliveryKind.CARD_KEY:
        keys = allocate_card_keys(
            product_id=order.product_id, quantity=order.quantity, buyer=order.buyer, update_counter=False
        )
        current_work().sold.append((order.product_id, len(keys)))
        if new_batches:
            release_batch(order, batches[0], now=now, save=False)
            insert_rows(batches)
        rows, cursor = [], 0
        for batch in batches:
            for key in keys[cursor : cursor + batch.quantity]:
                rows.append(OrderKey(batch=batch, card_key_id=key.pk, fingerprint=key.fingerprint))
            cursor += batch.quantity
        insert_rows(rows)
        record_event(
            order,
            "keys.allocated",
            {"fingerprints": [k.fingerprint for k in keys], "batches": [b.quantity for b in batches]},
        )
        if new_batches:
            record_batch_delivered(order, batches[0])
        else:
            release_batch(order, batches[0], now=now)
        if not inserted_paid:
            order.state = next_order_state(order.state, "deliver")
            order.delivered_at = now
        changed += ["delivered_at"]
    else:
        if new_batches:
            DeliveryBatch.objects.bulk_create(batches)
        order.state = next_order_state(order.state, "start_delivery")
        if order.delivery_kind == DeliveryKind.MANUAL:
            order.delivery_due_at = now + timedelta(hours=order.product.manual_delivery_hours)
            changed += ["delivery_due_at"]
            set_batch_state(batches[0], "start_delivery")
            record_event(order, "delivery.awaiting_merchant", {"due_at": order.delivery_due_at.isoformat()})
        else:
            start_topup(order, batches[0])
    if not inserted_paid:
        order.save(update_fields=changed)


def _mark_paid_and_delivered(order: Order, *, now: datetime) -> None:
    """A new card-key order paid from the wallet at once, in the state ``_pay_locked`` leaves it in
    (pay, then deliver: the keys are handed over in the same transaction)."""
    order.state = next_order_state(next_order_state(order.state, "pay"), "deliver")
    order.paid_at = order.delivered_at = now


def cancel_order(*, buyer: User | None, order_id: int, reason: str = "") -> Order:
    """Cancel an unpaid order (the buyer, or the sweep when the payment window passed)."""
    with unit_of_work():
        order = locked_order(order_id)
        if buyer is not None and order.buyer_id != buyer.pk:
            raise DomainError("not_found")
        set_order_state(order, "cancel", closed_reason=reason[:200])
        record_event(order, "order.cancelled", {"reason": reason[:200]}, actor=buyer)
    return order


# --- delivery outcomes ---------------------------------------------------------------------------


def _batch_by_ref(ref: str) -> tuple[int, int] | None:
    parts = ref.split(":")
    if len(parts) == 4 and parts[0] == "order" and parts[2] == "batch":
        return int(parts[1]), int(parts[3])
    return None


def topup_finished(*, ref: str, succeeded: bool, detail: dict) -> None:
    """The supplier's final answer for a 直充 batch (from its signal, or the sweep re-reading it)."""
    target = _batch_by_ref(ref)
    if target is None:
        return
    order_id, seq = target
    with unit_of_work():
        order = locked_order(order_id)
        batch = order.batches.select_for_update().get(seq=seq)
        if batch.state != BatchState.DELIVERING:
            return  # already applied: answers are idempotent
        now = timezone.now()
        record_event(order, "supplier.answered", {"batch": seq, "succeeded": succeeded, **detail})
        if succeeded:
            due = now + rules.for_order(order).protection_window
            set_batch_state(batch, "deliver", delivered_at=now, confirm_due_at=due)
            if order.state == OrderState.DELIVERING:
                set_order_state(order, "deliver", delivered_at=now)
            record_event(order, "batch.delivered", {"batch": seq, "confirm_due_at": due.isoformat()})
        else:
            refund_batches(order=order, batches=[batch], reason="supplier_failed")


def deliver_manually(*, merchant: User, order_id: int, note: str) -> Order:
    """人工发货: the merchant states what was delivered (e.g. "已通过游戏邮件发送 10000G")."""
    require_role(merchant, Role.MERCHANT)
    note = (note or "").strip()
    if not note or len(note) > 2000:
        raise DomainError("invalid_input", fields={"note": "1–2000 characters"})
    with unit_of_work():
        order = locked_order(order_id)
        if order.shop.owner_id != merchant.pk:
            raise DomainError("not_found")
        if order.delivery_kind != DeliveryKind.MANUAL:
            raise DomainError("orders.not_manual")
        batch = order.batches.select_for_update().filter(state=BatchState.DELIVERING).order_by("seq").first()
        if batch is None:
            next_order_state(order.state, "deliver")  # explains why not
            raise DomainError("orders.invalid_transition", state=order.state, action="deliver")
        now = timezone.now()
        due = now + rules.for_order(order).protection_window
        set_batch_state(batch, "deliver", delivered_at=now, confirm_due_at=due, manual_note=note)
        if order.state == OrderState.DELIVERING:
            set_order_state(order, "deliver", delivered_at=now)
        record_event(
            order,
            "batch.delivered",
            {"batch": batch.seq, "note": note, "confirm_due_at": due.isoformat()},
            actor=merchant,
        )
    return order


def reveal_key(
    *, buyer: User, order_id: int, order_key_id: int, ip: str | None, user_agent: str
) -> tuple[str, str | None]:
    """Show a delivered card key to its buyer. Every reveal is recorded on the order's timeline
    (time, address, browser): whether and when a code was seen is evidence for after-sales."""
    require_role(buyer, Role.BUYER)
    with unit_of_work():
        order = locked_order(order_id)
        if order.buyer_id != buyer.pk:
            raise DomainError("not_found")
        okey = OrderKey.objects.select_related("batch").filter(pk=order_key_id, batch__order=order).first()
        if okey is None:
            raise DomainError("not_found")
        if okey.withheld_by or okey.disposed_at:  # paid back whole by a refund: the buyer has the money instead
            raise DomainError("orders.key_refunded")
        if okey.batch.state not in (BatchState.DELIVERED, BatchState.SETTLED):
            raise DomainError("orders.not_revealable")
        plain = reveal_card_key(user=buyer, card_key_id=okey.card_key_id)
        now = timezone.now()
        okey.reveal_count += 1
        okey.first_revealed_at = okey.first_revealed_at or now
        okey.save(update_fields=["reveal_count", "first_revealed_at"])
        record_event(
            order,
            "key.revealed",
            {
                "fingerprint": okey.fingerprint,
                "ip": ip or "",
                "user_agent": (user_agent or "")[:300],
                "count": okey.reveal_count,
            },
            actor=buyer,
        )
    return plain


# --- confirmation and settlement -----------------------------------------------------------------


def confirm_receipt(*, buyer: User, order_id: int) -> Order:
    """确认收货: settle every delivered batch of the order now, and release the next waiting one."""
    require_role(buyer, Role.BUYER)
    with unit_of_work():
        order = locked_order(order_id)
        if order.buyer_id != buyer.pk:
            raise DomainError("not_found")
        # A batch frozen by an open after-sales case settles only when the case lets go (2.3).
        batches = list(order.batches.select_for_update().filter(state=BatchState.DELIVERED, held_by=""))
        if not batches:
            raise DomainError("orders.nothing_to_confirm")
        for batch in batches:
            _settle_batch(order, batch, actor=buyer, how="confirmed")
        advance(order)
    order.refresh_from_db()
    return order


def _settle_batch(order: Order, batch: DeliveryBatch, *, actor: User | None, how: str) -> None:
    r = rules.for_order(order)  # the commission of the version the order was placed under
    # What an after-sales refund already returned from this batch's escrow is not the merchant's.
    amount = batch.amount_fen - batch.refunded_fen
    commission = rules.commission_of(amount, r.commission_bps)
    lines = [
        Line(escrow_account(order.pk), -amount),
        Line(
            get_or_create_account(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=order.shop_id),
            amount - commission,
        ),
    ]
    if commission:
        lines.append(Line(get_or_create_account(kind=AccountKind.PLATFORM_COMMISSION), commission))
    # A shop that owes the guarantee fund (先行赔付, unpaid penalty) pays it back first (8.2). Its
    # open debts are locked BEFORE any ledger account, as a recovery locks them
    # (docs/concurrency.md): the other way round, the two deadlock.
    debts = funds.lock_debts(shop_id=order.shop_id)
    entry, _created = post_entry(source=f"order:{order.pk}:batch:{batch.seq}:settled", lines=lines, memo="settlement")
    if debts:
        funds.recover_debts(shop_id=order.shop_id, debts=debts)
    now = timezone.now()
    set_batch_state(batch, "settle", settled_at=now)
    record_event(
        order,
        "batch.confirmed" if how == "confirmed" else "batch.auto_confirmed",
        {"batch": batch.seq},
        actor=actor,
        actor_role=None if actor else "system",
    )
    record_event(
        order,
        "batch.settled",
        {
            "batch": batch.seq,
            "amount_fen": amount,
            "commission_fen": commission,
            "ledger_entry": entry.source,
        },
    )


# --- the sweep -----------------------------------------------------------------------------------


def _claim(queryset, limit: int) -> list[int]:
    """Ids of due rows no other sweeper holds right now (SKIP LOCKED on PostgreSQL)."""
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return list(queryset.values_list("pk", flat=True)[:limit])


@dataclass
class SweepReport:
    cancelled: int = 0
    auto_confirmed: int = 0
    manual_refunded: int = 0
    supplier_outcomes: int = 0


def sweep(*, now: datetime | None = None, limit: int = 500) -> SweepReport:
    """One pass of the order deadlines. Safe in several workers at once: each item is claimed with
    SKIP LOCKED and re-checked under its own lock in its own transaction, so it is applied once."""
    now = now or timezone.now()
    report = SweepReport()
    with transaction.atomic():
        unpaid = _claim(
            Order.objects.filter(state=OrderState.PENDING_PAYMENT, payment_due_at__lt=now).order_by("pk"), limit
        )
    for order_id in unpaid:
        with unit_of_work():
            order = locked_order(order_id)
            if order.state == OrderState.PENDING_PAYMENT and order.payment_due_at < now:
                set_order_state(order, "cancel", closed_reason="payment window passed")
                record_event(order, "order.cancelled", {"reason": "payment window passed"}, actor_role="system")
                report.cancelled += 1

    late_manual = Order.objects.filter(
        delivery_kind=DeliveryKind.MANUAL,
        delivery_due_at__lt=now,
        state__in=[OrderState.DELIVERING, OrderState.DELIVERED, OrderState.PARTIALLY_REFUNDED],
        batches__state=BatchState.DELIVERING,
    )
    with transaction.atomic():
        late = _claim(Order.objects.filter(pk__in=late_manual.values("pk")).order_by("pk"), limit)
    for order_id in late:
        with unit_of_work():
            order = locked_order(order_id)
            if not order.delivery_due_at or order.delivery_due_at >= now:
                continue
            pending = list(order.batches.select_for_update().filter(state=BatchState.DELIVERING))
            if pending:
                refund_batches(order=order, batches=pending, reason="merchant_missed_deadline")
                report.manual_refunded += 1

    # Supplier answers normally arrive by signal; re-read final ones here in case a process died
    # between the supplier's commit and the signal (topup_finished ignores what it already applied).
    stuck = DeliveryBatch.objects.filter(
        state=BatchState.DELIVERING, order__delivery_kind=DeliveryKind.DIRECT_TOPUP
    ).values_list("order_id", "seq")[:limit]
    for order_id, seq in list(stuck):
        request = request_for_ref(ref=f"order:{order_id}:batch:{seq}")
        if request is not None and request.status in (RequestStatus.SUCCEEDED, RequestStatus.FAILED):
            topup_finished(
                ref=request.ref,
                succeeded=request.status == RequestStatus.SUCCEEDED,
                detail={"supplier_ref": request.supplier_ref, "via": "sweep"},
            )
            report.supplier_outcomes += 1

    with transaction.atomic():
        due = _claim(
            DeliveryBatch.objects.filter(state=BatchState.DELIVERED, confirm_due_at__lt=now, held_by="").order_by("pk"),
            limit,
        )
    for batch_id in due:
        with unit_of_work():
            order_id = DeliveryBatch.objects.filter(pk=batch_id).values_list("order_id", flat=True).first()
            order = locked_order(order_id)
            batch = order.batches.select_for_update().get(pk=batch_id)
            if (
                batch.state == BatchState.DELIVERED
                and not batch.held_by
                and batch.confirm_due_at
                and batch.confirm_due_at < now
            ):
                _settle_batch(order, batch, actor=None, how="auto")
                advance(order)
                report.auto_confirmed += 1
    return report
