"""The sandbox round trip over real HTTP: the checkout click enqueues a task on commit, the task
POSTs the signed notification to SITE_URL (a live server), the callback credits the wallet."""

import pytest
from django.test import Client
from django.urls import reverse

from kameng.accounts.models import Role
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of
from kameng.payments.models import PaymentEvent, PaymentStatus, SandboxCharge
from kameng.payments.services import start_topup
from tests.factories import PASSWORD, UserFactory


@pytest.mark.django_db(transaction=True)
def test_sandbox_round_trip_over_http(live_server, settings):
    settings.SITE_URL = live_server.url
    buyer = UserFactory(role=Role.BUYER, username="live-buyer")
    payment = start_topup(buyer=buyer, amount_fen=4321, gateway="sandbox")
    client = Client()
    client.login(username=buyer.username, password=PASSWORD)

    r = client.post(reverse("payments:sandbox_checkout", args=[payment.out_trade_no]), {"decision": "pay"})

    assert r.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert balance_of(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk) == 4321
    event = PaymentEvent.objects.get()
    assert event.remote_addr == "127.0.0.1" and event.outcome == "credited"
    assert SandboxCharge.objects.get().acked_at is not None
    assert b"payment-credited" in client.get(r["Location"]).content
