"""The state machine table, and its complement: nothing outside the table is possible."""

import pytest

from kameng.core.errors import DomainError
from kameng.payments.models import Payment, PaymentStatus
from kameng.payments.services import apply_transition
from kameng.payments.transitions import ACTIONS, TRANSITIONS

pytestmark = pytest.mark.django_db

ALL = [(state, action) for state in PaymentStatus for action in ACTIONS]


@pytest.mark.parametrize(("state", "action"), list(TRANSITIONS))
def test_every_transition_in_the_table_applies(topup, state, action):
    payment = topup(100)
    Payment.objects.filter(pk=payment.pk).update(status=state)
    payment.refresh_from_db()
    from django.utils import timezone

    apply_transition(payment=payment, action=action, now=timezone.now())
    payment.refresh_from_db()
    assert payment.status == TRANSITIONS[(state, action)].next_state


@pytest.mark.parametrize(("state", "action"), [pair for pair in ALL if pair not in TRANSITIONS])
def test_nothing_outside_the_table_applies(topup, state, action):
    payment = topup(100)
    Payment.objects.filter(pk=payment.pk).update(status=state)
    payment.refresh_from_db()
    from django.utils import timezone

    with pytest.raises(DomainError) as exc:
        apply_transition(payment=payment, action=action, now=timezone.now())
    assert exc.value.code == "payments.transition_not_allowed"
    payment.refresh_from_db()
    assert payment.status == state


def test_paid_states_are_terminal():
    for state in (PaymentStatus.PAID, PaymentStatus.PAID_LATE):
        assert not [pair for pair in TRANSITIONS if pair[0] == state]
