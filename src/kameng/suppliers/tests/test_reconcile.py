"""reconcile_pending: late answers reach final states, silent suppliers are given up on, each
final state signals once. Time moves with time-machine (the in-process simulator sees it too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from kameng.suppliers import services
from kameng.suppliers.models import RequestStatus, SupplierRequest

from .conftest import CHECK_SECONDS, GIVE_UP_SECONDS, LATE_SECONDS

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def submit_and_send(capture, ref, account):
    with capture(execute=True):
        request = services.submit_topup(
            ref=ref, sku="game-60", face_value_fen=600, quantity=1, fields={"game_account": account}
        )
    request.refresh_from_db()
    return request


def sweep_until_quiet(clock, *, until: datetime):
    """Advance the clock and sweep, as a periodic job would."""
    while timezone.now() < until:
        clock.shift(timedelta(seconds=CHECK_SECONDS))
        services.reconcile_pending(now=timezone.now())


def test_a_late_success_is_reconciled_and_signalled_once(
    supplier_settings, sim, signals, clock, django_capture_on_commit_callbacks
):
    request = submit_and_send(django_capture_on_commit_callbacks, "order_item:7", "20007")
    assert request.status == RequestStatus.SENT
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reconcile_pending(now=timezone.now()).checked == 0  # not due yet
        clock.shift(timedelta(seconds=CHECK_SECONDS + 1))
        report = services.reconcile_pending(now=timezone.now())
    assert report.checked == 1 and report.outcomes == {"sent": 1}  # still processing upstream
    with django_capture_on_commit_callbacks(execute=True):
        sweep_until_quiet(clock, until=T0 + timedelta(seconds=LATE_SECONDS + 700))
    request.refresh_from_db()
    assert request.status == RequestStatus.SUCCEEDED
    assert signals.of(request) == ["succeeded"]
    assert sim.topup_count == {"20007": 1}
    with django_capture_on_commit_callbacks(execute=True):
        clock.shift(timedelta(hours=2))
        assert services.reconcile_pending(now=timezone.now()).checked == 0
    assert signals.of(request) == ["succeeded"]


def test_a_late_failure_is_reconciled_to_failed(
    supplier_settings, sim, signals, clock, django_capture_on_commit_callbacks
):
    request = submit_and_send(django_capture_on_commit_callbacks, "order_item:8", "20008")
    assert request.status == RequestStatus.SENT
    with django_capture_on_commit_callbacks(execute=True):
        sweep_until_quiet(clock, until=T0 + timedelta(seconds=LATE_SECONDS + 700))
    request.refresh_from_db()
    assert request.status == RequestStatus.FAILED
    assert request.reason == "upstream refused the top-up"
    assert signals.of(request) == ["failed"]


def test_a_silent_supplier_is_given_up_on_after_the_configured_time(
    supplier_settings, sim, signals, clock, django_capture_on_commit_callbacks
):
    request = submit_and_send(django_capture_on_commit_callbacks, "order_item:9", "20009")
    assert request.status == RequestStatus.UNKNOWN
    assert request.give_up_at == T0 + timedelta(seconds=GIVE_UP_SECONDS)
    with django_capture_on_commit_callbacks(execute=True):
        clock.shift(timedelta(seconds=GIVE_UP_SECONDS - 1))
        services.reconcile_pending(now=timezone.now())
    request.refresh_from_db()
    assert request.status == RequestStatus.UNKNOWN  # a timeout alone never fails it
    assert request.next_check_at <= request.give_up_at  # the give-up is never postponed by back-off
    assert signals.sent == {}
    with django_capture_on_commit_callbacks(execute=True):
        clock.shift(timedelta(seconds=CHECK_SECONDS * 40))
        services.reconcile_pending(now=timezone.now())
        services.reconcile_pending(now=timezone.now())
    request.refresh_from_db()
    assert request.status == RequestStatus.FAILED
    assert request.reason == "no answer"
    assert signals.of(request) == ["failed"]


def test_a_request_accepted_forever_is_given_up_on(
    supplier_settings, sim, signals, clock, django_capture_on_commit_callbacks
):
    sim.late_seconds = 10 * GIVE_UP_SECONDS
    request = submit_and_send(django_capture_on_commit_callbacks, "order_item:77", "20007")
    with django_capture_on_commit_callbacks(execute=True):
        sweep_until_quiet(clock, until=T0 + timedelta(seconds=GIVE_UP_SECONDS + 700))
    request.refresh_from_db()
    assert (request.status, request.reason) == (RequestStatus.FAILED, "no answer")
    assert signals.of(request) == ["failed"]


def test_the_sweep_sends_a_request_whose_job_was_lost(supplier_settings, sim, signals, clock):
    request = services.submit_topup(
        ref="order_item:1", sku="game-60", face_value_fen=600, quantity=2, fields={"game_account": "31"}
    )  # the on_commit job never runs inside the test transaction
    assert services.reconcile_pending(now=timezone.now()).checked == 0
    clock.shift(timedelta(seconds=CHECK_SECONDS))
    services.reconcile_pending(now=timezone.now())
    request.refresh_from_db()
    assert request.status == RequestStatus.SUCCEEDED
    assert sim.topup_count == {"31": 2}


def test_a_post_that_never_arrived_is_sent_again_under_the_same_request_id(
    supplier_settings, sim, signals, clock, django_capture_on_commit_callbacks
):
    sim.stop()
    request = submit_and_send(django_capture_on_commit_callbacks, "order_item:5", "555")
    assert request.status == RequestStatus.UNKNOWN
    sim.start()  # same port: the supplier is back and has never heard of the request
    with django_capture_on_commit_callbacks(execute=True):
        clock.shift(timedelta(seconds=CHECK_SECONDS * 2))
        services.reconcile_pending(now=timezone.now())
    request.refresh_from_db()
    assert request.status == RequestStatus.SUCCEEDED
    assert list(sim.topups) == [request.request_id]
    assert sim.queries == 1 and sim.posts == 1
    assert signals.of(request) == ["succeeded"]


def test_a_post_that_timed_out_but_was_done_upstream_is_found_by_the_query(
    supplier_settings, sim, signals, clock, django_capture_on_commit_callbacks
):
    # Our side saw a timeout, the supplier topped up anyway: the query must find the success.
    request = submit_and_send(django_capture_on_commit_callbacks, "order_item:6", "666")
    SupplierRequest.objects.filter(pk=request.pk).update(
        status=RequestStatus.UNKNOWN, next_check_at=timezone.now(), finished_at=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        clock.shift(timedelta(hours=1))
        services.reconcile_pending(now=timezone.now())
    request.refresh_from_db()
    assert request.status == RequestStatus.SUCCEEDED
    assert sim.topup_count == {"666": 1}
    assert sim.posts == 1


def test_each_answer_is_applied_once_even_when_two_sweepers_hold_the_same_snapshot(
    supplier_settings, sim, signals, clock, django_capture_on_commit_callbacks
):
    request = submit_and_send(django_capture_on_commit_callbacks, "order_item:70", "70007")
    clock.shift(timedelta(seconds=LATE_SECONDS + 1))
    snapshot = SupplierRequest.objects.get(pk=request.pk)
    config = services.supplier_config()
    with django_capture_on_commit_callbacks(execute=True):
        first = services._contact(snapshot, config=config)
        second = services._contact(snapshot, config=config)
    assert first.status == second.status == RequestStatus.SUCCEEDED
    assert signals.of(request) == ["succeeded"]
