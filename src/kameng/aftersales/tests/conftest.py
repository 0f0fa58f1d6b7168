"""After-sales fixtures: the orders fixtures (funded buyers, card-key / 直充 / manual products, the
supplier simulator, books checked after every test), plus helpers to buy and to open a case."""

from __future__ import annotations

import itertools

import pytest

from kameng.ledger.models import AccountKind
from kameng.ledger.services import get_or_create_account, transfer
from kameng.orders import services as orders
from kameng.orders.tests.conftest import (  # noqa: F401  (fixtures re-exported for these tests)
    _books_balance,
    card_product,
    fund,
    load_keys,
    manual_product,
    supplier,
    topup_product,
)

_keys = itertools.count(1)


def buy(buyer, product, quantity=1, fields=None):
    fund(buyer, product.price_fen * quantity)
    result = orders.place_order(
        buyer=buyer,
        product_id=product.pk,
        quantity=quantity,
        buyer_fields=fields,
        idempotency_key=f"as-{next(_keys)}",
    )
    assert result.paid
    return result.order


def fund_guarantee(amount_fen: int) -> None:
    """The platform's guarantee fund, funded from outside for the test."""
    transfer(
        source=f"test-fund:{next(_keys)}",
        from_account=get_or_create_account(kind=AccountKind.GATEWAY_CLEARING),
        to_account=get_or_create_account(kind=AccountKind.GUARANTEE_FUND),
        amount_fen=amount_fen,
    )


@pytest.fixture
def card_order(buyer, card_product):  # noqa: F811 (the fixture imported above, as a parameter)
    return buy(buyer, card_product, quantity=1)
