"""Real races on PostgreSQL with threads (each its own connection), as Cosmic Python prescribes."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.inventory.models import CardKey
from kameng.ledger.models import JournalEntry
from kameng.ledger.selectors import balance_of, check_ledger
from kameng.orders import services
from kameng.orders.models import Order, OrderState
from kameng.orders.tests.conftest import fund, load_keys
from tests.factories import ProductFactory, UserFactory
from tests.helpers import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_buyers_for_the_last_ten_keys(shop):
    product = ProductFactory(shop=shop, price_fen=1000, max_per_order=5)
    load_keys(product, 10)
    buyers = [UserFactory(username=f"rush{i}") for i in range(50)]
    for b in buyers:
        fund(b, 1000)

    def attempt(i):
        try:
            services.place_order(
                buyer=buyers[i], product_id=product.pk, quantity=1, buyer_fields=None, idempotency_key=f"rush-{i}"
            )
            return "bought"
        except DomainError as exc:
            return exc.code

    results, errors = run_threads(50, attempt)
    assert not errors, errors
    assert results.count("bought") == 10
    assert set(results) == {"bought", "inventory.out_of_stock"}
    assert Order.objects.count() == 10
    sold = CardKey.objects.filter(status="sold")
    assert sold.count() == 10 and len({k.sold_to_id for k in sold}) == 10
    product.refresh_from_db()
    assert product.stock_available == 0
    refused = [b for b, r in zip(buyers, results, strict=True) if r != "bought"]
    assert all(balance_of(kind="buyer_wallet", owner_id=b.pk) == 1000 for b in refused)
    assert check_ledger().ok


def test_ten_threads_with_one_idempotency_key_make_one_order(buyer, shop):
    product = ProductFactory(shop=shop, price_fen=500)
    load_keys(product, 20)
    fund(buyer, 100_000)

    def attempt(i):
        result = services.place_order(
            buyer=buyer, product_id=product.pk, quantity=2, buyer_fields=None, idempotency_key="same-click"
        )
        return result.order.pk

    results, errors = run_threads(10, attempt)
    assert not errors, errors
    assert len(set(results)) == 1
    assert Order.objects.count() == 1
    assert JournalEntry.objects.filter(source__startswith="order:").count() == 1
    assert balance_of(kind="buyer_wallet", owner_id=buyer.pk) == 100_000 - 1000
    assert CardKey.objects.filter(status="sold").count() == 2
    assert check_ledger().ok


def test_three_sweepers_settle_each_due_batch_once(shop):
    product = ProductFactory(shop=shop, price_fen=1000)
    load_keys(product, 12)
    buyers = [UserFactory(username=f"sweep{i}") for i in range(12)]
    for i, b in enumerate(buyers):
        fund(b, 1000)
        services.place_order(buyer=b, product_id=product.pk, quantity=1, buyer_fields=None, idempotency_key=f"s{i}")
    later = timezone.now() + timedelta(hours=73)

    def sweeper(i):
        with time_machine.travel(later):
            return services.sweep().auto_confirmed

    results, errors = run_threads(3, sweeper)
    assert not errors, errors
    assert sum(results) == 12
    assert Order.objects.filter(state=OrderState.COMPLETED).count() == 12
    assert JournalEntry.objects.filter(source__endswith=":settled").count() == 12
    assert balance_of(kind="merchant_available", owner_id=shop.pk) == 12 * 970
    assert check_ledger().ok
