"""How an order's delivery moves on: releasing a batch of card keys, sending a 直充 batch to the
supplier, waiting for the merchant's 人工发货, and — after a batch settles or is refunded —
releasing the next one or finishing the order. Used by ``orders.services`` and ``orders.money``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from kameng.catalog.models import DeliveryKind
from kameng.orders import rules
from kameng.orders.models import BatchState, DeliveryBatch, Order, OrderState
from kameng.orders.signals import KEYS_RELEASED
from kameng.orders.uow import record_event, record_fact, set_batch_state, set_order_state
from kameng.suppliers.services import submit_topup


def release_batch(order: Order, batch: DeliveryBatch, *, now: datetime, save: bool = True) -> None:
    """Card keys of this batch become visible to the buyer; the protection window starts (the
    order's: that of the rulebook version it was placed under, whenever the batch is released).

    ``save=False``: the batch is not inserted yet; the caller inserts it in this state and then
    records the event with ``record_batch_delivered`` (after its own events, in their order)."""
    due = now + rules.for_order(order).protection_window
    set_batch_state(batch, "release", save=save, delivered_at=now, confirm_due_at=due)
    record_fact(KEYS_RELEASED, order, at=now, quantity=batch.quantity)
    if save:
        record_batch_delivered(order, batch)


def record_batch_delivered(order: Order, batch: DeliveryBatch) -> None:
    record_event(
        order,
        "batch.delivered",
        {"batch": batch.seq, "quantity": batch.quantity, "confirm_due_at": batch.confirm_due_at.isoformat()},
    )


def start_topup(order: Order, batch: DeliveryBatch) -> None:
    if batch.state == BatchState.WAITING:
        set_batch_state(batch, "start_delivery")
    request = submit_topup(
        ref=f"order:{order.pk}:batch:{batch.seq}",
        sku=f"product-{order.product_id}",
        face_value_fen=order.product.face_value_fen,
        quantity=batch.quantity,
        fields=order.buyer_fields,
    )
    batch.supplier_request_id = request.request_id
    batch.save(update_fields=["supplier_request_id"])
    record_event(order, "supplier.requested", {"batch": batch.seq, "request_id": request.request_id})


def advance(order: Order) -> None:
    """After a batch settles or refunds: release the next batch, or finish the order."""
    now = timezone.now()
    batches = list(order.batches.select_for_update().order_by("seq"))
    if any(b.state in (BatchState.DELIVERED, BatchState.DELIVERING) for b in batches):
        return
    waiting = [b for b in batches if b.state == BatchState.WAITING]
    if waiting:
        nxt = waiting[0]
        if order.delivery_kind == DeliveryKind.CARD_KEY:
            release_batch(order, nxt, now=now)
        elif order.delivery_kind == DeliveryKind.DIRECT_TOPUP:
            start_topup(order, nxt)
        else:
            # 人工发货: the promise restarts for each batch, and the sweep enforces it.
            set_batch_state(nxt, "start_delivery")
            order.delivery_due_at = now + timedelta(hours=order.product.manual_delivery_hours)
            order.save(update_fields=["delivery_due_at"])
            record_event(
                order, "delivery.awaiting_merchant", {"batch": nxt.seq, "due_at": order.delivery_due_at.isoformat()}
            )
        return
    if all(b.state == BatchState.REFUNDED for b in batches):
        if order.state != OrderState.REFUNDED:
            set_order_state(order, "refund")
        return
    if order.state in (OrderState.DELIVERED, OrderState.PARTIALLY_REFUNDED):
        set_order_state(order, "complete", completed_at=now)
        record_event(order, "order.completed", {"state": str(order.state)})
