"""Before buying (rule 10.3): the buyer confirms the terms the shop wrote; big orders are told about
分批到账; a first order from a new or warned shop is warned; new accounts have an order limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.orders import services
from kameng.orders.models import Order
from kameng.orders.tests.conftest import fund, load_keys
from kameng.orders.tests.test_views import checkout_url, hidden_key, login
from kameng.shops.models import Shop
from tests.factories import UserFactory
from tests.helpers import publish_rules

pytestmark = pytest.mark.django_db


def _place(buyer, product, quantity=1, key="g1"):
    return services.place_order(
        buyer=buyer, product_id=product.pk, quantity=quantity, buyer_fields=None, idempotency_key=key
    )


def test_a_new_account_has_an_order_limit_from_the_rulebook(card_product):
    newcomer = UserFactory(username="newcomer", date_joined=timezone.now() - timedelta(days=2))
    fund(newcomer, 500_000)
    card_product.price_fen, card_product.max_per_order = 150_000, 5
    card_product.save()
    load_keys(card_product, 4)
    with pytest.raises(DomainError) as exc:  # ¥3,000 > the default ¥2,000 for accounts under 7 days
        _place(newcomer, card_product, quantity=2)
    assert exc.value.code == "orders.new_account_limit" and exc.value.status == 409
    assert not Order.objects.exists()
    assert _place(newcomer, card_product, quantity=1, key="g2").paid  # ¥1,500 is within it
    publish_rules(new_account_days=1)  # operators set it; a 2-day-old account is no longer new
    assert _place(newcomer, card_product, quantity=2, key="g3").paid


def test_the_checkout_says_what_applies(buyer, card_product, shop):
    fund(buyer, 1_000_000)
    load_keys(card_product, 3)
    page = login(buyer).get(checkout_url(card_product)).content.decode()
    assert 'data-testid="accept-terms"' not in page  # the shop wrote no terms
    assert 'data-testid="shop-warning"' in page  # a first order from a shop opened today
    assert 'data-testid="batched"' not in page
    Shop.objects.filter(pk=shop.pk).update(created_at=timezone.now() - timedelta(days=400))
    page = login(buyer).get(checkout_url(card_product)).content.decode()
    assert 'data-testid="shop-warning"' not in page
    Shop.objects.filter(pk=shop.pk).update(status="warned")
    assert 'data-testid="shop-warning"' in login(buyer).get(checkout_url(card_product)).content.decode()
    page = login(buyer).get(checkout_url(card_product) + "&quantity=60").content.decode()  # ¥600 > ¥500
    assert 'data-testid="batched"' in page


def test_terms_the_shop_wrote_must_be_confirmed(buyer, card_product):
    fund(buyer, 10_000)
    load_keys(card_product, 2)
    card_product.usage_rules = "仅限国服使用，充值前请确认区服。"
    card_product.save()
    client = login(buyer)
    page = client.get(checkout_url(card_product)).content.decode()
    assert "仅限国服使用" in page and 'data-testid="accept-terms"' in page
    refused = client.post(checkout_url(card_product), {"quantity": "1", "idempotency_key": hidden_key(page)})
    assert refused.status_code == 422 and not Order.objects.exists()
    key = hidden_key(client.get(checkout_url(card_product)).content.decode())
    done = client.post(checkout_url(card_product), {"quantity": "1", "idempotency_key": key, "accept_terms": "1"})
    assert done.status_code == 302 and Order.objects.count() == 1
