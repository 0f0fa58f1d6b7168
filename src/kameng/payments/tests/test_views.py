"""Wallet page and sandbox checkout page, through Django's test client."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kameng.ledger.models import JournalEntry
from kameng.payments import services
from kameng.payments.models import Payment, PaymentStatus, SandboxCharge
from tests.factories import PASSWORD, MerchantFactory

pytestmark = pytest.mark.django_db

WALLET = "/wallet/"


def login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def gateway_over_test_client(monkeypatch):
    """The sandbox's HTTP POST, delivered through Django's test client instead of the network
    (the real network path is covered by test_live.py)."""
    calls = []

    def post(url, params):
        calls.append(url)
        response = Client().post(url.replace("https://kameng.example.com", ""), params)
        return response.status_code, response.content

    monkeypatch.setattr(services, "post_notification", post)
    return calls


def test_wallet_url_names():
    assert reverse("payments:wallet") == WALLET
    assert reverse("payments:sandbox_checkout", args=["abc"]) == "/sandbox-gateway/checkout/abc/"


def test_wallet_page_shows_balance_form_and_history_in_chinese(buyer):
    r = login(buyer).get(WALLET)
    assert r.status_code == 200
    html = r.content.decode()
    assert "我的钱包" in html and "¥0.00" in html and 'name="amount"' in html
    assert "沙箱" in html  # the sandbox gateway's label


def test_wallet_needs_a_logged_in_buyer(db):
    r = Client().get(WALLET)
    assert r.status_code == 302 and "/login" in r["Location"]
    assert login(MerchantFactory()).get(WALLET).status_code == 403


@pytest.mark.parametrize(("typed", "fen"), [("12.34", 1234), ("10", 1000), ("0.5", 50), (" 7.00 ", 700)])
def test_topup_form_converts_yuan_to_fen_exactly_and_goes_to_checkout(buyer, typed, fen):
    r = login(buyer).post(WALLET, {"amount": typed, "gateway": "sandbox"})
    payment = Payment.objects.get()
    assert payment.amount_fen == fen
    assert r.status_code == 302 and r["Location"].endswith(f"/sandbox-gateway/checkout/{payment.out_trade_no}/")


@pytest.mark.parametrize("typed", ["1.234", "abc", "", "0", "-1", "1e3", "50000.01", "1,000", "9" * 40])
def test_topup_form_refuses_bad_amounts_and_writes_nothing(buyer, typed):
    r = login(buyer).post(WALLET, {"amount": typed, "gateway": "sandbox"})
    assert r.status_code == 422
    assert "alert-error" in r.content.decode()
    assert not Payment.objects.exists()


def test_topup_form_refuses_an_unknown_gateway(buyer):
    r = login(buyer).post(WALLET, {"amount": "1", "gateway": "paypal"})
    assert r.status_code == 422 and not Payment.objects.exists()


def test_topup_form_needs_csrf(buyer):
    client = Client(enforce_csrf_checks=True)
    client.login(username=buyer.username, password=PASSWORD)
    assert client.post(WALLET, {"amount": "1", "gateway": "sandbox"}).status_code == 403
    assert not Payment.objects.exists()


def test_sandbox_checkout_page_looks_external_and_offers_pay_and_fail(topup):
    payment = topup(1999)
    r = Client().get(reverse("payments:sandbox_checkout", args=[payment.out_trade_no]))
    html = r.content.decode()
    assert r.status_code == 200 and "¥19.99" in html
    assert 'value="pay"' in html and 'value="fail"' in html and "SANDBOX" not in html  # translated
    assert "沙箱" in html


def test_sandbox_checkout_of_an_unknown_payment_is_404(db):
    assert Client().get(reverse("payments:sandbox_checkout", args=["nope"])).status_code == 404


def test_sandbox_pay_notifies_on_commit_and_redirects_to_the_processing_wallet(
    buyer, topup, gateway_over_test_client, django_capture_on_commit_callbacks
):
    payment = topup(1500)
    client = login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("payments:sandbox_checkout", args=[payment.out_trade_no]), {"decision": "pay"})
    assert r.status_code == 302 and r["Location"] == f"{WALLET}?payment={payment.out_trade_no}"
    assert gateway_over_test_client == ["https://kameng.example.com/api/v1/payments/notify/sandbox"]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert SandboxCharge.objects.get().acked_at is not None
    html = client.get(r["Location"]).content.decode()
    assert 'data-testid="payment-credited"' in html and "¥15.00" in html


def test_wallet_shows_processing_until_the_callback_lands(buyer, topup):
    payment = topup(1500)
    client = login(buyer)
    html = client.get(f"{WALLET}?payment={payment.out_trade_no}").content.decode()
    assert 'data-testid="payment-processing"' in html and "hx-trigger" in html
    fragment = client.get(reverse("payments:payment_status", args=[payment.out_trade_no]))
    assert fragment.status_code == 200 and b"payment-processing" in fragment.content


def test_payment_status_fragment_of_another_buyer_is_404(buyer, other_buyer, topup):
    payment = topup(100)
    assert login(other_buyer).get(reverse("payments:payment_status", args=[payment.out_trade_no])).status_code == 404


def test_sandbox_fail_marks_the_payment_failed(
    buyer, topup, gateway_over_test_client, django_capture_on_commit_callbacks
):
    payment = topup(1500)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("payments:sandbox_checkout", args=[payment.out_trade_no]), {"decision": "fail"})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and not JournalEntry.objects.exists()


def test_sandbox_second_click_changes_nothing(
    buyer, topup, gateway_over_test_client, django_capture_on_commit_callbacks
):
    payment = topup(1500)
    url = reverse("payments:sandbox_checkout", args=[payment.out_trade_no])
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(url, {"decision": "pay"})
        Client().post(url, {"decision": "fail"})
    assert SandboxCharge.objects.count() == 1 and len(gateway_over_test_client) == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert "已" in Client().get(url).content.decode()


def test_sandbox_bad_decision_writes_nothing(topup):
    payment = topup(1500)
    r = Client().post(reverse("payments:sandbox_checkout", args=[payment.out_trade_no]), {"decision": "steal"})
    assert r.status_code == 422 and not SandboxCharge.objects.exists()


def test_the_sweep_redelivers_a_lost_sandbox_notification(buyer, topup, monkeypatch):
    """The queued delivery fails (our server was down): the sweep alone gets the money in."""
    payment = topup(800)
    down = []

    def refused(url, params):
        down.append(url)
        raise ConnectionRefusedError("down")

    monkeypatch.setattr(services, "post_notification", refused)
    charge = services.sandbox_decide(out_trade_no=payment.out_trade_no, succeeded=True)
    assert services.deliver_sandbox_charge(charge_id=charge.pk) is False
    charge.refresh_from_db()
    assert charge.attempts == 1 and charge.acked_at is None and "down" in charge.last_error

    def up(url, params):
        response = Client().post(url.replace("https://kameng.example.com", ""), params)
        return response.status_code, response.content

    monkeypatch.setattr(services, "post_notification", up)
    assert services.retry_sandbox_notifications(timezone.now()) == 0  # not due yet (backoff)
    assert services.retry_sandbox_notifications(timezone.now() + timedelta(hours=2)) == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert services.retry_sandbox_notifications(timezone.now() + timedelta(hours=4)) == 0  # acked: done
