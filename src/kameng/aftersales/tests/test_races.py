"""Real races on after-sales cases, on PostgreSQL with threads (each its own connection).

The case row is the first lock of every case step (docs/concurrency.md), and refunds are keyed by
a unique source, so a race may only ever produce one case, one winner, one refund, one ruling.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kameng.aftersales import services
from kameng.aftersales.models import Case, CaseState, Ruling
from kameng.aftersales.tests.conftest import buy
from kameng.core.errors import DomainError
from kameng.ledger.models import AccountKind, JournalEntry
from kameng.ledger.selectors import balance_of, check_ledger
from kameng.orders.models import OrderKey, Refund
from kameng.orders.services import reveal_key
from tests.factories import UserFactory
from tests.helpers import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _revealed_card_order(buyer, product):
    """A card-key order whose key was shown: not a fast refund, so the merchant stage runs."""
    order = buy(buyer, product)
    okey = OrderKey.objects.get(batch__order=order)
    reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip="10.0.0.1", user_agent="race")
    return order


def _open(buyer, order, demand="full_refund"):
    return services.open_case(
        buyer=buyer, order_id=order.pk, subtype="invalid_key", demand=demand, description="卡密无效"
    )


def _code(fn):
    def attempt(i):
        try:
            fn(i)
            return "ok"
        except DomainError as exc:
            return exc.code

    return attempt


def _wallet(user) -> int:
    return balance_of(kind=AccountKind.BUYER_WALLET, owner_id=user.pk)


def test_ten_threads_opening_a_case_on_one_order_make_one_case(buyer, merchant, card_product):
    order = _revealed_card_order(buyer, card_product)
    results, errors = run_threads(10, _code(lambda i: _open(buyer, order)))
    assert not errors, errors
    assert results.count("ok") == 1
    assert set(results) == {"ok", "aftersales.case_already_open"}
    assert Case.objects.filter(order=order).count() == 1
    case = Case.objects.get(order=order)
    assert list(order.batches.values_list("held_by", flat=True)) == [case.stream]
    assert check_ledger().ok


def test_merchant_accept_racing_buyer_withdraw_has_one_winner(buyer, merchant, card_product):
    for round_ in range(10):
        order = _revealed_card_order(buyer, card_product)
        case = _open(buyer, order)
        before = _wallet(buyer)

        def act(i, case_id=case.pk):
            if i == 0:
                services.accept_case(merchant=merchant, case_id=case_id)
            else:
                services.withdraw_case(buyer=buyer, case_id=case_id)

        results, errors = run_threads(2, _code(act))
        assert not errors, errors
        assert sorted(results) == ["aftersales.not_allowed", "ok"], (round_, results)
        case.refresh_from_db()
        refunds = Refund.objects.filter(source__startswith=f"case:{case.pk}:")
        if results[0] == "ok":  # the merchant won: refunded once
            assert case.state == CaseState.RESOLVED and case.refunded_fen == 1000
            assert refunds.count() == 1 and _wallet(buyer) == before + 1000
        else:  # the buyer withdrew first: nothing moved
            assert case.state == CaseState.WITHDRAWN and case.refunded_fen == 0
            assert not refunds.exists() and _wallet(buyer) == before
        assert not order.batches.exclude(held_by="").exists()
    assert check_ledger().ok


def test_five_threads_replaying_one_accept_refund_once(buyer, merchant, card_product):
    order = _revealed_card_order(buyer, card_product)
    case = _open(buyer, order)
    before = _wallet(buyer)
    results, errors = run_threads(5, _code(lambda i: services.accept_case(merchant=merchant, case_id=case.pk)))
    assert not errors, errors
    assert results.count("ok") == 1
    assert set(results) == {"ok", "aftersales.not_allowed"}
    assert Refund.objects.filter(order=order).count() == 1
    assert JournalEntry.objects.filter(source__startswith=f"case:{case.pk}:").count() == 1
    assert _wallet(buyer) == before + 1000
    assert check_ledger().ok


def _case_under_review(buyer, merchant, product):
    order = _revealed_card_order(buyer, product)
    case = _open(buyer, order)
    services.refuse_case(merchant=merchant, case_id=case.pk, reason="卡密有效")
    services.request_intervention(buyer=buyer, case_id=case.pk)
    later = timezone.now() + timedelta(hours=25)  # past the evidence window
    services.sweep(now=later)
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW
    return order, case


def test_five_threads_replaying_one_ruling_refund_once(buyer, merchant, agent, card_product):
    order, case = _case_under_review(buyer, merchant, card_product)
    services.take_case(agent=agent, case_id=case.pk)
    before = _wallet(buyer)

    def ruling(i):
        services.rule(agent=agent, case_id=case.pk, remedy="full_refund", clause="4.4", text="商家负责")

    results, errors = run_threads(5, _code(ruling))
    assert not errors, errors
    assert results.count("ok") == 1
    assert set(results) == {"ok", "aftersales.not_allowed"}
    assert Ruling.objects.filter(case=case).count() == 1
    assert Refund.objects.filter(order=order).count() == 1
    assert _wallet(buyer) == before + 1000
    assert check_ledger().ok


def test_two_agents_ruling_one_case_make_one_ruling(buyer, merchant, card_product):
    agents = [UserFactory(role="agent", username=f"race-agent-{i}") for i in range(2)]
    order, case = _case_under_review(buyer, merchant, card_product)
    before = _wallet(buyer)

    def ruling(i):
        # Each agent picks the case from the queue and rules at once: one of them gets there first.
        services.take_case(agent=agents[i], case_id=case.pk)
        services.rule(
            agent=agents[i], case_id=case.pk, remedy="partial_refund", amount_fen=300 + i, clause="4.4", text="部分退款"
        )

    results, errors = run_threads(2, _code(ruling))
    assert not errors, errors
    assert results.count("ok") == 1
    assert set(results) <= {"ok", "not_found", "aftersales.not_allowed"}
    assert Ruling.objects.filter(case=case).count() == 1
    ruling_row = Ruling.objects.get(case=case)
    case.refresh_from_db()
    assert case.state == CaseState.RULED and case.ruled_by_id == ruling_row.agent_id
    assert case.refunded_fen == ruling_row.amount_fen == _wallet(buyer) - before
    assert Refund.objects.filter(order=order).count() == 1
    assert check_ledger().ok
