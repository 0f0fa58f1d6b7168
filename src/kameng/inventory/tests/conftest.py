"""Inventory fixtures: every test gets its own keyring file, so no test reads var/keyring.json."""

from __future__ import annotations

import pytest

from kameng.catalog.models import DeliveryKind
from kameng.inventory import crypto
from tests.factories import ProductFactory, ShopFactory


@pytest.fixture(autouse=True)
def keyring_file(settings, tmp_path):
    settings.KAMENG_KEYRING = ""
    settings.KAMENG_KEYRING_FILE = tmp_path / "keyring.json"
    crypto.reset_cache()
    yield settings.KAMENG_KEYRING_FILE
    crypto.reset_cache()


@pytest.fixture
def other_merchant(other_shop):
    return other_shop.owner


@pytest.fixture
def other_product(other_shop):
    return ProductFactory(shop=other_shop)


@pytest.fixture
def topup_product(shop):
    return ProductFactory(shop=shop, delivery_kind=DeliveryKind.DIRECT_TOPUP)


@pytest.fixture
def make_product(db):
    def make(**kwargs):
        kwargs.setdefault("shop", ShopFactory())
        return ProductFactory(**kwargs)

    return make
