"""Orders fixtures: a funded buyer, a card-key product with real (encrypted) stock, a 直充 product
served by the in-process supplier simulator over real HTTP, and the books checked after each test."""

from __future__ import annotations

import itertools

import pytest

from kameng.catalog.models import DeliveryKind
from kameng.inventory.services import import_card_keys
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import check_ledger
from kameng.ledger.services import get_or_create_account, transfer
from kameng.suppliers.simulator import SupplierSimulator
from tests.factories import ProductFactory

_codes = itertools.count(1)
SUPPLIER_SECRET = "orders-test-supplier"


def fund(user, amount_fen: int) -> None:
    """Money arriving from outside, exactly as a captured top-up books it."""
    transfer(
        source=f"test-topup:{user.pk}:{next(_codes)}",
        from_account=get_or_create_account(kind=AccountKind.GATEWAY_CLEARING),
        to_account=get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=user.pk),
        amount_fen=amount_fen,
    )


def load_keys(product, n: int) -> None:
    text = "\n".join(f"K{next(_codes):012d},P{n}" for _ in range(n))
    import_card_keys(user=product.shop.owner, product_id=product.pk, text=text)
    product.refresh_from_db()


@pytest.fixture
def card_product(shop):
    product = ProductFactory(shop=shop, price_fen=1000, face_value_fen=1000, max_per_order=100)
    load_keys(product, 20)
    return product


@pytest.fixture
def topup_product(shop):
    return ProductFactory(
        shop=shop,
        delivery_kind=DeliveryKind.DIRECT_TOPUP,
        category="phone_topup",
        price_fen=5000,
        face_value_fen=5000,
        required_fields=[
            {
                "key": "phone",
                "label_zh": "手机号",
                "label_en": "Phone",
                "pattern": "1[0-9]{10}",
                "help_zh": "",
                "help_en": "",
            }
        ],
    )


@pytest.fixture
def manual_product(shop):
    return ProductFactory(
        shop=shop,
        delivery_kind=DeliveryKind.MANUAL,
        category="virtual_item",
        price_fen=2000,
        face_value_fen=2000,
        manual_delivery_hours=6,
        required_fields=[
            {
                "key": "role",
                "label_zh": "角色",
                "label_en": "Character",
                "pattern": ".{2,20}",
                "help_zh": "",
                "help_en": "",
            }
        ],
    )


@pytest.fixture
def supplier(settings):
    sim = SupplierSimulator(port=0, secret=SUPPLIER_SECRET, late_seconds=60, hang_seconds=5).start()
    settings.KAMENG_SUPPLIER_URL = sim.url
    settings.KAMENG_SUPPLIER_SECRET = SUPPLIER_SECRET
    settings.KAMENG_SUPPLIER_TIMEOUT = 0.5
    yield sim
    sim.stop()


@pytest.fixture(autouse=True)
def _books_balance(request):
    yield
    if "_django_db_helper" in request.fixturenames or "db" in request.fixturenames:
        report = check_ledger()
        assert report.ok, report.breaches
