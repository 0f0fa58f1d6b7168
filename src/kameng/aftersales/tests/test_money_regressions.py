"""What a new user saw on the after-sales money path (issues 9 and 14), one test each. Every one of
these failed on the code before the money room (``orders.money``): the buyer must get exactly what
the final decision says, the preview must be what the ruling posts, and a refunded key is never
the buyer's to see again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kameng.aftersales import services
from kameng.aftersales.models import CaseState, Remedy, Ruling
from kameng.aftersales.tests.conftest import buy, fund_guarantee
from kameng.aftersales.tests.ladder import assert_chains
from kameng.core.errors import DomainError
from kameng.inventory.models import CardKey, CardKeyStatus
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of
from kameng.ledger.services import get_or_create_account, transfer
from kameng.notifications.models import Notification
from kameng.orders import money
from kameng.orders import services as orders
from kameng.orders.models import BatchState, BuyerDebt, OrderKey
from kameng.timeline.models import Event
from tests.factories import UserFactory
from tests.helpers import publish_rules

pytestmark = pytest.mark.django_db
S = CaseState
SEC = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def t0():
    from django.utils import timezone

    return timezone.now()


@pytest.fixture
def agent2(db):
    from kameng.accounts.models import Role

    return UserFactory(role=Role.AGENT, username="agent2")


def wallet(user) -> int:
    return balance_of(kind=AccountKind.BUYER_WALLET, owner_id=user.pk)


def escrow(order) -> int:
    return balance_of(kind=AccountKind.ORDER_ESCROW, owner_id=order.pk)


def available(shop) -> int:
    return balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop.pk)


def open_(buyer, order, subtype, demand, now, **kw):
    return services.open_case(
        buyer=buyer, order_id=order.pk, subtype=subtype, demand=demand, description="问题描述", now=now, **kw
    )


def reveal(buyer, order):
    for okey in OrderKey.objects.filter(batch__order=order):
        orders.reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip="1.2.3.4", user_agent="t")


def contested_and_rejected(case, merchant, agent, t0):
    services.contest_fast_refund(merchant=merchant, case_id=case.pk, reason="买家已激活", now=t0 + SEC)
    case.refresh_from_db()
    services.sweep(now=case.due_at + SEC)
    case.refresh_from_db()
    assert case.state == S.REVIEW
    services.rule(agent=agent, case_id=case.pk, remedy="reject", clause="8.3", text="异议成立", now=case.due_at - SEC)
    case.refresh_from_db()
    return case


def spend(buyer, amount_fen, to_user):
    """The buyer spends part of their wallet (here: a transfer to someone else)."""
    transfer(
        source=f"spend:{buyer.pk}:{amount_fen}",
        from_account=get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk),
        to_account=get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=to_user.pk),
        amount_fen=amount_fen,
    )


# --- sequence 1: a won appeal pays ----------------------------------------------------------------


def test_an_appeal_won_after_a_contested_fast_refund_pays_the_buyer(buyer, merchant, agent, agent2, card_product, t0):
    order = buy(buyer, card_product)
    case = open_(buyer, order, "activation_failed", "full_refund", t0)
    assert case.state == S.FAST_REFUNDED and wallet(buyer) == 1000
    case = contested_and_rejected(case, merchant, agent, t0)
    assert case.state == S.RULED and wallet(buyer) == 0 and case.refunded_fen == 0
    services.appeal(user=buyer, case_id=case.pk, reason="卡密确实无法激活", now=case.due_at - 2 * SEC)
    services.rule(agent=agent2, case_id=case.pk, remedy="full_refund", clause="6.1", text="申诉成立", now=case.due_at)
    case.refresh_from_db()
    assert case.state == S.RESOLVED and case.outcome == Remedy.FULL_REFUND
    assert wallet(buyer) == 1000 and case.refunded_fen == 1000
    assert not Event.objects.filter(stream=case.stream, kind="case.already_refunded").exists()
    assert_chains(case)


# --- sequence 2: the preview is the ruling ---------------------------------------------------------


def _settled_and_escrowed(buyer, card_product):
    """An order in two batches: batch 1 settled (paid to the shop), batch 2 delivered, in escrow."""
    publish_rules(batch_threshold_fen=1000)
    order = buy(buyer, card_product, quantity=2)
    orders.confirm_receipt(buyer=buyer, order_id=order.pk)  # batch 1 settles, batch 2 is delivered
    states = dict(order.batches.values_list("seq", "state"))
    assert states == {1: BatchState.SETTLED, 2: BatchState.DELIVERED}
    return order


def test_the_ruling_preview_is_what_the_ruling_posts_escrow_first(buyer, merchant, agent, card_product, t0):
    order = _settled_and_escrowed(buyer, card_product)
    reveal(buyer, order)  # no fast refund: the platform rules
    shop_before = available(order.shop)
    case = open_(buyer, order, "invalid_key", "partial_refund", t0, demand_fen=1000, batch_seqs=[1, 2])
    services.refuse_case(merchant=merchant, case_id=case.pk, reason="我方无责", now=t0 + SEC)
    services.request_intervention(buyer=buyer, case_id=case.pk, reason="请介入", now=t0 + 2 * SEC)
    case.refresh_from_db()
    services.sweep(now=case.due_at + SEC)
    preview = services.ruling_preview(
        agent=agent, case_id=case.pk, remedy="partial_refund", amount_fen=1000, penalty_fen=0
    )
    assert [(line.what, line.amount_fen) for line in preview] == [("escrow_to_buyer", 1000)]
    services.rule(agent=agent, case_id=case.pk, remedy="partial_refund", amount_fen=1000, clause="5.3", text="部分退款")
    assert wallet(buyer) == 1000 and escrow(order) == 0 and available(order.shop) == shop_before
    entry = Event.objects.get(stream=order.stream, kind="order.refunded")
    assert entry.payload["from_escrow_fen"] == 1000 and entry.payload["from_fund_fen"] == 0


def test_a_fast_refund_on_a_settled_and_an_escrowed_batch_comes_from_escrow(buyer, card_product, t0):
    order = _settled_and_escrowed(buyer, card_product)
    shop_before = available(order.shop)
    case = open_(buyer, order, "activation_failed", "partial_refund", t0, demand_fen=1000, batch_seqs=[1, 2])
    assert case.state == S.FAST_REFUNDED
    assert wallet(buyer) == 1000 and escrow(order) == 0 and available(order.shop) == shop_before


# --- keys refunded whole -------------------------------------------------------------------------


def test_a_contest_upheld_on_a_never_revealed_key_gives_the_key_back(buyer, merchant, agent, card_product, t0):
    order = buy(buyer, card_product)
    okey = OrderKey.objects.get(batch__order=order)
    case = open_(buyer, order, "activation_failed", "full_refund", t0)
    with pytest.raises(DomainError) as err:  # refunded: not the buyer's to see while it stands
        orders.reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip=None, user_agent="")
    assert err.value.code == "orders.key_refunded"
    contested_and_rejected(case, merchant, agent, t0)
    # Charged back, so the key is the buyer's again, and the escrow waits for its settlement.
    assert wallet(buyer) == 0 and escrow(order) == 1000
    code, _password = orders.reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip=None, user_agent="")
    assert code


def test_a_final_fast_refund_of_a_never_revealed_key_puts_it_back_in_stock(buyer, card_product, t0):
    order = buy(buyer, card_product)
    okey = OrderKey.objects.get(batch__order=order)
    case = open_(buyer, order, "activation_failed", "full_refund", t0)
    assert CardKey.objects.get(pk=okey.card_key_id).status == CardKeyStatus.SOLD  # contest window open
    services.sweep(now=case.due_at + SEC)
    case.refresh_from_db()
    assert case.state == S.RESOLVED
    card = CardKey.objects.get(pk=okey.card_key_id)
    assert card.status == CardKeyStatus.AVAILABLE and card.sold_to_id is None
    assert Event.objects.filter(stream=order.stream, kind="key.disposed", payload__to="stock").exists()


def test_h1_a_key_fast_refunded_after_confirmation_can_never_be_revealed(buyer, card_product, t0):
    order = buy(buyer, card_product)
    orders.confirm_receipt(buyer=buyer, order_id=order.pk)
    fund_guarantee(10_000)  # the shop holds 970 after commission: the fund advances the rest
    okey = OrderKey.objects.get(batch__order=order)
    case = open_(buyer, order, "invalid_key", "full_refund", t0)
    assert case.state == S.FAST_REFUNDED and wallet(buyer) == 1000
    with pytest.raises(DomainError) as err:
        orders.reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip=None, user_agent="")
    assert err.value.code == "orders.key_refunded"
    services.sweep(now=case.due_at + SEC)  # final: the unseen key is back in stock, still not the buyer's
    with pytest.raises(DomainError) as err:
        orders.reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip=None, user_agent="")
    assert err.value.code == "orders.key_refunded"


def test_an_invalid_key_refund_marks_the_key_reported_invalid(buyer, merchant, card_product, t0):
    order = buy(buyer, card_product)
    reveal(buyer, order)
    okey = OrderKey.objects.get(batch__order=order)
    case = open_(buyer, order, "invalid_key", "full_refund", t0)
    assert case.state == S.MERCHANT
    services.accept_case(merchant=merchant, case_id=case.pk, now=t0 + SEC)
    assert wallet(buyer) == 1000
    assert CardKey.objects.get(pk=okey.card_key_id).status == CardKeyStatus.REPORTED_INVALID


def test_a_recovery_the_buyer_cannot_cover_is_their_debt_and_a_later_win_forgives_it(
    buyer, other_buyer, merchant, agent, agent2, card_product, t0
):
    order = buy(buyer, card_product)
    case = open_(buyer, order, "activation_failed", "full_refund", t0)
    spend(buyer, 1000, other_buyer)
    case = contested_and_rejected(case, merchant, agent, t0)
    debt = BuyerDebt.objects.get(buyer=buyer)
    assert debt.outstanding_fen == 1000 and case.refunded_fen == 0
    assert Notification.objects.filter(user=buyer, kind="order.buyer_debt").exists()
    # The buyer wins the appeal: the debt is cancelled, no money is paid on top of it.
    services.appeal(user=buyer, case_id=case.pk, reason="申诉", now=case.due_at - 2 * SEC)
    services.rule(agent=agent2, case_id=case.pk, remedy="full_refund", clause="6.1", text="申诉成立", now=case.due_at)
    case.refresh_from_db()
    debt.refresh_from_db()
    assert case.refunded_fen == 1000 and debt.cleared_at is not None
    assert money.outstanding_buyer_debt_fen(buyer.pk) == 0 and wallet(buyer) == 0


def test_a_revealed_key_is_never_fast_refunded_even_when_the_merchant_counts_as_unreachable(buyer, card_product, t0):
    order = buy(buyer, card_product)
    reveal(buyer, order)
    later = t0 + timedelta(days=4)  # no sign of the merchant for longer than the rulebook's 3 days
    case = open_(buyer, order, "activation_failed", "full_refund", later)
    assert case.facts["merchant_unreachable"] is True
    assert case.state == S.MERCHANT and not case.fast_refunded and wallet(buyer) == 0


# --- cases that must not open -----------------------------------------------------------------------


def test_a_withdrawn_problem_cannot_be_raised_again_on_the_same_item(buyer, card_product, t0):
    order = buy(buyer, card_product)
    reveal(buyer, order)
    case = open_(buyer, order, "invalid_key", "replace", t0)
    services.withdraw_case(buyer=buyer, case_id=case.pk, now=t0 + SEC)
    with pytest.raises(DomainError) as err:
        open_(buyer, order, "key_already_used", "replace", t0 + 2 * SEC)
    assert err.value.code == "aftersales.problem_closed" and err.value.params["clause"] == "7.2"


def test_a_duplicate_payment_returned_automatically_is_not_paid_again(buyer, card_product, t0):
    order = buy(buyer, card_product)
    orders.pay_waiting_order_after_topup(order_id=order.pk, payment_id=424242, amount_fen=1000)
    assert Event.objects.filter(stream=order.stream, kind="payment.duplicate_refunded").exists()
    with pytest.raises(DomainError) as err:
        open_(buyer, order, "charged_twice", "full_refund", t0)
    assert err.value.code == "aftersales.duplicate_already_returned"
    assert escrow(order) == 1000 and wallet(buyer) == 0


# --- overdue rulings --------------------------------------------------------------------------------


def test_an_overdue_ruling_goes_back_to_the_queue_and_staff_are_told(
    buyer, merchant, agent, operator, card_product, t0
):
    order = buy(buyer, card_product)
    reveal(buyer, order)
    case = open_(buyer, order, "invalid_key", "full_refund", t0)
    services.refuse_case(merchant=merchant, case_id=case.pk, reason="我方无责", now=t0 + SEC)
    services.request_intervention(buyer=buyer, case_id=case.pk, reason="请介入", now=t0 + 2 * SEC)
    case.refresh_from_db()
    services.sweep(now=case.due_at + SEC)
    case.refresh_from_db()
    services.take_case(agent=agent, case_id=case.pk)
    due = case.due_at
    report = services.sweep(now=due + timedelta(days=21))
    case.refresh_from_db()
    assert report.rulings_requeued == 1
    assert case.state == S.REVIEW and case.assigned_agent_id is None and case.due_at > due + timedelta(days=21)
    for user in (agent, operator):
        assert Notification.objects.filter(user=user, kind="case.ruling_overdue").count() == 1
    assert Event.objects.filter(stream=case.stream, kind="case.overdue").exists()
    assert_chains(case)


def test_a_silent_merchant_case_is_ruled_on_the_records_when_the_ruling_is_overdue(buyer, card_product, t0):
    order = buy(buyer, card_product)
    reveal(buyer, order)
    case = open_(buyer, order, "invalid_key", "full_refund", t0)
    for _ in range(3):  # merchant deadline (escalates, 3.6) → evidence window → ruling deadline
        case.refresh_from_db()
        services.sweep(now=case.due_at + SEC)
    case.refresh_from_db()
    assert case.state == S.RULED and case.outcome == Remedy.FULL_REFUND
    ruling = Ruling.objects.get(case=case)
    assert ruling.agent is None and ruling.clause == "4.3"
    assert wallet(buyer) == 1000
    assert_chains(case)


def test_l5_taking_a_case_an_agent_may_not_see_is_not_found(buyer, agent, card_product, t0):
    order = buy(buyer, card_product)
    reveal(buyer, order)
    case = open_(buyer, order, "invalid_key", "full_refund", t0)  # still with the merchant
    with pytest.raises(DomainError) as err:
        services.take_case(agent=agent, case_id=case.pk)
    assert err.value.code == "not_found"


def test_a_contested_partial_fast_refund_freezes_what_escrow_is_left(buyer, merchant, card_product, t0):
    # Found by the case machine: 1 fen fast-refunded, the merchant contests, and the other 9.99
    # yuan sat unfrozen in escrow while the dispute went on (it could settle under the agent).
    order = buy(buyer, card_product)
    case = open_(buyer, order, "activation_failed", "partial_refund", t0, demand_fen=1)
    assert case.state == S.FAST_REFUNDED and escrow(order) == 999
    assert order.batches.get().held_by == ""  # not in dispute while the fast refund stands
    services.contest_fast_refund(merchant=merchant, case_id=case.pk, reason="买家已激活", now=t0 + SEC)
    case.refresh_from_db()
    assert case.state == S.EVIDENCE
    assert order.batches.get().held_by == case.stream
