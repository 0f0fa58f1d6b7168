"""Triage fixtures: the orders/after-sales ones (funded buyers, a card-key product with real stock,
a 直充 product served by the supplier simulator, the books checked after every test)."""

from __future__ import annotations

from kameng.aftersales.tests.conftest import (  # noqa: F401  (fixtures re-exported for these tests)
    _books_balance,
    buy,
    card_product,
    supplier,
    topup_product,
)
