"""A card-key product from the orders fixtures, and the books checked after every test."""

import pytest

from kameng.ledger.selectors import check_ledger
from kameng.orders.tests.conftest import card_product  # noqa: F401  (fixture re-exported)


@pytest.fixture(autouse=True)
def _books_balance(db):
    yield
    report = check_ledger()
    assert report.ok, report.breaches
