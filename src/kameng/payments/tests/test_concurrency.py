"""Real races on PostgreSQL: threads, each with its own connection, no mocks."""

import threading

import pytest
from django.db import connections

from kameng.ledger.models import AccountKind, JournalEntry
from kameng.ledger.selectors import balance_of
from kameng.payments.models import EventOutcome, PaymentEvent, PaymentStatus
from kameng.payments.services import handle_notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(n, fn):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = fn()
        except BaseException as exc:  # collected and asserted on by the test
            errors[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


def test_twenty_threads_replaying_one_notification_credit_once(buyer, topup, sandbox_params):
    payment = topup(1000)
    params = sandbox_params(payment)
    results, errors = run_together(
        20, lambda: handle_notification(gateway="sandbox", params=dict(params), remote_addr="127.0.0.1")
    )
    assert errors == [None] * 20
    outcomes = sorted(r.outcome for r in results)
    assert outcomes.count(EventOutcome.CREDITED) == 1
    assert outcomes.count(EventOutcome.DUPLICATE) == 19
    assert all(r.accepted for r in results)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert balance_of(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk) == 1000
    assert JournalEntry.objects.count() == 1
    assert PaymentEvent.objects.count() == 1


def test_twenty_threads_with_distinct_event_ids_still_credit_once(buyer, topup, sandbox_params):
    payment = topup(1000)
    all_params = [sandbox_params(payment, event_id=f"E{i}") for i in range(20)]
    counter = iter(range(20))
    lock = threading.Lock()

    def one():
        with lock:
            params = all_params[next(counter)]
        return handle_notification(gateway="sandbox", params=params, remote_addr=None)

    results, errors = run_together(20, one)
    assert errors == [None] * 20
    assert [r.outcome for r in results].count(EventOutcome.CREDITED) == 1
    assert balance_of(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk) == 1000
    assert JournalEntry.objects.count() == 1 and PaymentEvent.objects.count() == 20


def test_expiry_sweep_racing_a_capture_never_loses_the_money(buyer, topup, sandbox_params):
    from datetime import timedelta

    from kameng.payments.services import expire_stale_payments

    payments = [topup(100 + i) for i in range(10)]
    later = payments[-1].expires_at + timedelta(seconds=1)
    jobs = [lambda: expire_stale_payments(later)] * 5 + [
        (
            lambda p=p: handle_notification(
                gateway="sandbox", params=sandbox_params(p, trade_no=f"T{p.pk}"), remote_addr=None
            )
        )
        for p in payments
    ]
    counter = iter(range(len(jobs)))
    lock = threading.Lock()

    def one():
        with lock:
            job = jobs[next(counter)]
        return job()

    _results, errors = run_together(len(jobs), one)
    assert errors == [None] * len(jobs)
    for p in payments:
        p.refresh_from_db()
        assert p.status in (PaymentStatus.PAID, PaymentStatus.PAID_LATE)
    assert balance_of(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk) == sum(p.amount_fen for p in payments)
