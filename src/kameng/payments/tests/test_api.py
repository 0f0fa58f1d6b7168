"""/api/v1/payments: happy paths, every kind of bad input, other users' objects, notify endpoints."""

import pytest
from django.test import Client

from kameng.ledger.models import JournalEntry
from kameng.payments.models import EventOutcome, Payment, PaymentEvent, PaymentStatus
from kameng.payments.tests.test_gateways import _epay_note
from tests.factories import MerchantFactory
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

TOPUPS = "/api/v1/payments/topups"


def test_buyer_starts_a_topup_and_gets_a_checkout_url(buyer, api_client, any_order_payable):
    r = api_client(buyer).post(TOPUPS, {"amount_fen": 1234, "gateway": "sandbox", "order_id": 9})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["amount_fen"] == 1234 and body["status"] == "pending" and body["order_id"] == 9
    assert body["checkout_url"].endswith(f"/sandbox-gateway/checkout/{body['out_trade_no']}/")
    assert Payment.objects.get().buyer == buyer


def test_epay_topup_returns_the_provider_url(buyer, api_client):
    r = api_client(buyer).post(TOPUPS, {"amount_fen": 100, "gateway": "epay"})
    assert r.status_code == 201
    assert r.json()["checkout_url"].startswith("https://epay.example.com/submit.php?")


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({}, 422, "invalid_input"),
        ({"amount_fen": "100"}, 422, "invalid_input"),
        ({"amount_fen": 10.5}, 422, "invalid_input"),
        ({"amount_fen": True}, 422, "invalid_input"),
        ({"amount_fen": None}, 422, "invalid_input"),
        ({"amount_fen": 0}, 422, "payments.amount_out_of_range"),
        ({"amount_fen": -5}, 422, "payments.amount_out_of_range"),
        ({"amount_fen": 5_000_001}, 422, "payments.amount_out_of_range"),
        ({"amount_fen": 10**30}, 422, None),
        ({"amount_fen": 100, "gateway": "paypal"}, 422, "payments.unknown_gateway"),
        ({"amount_fen": 100, "gateway": "x" * 5000}, 422, "invalid_input"),
        ({"amount_fen": 100, "gateway": ""}, 422, "invalid_input"),
        ({"amount_fen": 100, "order_id": 0}, 422, "invalid_input"),
        ({"amount_fen": 100, "order_id": "7"}, 422, "invalid_input"),
        ([1, 2], 422, "invalid_input"),
    ],
)
def test_bad_topup_input_is_refused_and_nothing_is_written(buyer, api_client, payload, status, code):
    assert_error(api_client(buyer).post(TOPUPS, payload), status, code)
    assert not Payment.objects.exists()


def test_malformed_json_is_refused(buyer, api_client):
    r = api_client(buyer).post(TOPUPS, "{not json", content_type="application/json")
    assert 400 <= r.status_code < 500
    assert_error(r, r.status_code)
    assert not Payment.objects.exists()


def test_anonymous_and_non_buyers_cannot_top_up(db, api_client, operator):
    assert_error(api_client().post(TOPUPS, {"amount_fen": 100}), 401, "not_authenticated")
    for user in (MerchantFactory(), operator):
        assert_error(api_client(user).post(TOPUPS, {"amount_fen": 100}), 403, "auth.role_required")
        assert_error(api_client(user).get("/api/v1/payments/wallet"), 403, "auth.role_required")
    assert not Payment.objects.exists()


def test_buyer_reads_own_topup_but_not_anothers(buyer, other_buyer, api_client, topup):
    payment = topup(100)
    r = api_client(buyer).get(f"{TOPUPS}/{payment.out_trade_no}")
    assert r.status_code == 200 and r.json()["out_trade_no"] == payment.out_trade_no
    assert_error(api_client(other_buyer).get(f"{TOPUPS}/{payment.out_trade_no}"), 404, "not_found")
    assert_error(api_client(buyer).get(f"{TOPUPS}/nope"), 404, "not_found")
    assert_error(api_client(buyer).get(f"{TOPUPS}/{'x' * 3000}"), 404, "not_found")
    assert_error(api_client().get(f"{TOPUPS}/{payment.out_trade_no}"), 401)
    assert [p["out_trade_no"] for p in api_client(buyer).get(TOPUPS).json()] == [payment.out_trade_no]
    assert api_client(other_buyer).get(TOPUPS).json() == []


