"""A card-key product from the orders fixtures, and the books checked after every test."""

import pytest

from kameng.ledger.selectors import check_ledger
from kameng.orders.tests.conftest import card_product  # noqa: F401  (fixture re-exported)


@pytest.fixture(autouse=True)
def _books_balance(db):
    yield
    report = check_ledger()
    assert report.ok, report.breaches


def run_on_commit_callbacks() -> None:
    """What the commit would run: a test's writes happen inside its transaction, and the shop
    figures are updated on commit."""
    from django.db import connection

    while connection.run_on_commit:
        pending, connection.run_on_commit[:] = list(connection.run_on_commit), []
        for _savepoints, callback, _robust in pending:
            callback()
