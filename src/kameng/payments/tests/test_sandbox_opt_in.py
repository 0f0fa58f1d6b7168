"""H2: the sandbox gateway (free money for anyone) is never on unless chosen. A real install with
no gateway configured offers no top-up and says so; `kameng ledger check` counts sandbox money."""

from __future__ import annotations

import io
import logging
import os
import runpy
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

import kameng
from kameng.payments import checks, services
from kameng.payments.gateways import sandbox
from kameng.payments.models import Payment
from tests.factories import PASSWORD
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db
SETTINGS_FILE = str(Path(kameng.__file__).with_name("settings.py"))


@pytest.fixture
def no_gateway(settings):
    settings.KAMENG_PAYMENT_GATEWAYS = []
    return settings


def _login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_a_fresh_install_enables_no_payment_gateway(monkeypatch, tmp_path):
    monkeypatch.delenv("KAMENG_PAYMENT_GATEWAYS", raising=False)
    monkeypatch.setenv("KAMENG_DATA_DIR", str(tmp_path))
    loaded = runpy.run_path(SETTINGS_FILE)
    assert loaded["KAMENG_PAYMENT_GATEWAYS"] == []


def test_listing_the_sandbox_is_the_opt_in(monkeypatch, tmp_path):
    monkeypatch.setenv("KAMENG_PAYMENT_GATEWAYS", "sandbox")
    monkeypatch.setenv("KAMENG_DATA_DIR", str(tmp_path))
    assert runpy.run_path(SETTINGS_FILE)["KAMENG_PAYMENT_GATEWAYS"] == ["sandbox"]


def test_without_a_gateway_the_api_refuses_top_ups_and_writes_nothing(no_gateway, api_client, buyer):
    r = api_client(buyer).post("/api/v1/payments/topups", {"amount_fen": 5_000_000, "gateway": "sandbox"})
    assert_error(r, 409, "payments.no_gateway")
    r = api_client(buyer).post("/api/v1/payments/topups", {"amount_fen": 5_000_000})
    assert_error(r, 409, "payments.no_gateway")
    assert not Payment.objects.exists()


def test_without_a_gateway_the_wallet_page_offers_no_top_up(no_gateway, buyer):
    client = _login(buyer)
    html = client.get("/wallet/").content.decode()
    assert 'name="amount"' not in html
    assert "本平台尚未启用任何支付方式" in html
    r = client.post("/wallet/", {"amount": "50000", "gateway": "sandbox"})
    assert r.status_code == 409
    assert not Payment.objects.exists()


def test_sandbox_pages_and_callback_are_gone_when_it_is_off(settings, buyer):
    payment = services.start_topup(buyer=buyer, amount_fen=5_000_000, gateway="sandbox")
    settings.KAMENG_PAYMENT_GATEWAYS = []
    client = _login(buyer)
    assert client.get(f"/sandbox-gateway/checkout/{payment.out_trade_no}/").status_code == 404
    assert client.post(f"/sandbox-gateway/checkout/{payment.out_trade_no}/", {"decision": "pay"}).status_code == 404
    charge_params = {
        "event_id": "SBX1:SUCCESS",
        "out_trade_no": payment.out_trade_no,
        "trade_no": "SBX1",
        "amount_fen": str(payment.amount_fen),
        "currency": "CNY",
        "status": "SUCCESS",
    }
    charge_params["sign"] = sandbox.sign(charge_params)
    r = Client().post("/api/v1/payments/notify/sandbox", charge_params)
    assert_error(r, 404, "not_found")
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_a_start_without_a_gateway_says_so(no_gateway):
    found = checks.payment_gateways()
    assert [m.id for m in found] == ["payments.W001"]
    err = io.StringIO()
    call_command("check", stderr=err, stdout=io.StringIO())
    assert "payments.W001" in err.getvalue()


def test_the_sandbox_opt_in_is_warned_about_loudly(settings, caplog):
    settings.KAMENG_PAYMENT_GATEWAYS = ["sandbox"]
    assert [m.id for m in checks.payment_gateways()] == ["payments.W002"]
    with caplog.at_level(logging.WARNING, logger="kameng.payments"):
        checks.warn_if_sandbox()
    assert "SANDBOX PAYMENT GATEWAY ENABLED" in caplog.text


def test_a_real_gateway_alone_raises_no_warning(settings):
    settings.KAMENG_PAYMENT_GATEWAYS = ["epay"]
    assert checks.payment_gateways() == []


def test_ledger_check_reports_money_that_entered_through_the_sandbox(buyer, sandbox_params):
    out = io.StringIO()
    call_command("ledger", "check", stdout=out)
    assert "entered through sandbox: ¥0.00 in 0 payment(s) (test money)" in out.getvalue()

    payment = services.start_topup(buyer=buyer, amount_fen=5_000_000, gateway="sandbox")
    services.handle_notification(gateway="sandbox", params=sandbox_params(payment), remote_addr="127.0.0.1")
    out = io.StringIO()
    call_command("ledger", "check", stdout=out)
    text = out.getvalue()
    assert "entered through sandbox: ¥50,000.00 in 1 payment(s)" in text
    assert "TEST MONEY" in text
    assert "ledger check ok" in text


def test_the_demo_switches_the_sandbox_on_for_itself(no_gateway, monkeypatch):
    monkeypatch.setenv("KAMENG_PAYMENT_GATEWAYS", "")
    call_command("demo", no_serve=True, stdout=io.StringIO(), stderr=io.StringIO())
    # buyer, buyer2, the shop applicant and 星辰数卡's four regular customers
    assert Payment.objects.filter(gateway="sandbox", status="paid").count() == 7
    assert os.environ["KAMENG_PAYMENT_GATEWAYS"] == "sandbox"  # for the worker the demo starts