def test_wallet_shows_balance_and_history(buyer, api_client, topup, sandbox_params):
    from kameng.payments.services import handle_notification

    payment = topup(700)
    handle_notification(gateway="sandbox", params=sandbox_params(payment), remote_addr=None)
    body = api_client(buyer).get("/api/v1/payments/wallet").json()
    assert body["balance_fen"] == 700
    assert body["history"][0]["amount_fen"] == 700
    assert body["history"][0]["source"] == f"payment:{payment.pk}:captured"
    paid = api_client(buyer).get(f"{TOPUPS}/{payment.out_trade_no}").json()
    assert paid["status"] == "paid" and paid["checkout_url"] is None


# --- notify endpoints -------------------------------------------------------------------------

SANDBOX_NOTIFY = "/api/v1/payments/notify/sandbox"
EPAY_NOTIFY = "/api/v1/payments/notify/epay"


def test_sandbox_notify_is_csrf_exempt_and_acks(buyer, topup, sandbox_params):
    payment = topup(1000)
    client = Client(enforce_csrf_checks=True)
    r = client.post(SANDBOX_NOTIFY, sandbox_params(payment))
    assert r.status_code == 200 and r.json() == {"ok": True}
    r = client.post(SANDBOX_NOTIFY, sandbox_params(payment))  # replay
    assert r.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert JournalEntry.objects.count() == 1


def test_sandbox_notify_refuses_a_bad_signature_with_the_error_shape(buyer, topup, sandbox_params):
    payment = topup(1000)
    params = {**sandbox_params(payment), "sign": "bad"}
    assert_error(Client().post(SANDBOX_NOTIFY, params), 400, "payments.notification_rejected")
    assert_error(Client().post(SANDBOX_NOTIFY, {}), 400, "payments.notification_rejected")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert set(PaymentEvent.objects.values_list("outcome", flat=True)) == {EventOutcome.BAD_SIGNATURE}


def test_sandbox_notify_refuses_get(db):
    assert_error(Client().get(SANDBOX_NOTIFY), 405)


def test_epay_notify_accepts_get_and_post_and_replies_success(buyer, topup):
    payment = topup(1050, gateway="epay")
    params = _epay_note(out_trade_no=payment.out_trade_no)
    r = Client().get(EPAY_NOTIFY, params)
    assert r.status_code == 200 and r.content == b"success"
    r = Client(enforce_csrf_checks=True).post(EPAY_NOTIFY, params)
    assert r.status_code == 200 and r.content == b"success"
    assert JournalEntry.objects.count() == 1


def test_epay_notify_replies_fail_to_a_bad_signature(buyer, topup):
    payment = topup(1050, gateway="epay")
    params = {**_epay_note(out_trade_no=payment.out_trade_no), "money": "99999.00"}
    r = Client().get(EPAY_NOTIFY, params)
    assert r.status_code == 200 and r.content == b"fail"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and not JournalEntry.objects.exists()


def test_epay_notify_replies_fail_to_a_wrong_amount(buyer, topup):
    payment = topup(1050, gateway="epay")
    r = Client().get(EPAY_NOTIFY, _epay_note(out_trade_no=payment.out_trade_no, money="10.49"))
    assert r.content == b"fail"
    assert not JournalEntry.objects.exists()


def test_a_disabled_gateway_has_no_notify_endpoint(buyer, settings):
    settings.KAMENG_PAYMENT_GATEWAYS = ["sandbox"]
    assert_error(Client().get(EPAY_NOTIFY, _epay_note()), 404, "not_found")
    assert not PaymentEvent.objects.exists()
