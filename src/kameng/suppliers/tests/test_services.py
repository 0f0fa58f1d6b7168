"""submit_topup and send_request against the in-process simulator over real HTTP."""

from __future__ import annotations

import pytest

from kameng.core.errors import DomainError
from kameng.suppliers import services, tasks
from kameng.suppliers.models import RequestStatus, SupplierRequest
from kameng.suppliers.selectors import request_for_ref

pytestmark = pytest.mark.django_db


def submit(ref="order_item:1", account="12345", **overrides):
    args = {"ref": ref, "sku": "qq-vip-1m", "face_value_fen": 1000, "quantity": 1, "fields": {"account": account}}
    return services.submit_topup(**{**args, **overrides})


def test_submit_records_a_pending_request_and_sends_it_on_commit(
    supplier_settings, sim, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request = submit()
    assert request.status == RequestStatus.PENDING
    assert request.next_check_at is not None and request.give_up_at > request.created_at
    assert sim.posts == 0  # nothing leaves before commit
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    request.refresh_from_db()
    assert request.status == RequestStatus.SUCCEEDED
    assert request.supplier_ref.startswith("SIM")
    assert request.last_answer["status"] == "succeeded"
    assert request.attempts == 1 and request.finished_at and request.next_check_at is None
    assert sim.topup_count == {"12345": 1}
    assert signals.of(request) == ["succeeded"]


def test_a_definite_failure_fails_the_request_and_signals_once(
    supplier_settings, sim, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(account="10")
    request.refresh_from_db()
    assert request.status == RequestStatus.FAILED
    assert request.reason == "account does not exist"
    assert signals.of(request) == ["failed"]


def test_a_late_supplier_leaves_the_request_sent(supplier_settings, sim, signals, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(account="17")
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT
    assert request.sent_at is not None
    assert request.next_check_at > request.sent_at
    assert signals.sent == {}


def test_a_timeout_is_unknown_not_failed(supplier_settings, sim, signals, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(account="19")
    request.refresh_from_db()
    assert request.status == RequestStatus.UNKNOWN
    assert request.reason.startswith("timeout")
    assert signals.sent == {}


def test_an_unreachable_supplier_is_unknown(supplier_settings, sim, signals, django_capture_on_commit_callbacks):
    sim.stop()
    with django_capture_on_commit_callbacks(execute=True):
        request = submit()
    request.refresh_from_db()
    assert request.status == RequestStatus.UNKNOWN
    assert request.reason.startswith("unreachable")
    assert signals.sent == {}


def test_a_wrong_secret_is_unknown_because_the_answer_cannot_be_trusted(
    supplier_settings, sim, signals, django_capture_on_commit_callbacks
):
    supplier_settings.KAMENG_SUPPLIER_SECRET = "not-the-supplier-secret"
    with django_capture_on_commit_callbacks(execute=True):
        request = submit()
    request.refresh_from_db()
    assert request.status == RequestStatus.UNKNOWN
    assert request.reason.startswith("protocol")


def test_resubmitting_the_same_ref_returns_the_same_request_and_sends_once(
    supplier_settings, sim, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = submit()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = submit()
    assert again.pk == first.pk
    assert callbacks == []
    assert SupplierRequest.objects.count() == 1
    assert sim.posts == 1 and sim.topup_count == {"12345": 1}
    assert signals.of(first) == ["succeeded"]


def test_the_same_ref_with_another_top_up_is_a_conflict(supplier_settings, sim):
    submit()
    for change in ({"account": "999"}, {"face_value_fen": 2000}, {"quantity": 2}, {"sku": "other"}):
        overrides = {"fields": {"account": change.pop("account")}} if "account" in change else change
        with pytest.raises(DomainError) as err:
            submit(**overrides)
        assert err.value.code == "suppliers.ref_conflict"
    assert SupplierRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ref": ""}, "ref"),
        ({"ref": "x" * 121}, "ref"),
        ({"sku": ""}, "sku"),
        ({"sku": "s" * 65}, "sku"),
        ({"face_value_fen": 0}, "face_value_fen"),
        ({"face_value_fen": 10.5}, "face_value_fen"),
        ({"face_value_fen": "1000"}, "face_value_fen"),
        ({"face_value_fen": True}, "face_value_fen"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1001}, "quantity"),
        ({"fields": {}}, "fields"),
        ({"fields": ["account", "1"]}, "fields"),
        ({"fields": {"account": 12345}}, "fields"),
        ({"fields": {"account": "x" * 201}}, "fields"),
        ({"fields": {f"k{i}": "v" for i in range(21)}}, "fields"),
    ],
)
def test_invalid_top_ups_are_refused_and_nothing_is_written(supplier_settings, overrides, field):
    with pytest.raises(DomainError) as err:
        submit(**overrides)
    assert err.value.code == "suppliers.invalid_request"
    assert field in err.value.fields
    assert not SupplierRequest.objects.exists()


def test_send_request_does_nothing_for_a_request_that_is_no_longer_pending(
    supplier_settings, sim, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit()
    assert services.send_request(request_pk=request.pk) is None
    assert services.send_request(request_pk=10**9) is None
    assert sim.posts == 1


def test_the_task_sends_a_pending_request(supplier_settings, sim, signals):
    request = submit()  # on_commit never runs inside the test transaction: the job was "lost"
    result = tasks.send_request.enqueue(request.pk)
    assert result.return_value == "succeeded"
    assert request_for_ref(ref="order_item:1").status == RequestStatus.SUCCEEDED


def test_a_failing_receiver_does_not_stop_the_others(
    supplier_settings, sim, signals, django_capture_on_commit_callbacks
):
    from kameng.suppliers.signals import topup_succeeded

    def broken(**kwargs):
        raise RuntimeError("receiver bug")

    topup_succeeded.connect(broken, weak=False, dispatch_uid="broken")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            request = submit()
    finally:
        topup_succeeded.disconnect(dispatch_uid="broken")
    assert signals.of(request) == ["succeeded"]
