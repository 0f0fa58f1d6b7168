"""Top-ups and notification handling: every rejection changes nothing, every credit happens once."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.ledger.models import AccountKind, JournalEntry
from kameng.ledger.selectors import balance_of
from kameng.payments import services
from kameng.payments.models import EventOutcome, Payment, PaymentEvent, PaymentStatus
from kameng.payments.signals import payment_captured
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


def wallet(user):
    return balance_of(kind=AccountKind.BUYER_WALLET, owner_id=user.pk)


def snapshot(payment):
    payment.refresh_from_db()
    return (payment.status, payment.paid_at, payment.provider_trade_no, JournalEntry.objects.count())


def notify(params, gateway="sandbox"):
    return services.handle_notification(gateway=gateway, params=params, remote_addr="203.0.113.5")


# --- start_topup ------------------------------------------------------------------------------


def test_start_topup_creates_a_pending_payment_with_an_unguessable_trade_number(buyer, any_order_payable):
    p1 = services.start_topup(buyer=buyer, amount_fen=1000, gateway="sandbox", order_id=7)
    p2 = services.start_topup(buyer=buyer, amount_fen=1000, gateway="sandbox")
    assert p1.status == PaymentStatus.PENDING and p1.currency == "CNY" and p1.order_id == 7
    assert p1.expires_at > p1.created_at
    assert p1.out_trade_no != p2.out_trade_no and len(p1.out_trade_no) >= 30
    assert wallet(buyer) == 0


@pytest.mark.parametrize("amount", [0, -1, 5_000_001, True, 10.5, "100"])
def test_start_topup_refuses_amounts_outside_the_limits(buyer, amount):
    with pytest.raises(DomainError) as exc:
        services.start_topup(buyer=buyer, amount_fen=amount, gateway="sandbox")
    assert exc.value.code in ("payments.amount_out_of_range", "payments.invalid_amount")
    assert not Payment.objects.exists()


def test_start_topup_limits_are_configurable(buyer, settings):
    settings.KAMENG_TOPUP_MIN_FEN = 100
    settings.KAMENG_TOPUP_MAX_FEN = 1000
    with pytest.raises(DomainError):
        services.start_topup(buyer=buyer, amount_fen=99, gateway="sandbox")
    assert services.start_topup(buyer=buyer, amount_fen=1000, gateway="sandbox").amount_fen == 1000
    assert services.start_topup(buyer=buyer, amount_fen=5_000_000 // 5_000, gateway="sandbox")


def test_the_maximum_is_fifty_thousand_yuan(buyer):
    assert services.start_topup(buyer=buyer, amount_fen=5_000_000, gateway="sandbox")


def test_only_buyers_top_up(db, operator):
    for user in (MerchantFactory(), operator):
        with pytest.raises(DomainError) as exc:
            services.start_topup(buyer=user, amount_fen=100, gateway="sandbox")
        assert exc.value.status == 403
    assert not Payment.objects.exists()


def test_unknown_gateway_and_bad_order_id_are_refused(buyer):
    with pytest.raises(DomainError):
        services.start_topup(buyer=buyer, amount_fen=100, gateway="nope")
    with pytest.raises(DomainError):
        services.start_topup(buyer=buyer, amount_fen=100, gateway="sandbox", order_id=0)
    assert not Payment.objects.exists()


# --- handle_notification --------------------------------------------------------------------


def test_a_valid_notification_credits_the_wallet_once_and_signals_on_commit(
    buyer, topup, sandbox_params, django_capture_on_commit_callbacks, any_order_payable
):
    payment = topup(2500, order_id=42)
    received = []

    def listener(sender, payment, **kwargs):
        received.append(payment)

    payment_captured.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = notify(sandbox_params(payment, trade_no="SBX9"))
    finally:
        payment_captured.disconnect(listener)
    assert result.outcome == EventOutcome.CREDITED and result.accepted
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.paid_at and payment.provider_trade_no == "SBX9"
    assert wallet(buyer) == 2500
    assert balance_of(kind=AccountKind.GATEWAY_CLEARING) == -2500
    assert JournalEntry.objects.filter(source=f"payment:{payment.pk}:captured").count() == 1
    assert [p.pk for p in received] == [payment.pk] and received[0].order_id == 42
    event = PaymentEvent.objects.get()
    assert event.payment == payment and event.remote_addr == "203.0.113.5" and event.raw_params["trade_no"] == "SBX9"


def test_replaying_a_notification_credits_once(buyer, topup, sandbox_params):
    payment = topup(1000)
    params = sandbox_params(payment)
    assert notify(params).outcome == EventOutcome.CREDITED
    before = snapshot(payment)
    for _ in range(5):
        result = notify(dict(params))
        assert result.outcome == EventOutcome.DUPLICATE and result.accepted
    assert snapshot(payment) == before
    assert wallet(buyer) == 1000
    assert PaymentEvent.objects.count() == 1


def test_a_second_success_under_another_event_id_is_a_duplicate(buyer, topup, sandbox_params):
    payment = topup(1000)
    notify(sandbox_params(payment, event_id="E1"))
    result = notify(sandbox_params(payment, event_id="E2"))
    assert result.outcome == EventOutcome.DUPLICATE and result.accepted
    assert wallet(buyer) == 1000 and JournalEntry.objects.count() == 1


def _rejected(payment, params, outcome, gateway="sandbox"):
    before = snapshot(payment)
    result = notify(params, gateway)
    assert result.outcome == outcome and not result.accepted
    assert snapshot(payment) == before
    assert PaymentEvent.objects.filter(outcome=outcome).count() == 1
    return result


def test_bad_signature_changes_nothing(buyer, topup, sandbox_params, caplog):
    payment = topup(1000)
    params = sandbox_params(payment)
    params["sign"] = "f" * 64
    _rejected(payment, params, EventOutcome.BAD_SIGNATURE)
    assert wallet(buyer) == 0
    assert "rejected" in caplog.text


def test_a_forged_notification_cannot_block_the_genuine_one(buyer, topup, sandbox_params):
    payment = topup(1000)
    genuine = sandbox_params(payment)
    forged = {**genuine, "sign": "0" * 64}
    _rejected(payment, forged, EventOutcome.BAD_SIGNATURE)
    assert notify(genuine).outcome == EventOutcome.CREDITED
    assert wallet(buyer) == 1000


def test_a_forged_notification_is_stored_small_and_a_flooding_source_is_not_stored(buyer, topup, sandbox_params):
    """Issue 14, L3: 40 fields of 500 characters came in, ~20 KB a row, unthrottled."""
    payment = topup(1000)
    forged = {**sandbox_params(payment), "sign": "0" * 64, **{f"junk{i}": "x" * 500 for i in range(40)}}
    assert notify(forged).outcome == EventOutcome.BAD_SIGNATURE
    row = PaymentEvent.objects.get(outcome=EventOutcome.BAD_SIGNATURE)
    assert len(row.raw_params) <= services.REJECTED_PARAMS
    assert all(len(v) <= services.REJECTED_PARAM_CHARS for v in row.raw_params.values())
    for _ in range(services.REJECTED_PER_SOURCE_PER_MINUTE + 10):
        result = notify(forged)
        assert result.outcome == EventOutcome.BAD_SIGNATURE and not result.accepted
    stored = PaymentEvent.objects.filter(outcome=EventOutcome.BAD_SIGNATURE, remote_addr="203.0.113.5").count()
    assert stored == services.REJECTED_PER_SOURCE_PER_MINUTE
    # Another source is still recorded, and the genuine notification still credits.
    services.handle_notification(gateway="sandbox", params=forged, remote_addr="198.51.100.7")
    assert PaymentEvent.objects.filter(remote_addr="198.51.100.7").count() == 1
    assert notify(sandbox_params(payment)).outcome == EventOutcome.CREDITED


@pytest.mark.parametrize("amount", [999, 1001, 1, 100000])
def test_wrong_amount_changes_nothing(buyer, topup, sandbox_params, amount):
    payment = topup(1000)
    _rejected(payment, sandbox_params(payment, amount_fen=amount), EventOutcome.WRONG_AMOUNT)
    assert wallet(buyer) == 0


def test_wrong_currency_changes_nothing(buyer, topup, sandbox_params):
    payment = topup(1000)
    _rejected(payment, sandbox_params(payment, currency="USD"), EventOutcome.WRONG_CURRENCY)
    assert wallet(buyer) == 0


def test_unknown_payment_changes_nothing(buyer, topup, sandbox_params):
    payment = topup(1000)
    ghost = Payment(out_trade_no="nope", amount_fen=1000, currency="CNY")
    _rejected(payment, sandbox_params(ghost), EventOutcome.UNKNOWN_PAYMENT)
    assert PaymentEvent.objects.get().payment is None
    assert wallet(buyer) == 0


def test_a_payment_of_one_gateway_cannot_be_captured_through_another(buyer, topup):
    from kameng.payments.tests.test_gateways import _epay_note

    payment = topup(1050)  # a sandbox payment
    _rejected(payment, _epay_note(out_trade_no=payment.out_trade_no), EventOutcome.UNKNOWN_PAYMENT, "epay")


def test_a_failed_notification_marks_the_payment_failed(buyer, topup, sandbox_params):
    payment = topup(1000)
    result = notify(sandbox_params(payment, status="FAILED"))
    assert result.outcome == EventOutcome.FAILED_REPORTED and result.accepted
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and payment.closed_at
    assert wallet(buyer) == 0 and JournalEntry.objects.count() == 0


def test_a_failure_reported_after_payment_does_not_undo_it(buyer, topup, sandbox_params):
    payment = topup(1000)
    notify(sandbox_params(payment))
    assert notify(sandbox_params(payment, status="FAILED")).outcome == EventOutcome.FAILED_REPORTED
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and wallet(buyer) == 1000


def test_money_arriving_after_expiry_is_credited_as_paid_late(buyer, topup, sandbox_params):
    payment = topup(1000)
    assert services.expire_stale_payments(payment.expires_at + timedelta(seconds=1)) == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    result = notify(sandbox_params(payment))
    assert result.outcome == EventOutcome.CREDITED
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID_LATE and wallet(buyer) == 1000


def test_money_arriving_after_a_reported_failure_is_credited_as_paid_late(buyer, topup, sandbox_params):
    payment = topup(1000)
    notify(sandbox_params(payment, status="FAILED"))
    notify(sandbox_params(payment, status="SUCCESS"))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID_LATE and wallet(buyer) == 1000


def test_epay_notification_credits_the_wallet(buyer, topup):
    from kameng.payments.tests.test_gateways import _epay_note

    payment = topup(1050, gateway="epay")
    result = notify(_epay_note(out_trade_no=payment.out_trade_no), "epay")
    assert result.outcome == EventOutcome.CREDITED
    assert wallet(buyer) == 1050
    assert notify(_epay_note(out_trade_no=payment.out_trade_no), "epay").outcome == EventOutcome.DUPLICATE
    assert wallet(buyer) == 1050


def test_raw_params_are_bounded(buyer, topup, sandbox_params):
    payment = topup(1000)
    params = sandbox_params(payment)
    params.update({f"x{i}": "y" * 5000 for i in range(100)})
    notify(params)
    event = PaymentEvent.objects.get()
    assert len(event.raw_params) <= services.MAX_PARAMS
    assert all(len(v) <= services.MAX_PARAM_CHARS for v in event.raw_params.values())


# --- expiry sweep -----------------------------------------------------------------------------


def test_expire_stale_payments_closes_only_due_pending_payments(buyer, topup, sandbox_params):
    due = topup(100)
    paid = topup(200)
    notify(sandbox_params(paid))
    fresh = topup(300)
    Payment.objects.filter(pk=fresh.pk).update(expires_at=timezone.now() + timedelta(hours=1))
    later = timezone.now() + timedelta(minutes=31)
    assert services.expire_stale_payments(later) == 1
    assert services.expire_stale_payments(later) == 0  # idempotent
    statuses = dict(Payment.objects.values_list("pk", "status"))
    assert statuses == {due.pk: "expired", paid.pk: "paid", fresh.pk: "pending"}


def test_the_sweep_uses_the_clock(buyer, topup):
    from kameng.payments.tasks import sweep_payments

    payment = topup(100)
    assert sweep_payments()["expired"] == 0
    with time_machine.travel(payment.expires_at + timedelta(seconds=1)):
        assert sweep_payments()["expired"] == 1
