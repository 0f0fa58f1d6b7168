"""Real races on PostgreSQL: three sweepers at once, each with its own connection, no mocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from kameng.suppliers import services
from kameng.suppliers.models import RequestStatus, SupplierRequest
from tests.helpers import run_threads

from .conftest import LATE_SECONDS

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def submit_many(n):
    """n late top-ups, half succeeding and half failing later, all sent (accepted) now."""
    requests = []
    for i in range(n):
        account = f"{i:04d}{7 if i % 2 else 8}"
        requests.append(
            services.submit_topup(
                ref=f"order_item:{i}", sku="game-60", face_value_fen=600, quantity=1, fields={"account": account}
            )
        )
    return requests


def test_three_sweepers_apply_each_late_answer_once_and_signal_once(supplier_settings, sim, signals):
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False) as clock:
        requests = submit_many(12)  # on_commit in autocommit mode: each is sent at once
        assert set(SupplierRequest.objects.values_list("status", flat=True)) == {RequestStatus.SENT}
        clock.shift(timedelta(seconds=LATE_SECONDS + 600))
        now = timezone.now()
        results, errors = run_threads(3, lambda i: services.reconcile_pending(now=now))
    assert not errors, errors
    assert sum(r.checked for r in results) == 12  # SKIP LOCKED: every due row checked by one sweeper
    statuses = dict(SupplierRequest.objects.values_list("ref", "status"))
    for i, request in enumerate(requests):
        expected = "succeeded" if i % 2 else "failed"
        assert statuses[request.ref] == expected
        assert signals.of(request) == [expected]
    assert sum(sim.topup_count.values()) == 6
    assert all(count == 1 for count in sim.topup_count.values())


def test_three_workers_holding_the_same_rows_apply_each_answer_once(supplier_settings, sim, signals):
    # Worse than the sweep's normal case: all three already hold the same snapshots (e.g. a lease
    # ran out mid-call) and answer at the same time; the guarded update lets one of them win.
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False) as clock:
        requests = submit_many(8)
        clock.shift(timedelta(seconds=LATE_SECONDS + 1))
        snapshots = list(SupplierRequest.objects.order_by("pk"))
        config = services.supplier_config()
        results, errors = run_threads(3, lambda i: [services._contact(s, config=config).status for s in snapshots])
    assert not errors, errors
    assert all(r == results[0] for r in results)
    for i, request in enumerate(requests):
        expected = "succeeded" if i % 2 else "failed"
        assert signals.of(request) == [expected]
    assert all(count == 1 for count in sim.topup_count.values())


def test_three_sweepers_give_up_on_silent_requests_once(supplier_settings, sim, signals):
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False) as clock:
        requests = [
            services.submit_topup(
                ref=f"order_item:{i}", sku="s", face_value_fen=100, quantity=1, fields={"account": f"{i}9"}
            )
            for i in range(4)
        ]
        clock.shift(timedelta(days=1))
        now = timezone.now()
        _results, errors = run_threads(3, lambda i: services.reconcile_pending(now=now))
    assert not errors, errors
    for request in requests:
        request.refresh_from_db()
        assert (request.status, request.reason) == (RequestStatus.FAILED, "no answer")
        assert signals.of(request) == ["failed"]
