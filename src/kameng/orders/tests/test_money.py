"""The money room: the pure plan, the executor that posts exactly the plan, and the recovery that is
its exact inverse (every balance and every counter back where it was)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kameng.catalog.models import Product
from kameng.core.errors import DomainError
from kameng.inventory.models import CardKey, CardKeyStatus
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of
from kameng.notifications.models import Notification
from kameng.orders import money, services
from kameng.orders.models import BatchState, BuyerDebt, Order, OrderKey, OrderState, Refund
from kameng.orders.tests.conftest import fund, load_keys
from tests.factories import ProductFactory
from tests.helpers import publish_rules

pytestmark = pytest.mark.django_db


def _buy(buyer, product, quantity=1):
    fund(buyer, product.price_fen * quantity)
    result = services.place_order(
        buyer=buyer, product_id=product.pk, quantity=quantity, buyer_fields=None, idempotency_key=f"m-{quantity}"
    )
    return result.order


def _snapshot(order: Order) -> dict:
    order.refresh_from_db()
    return {
        "order": (order.state, order.refunded_fen),
        "batches": [(b.seq, b.state, b.refunded_fen) for b in order.batches.order_by("seq")],
        "escrow": balance_of(kind=AccountKind.ORDER_ESCROW, owner_id=order.pk),
        "wallet": balance_of(kind=AccountKind.BUYER_WALLET, owner_id=order.buyer_id),
        "available": balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=order.shop_id),
        "deposit": balance_of(kind=AccountKind.MERCHANT_DEPOSIT, owner_id=order.shop_id),
        "fund": balance_of(kind=AccountKind.GUARANTEE_FUND),
        "commission": balance_of(kind=AccountKind.PLATFORM_COMMISSION),
    }


# --- the plan ---------------------------------------------------------------------------------------


def test_plan_takes_escrow_first_whatever_the_batch_order():
    # Batch 1 settled (the shop has its money), batch 2 still in escrow: 10 yuan back on both.
    plan = money.plan_refund(
        amount_fen=1000,
        batches=[money.BatchRoom(1, 1000, False), money.BatchRoom(2, 1000, True)],
        available_fen=0,
        deposit_fen=0,
        fund_fen=0,
    )
    assert plan.from_escrow_fen == 1000
    assert plan.shares == (money.Share(2, 1000, True),)
    assert plan.fund_short_fen == 0
    assert [(m.what, m.amount_fen) for m in plan.moves()] == [("escrow_to_buyer", 1000)]


def test_plan_beyond_escrow_draws_balance_then_deposit_then_fund_and_reports_shortfall():
    plan = money.plan_refund(
        amount_fen=1000,
        batches=[money.BatchRoom(1, 1000, False)],
        available_fen=300,
        deposit_fen=200,
        fund_fen=400,
    )
    assert (plan.from_available_fen, plan.from_deposit_fen, plan.from_fund_fen, plan.fund_short_fen) == (
        300,
        200,
        400,
        100,
    )


def test_plan_refuses_more_than_the_batches_can_pay_back():
    with pytest.raises(DomainError) as err:
        money.plan_refund(
            amount_fen=1001, batches=[money.BatchRoom(1, 1000, True)], available_fen=0, deposit_fen=0, fund_fen=0
        )
    assert err.value.code == "aftersales.amount_too_large"


@given(
    rooms=st.lists(st.tuples(st.integers(0, 5000), st.booleans()), min_size=1, max_size=5),
    held=st.tuples(st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 5000)),
    data=st.data(),
)
def test_plan_adds_up_and_never_touches_the_shop_while_escrow_can_pay(rooms, held, data):
    batches = [money.BatchRoom(i + 1, fen, escrow) for i, (fen, escrow) in enumerate(rooms)]
    total = sum(fen for fen, _ in rooms)
    if total == 0:
        return
    amount = data.draw(st.integers(1, total))
    plan = money.plan_refund(
        amount_fen=amount, batches=batches, available_fen=held[0], deposit_fen=held[1], fund_fen=held[2]
    )
    parts = plan.from_escrow_fen + plan.from_available_fen + plan.from_deposit_fen + plan.from_fund_fen
    assert parts + plan.fund_short_fen == amount
    assert sum(s.fen for s in plan.shares) == amount
    escrow_room = sum(b.room_fen for b in batches if b.in_escrow)
    assert plan.from_escrow_fen == min(amount, escrow_room)
    for share in plan.shares:
        assert share.fen <= next(b.room_fen for b in batches if b.seq == share.seq)
    assert plan.from_available_fen <= held[0] and plan.from_deposit_fen <= held[1] and plan.from_fund_fen <= held[2]
    if plan.from_deposit_fen:
        assert plan.from_available_fen == held[0]
    if plan.from_fund_fen:
        assert plan.from_deposit_fen == held[1]


# --- executing it, and taking it back -----------------------------------------------------------


def test_refund_on_a_settled_and_an_escrowed_batch_comes_from_escrow(buyer, card_product):
    publish_rules(batch_threshold_fen=1000)  # one 10-yuan key per batch
    order = _buy(buyer, card_product, quantity=2)
    services.confirm_receipt(buyer=buyer, order_id=order.pk)  # batch 1 settles, batch 2 is released
    assert [b.state for b in order.batches.order_by("seq")] == [BatchState.SETTLED, BatchState.DELIVERED]
    preview = money.preview_refund(order=order, seqs=[1, 2], amount_fen=1000)
    assert [(m.what, m.amount_fen) for m in preview.moves()] == [("escrow_to_buyer", 1000)]
    result = money.refund(order_id=order.pk, seqs=[1, 2], amount_fen=1000, source="t:1", reason="test")
    row = result.refund
    assert (row.from_escrow_fen, row.from_available_fen, row.from_fund_fen) == (1000, 0, 0)
    assert row.shares == [[2, 1000, True]]
    assert [(b.seq, b.state, b.refunded_fen) for b in order.batches.order_by("seq")] == [
        (1, BatchState.SETTLED, 0),
        (2, BatchState.REFUNDED, 1000),
    ]


@pytest.mark.parametrize("settle_first", [False, True])
def test_recover_is_the_exact_inverse_of_refund(buyer, card_product, settle_first):
    publish_rules(batch_threshold_fen=1000)
    order = _buy(buyer, card_product, quantity=2)
    if settle_first:
        services.confirm_receipt(buyer=buyer, order_id=order.pk)  # batch 1 settled: the shop pays part
    before = _snapshot(order)
    money.refund(order_id=order.pk, seqs=[1, 2], amount_fen=1500, source="t:r", reason="test")
    assert _snapshot(order) != before
    back = money.recover(order_id=order.pk, refund_source="t:r", amount_fen=1500, source="t:r:back", reason="test")
    assert (back.recovered_fen, back.owed_fen) == (1500, 0)
    after = _snapshot(order)
    # Refunding batch 1 whole let delivery move on to batch 2 (waiting → delivered); a recovery
    # cannot take a delivery back, so only that one state may differ. Every fen and counter is back.
    waiting = {seq for seq, state, _ in before["batches"] if state == BatchState.WAITING}
    for snap in (before, after):
        snap["batches"] = [(seq, None if seq in waiting else state, fen) for seq, state, fen in snap["batches"]]
    assert after == before
    assert Refund.objects.get(source="t:r").recovered_fen == 1500
    # And the refund can be paid again in full: the batch counters came down with it.
    assert money.refundable_fen(order, [1, 2]) == 2000


def test_recovery_restores_a_batch_the_refund_closed_and_its_key_is_revealable_again(buyer, card_product):
    order = _buy(buyer, card_product)
    okey = OrderKey.objects.get(batch__order=order)
    money.refund(order_id=order.pk, seqs=[1], amount_fen=1000, source="t:w", reason="test", key_ids=[okey.pk])
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    with pytest.raises(DomainError) as err:
        services.reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip=None, user_agent="")
    assert err.value.code == "orders.key_refunded"
    money.recover(order_id=order.pk, refund_source="t:w", amount_fen=1000, source="t:w:back", reason="test")
    order.refresh_from_db()
    assert order.state == OrderState.DELIVERED and order.refunded_fen == 0
    assert order.batches.get().state == BatchState.DELIVERED
    code, _password = services.reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip=None, user_agent="")
    assert code


def test_a_final_refund_returns_an_unseen_key_to_stock_and_reports_a_seen_one(buyer, card_product):
    order = _buy(buyer, card_product, quantity=2)
    unseen, seen = OrderKey.objects.filter(batch__order=order).order_by("pk")
    services.reveal_key(buyer=buyer, order_id=order.pk, order_key_id=seen.pk, ip=None, user_agent="")
    stock = Product.objects.get(pk=card_product.pk).stock_available
    money.refund(order_id=order.pk, seqs=[1], amount_fen=2000, source="t:d", reason="t", key_ids=[unseen.pk, seen.pk])
    from kameng.orders.uow import unit_of_work

    with unit_of_work():
        events = money.dispose_withheld_keys(order_ids=[order.pk], source_prefixes=["t:"])
    assert [e.payload["to"] for e in events[order.stream]] == ["stock", "reported_invalid"]
    assert CardKey.objects.get(pk=unseen.card_key_id).status == CardKeyStatus.AVAILABLE
    assert CardKey.objects.get(pk=unseen.card_key_id).sold_to_id is None
    assert CardKey.objects.get(pk=seen.card_key_id).status == CardKeyStatus.REPORTED_INVALID
    assert Product.objects.get(pk=card_product.pk).stock_available == stock + 1
    with unit_of_work():
        assert money.dispose_withheld_keys(order_ids=[order.pk], source_prefixes=["t:"]) == {}  # once
    with pytest.raises(DomainError) as err:  # final: the buyer cannot be handed those keys again
        money.recover(order_id=order.pk, refund_source="t:d", amount_fen=2000, source="t:d:back", reason="t")
    assert err.value.code == "orders.refund_final"


def test_a_key_back_in_stock_is_sold_again(buyer, shop):
    product = ProductFactory(shop=shop, price_fen=1000, face_value_fen=1000)
    load_keys(product, 1)
    first = _buy(buyer, product)
    okey = OrderKey.objects.get(batch__order=first)
    money.refund(order_id=first.pk, seqs=[1], amount_fen=1000, source="t:s", reason="t", key_ids=[okey.pk])
    from kameng.orders.uow import unit_of_work

    with unit_of_work():
        money.dispose_withheld_keys(order_ids=[first.pk], source_prefixes=["t:"])
    fund(buyer, 1000)
    again = services.place_order(
        buyer=buyer, product_id=product.pk, quantity=1, buyer_fields=None, idempotency_key="m-again"
    ).order
    assert OrderKey.objects.get(batch__order=again).card_key_id == okey.card_key_id
    code, _password = services.reveal_key(
        buyer=buyer, order_id=again.pk, order_key_id=OrderKey.objects.get(batch__order=again).pk, ip=None, user_agent=""
    )
    assert code


def test_only_the_closing_cases_withheld_keys_are_disposed(buyer, card_product):
    order = _buy(buyer, card_product, quantity=2)
    mine, other = OrderKey.objects.filter(batch__order=order).order_by("pk")
    money.refund(order_id=order.pk, seqs=[1], amount_fen=1000, source="case:1:fast", reason="t", key_ids=[mine.pk])
    money.refund(order_id=order.pk, seqs=[1], amount_fen=1000, source="case:12:fast", reason="t", key_ids=[other.pk])
    from kameng.orders.uow import unit_of_work

    with unit_of_work():
        money.dispose_withheld_keys(order_ids=[order.pk], source_prefixes=["case:1:"])
    assert OrderKey.objects.get(pk=mine.pk).disposed_at is not None
    assert OrderKey.objects.get(pk=other.pk).disposed_at is None  # case 12 is still open: its refund may be undone


def test_an_invalid_key_refund_marks_the_key_reported_invalid_at_once_and_recovery_clears_it(buyer, card_product):
    order = _buy(buyer, card_product)
    okey = OrderKey.objects.get(batch__order=order)
    money.refund(
        order_id=order.pk, seqs=[1], amount_fen=1000, source="t:i", reason="t", key_ids=[okey.pk], keys_invalid=True
    )
    assert CardKey.objects.get(pk=okey.card_key_id).status == CardKeyStatus.REPORTED_INVALID
    money.recover(order_id=order.pk, refund_source="t:i", amount_fen=1000, source="t:i:back", reason="t")
    assert CardKey.objects.get(pk=okey.card_key_id).status == CardKeyStatus.SOLD


def test_a_recovery_the_wallet_cannot_cover_becomes_the_buyers_debt_paid_from_the_next_top_up(
    buyer, card_product, other_buyer
):
    order = _buy(buyer, card_product)
    money.refund(order_id=order.pk, seqs=[1], amount_fen=1000, source="t:b", reason="t")
    # The buyer spends 700 of the refund on another order before the merchant wins its contest.
    from kameng.ledger.services import get_or_create_account, transfer

    transfer(
        source="t:spent",
        from_account=get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk),
        to_account=get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=other_buyer.pk),
        amount_fen=700,
    )
    back = money.recover(order_id=order.pk, refund_source="t:b", amount_fen=1000, source="t:b:back", reason="t")
    assert (back.recovered_fen, back.owed_fen) == (300, 700)
    debt = BuyerDebt.objects.get()
    assert (debt.amount_fen, debt.outstanding_fen) == (700, 700)
    assert money.outstanding_buyer_debt_fen(buyer.pk) == 700
    assert Notification.objects.filter(user=buyer, kind="order.buyer_debt").count() == 1
    fund(buyer, 500)
    assert money.recover_buyer_debts(buyer_id=buyer.pk) == 500
    fund(buyer, 1000)
    assert money.recover_buyer_debts(buyer_id=buyer.pk) == 200
    debt.refresh_from_db()
    assert debt.cleared_at is not None
    assert Refund.objects.get(source="t:b").recovered_fen == 1000
    order.refresh_from_db()
    assert order.refunded_fen == 0
    assert balance_of(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk) == 800


def test_a_failed_top_up_refund_tells_the_buyer(buyer, topup_product, supplier):
    fund(buyer, topup_product.price_fen)
    order = services.place_order(
        buyer=buyer,
        product_id=topup_product.pk,
        quantity=1,
        buyer_fields={"phone": "13800000000"},
        idempotency_key="fail-1",
    ).order
    batch = order.batches.get()
    services.topup_finished(ref=f"order:{order.pk}:batch:{batch.seq}", succeeded=False, detail={"reason": "no"})
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    note = Notification.objects.get(user=buyer, kind="order.refunded_automatically")
    assert note.params["order"] == order.pk
    assert balance_of(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk) == topup_product.price_fen


def test_a_refund_on_a_batch_the_order_later_refunded_whole_is_not_taken_back(buyer, manual_product):
    """Found by the state machine on PostgreSQL: an after-sales refund, then the delivery failed and
    the order refunded the rest of the batch itself; recovering the first refund must not reopen
    the batch (the buyer is owed all of an undelivered batch)."""
    fund(buyer, manual_product.price_fen)
    order = services.place_order(
        buyer=buyer, product_id=manual_product.pk, quantity=1, buyer_fields={"role": "小鹿"}, idempotency_key="k-1"
    ).order
    money.refund(order_id=order.pk, seqs=[1], amount_fen=300, source="t:k", reason="t")
    from kameng.orders.uow import locked_order, unit_of_work

    with unit_of_work():
        money.refund_batches(order=locked_order(order.pk), batches=list(order.batches.all()), reason="t")
    back = money.recover(order_id=order.pk, refund_source="t:k", amount_fen=300, source="t:k:back", reason="t")
    assert (back.recovered_fen, back.owed_fen) == (0, 0)
    batch = order.batches.get()
    assert batch.state == BatchState.REFUNDED and batch.refunded_fen == batch.amount_fen


def test_a_recovered_refund_of_a_batch_never_delivered_lets_it_settle(buyer, manual_product, time_machine):
    """Found by the state machine: a whole refund of a batch still waiting for delivery, recovered;
    the batch came back as delivered with no protection window and sat in escrow forever."""
    fund(buyer, manual_product.price_fen)
    order = services.place_order(
        buyer=buyer, product_id=manual_product.pk, quantity=1, buyer_fields={"role": "小鹿"}, idempotency_key="k-2"
    ).order
    amount = order.total_fen
    money.refund(order_id=order.pk, seqs=[1], amount_fen=amount, source="t:u", reason="t")
    assert order.batches.get().state == BatchState.REFUNDED
    money.recover(order_id=order.pk, refund_source="t:u", amount_fen=amount, source="t:u:back", reason="t")
    batch = order.batches.get()
    assert batch.state == BatchState.DELIVERED and batch.confirm_due_at is not None
    time_machine.move_to(batch.confirm_due_at + timedelta(seconds=1))
    services.sweep()
    assert order.batches.get().state == BatchState.SETTLED
    assert balance_of(kind=AccountKind.ORDER_ESCROW, owner_id=order.pk) == 0
