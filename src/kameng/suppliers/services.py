"""Every write about supplier requests: submit a top-up, send it, reconcile late answers.

Locks: only ``SupplierRequest`` rows, one at a time, never together with another domain's rows
(the HTTP call is made with no transaction open). Claiming due rows uses
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several sweepers share the work; applying an
answer locks the one row and changes it with a guarded UPDATE (``WHERE status = <seen>``), so an
answer is applied once and each final state's signal is sent once, on commit.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.suppliers.client import SupplierAnswer, SupplierClient, SupplierError, SupplierNotFound, SupplierRejected
from kameng.suppliers.conf import SupplierConfig, supplier_config
from kameng.suppliers.models import FINAL_STATUSES, OPEN_STATUSES, RequestStatus, SupplierRequest
from kameng.suppliers.signals import topup_failed, topup_succeeded
from kameng.suppliers.transitions import next_status

log = logging.getLogger(__name__)

MAX_FIELDS = 20
MAX_FIELD_VALUE = 200
MAX_QUANTITY = 1000
MAX_FACE_VALUE_FEN = 10**12


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_topup(*, ref, sku, face_value_fen, quantity, fields) -> None:
    errors: dict[str, str] = {}
    if not isinstance(ref, str) or not 1 <= len(ref) <= 120:
        errors["ref"] = "1–120 characters"
    if not isinstance(sku, str) or not 1 <= len(sku.strip()) <= 64:
        errors["sku"] = "1–64 characters"
    if not _is_int(face_value_fen) or not 1 <= face_value_fen <= MAX_FACE_VALUE_FEN:
        errors["face_value_fen"] = "a whole number of fen, at least 1"
    if not _is_int(quantity) or not 1 <= quantity <= MAX_QUANTITY:
        errors["quantity"] = f"1–{MAX_QUANTITY}"
    if (
        not isinstance(fields, dict)
        or not 1 <= len(fields) <= MAX_FIELDS
        or not all(isinstance(k, str) and 1 <= len(k) <= 64 for k in fields)
        or not all(isinstance(v, str) and len(v) <= MAX_FIELD_VALUE for v in fields.values())
    ):
        errors["fields"] = f"1–{MAX_FIELDS} text fields, values up to {MAX_FIELD_VALUE} characters"
    if errors:
        raise DomainError("suppliers.invalid_request", fields=errors)


def _same_topup(request: SupplierRequest, *, sku, face_value_fen, quantity, fields) -> bool:
    return (request.sku, request.face_value_fen, request.quantity, request.fields) == (
        sku,
        face_value_fen,
        quantity,
        fields,
    )


def submit_topup(*, ref: str, sku: str, face_value_fen: int, quantity: int, fields: dict) -> SupplierRequest:
    """Record a top-up to send to the supplier; the HTTP call happens in a task on commit.

    Idempotent by ``ref``: submitting the same top-up again returns the first request (and sends
    nothing new); the same ref with different content is ``suppliers.ref_conflict``."""
    _check_topup(ref=ref, sku=sku, face_value_fen=face_value_fen, quantity=quantity, fields=fields)
    config = supplier_config()
    now = timezone.now()
    wanted = {"sku": sku, "face_value_fen": face_value_fen, "quantity": quantity, "fields": fields}
    with transaction.atomic():
        existing = SupplierRequest.objects.filter(ref=ref).first()
        if existing is None:
            try:
                with transaction.atomic():
                    request = SupplierRequest.objects.create(
                        ref=ref,
                        **wanted,
                        # The sweep sends it itself if the queued job never runs.
                        next_check_at=now + timedelta(seconds=config.check_seconds),
                        give_up_at=now + timedelta(seconds=config.give_up_seconds),
                        created_at=now,
                        updated_at=now,
                    )
            except IntegrityError:  # submitted concurrently under the same ref: theirs stands
                existing = SupplierRequest.objects.get(ref=ref)
            else:
                transaction.on_commit(partial(_enqueue_send, request.pk))
                return request
        if not _same_topup(existing, **wanted):
            raise DomainError("suppliers.ref_conflict")
        return existing


def _enqueue_send(request_pk: int) -> None:
    from kameng.suppliers import tasks  # tasks imports this module

    try:
        tasks.send_request.enqueue(request_pk)
    except Exception:  # the sweep will send it; a broken queue must not break the caller
        log.exception("could not enqueue send_request(%s); the sweep will send it", request_pk)


def _lease(config: SupplierConfig, attempts: int) -> timedelta:
    """How long to wait before the next look: exponential back-off, bounded, and always longer
    than one HTTP call so another sweeper does not pick the row up while we wait for an answer."""
    backoff = min(config.check_seconds * 2 ** max(attempts - 1, 0), config.max_check_seconds)
    return timedelta(seconds=max(backoff, config.timeout * 2 + 1))


def _claim(queryset: QuerySet, *, now: datetime, limit: int, config: SupplierConfig) -> list[SupplierRequest]:
    """Take up to ``limit`` rows for this worker: skip rows another worker holds, and push their
    next_check_at forward so nobody else picks them up while we talk to the supplier."""
    with transaction.atomic():
        rows = list(queryset.select_for_update(skip_locked=True).order_by("next_check_at", "pk")[:limit])
        for row in rows:
            row.attempts += 1
            row.next_check_at = now + _lease(config, row.attempts)
            SupplierRequest.objects.filter(pk=row.pk).update(
                attempts=F("attempts") + 1, next_check_at=row.next_check_at, updated_at=now
            )
    return rows


def send_request(*, request_pk: int) -> SupplierRequest | None:
    """Send one pending request now (the task's body). None if it is no longer pending or
    another worker is sending it."""
    config = supplier_config()
    claimed = _claim(
        SupplierRequest.objects.filter(pk=request_pk, status=RequestStatus.PENDING),
        now=timezone.now(),
        limit=1,
        config=config,
    )
    return _contact(claimed[0], config=config) if claimed else None


def _contact(snapshot: SupplierRequest, *, config: SupplierConfig) -> SupplierRequest:
    """Talk to the supplier about one claimed request (no transaction open) and apply what we learn."""
    client = SupplierClient(config)

    def submit() -> SupplierAnswer:
        return client.submit(
            request_id=snapshot.request_id,
            sku=snapshot.sku,
            face_value_fen=snapshot.face_value_fen,
            quantity=snapshot.quantity,
            fields=snapshot.fields,
            timestamp=timezone.now(),
        )

    answer: SupplierAnswer | None = None
    try:
        if snapshot.status == RequestStatus.PENDING:
            answer = submit()
        else:
            try:
                answer = client.query(request_id=snapshot.request_id)
            except SupplierNotFound:
                # It never arrived: sending again under the same request_id cannot top up twice.
                answer = submit()
        event, reason = answer.status, answer.message
    except SupplierRejected as exc:  # a signed refusal: nothing was topped up
        event, reason = "failed", f"rejected: {exc}"
    except SupplierError as exc:
        event, reason = "no_answer", f"{exc.kind}: {exc}"
    return _apply(snapshot=snapshot, event=event, answer=answer, reason=reason, config=config)


def _apply(
    *, snapshot: SupplierRequest, event: str, answer: SupplierAnswer | None, reason: str, config: SupplierConfig
) -> SupplierRequest:
    now = timezone.now()
    with transaction.atomic():
        current = SupplierRequest.objects.select_for_update().get(pk=snapshot.pk)
        if current.status != snapshot.status:
            return current  # another worker moved it first; its answer stands
        if event in ("accepted", "no_answer") and now >= current.give_up_at:
            event, reason = "give_up", "no answer"
        to = next_status(current.status, event)
        if to is None:
            return current
        values: dict = {"status": to, "updated_at": now, "reason": reason[:255]}
        if answer is not None:
            values["last_answer"] = answer.raw
            if answer.supplier_ref:
                values["supplier_ref"] = answer.supplier_ref
        if current.sent_at is None and event != "give_up":
            values["sent_at"] = now
        if to in FINAL_STATUSES:
            values.update(finished_at=now, next_check_at=None)
        else:
            values["next_check_at"] = min(now + _lease(config, current.attempts), current.give_up_at)
        if SupplierRequest.objects.filter(pk=current.pk, status=current.status).update(**values) != 1:
            return SupplierRequest.objects.get(pk=current.pk)
        if to in FINAL_STATUSES:
            transaction.on_commit(partial(_notify, current.pk))
            log.info("supplier request %s (%s) %s: %s", current.request_id, current.ref, to, reason)
    current.refresh_from_db()
    return current


def _notify(request_pk: int) -> None:
    request = SupplierRequest.objects.get(pk=request_pk)
    signal = topup_succeeded if request.status == RequestStatus.SUCCEEDED else topup_failed
    for receiver, result in signal.send_robust(sender=SupplierRequest, request=request):
        if isinstance(result, Exception):
            log.error("receiver %r of %s failed for %s", receiver, request.status, request.ref, exc_info=result)


@dataclass
class ReconcileReport:
    checked: int = 0
    outcomes: Counter = field(default_factory=Counter)  # status after the check -> count

    def as_dict(self) -> dict:
        return {"checked": self.checked, **{str(k): v for k, v in self.outcomes.items()}}


def reconcile_pending(*, now: datetime | None = None) -> ReconcileReport:
    """The periodic job: send pending requests whose job was lost, ask about sent and unknown ones
    whose ``next_check_at`` passed, and fail those past ``give_up_at`` with no final answer.
    Safe to run in several workers at once."""
    config = supplier_config()
    now = now or timezone.now()
    report = ReconcileReport()
    due = SupplierRequest.objects.filter(status__in=OPEN_STATUSES, next_check_at__lte=now)
    while claimed := _claim(due, now=now, limit=config.batch_size, config=config):
        for snapshot in claimed:
            request = _contact(snapshot, config=config)
            report.checked += 1
            report.outcomes[request.status] += 1
    return report
