"""M1: a top-up may name an order only if the buyer is that order's buyer. Someone else's order (or
one that does not exist) is 404, nothing is written, and no payment for the victim's order can ever be captured."""

from __future__ import annotations

import pytest

from kameng.inventory.services import import_card_keys
from kameng.orders.services import place_order
from kameng.payments import services
from kameng.payments.models import Payment
from tests.factories import ProductFactory
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting_order(buyer, shop):
    """The buyer's unpaid card-key order (an empty wallet: it waits for a top-up)."""
    product = ProductFactory(shop=shop, price_fen=1000, face_value_fen=1000)
    import_card_keys(user=shop.owner, product_id=product.pk, text="M1KEY000000001,P1")
    return place_order(
        buyer=buyer, product_id=product.pk, quantity=1, buyer_fields=None, idempotency_key="m1", pay_now=False
    ).order


def test_the_buyer_tops_up_for_their_own_order(api_client, buyer, waiting_order):
    r = api_client(buyer).post("/api/v1/payments/topups", {"amount_fen": 1000, "order_id": waiting_order.pk})
    assert r.status_code == 201, r.content
    assert Payment.objects.get().order_id == waiting_order.pk


def test_a_top_up_naming_another_buyers_order_is_not_found(api_client, other_buyer, waiting_order):
    r = api_client(other_buyer).post("/api/v1/payments/topups", {"amount_fen": 1000, "order_id": waiting_order.pk})
    assert_error(r, 404, "not_found")
    assert not Payment.objects.exists()


def test_a_top_up_naming_an_order_that_does_not_exist_is_not_found(api_client, buyer):
    r = api_client(buyer).post("/api/v1/payments/topups", {"amount_fen": 1000, "order_id": 999_999})
    assert_error(r, 404, "not_found")
    assert not Payment.objects.exists()


def test_without_orders_saying_who_may_pay_no_top_up_names_an_order(monkeypatch, buyer, waiting_order):
    monkeypatch.setattr(services, "_order_payer_check", None)
    with pytest.raises(services.DomainError) as err:
        services.start_topup(buyer=buyer, amount_fen=1000, gateway="sandbox", order_id=waiting_order.pk)
    assert err.value.code == "not_found"
    assert services.start_topup(buyer=buyer, amount_fen=1000, gateway="sandbox").order_id is None
