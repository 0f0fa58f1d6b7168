"""The "1 fen paid twice" failure of ``the_buyer_is_never_paid_twice_for_the_same_thing``, replayed
without Hypothesis.

Found once by the metrics machine (``AssertionError: (1, [('batch', 1)], 2001, 2000)``) and again
by the case machine under ``--hypothesis-seed=301`` (60 steps, 400 examples), shrunk to:

    case_sweep(jump=timedelta(days=4))          # no merchant login for 4 days: merchant unreachable
    place_order(kind='manual', pay_now=True, quantity=1, reuse=0, who=0)       # 2000 fen, one batch
    open_case(demand='partial_refund', demand_fen=1, key_share=0, pick=0, subtype='activation_failed')
                                                # 极速退款: case:1:fast_refund pays 1 fen from escrow
    run_everything_out(succeeded=False)         # the case ends; the merchant never delivered, so the
                                                # sweep refunds the batch: order:1:batch:1:refunded
                                                # pays what is left of it, 1999 fen

(``demand_fen=1`` is only the shrunk first of ``CASE_AMOUNTS``: 300 or 1000 fail the same way.) The
same happens with the merchant accepting the 1 fen, and for 直充 when the supplier then fails.

The ledger pays the buyer 1 + 1999 = 2000 for a batch of 2000: nothing is paid twice. The
invariant counts the order-side refund as the whole batch (``batch.amount_fen``, 2000) instead of
what it paid (1999), so it counts the case's 1 fen twice. The invariant is wrong, not the money room.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum

from kameng.aftersales.models import Case, CaseState
from kameng.aftersales.tests.test_money_with_cases import CaseMoneyMachine, case_world  # noqa: F401  (fixture)
from kameng.ledger.models import AccountKind, Posting
from kameng.ledger.selectors import balance_of
from kameng.orders.models import BatchState, Order, OrderState, Refund
from kameng.orders.tests.test_money_state_machine import world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

KINDS = ["manual", "topup"]


def _replay(machine: CaseMoneyMachine, kind: str) -> None:
    """A case pays 1 fen of a batch still in escrow; then the delivery fails and the order refunds
    the batch by itself (merchant missed the 6 h promise, or the supplier said no)."""
    machine.place_order(who=0, kind=kind, quantity=1, pay_now=True, reuse=0)
    machine.open_case(pick=0, subtype="not_delivered", demand="partial_refund", demand_fen=1, key_share=0)
    machine.merchant_answers(pick=0, action="accept", remedy="partial_refund", amount=1)
    case = Case.objects.get()
    assert (case.state, case.refunded_fen) == (CaseState.RESOLVED, 1)
    if kind == "manual":
        machine.sweep(jump=timedelta(hours=6, minutes=1), merchant_on_time=False)
    else:
        machine.supplier_answers(pick=0, succeeded=False)


def _replay_seed_301(machine: CaseMoneyMachine) -> None:
    machine.case_sweep(jump=timedelta(days=4))
    machine.place_order(kind="manual", pay_now=True, quantity=1, reuse=0, who=0)
    machine.open_case(demand="partial_refund", demand_fen=1, key_share=0, pick=0, subtype="activation_failed")
    assert Case.objects.get().refunded_fen == 1  # 极速退款 of the 1 fen asked for
    machine.run_everything_out(succeeded=False)


@pytest.fixture
def machine(case_world):  # noqa: F811
    CaseMoneyMachine.world = case_world
    m = CaseMoneyMachine()
    yield m
    m.teardown()


@pytest.mark.parametrize("kind", KINDS)
def test_a_partial_case_refund_then_a_failed_delivery_pays_the_batch_exactly_once(machine, kind):
    _replay(machine, kind)
    order = Order.objects.get()
    batch = order.batches.get()
    price = batch.amount_fen  # 2000 (manual) or 5000 (直充): one unit, one batch
    assert price == order.total_fen
    assert batch.state == BatchState.REFUNDED and batch.refunded_fen == price
    assert order.state == OrderState.REFUNDED and order.refunded_fen == price
    # The order-side refund paid only what the case had left: 1 + (price - 1).
    rows = dict(Refund.objects.filter(order=order).values_list("source", "amount_fen"))
    assert rows == {f"case:{Case.objects.get().pk}:accept": 1, f"order:{order.pk}:batch:1:refunded": price - 1}
    # Ledger-wise the buyer got back exactly what they paid, once.
    to_wallet = Posting.objects.filter(
        entry__source__in=rows, account__kind=AccountKind.BUYER_WALLET, account__owner_id=order.buyer_id
    ).aggregate(s=Sum("amount_fen"))["s"]
    assert to_wallet == price
    assert balance_of(kind=AccountKind.ORDER_ESCROW, owner_id=order.pk) == 0
    # Every other invariant of the machine holds on this history.
    for check in (
        machine.books_balance,
        machine.money_inside_is_what_came_in_minus_what_went_out,
        machine.counters_agree_with_the_ledger,
        machine.each_escrow_holds_what_is_neither_settled_nor_refunded,
        machine.each_case_paid_what_its_refunds_say,
        machine.each_decided_case_paid_the_buyer_what_the_decision_says,
        machine.a_batch_is_refunded_at_most_once,
    ):
        check()


@pytest.mark.parametrize("history", [*KINDS, "seed-301"])
def test_the_paid_twice_invariant_on_that_history(machine, history):
    """The machine's failure, deterministically: it said (1, [('batch', 1)], 2001, 2000) for the
    manual order (5001, 5000 for the 直充 one) while counting the order's refund as the batch's
    price; counting what the refund paid, the history passes."""
    if history == "seed-301":
        _replay_seed_301(machine)
    else:
        _replay(machine, history)
    machine.the_buyer_is_never_paid_twice_for_the_same_thing()


def test_the_sequence_hypothesis_found(machine):
    """Seed 301's shrunk failing sequence, step by step (the fast-refund path)."""
    _replay_seed_301(machine)
    case = Case.objects.get()
    assert case.fast_refunded
    order = Order.objects.get()
    rows = dict(Refund.objects.filter(order=order).values_list("source", "amount_fen"))
    assert rows == {f"case:{case.pk}:fast_refund": 1, f"order:{order.pk}:batch:1:refunded": 1999}
    assert order.refunded_fen == order.total_fen == 2000  # paid back once, in two parts
    assert Case.objects.get().refunded_fen == 1
    machine.books_balance()
    machine.money_inside_is_what_came_in_minus_what_went_out()
    machine.each_escrow_holds_what_is_neither_settled_nor_refunded()
