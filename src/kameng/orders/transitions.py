"""The order and batch state machines, as data. Nothing else assigns ``.state``.

``(state, action) -> next state``. The actor is checked by the service that names the action
(a buyer confirms, a merchant delivers manually, the system sweeps); the table is the only list of
paths, so an order can never, say, go from cancelled to paid.
"""

from __future__ import annotations

from kameng.core.errors import DomainError
from kameng.orders.models import BatchState, OrderState

S = OrderState
ORDER_TRANSITIONS: dict[tuple[str, str], str] = {
    (S.PENDING_PAYMENT, "pay"): S.PAID,
    (S.PENDING_PAYMENT, "cancel"): S.CANCELLED,  # buyer cancels, or payment window passes
    (S.PAID, "start_delivery"): S.DELIVERING,  # 直充 sent / 人工发货 awaited
    (S.PAID, "deliver"): S.DELIVERED,  # 卡密: keys handed over at once
    (S.DELIVERING, "deliver"): S.DELIVERED,
    (S.DELIVERING, "refund"): S.REFUNDED,  # supplier failed / merchant missed the deadline
    (S.DELIVERING, "partial_refund"): S.PARTIALLY_REFUNDED,
    (S.DELIVERED, "complete"): S.COMPLETED,  # every batch settled
    # After-sales refunds may come after settlement (from the merchant's balance, rule 8.1).
    (S.COMPLETED, "refund"): S.REFUNDED,
    (S.COMPLETED, "partial_refund"): S.PARTIALLY_REFUNDED,
    (S.DELIVERED, "refund"): S.REFUNDED,
    (S.DELIVERED, "partial_refund"): S.PARTIALLY_REFUNDED,
    (S.PARTIALLY_REFUNDED, "complete"): S.PARTIALLY_REFUNDED,  # settles what remains; stays marked
    (S.PARTIALLY_REFUNDED, "partial_refund"): S.PARTIALLY_REFUNDED,
    (S.PARTIALLY_REFUNDED, "refund"): S.REFUNDED,
    # A refund recovered (a contest or an appeal the buyer lost): the order is what it was before.
    (S.REFUNDED, "partial_refund"): S.PARTIALLY_REFUNDED,
    (S.REFUNDED, "restore_completed"): S.COMPLETED,
    (S.REFUNDED, "restore_delivered"): S.DELIVERED,
    (S.REFUNDED, "restore_delivering"): S.DELIVERING,
    (S.PARTIALLY_REFUNDED, "restore_completed"): S.COMPLETED,
    (S.PARTIALLY_REFUNDED, "restore_delivered"): S.DELIVERED,
    (S.PARTIALLY_REFUNDED, "restore_delivering"): S.DELIVERING,
}

B = BatchState
BATCH_TRANSITIONS: dict[tuple[str, str], str] = {
    (B.WAITING, "release"): B.DELIVERED,  # card keys shown to the buyer
    (B.WAITING, "start_delivery"): B.DELIVERING,
    (B.DELIVERING, "deliver"): B.DELIVERED,
    (B.WAITING, "refund"): B.REFUNDED,
    (B.DELIVERING, "refund"): B.REFUNDED,
    (B.DELIVERED, "settle"): B.SETTLED,
    (B.DELIVERED, "refund"): B.REFUNDED,
    # The refund that closed this batch was recovered: the buyer has the goods again, and the
    # batch settles as usual.
    (B.REFUNDED, "restore"): B.DELIVERED,
}


def next_order_state(state: str, action: str) -> str:
    try:
        return ORDER_TRANSITIONS[(state, action)]
    except KeyError:
        raise DomainError("orders.invalid_transition", state=str(OrderState(state).label), action=action) from None


def next_batch_state(state: str, action: str) -> str:
    try:
        return BATCH_TRANSITIONS[(state, action)]
    except KeyError:
        raise DomainError("orders.invalid_transition", state=str(BatchState(state).label), action=action) from None
