"""Order selectors: each returns only what its user may see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.orders import funds, selectors, services
from kameng.orders.models import Order, Payout
from kameng.orders.tests.conftest import fund, load_keys
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def buy(buyer, product, *, key, quantity=1, fields=None, funded=True) -> Order:
    if funded:
        fund(buyer, product.price_fen * quantity)
    return services.place_order(
        buyer=buyer, product_id=product.pk, quantity=quantity, buyer_fields=fields or {}, idempotency_key=key
    ).order


def test_buyer_orders_newest_first_by_state_and_only_their_own(buyer, other_buyer, card_product):
    first = buy(buyer, card_product, key="a")
    second = buy(buyer, card_product, key="b", funded=False)
    buy(other_buyer, card_product, key="c")
    assert list(selectors.orders_of_buyer(buyer=buyer)) == [second, first]
    assert list(selectors.orders_of_buyer(buyer=buyer, state="pending_payment")) == [second]
    with pytest.raises(DomainError) as err:
        selectors.orders_of_buyer(buyer=buyer, state="nope")
    assert err.value.code == "invalid_input"
    assert selectors.order_of_buyer(buyer=buyer, order_id=first.pk) == first
    with pytest.raises(DomainError) as err:
        selectors.order_of_buyer(buyer=other_buyer, order_id=first.pk)
    assert err.value.code == "not_found"


def test_wrong_role_is_refused(merchant, buyer, operator):
    for call in (
        lambda: selectors.orders_of_buyer(buyer=merchant),
        lambda: selectors.orders_of_shop(merchant=buyer),
        lambda: selectors.merchant_balance(merchant=operator),
        lambda: selectors.payout_queue(operator=merchant),
        lambda: selectors.ledger_check(operator=buyer),
    ):
        with pytest.raises(DomainError) as err:
            call()
        assert err.value.code == "auth.role_required"


def test_shop_orders_put_waiting_manual_deliveries_first_by_due_time(
    buyer, merchant, other_shop, card_product, manual_product, shop
):
    card = buy(buyer, card_product, key="card")
    late = buy(buyer, manual_product, key="m1", fields={"role": "剑侠客"})
    soon = buy(buyer, manual_product, key="m2", fields={"role": "剑侠客"})
    Order.objects.filter(pk=soon.pk).update(delivery_due_at=timezone.now() + timedelta(minutes=5))
    assert list(selectors.orders_of_shop(merchant=merchant)) == [soon, late, card]
    assert list(selectors.orders_of_shop(merchant=merchant, state="delivered")) == [card]
    assert list(selectors.orders_of_shop(merchant=other_shop.owner)) == []
    with pytest.raises(DomainError) as err:
        selectors.order_of_shop(merchant=other_shop.owner, order_id=card.pk)
    assert err.value.code == "not_found"
    assert selectors.order_of_shop(merchant=merchant, order_id=card.pk) == card


def test_delivered_keys_are_only_those_of_released_batches(buyer, other_buyer, shop):
    product = ProductFactory(shop=shop, price_fen=30_000, max_per_order=10)
    load_keys(product, 3)
    order = buy(buyer, product, key="big", quantity=3)
    keys = list(selectors.delivered_keys(buyer=buyer, order_id=order.pk))
    assert [k.batch.seq for k in keys] == [1]
    services.confirm_receipt(buyer=buyer, order_id=order.pk)  # settles batch 1, releases batch 2
    assert [k.batch.seq for k in selectors.delivered_keys(buyer=buyer, order_id=order.pk)] == [1, 2]
    with pytest.raises(DomainError):
        selectors.delivered_keys(buyer=other_buyer, order_id=order.pk)


def test_merchant_balance_follows_escrow_settlement_and_payouts(buyer, merchant, card_product, manual_product):
    card = buy(buyer, card_product, key="c", quantity=3)
    buy(buyer, manual_product, key="m", fields={"role": "剑侠客"})
    buy(buyer, card_product, key="unpaid", funded=False)  # not paid: not pending for the merchant
    balance = selectors.merchant_balance(merchant=merchant)
    assert (balance.available_fen, balance.pending_fen, balance.in_payout_fen) == (0, 3000 + 2000, 0)
    services.confirm_receipt(buyer=buyer, order_id=card.pk)
    funds.request_payout(merchant=merchant, amount_fen=1000, method="alipay", account="13800138000")
    balance = selectors.merchant_balance(merchant=merchant)
    assert (balance.available_fen, balance.pending_fen, balance.in_payout_fen) == (2910 - 1000, 2000, 1000)
    assert [p.amount_fen for p in selectors.payouts_of_shop(merchant=merchant)] == [1000]


def test_payout_queue_oldest_first_by_state(operator, buyer, merchant, card_product):
    card = buy(buyer, card_product, key="c", quantity=3)
    services.confirm_receipt(buyer=buyer, order_id=card.pk)
    first = funds.request_payout(merchant=merchant, amount_fen=500, method="alipay", account="13800138000")
    second = funds.request_payout(merchant=merchant, amount_fen=600, method="alipay", account="13800138000")
    assert list(selectors.payout_queue(operator=operator)) == [first, second]
    funds.decide_payout(operator=operator, payout_id=first.pk, approve=True)
    assert list(selectors.payout_queue(operator=operator)) == [second]
    assert list(selectors.payout_queue(operator=operator, state=Payout.State.PAID)) == [first]
    with pytest.raises(DomainError):
        selectors.payout_queue(operator=operator, state="bogus")


def test_wallet_shortfall(buyer, card_product):
    fund(buyer, 300)
    order = buy(buyer, card_product, key="s", funded=False)
    assert selectors.wallet_shortfall(order=order) == 700
    fund(buyer, 700)
    assert selectors.wallet_shortfall(order=order) == 0
    services.cancel_order(buyer=buyer, order_id=order.pk)
    order.refresh_from_db()
    assert selectors.wallet_shortfall(order=order) == 0


def test_timeline_labels_events_and_drops_secret_keys(buyer, card_product):
    order = buy(buyer, card_product, key="t")
    items = selectors.timeline_of(order=order)
    assert [i.kind for i in items][:2] == ["order.created", "order.paid"]
    assert all(i.hash and i.label for i in items)
    assert selectors.public_payload({"code": "K1", "password": "P", "batch": 1, "signature": "s"}) == {"batch": 1}
    assert selectors.public_payload("not a dict") == {}


def test_ledger_check_for_operators(operator, buyer, card_product):
    buy(buyer, card_product, key="l")
    report = selectors.ledger_check(operator=operator)
    assert report.ok and report.total_fen == 0
