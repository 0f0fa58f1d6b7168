"""Payments fixtures: fixed gateway secrets, EPay configured, and the books checked after each test."""

from __future__ import annotations

import pytest

from kameng.ledger.selectors import check_ledger
from kameng.payments import services
from kameng.payments.gateways import sandbox

SANDBOX_SECRET = "sandbox-test-secret"
EPAY_KEY = "epay-test-key-123"
EPAY_PID = "1001"


@pytest.fixture(autouse=True)
def gateway_settings(settings):
    settings.KAMENG_PAYMENT_GATEWAYS = ["sandbox", "epay"]
    settings.KAMENG_SANDBOX_GATEWAY_SECRET = SANDBOX_SECRET
    settings.KAMENG_EPAY_URL = "https://epay.example.com/submit.php"
    settings.KAMENG_EPAY_PID = EPAY_PID
    settings.KAMENG_EPAY_KEY = EPAY_KEY
    settings.SITE_URL = "https://kameng.example.com"
    return settings


@pytest.fixture(autouse=True)
def books_balance(request):
    """Money tests: the ledger's invariants hold after every test that touched the database."""
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    # Requested from here so the database is torn down after this check, not before it.
    request.getfixturevalue("_django_db_helper")
    yield
    report = check_ledger()
    assert report.ok, report.breaches


@pytest.fixture
def any_order_payable(monkeypatch):
    """For payments tests that name an order id without making one: every order is the buyer's."""
    monkeypatch.setattr(services, "_order_payer_check", lambda *, buyer, order_id: True)


@pytest.fixture
def topup(buyer):
    def make(amount_fen=1000, gateway="sandbox", user=None, **kwargs):
        return services.start_topup(buyer=user or buyer, amount_fen=amount_fen, gateway=gateway, **kwargs)

    return make


@pytest.fixture
def sandbox_params():
    """Signed sandbox notification parameters for a payment (override any field)."""

    def make(payment, *, status="SUCCESS", event_id=None, amount_fen=None, currency=None, trade_no="SBXT1", **extra):
        params = {
            "event_id": event_id or f"{trade_no}:{status}",
            "out_trade_no": payment.out_trade_no,
            "trade_no": trade_no,
            "amount_fen": str(payment.amount_fen if amount_fen is None else amount_fen),
            "currency": currency or payment.currency,
            "status": status,
            **extra,
        }
        params["sign"] = sandbox.sign(params)
        return params

    return make
