"""The tables are the only paths: every listed transition works, every other pair is refused."""

import itertools

import pytest

from kameng.core.errors import DomainError
from kameng.orders.models import BatchState, OrderState
from kameng.orders.transitions import BATCH_TRANSITIONS, ORDER_TRANSITIONS, next_batch_state, next_order_state

ORDER_ACTIONS = sorted({action for _, action in ORDER_TRANSITIONS})
BATCH_ACTIONS = sorted({action for _, action in BATCH_TRANSITIONS})


@pytest.mark.parametrize(("state", "action"), sorted(ORDER_TRANSITIONS))
def test_every_listed_order_transition_is_allowed(state, action):
    assert next_order_state(state, action) == ORDER_TRANSITIONS[(state, action)]


@pytest.mark.parametrize(
    ("state", "action"),
    [pair for pair in itertools.product(OrderState.values, ORDER_ACTIONS) if pair not in ORDER_TRANSITIONS],
)
def test_every_other_order_transition_is_refused(state, action):
    with pytest.raises(DomainError) as exc:
        next_order_state(state, action)
    assert exc.value.code == "orders.invalid_transition"
    assert exc.value.status == 409


@pytest.mark.parametrize(("state", "action"), sorted(BATCH_TRANSITIONS))
def test_every_listed_batch_transition_is_allowed(state, action):
    assert next_batch_state(state, action) == BATCH_TRANSITIONS[(state, action)]


@pytest.mark.parametrize(
    ("state", "action"),
    [pair for pair in itertools.product(BatchState.values, BATCH_ACTIONS) if pair not in BATCH_TRANSITIONS],
)
def test_every_other_batch_transition_is_refused(state, action):
    with pytest.raises(DomainError):
        next_batch_state(state, action)


def test_final_states_have_no_way_out():
    assert not [a for (s, a) in ORDER_TRANSITIONS if s == OrderState.CANCELLED]
    # A refunded order leaves its state only when the refund is recovered (a contest or appeal the
    # buyer lost), back to what its delivery says.
    assert sorted(a for (s, a) in ORDER_TRANSITIONS if s == OrderState.REFUNDED) == [
        "partial_refund",
        "restore_completed",
        "restore_delivered",
        "restore_delivering",
    ]
    # A completed order can still be refunded by an after-sales outcome (rule 8.1), nothing else.
    assert sorted(a for (s, a) in ORDER_TRANSITIONS if s == OrderState.COMPLETED) == ["partial_refund", "refund"]
    assert not [a for (s, a) in BATCH_TRANSITIONS if s == BatchState.SETTLED]
    # A refunded batch comes back only when its refund is recovered.
    assert [a for (s, a) in BATCH_TRANSITIONS if s == BatchState.REFUNDED] == ["restore"]


def test_money_is_taken_only_on_the_way_from_pending_payment():
    assert [s for (s, a) in ORDER_TRANSITIONS if a == "pay"] == [OrderState.PENDING_PAYMENT]
