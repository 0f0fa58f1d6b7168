"""One scenario per problem subtype, from opening to the final state, checking where the money went.
The ledger is checked after every test (orders conftest); every scenario verifies the case and
order timelines."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kameng.accounts.models import Role
from kameng.aftersales import services
from kameng.aftersales.models import CaseState, Remedy
from kameng.aftersales.tests.conftest import buy, fund_guarantee
from kameng.aftersales.tests.ladder import assert_chains
from kameng.core.errors import DomainError
from kameng.inventory.models import CardKey, CardKeyStatus, ImportBatch
from kameng.ledger.selectors import balance_of
from kameng.orders import funds
from kameng.orders import services as orders
from kameng.orders.models import BatchState, MerchantDebt, OrderKey
from kameng.shops.models import Shop
from kameng.suppliers.models import RequestStatus, SupplierRequest
from kameng.timeline.models import Event
from tests.factories import UserFactory
from tests.helpers import publish_rules

pytestmark = pytest.mark.django_db
S = CaseState
SEC = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def wallet(user) -> int:
    return balance_of(kind="buyer_wallet", owner_id=user.pk)


def escrow(order) -> int:
    return balance_of(kind="order_escrow", owner_id=order.pk)


def available(shop) -> int:
    return balance_of(kind="merchant_available", owner_id=shop.pk)


def fund() -> int:
    return balance_of(kind="guarantee_fund")


def revealed_order(buyer, product, quantity=1):
    order = buy(buyer, product, quantity=quantity)
    for okey in OrderKey.objects.filter(batch__order=order):
        orders.reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip="1.2.3.4", user_agent="t")
    return order


def open_(buyer, order, subtype, demand, now, **kw):
    return services.open_case(
        buyer=buyer, order_id=order.pk, subtype=subtype, demand=demand, description="问题描述", now=now, **kw
    )


def to_review(case, buyer, merchant, now):
    """Merchant refuses, buyer asks the platform, the evidence window passes."""
    services.refuse_case(merchant=merchant, case_id=case.pk, reason="我方无责", now=now)
    services.request_intervention(buyer=buyer, case_id=case.pk, reason="请介入", now=now + SEC)
    case.refresh_from_db()
    services.sweep(now=case.due_at + SEC)
    case.refresh_from_db()
    assert case.state == S.REVIEW
    return case.due_at or now


def done(case, state):
    case.refresh_from_db()
    assert case.state == state
    assert_chains(case)
    return case


@pytest.fixture
def agent2(db):
    return UserFactory(role=Role.AGENT, username="agent2")


@pytest.fixture
def t0():
    from django.utils import timezone

    return timezone.now()


def test_invalid_key_is_replaced_and_escrow_stays_held_until_confirmation(buyer, merchant, card_product, t0):
    order = revealed_order(buyer, card_product)
    old = OrderKey.objects.get(batch__order=order)
    case = open_(buyer, order, "invalid_key", "replace", t0)
    assert case.state == S.MERCHANT and wallet(buyer) == 0
    services.accept_case(merchant=merchant, case_id=case.pk, now=t0 + SEC)
    case = done(case, S.RESOLVED)
    assert case.outcome == Remedy.REPLACEMENT
    new = OrderKey.objects.get(batch__order=order, replaced_at__isnull=True)
    assert new.pk != old.pk and new.replaces_id == old.pk and case.order_key_ids == [new.pk]
    assert CardKey.objects.get(pk=old.card_key_id).status == CardKeyStatus.REPORTED_INVALID
    assert escrow(order) == 1000 and wallet(buyer) == 0  # the escrow waits for confirmation
    orders.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert escrow(order) == 0 and available(order.shop) > 0


def test_key_already_used_silent_merchant_escalates_and_ruling_refunds_with_penalty_debt(
    buyer, merchant, agent, card_product, t0
):
    order = revealed_order(buyer, card_product)
    case = open_(buyer, order, "key_already_used", "full_refund", t0)
    assert case.state == S.MERCHANT  # revealed: not a fast refund
    services.sweep(now=case.due_at + SEC)  # the merchant stays silent (3.6)
    case.refresh_from_db()
    assert case.state == S.EVIDENCE and case.sla_breached
    services.sweep(now=case.due_at + SEC)
    case.refresh_from_db()
    assert case.state == S.REVIEW
    ruled_at = case.due_at - SEC
    services.rule(
        agent=agent,
        case_id=case.pk,
        remedy="full_refund",
        clause="5.1",
        text="商家未答复，全额退款并处罚",
        penalty_fen=500,
        responsible="merchant",
        now=ruled_at,
    )
    case = done(case, S.RULED)
    assert wallet(buyer) == 1000 and escrow(order) == 0 and case.refunded_fen == 1000
    # The shop has nothing to pay the penalty with: all of it becomes a debt; payouts freeze.
    debt = MerchantDebt.objects.get(shop=order.shop)
    assert debt.amount_fen == 500 and debt.cleared_at is None
    with pytest.raises(DomainError) as exc:
        funds.request_payout(merchant=merchant, amount_fen=100, method="alipay", account="13800138000")
    assert exc.value.code == "orders.payouts_frozen"
    services.sweep(now=case.due_at + SEC)
    done(case, S.RESOLVED)


def test_face_value_mismatch_partial_refund_offer_accepted(buyer, merchant, card_product, t0):
    order = revealed_order(buyer, card_product)
    case = open_(buyer, order, "face_value_mismatch", "full_refund", t0)
    services.make_offer(merchant=merchant, case_id=case.pk, remedy="partial_refund", amount_fen=300, now=t0 + SEC)
    services.answer_offer(buyer=buyer, case_id=case.pk, accept=True, now=t0 + 2 * SEC)
    case = done(case, S.RESOLVED)
    assert case.outcome == Remedy.PARTIAL_REFUND and case.refunded_fen == 300
    assert wallet(buyer) == 300 and escrow(order) == 700
    assert not order.batches.filter(held_by=case.stream).exists()  # the rest settles as usual
    orders.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert escrow(order) == 0


def test_wrong_region_out_of_order_then_ruling_overturned_on_appeal_takes_money_back(
    buyer, merchant, agent, agent2, card_product, t0
):
    order = revealed_order(buyer, card_product)
    case = open_(buyer, order, "wrong_region", "full_refund", t0)
    with pytest.raises(DomainError) as exc:
        services.request_intervention(buyer=buyer, case_id=case.pk, now=t0 + SEC)
    assert exc.value.code == "aftersales.out_of_order" and exc.value.params["clause"] == "4.1"
    now = to_review(case, buyer, merchant, t0 + 2 * SEC)
    services.rule(agent=agent, case_id=case.pk, remedy="full_refund", clause="5.3", text="退款", now=now)
    assert wallet(buyer) == 1000
    services.appeal(user=merchant, case_id=case.pk, reason="区服写明了", now=now + SEC)
    services.rule(agent=agent2, case_id=case.pk, remedy="reject", clause="6.1", text="买家选错区服", now=now + 2 * SEC)
    case = done(case, S.RESOLVED)
    assert case.outcome == Remedy.REJECT and case.refunded_fen == 0
    # Taken back: the money returns to escrow (the batch is the buyer's again) and settles as usual,
    # paying the shop minus 3 % commission.
    assert wallet(buyer) == 0 and escrow(order) == 1000
    orders.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert escrow(order) == 0 and available(order.shop) == 970


def test_activation_failed_fast_refund_contested_and_recovered_from_the_buyer(buyer, merchant, agent, card_product, t0):
    order = buy(buyer, card_product)  # never revealed: fast refund (8.3)
    case = open_(buyer, order, "activation_failed", "full_refund", t0)
    assert case.state == S.FAST_REFUNDED and wallet(buyer) == 1000 and escrow(order) == 0
    services.contest_fast_refund(merchant=merchant, case_id=case.pk, reason="买家已激活", now=t0 + SEC)
    case.refresh_from_db()
    assert case.state == S.EVIDENCE
    services.sweep(now=case.due_at + SEC)
    case.refresh_from_db()
    services.rule(agent=agent, case_id=case.pk, remedy="reject", clause="8.3", text="异议成立", now=case.due_at - SEC)
    case = done(case, S.RULED)
    # Recovered: the escrow part goes back to escrow (the batch is the buyer's again, its key
    # revealable) and settles as usual — on confirmation the shop gets it minus 3 % commission.
    assert wallet(buyer) == 0 and case.refunded_fen == 0 and escrow(order) == 1000
    orders.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert escrow(order) == 0 and available(order.shop) == 970
    # A buyer who lost a contest is not in good standing for the next fast refund.
    order2 = buy(buyer, card_product)
    case2 = open_(buyer, order2, "activation_failed", "full_refund", t0 + 2 * SEC)
    assert case2.state == S.MERCHANT


def test_not_delivered_topup_the_supplier_failed_is_fast_refunded(
    buyer, topup_product, supplier, django_capture_on_commit_callbacks, t0
):
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(buyer, topup_product, fields={"phone": "13800138008"})  # 8: accepted, fails later
    ref = f"order:{order.pk}:batch:1"
    # The supplier's answer is recorded; the order side has not applied it yet.
    SupplierRequest.objects.filter(ref=ref).update(status=RequestStatus.FAILED)
    case = open_(buyer, order, "not_delivered", "full_refund", t0)
    assert case.facts["supplier_failed"] and case.suggested_party == "supplier"
    case = done(case, S.FAST_REFUNDED)
    assert wallet(buyer) == 5000 and escrow(order) == 0
    # Applying the supplier's failure afterwards does not refund twice.
    orders.topup_finished(ref=ref, succeeded=False, detail={})
    assert wallet(buyer) == 5000
    services.sweep(now=case.due_at + SEC)
    done(case, S.RESOLVED)


def test_late_delivery_compensation_accepted(buyer, merchant, manual_product, t0):
    import time_machine

    order = buy(buyer, manual_product, fields={"role": "白银之手"})
    with time_machine.travel(order.paid_at + timedelta(hours=8), tick=False):
        orders.deliver_manually(merchant=merchant, order_id=order.pk, note="已发送")
    at = order.paid_at + timedelta(hours=9)
    case = open_(buyer, order, "late_delivery", "compensation", at, demand_fen=200)
    assert case.suggested_party == "merchant" and case.facts["delivery_late_by_s"] > 0
    services.accept_case(merchant=merchant, case_id=case.pk, now=at + SEC)
    case = done(case, S.RESOLVED)
    assert case.outcome == Remedy.COMPENSATION and wallet(buyer) == 200 and escrow(order) == 1800


def test_charged_twice_single_payment_claim_rejected(buyer, merchant, agent, card_product, t0):
    order = revealed_order(buyer, card_product)
    case = open_(buyer, order, "charged_twice", "compensation", t0, demand_fen=1000)
    assert case.suggested_party == "unknown" and not case.facts["duplicate_payments"]
    now = to_review(case, buyer, merchant, t0 + SEC)
    services.rule(agent=agent, case_id=case.pk, remedy="reject", clause="8.4", text="只扣款一次", now=now)
    case = done(case, S.RULED)
    assert wallet(buyer) == 0 and escrow(order) == 1000


def test_partly_delivered_undelivered_batch_refunded_by_the_merchant(buyer, merchant, manual_product, t0):
    publish_rules(batch_threshold_fen=2000)  # one unit per batch
    order = buy(buyer, manual_product, quantity=2, fields={"role": "白银之手"})
    orders.deliver_manually(merchant=merchant, order_id=order.pk, note="第一批")
    case = open_(buyer, order, "partly_delivered", "full_refund", t0, batch_seqs=[2])
    assert case.stake_fen == 2000 and case.facts["undelivered_batches"] == [2]
    services.accept_case(merchant=merchant, case_id=case.pk, now=t0 + SEC)
    done(case, S.RESOLVED)
    assert wallet(buyer) == 2000 and escrow(order) == 2000
    assert order.batches.get(seq=2).state == BatchState.REFUNDED


def test_system_fault_withdrawn_moves_nothing(buyer, card_product, t0):
    order = revealed_order(buyer, card_product)
    case = open_(buyer, order, "system_fault", "full_refund", t0)
    assert order.batches.filter(held_by=case.stream).exists()
    services.withdraw_case(buyer=buyer, case_id=case.pk, now=t0 + SEC)
    done(case, S.WITHDRAWN)
    assert not order.batches.filter(held_by=case.stream).exists() and wallet(buyer) == 0 and escrow(order) == 1000


def test_no_response_unreachable_settled_merchant_guarantee_fund_advances_and_debt_is_recovered(
    buyer, other_buyer, merchant, card_product, t0
):
    # Never revealed (a revealed key is never fast-refunded, whatever the merchant's silence).
    order = buy(buyer, card_product)
    orders.confirm_receipt(buyer=buyer, order_id=order.pk)  # settled: no escrow left
    funds.request_payout(
        merchant=merchant, amount_fen=available(order.shop), method="alipay", account="13800138000"
    )  # and nothing left to take
    fund_guarantee(5000)
    Shop.objects.filter(pk=order.shop_id).update(created_at=t0 - timedelta(days=30))
    type(merchant).objects.filter(pk=merchant.pk).update(last_login=t0 - timedelta(days=10))
    ImportBatch.objects.filter(shop_id=order.shop_id).update(created_at=t0 - timedelta(days=10))  # no activity
    case = open_(buyer, order, "no_response", "full_refund", t0)
    assert case.facts["merchant_unreachable"]
    case = done(case, S.FAST_REFUNDED)
    assert wallet(buyer) == 1000 and fund() == 4000
    debt = MerchantDebt.objects.get(shop=order.shop)
    assert debt.amount_fen == 1000
    with pytest.raises(DomainError) as exc:
        funds.request_payout(merchant=merchant, amount_fen=100, method="alipay", account="13800138000")
    assert exc.value.code == "orders.payouts_frozen"
    # The next settlement pays the fund back first.
    order2 = revealed_order(other_buyer, card_product)
    orders.confirm_receipt(buyer=other_buyer, order_id=order2.pk)
    debt.refresh_from_db()
    assert debt.recovered_fen == 970 and fund() == 4970  # 1000 less 3% commission
    assert Event.objects.filter(stream=order.stream, kind="shop.debt_recorded").exists()


def test_too_slow_silent_buyer_closes_then_reopened_and_compensated(buyer, merchant, card_product, t0):
    order = revealed_order(buyer, card_product)
    case = open_(buyer, order, "too_slow", "compensation", t0, demand_fen=100)
    services.ask_for_info(merchant=merchant, case_id=case.pk, question="订单截图？", now=t0 + SEC)
    case.refresh_from_db()
    closed = case.due_at + SEC
    services.sweep(now=closed)
    case.refresh_from_db()
    assert case.state == S.CLOSED_SILENT and not order.batches.filter(held_by=case.stream).exists()
    services.reopen_case(buyer=buyer, case_id=case.pk, now=closed + SEC)
    services.accept_case(merchant=merchant, case_id=case.pk, now=closed + 2 * SEC)
    done(case, S.RESOLVED)
    assert wallet(buyer) == 100 and escrow(order) == 900


def test_shirking_rejected_then_buyer_appeal_refunds(buyer, merchant, agent, agent2, card_product, t0):
    order = revealed_order(buyer, card_product)
    case = open_(buyer, order, "shirking", "full_refund", t0)
    now = to_review(case, buyer, merchant, t0 + SEC)
    services.rule(agent=agent, case_id=case.pk, remedy="reject", clause="5.5", text="证据不足", now=now)
    assert wallet(buyer) == 0
    services.appeal(user=buyer, case_id=case.pk, reason="有聊天记录", now=now + SEC)
    services.rule(agent=agent2, case_id=case.pk, remedy="full_refund", clause="6.1", text="改判", now=now + 2 * SEC)
    case = done(case, S.RESOLVED)
    assert case.outcome == Remedy.FULL_REFUND and wallet(buyer) == 1000 and escrow(order) == 0
