"""Every order number comes from the rulebook, and an order keeps the version it was placed under:
publishing a new version changes new orders only (rules 8.6–8.9)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.ledger.selectors import balance_of
from kameng.orders import funds, rules, services
from kameng.orders.models import BatchState, Order, OrderState
from kameng.orders.tests.conftest import fund
from kameng.rulebook import selectors as rulebook
from tests.helpers import publish_rules

pytestmark = pytest.mark.django_db


def buy(buyer, product, quantity=1, key="k1", fields=None, pay_now=True):
    return services.place_order(
        buyer=buyer, product_id=product.pk, quantity=quantity, buyer_fields=fields, idempotency_key=key, pay_now=pay_now
    ).order


def shop_balance(product):
    return balance_of(kind="merchant_available", owner_id=product.shop_id)


def test_the_defaults_are_the_old_numbers():
    r = rules.current()
    assert r.rulebook_id == rulebook.current().id and r.rulebook_number == 1
    assert r.payment_window == timedelta(minutes=15)
    assert r.protection_window == timedelta(hours=72)
    assert (r.commission_bps, r.batch_threshold_fen, r.payout_min_fen) == (300, 50_000, 100)


def test_an_order_records_the_version_it_was_placed_under(buyer, card_product):
    fund(buyer, 5000)
    first = buy(buyer, card_product, key="a")
    v2 = publish_rules(commission_bps=500)
    second = buy(buyer, card_product, key="b")
    assert first.rulebook_id == rulebook.version_by_number(1).id
    assert second.rulebook_id == v2.id
    assert Order.objects.get(pk=first.pk).rulebook.number == 1  # stored, not only on the instance
    assert rules.for_order(first).commission_bps == 300 and rules.for_order(second).commission_bps == 500


def test_a_new_version_changes_neither_the_window_nor_the_commission_of_an_order_already_placed(buyer, card_product):
    """Order A under v1 (72 h, 3%); v2 makes it 24 h and 10%; order B under v2. After 25 hours
    only B auto-confirms, at 10%; A auto-confirms after 72 hours, at 3%."""
    fund(buyer, 5000)
    t0 = timezone.now()
    old = buy(buyer, card_product, key="old")
    publish_rules(protection_window_hours=24, commission_bps=1000)
    new = buy(buyer, card_product, key="new")
    assert old.batches.get().confirm_due_at - t0 >= timedelta(hours=72)
    assert new.batches.get().confirm_due_at - t0 < timedelta(hours=25)

    with time_machine.travel(t0 + timedelta(hours=25)):
        assert services.sweep().auto_confirmed == 1
    assert shop_balance(card_product) == 1000 - 100  # B: v2's 10%
    old.refresh_from_db()
    assert old.state == OrderState.DELIVERED

    with time_machine.travel(t0 + timedelta(hours=72, minutes=1)):
        assert services.sweep().auto_confirmed == 1
    old.refresh_from_db()
    assert old.state == OrderState.COMPLETED
    assert shop_balance(card_product) == 900 + 1000 - 30  # A: v1's 3%


def test_confirming_an_old_order_settles_at_its_own_commission(buyer, card_product):
    fund(buyer, 5000)
    order = buy(buyer, card_product)
    publish_rules(commission_bps=0)
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert shop_balance(card_product) == 970


def test_a_manual_delivery_after_a_new_version_starts_the_orders_own_window(buyer, manual_product, merchant):
    """The window starts at delivery, which may come after a new version: it is still the order's."""
    fund(buyer, 5000)
    t0 = timezone.now()
    order = buy(buyer, manual_product, fields={"role": "角色名"})
    publish_rules(protection_window_hours=1)
    services.deliver_manually(merchant=merchant, order_id=order.pk, note="已发送")
    batch = order.batches.get()
    assert batch.confirm_due_at - t0 >= timedelta(hours=72)
    with time_machine.travel(t0 + timedelta(hours=2)):
        assert services.sweep().auto_confirmed == 0
    assert batch.confirm_due_at == batch.delivered_at + timedelta(hours=72)


def test_a_later_batch_keeps_the_orders_window_and_commission(buyer, card_product):
    """分批到账: batch 2 is released after batch 1 is confirmed, possibly under a newer version."""
    publish_rules(batch_threshold_fen=2000)  # v2: 10-yuan keys, two per batch
    fund(buyer, 10_000)
    t0 = timezone.now()
    order = buy(buyer, card_product, quantity=3)
    assert [b.quantity for b in order.batches.all()] == [2, 1]
    publish_rules(protection_window_hours=1, commission_bps=0, batch_threshold_fen=100_000)  # v3
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert shop_balance(card_product) == 2000 - 60
    second = order.batches.get(seq=2)
    assert second.state == BatchState.DELIVERED
    assert second.confirm_due_at - t0 >= timedelta(hours=72)
    with time_machine.travel(t0 + timedelta(hours=2)):
        assert services.sweep().auto_confirmed == 0
    # A new order follows v3: one batch, its window 1 hour.
    fresh = buy(buyer, card_product, quantity=3, key="k2")
    assert fresh.batches.count() == 1
    assert fresh.batches.get().confirm_due_at - timezone.now() <= timedelta(hours=1)


def test_new_orders_follow_the_new_payment_window_and_old_ones_keep_theirs(buyer, card_product):
    t0 = timezone.now()
    old = buy(buyer, card_product, key="old", pay_now=False)
    publish_rules(payment_window_minutes=60)
    new = buy(buyer, card_product, key="new", pay_now=False)
    assert old.payment_due_at - t0 < timedelta(minutes=16)
    assert new.payment_due_at - t0 >= timedelta(minutes=60)
    with time_machine.travel(t0 + timedelta(minutes=16)):
        assert services.sweep().cancelled == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.state, new.state) == (OrderState.CANCELLED, OrderState.PENDING_PAYMENT)


def test_the_payout_minimum_is_the_rulebooks(merchant):
    publish_rules(payout_min_fen=5000)
    with pytest.raises(DomainError) as exc:
        funds.request_payout(merchant=merchant, amount_fen=4999, method="alipay", account="13800138000")
    assert exc.value.code == "orders.payout_too_small" and exc.value.params["min"] == 5000


def test_an_order_from_before_versions_were_recorded_follows_the_version_in_force(buyer, card_product):
    fund(buyer, 5000)
    order = buy(buyer, card_product)
    Order.objects.filter(pk=order.pk).update(rulebook=None)
    order.refresh_from_db()
    v2 = publish_rules(commission_bps=100)
    assert rules.for_order(order).rulebook_id == v2.id
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert shop_balance(card_product) == 990


@pytest.mark.django_db(transaction=True)
def test_checkout_reads_the_rulebook_without_a_query(buyer, card_product, django_assert_num_queries):
    fund(buyer, 5000)
    order = buy(buyer, card_product)
    rulebook.in_force()  # committed: this process now knows the version in force
    with django_assert_num_queries(0):
        r = rules.current()
        assert rules.for_order(order) == r
    assert r.rulebook_id == order.rulebook_id
