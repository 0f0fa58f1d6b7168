"""The sweep of case deadlines: every clock is a ``due_at`` column read through a partial index;
a due case takes its system ``expire`` step (a silent party loses that step), an overdue ruling goes
back to the queue or is ruled on the records (``platform.rule_overdue``), and reminders go out
before a clock runs out. Chunks of due cases are claimed with SKIP LOCKED and written in bulk."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from kameng.aftersales import figures, tags
from kameng.aftersales.models import FREEZING_STATES, OPEN_STATES, Case, CaseState, SlaBreach
from kameng.aftersales.permissions import locked_case
from kameng.aftersales.services.platform import sweep_overdue_rulings
from kameng.aftersales.services.steps import (
    EXPIRING_STATES,
    WAITING_ON,
    Effects,
    apply_step,
    flush,
    lapse_open_offers,
    notify_case,
    refund_prefix,
    release_if_done,
)
from kameng.aftersales.transitions import BUYER, MERCHANT, SYSTEM
from kameng.notifications.services import notify_many
from kameng.orders import money
from kameng.timeline.services import append_to_streams

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    expired: int = 0
    escalated: int = 0
    reminded: int = 0
    examined: int = 0
    rulings_requeued: int = 0  # overdue rulings sent back to the queue (4.4)
    ruled_on_records: int = 0  # overdue rulings decided by rule 4.3


def due_cases(now: datetime):
    """Open cases whose clock has run out, oldest first: read through the partial index ``case_due``."""
    return Case.objects.filter(state__in=EXPIRING_STATES, due_at__lte=now).order_by("due_at")


def _claim(queryset, limit: int) -> list[int]:
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return list(queryset.values_list("pk", flat=True)[:limit])


def _expire_one(case_id: int, now: datetime) -> str | None:
    with transaction.atomic():
        case = locked_case(case_id)
        if case.state not in EXPIRING_STATES or case.due_at is None or case.due_at > now:
            return None  # another sweeper (or the party) got there first
        before = case.state
        effects = Effects()
        apply_step(case, "expire", role=SYSTEM, actor=None, now=now, effects=effects)
        release_if_done(case, effects)  # the order row before the shop row (docs/concurrency.md)
        if before == CaseState.MERCHANT:
            # 3.6: a silent merchant escalates automatically and it counts against the shop.
            case.sla_breached = True
            case.save(update_fields=["sla_breached"])
            SlaBreach.objects.create(shop_id=case.shop_id, case=case, created_at=now)
        flush(case, effects)
        return before


# The columns a step may change on the case row (written in bulk by the sweep).
_STEP_FIELDS = [
    "state",
    "due_at",
    "remind_at",
    "merchant_clock_left_s",
    "closed_at",
    "reopen_until",
    "updated_at",
    "sla_breached",
    "counted",
]


def _save_steps(cases: list[Case]) -> None:
    """Write the step columns of many cases: on PostgreSQL one UPDATE … FROM unnest(arrays), one
    array per column (Django's bulk_update builds a CASE per column and row, which costs more CPU
    than the sweep's whole chunk)."""
    if not cases:
        return
    if connection.vendor != "postgresql":
        Case.objects.bulk_update(cases, _STEP_FIELDS)
        return
    fields = [Case._meta.get_field(name) for name in _STEP_FIELDS]
    quote = connection.ops.quote_name
    arrays = ", ".join(["%s::bigint[]", *(f"%s::{f.db_type(connection)}[]" for f in fields)])
    columns = ", ".join(["id", *(quote(f.column) for f in fields)])
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
    params = [[c.pk for c in cases]] + [
        [f.get_db_prep_save(getattr(c, f.attname), connection) for c in cases] for f in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Case._meta.db_table)} AS c SET {sets} "  # noqa: S608
            f"FROM unnest({arrays}) AS v({columns}) WHERE c.id = v.id",
            params,
        )


def _expire_chunk(queryset, limit: int, now: datetime) -> list[str] | None:
    """Expire up to ``limit`` due cases in ONE transaction: claim them with SKIP LOCKED and keep
    the locks while each takes its ``expire`` step through ``_apply`` — the same step, clock,
    clause and events as one at a time — with the writes deferred, then write the chunk in bulk:
    the case rows, SLA breaches (one shop check per chunk), order tags, notifications, released
    escrow holds, and the timeline events of every case and order stream under one head-lock
    statement. Returns the states the cases were in; an empty list when nothing is due; None when
    the chunk failed and was rolled back (the caller then goes case by case)."""
    try:
        with transaction.atomic():
            ids = _claim(queryset, limit)
            if not ids:
                return []
            cases = list(
                Case.objects.filter(pk__in=ids, state__in=EXPIRING_STATES, due_at__lte=now)
                .select_related("shop__owner", "buyer")
                .defer("facts", "description")  # large, and not read by an expiry
                .order_by("due_at", "pk")
            )
            effects = Effects(defer=True)
            befores, breaches, streams, closing = [], [], {}, []
            for case in cases:
                before = case.state
                step = Effects(defer=True)
                if before == CaseState.MERCHANT:
                    # 3.6: a silent merchant escalates automatically and it counts against the shop.
                    case.sla_breached = True
                    breaches.append(SlaBreach(shop_id=case.shop_id, case=case, created_at=now))
                apply_step(case, "expire", role=SYSTEM, actor=None, now=now, effects=step)
                effects.saved.extend(step.saved)
                effects.notices.extend(step.notices)
                effects.lapse_offers_of.extend(step.lapse_offers_of)
                if case.state not in FREEZING_STATES:
                    closing.append(case.stream)
                streams.setdefault(case.stream, []).extend(step.case_events)
                streams.setdefault(f"order:{case.order_id}", []).extend(step.order_events)
                befores.append(before)
            reports = figures.take(effects.saved)
            _save_steps(effects.saved)
            lapse_open_offers(effects.lapse_offers_of)
            if breaches:
                SlaBreach.objects.bulk_create(breaches)
            figures.send(reports)  # the shop warnings of rule 4.5 follow from these (reputation)
            tags.sync_many(effects.saved)
            notify_many(effects.notices)
            for stream, events in money.release_holds(refs=closing).items():
                streams.setdefault(stream, []).extend(events)
            final = [case for case in cases if case.state not in OPEN_STATES]
            for stream, events in money.dispose_withheld_keys(
                order_ids=[case.order_id for case in final], source_prefixes=[refund_prefix(case) for case in final]
            ).items():
                streams.setdefault(stream, []).extend(events)
            append_to_streams(streams)
            return befores
    except Exception:
        log.exception("case sweep: a chunk failed; going through its cases one by one")
        return None


def sweep(*, now: datetime | None = None, limit: int = 1000, chunk: int = 500, rulings: bool = True) -> SweepReport:
    """One pass over due case clocks (at most ``limit`` cases) and reminders. Safe with several
    sweepers at once: each claims its chunk of due cases with SKIP LOCKED and holds those locks
    until the chunk commits, so every due case expires exactly once. A chunk that fails is rolled
    back and its cases are retried one by one, each in its own transaction. ``rulings=False``
    leaves overdue rulings alone (the transition-table tests drive each system step on its own)."""
    now = now or timezone.now()
    report = SweepReport()
    left = limit
    while left > 0:
        size = min(chunk, left)
        befores = _expire_chunk(due_cases(now), size, now)
        if befores is None:
            with transaction.atomic():
                due = _claim(due_cases(now), size)
            befores = [b for b in (_expire_one(case_id, now) for case_id in due) if b is not None]
            report.examined += len(due)
            if not due:
                break
        else:
            if not befores:
                break
            report.examined += len(befores)
        report.expired += len(befores)
        report.escalated += sum(b == CaseState.MERCHANT for b in befores)
        left -= size
    overdue = sweep_overdue_rulings(now=now) if rulings else {}
    report.rulings_requeued = overdue.get("requeued", 0)
    report.ruled_on_records = overdue.get("ruled_on_records", 0)
    with transaction.atomic():
        remind = _claim(Case.objects.filter(remind_at__lte=now).order_by("remind_at"), limit)
        for case in Case.objects.filter(pk__in=remind).select_related("shop__owner", "buyer"):
            if case.state in WAITING_ON and case.due_at:
                targets = {BUYER: case.buyer, MERCHANT: case.shop.owner}
                for role in WAITING_ON[case.state]:
                    notify_case(
                        targets[role],
                        case,
                        "case.reminder",
                        dedupe=f"case:{case.pk}:remind:{case.state}:{case.due_at.isoformat()}",
                        due=timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"),
                    )
                report.reminded += 1
        Case.objects.filter(pk__in=remind).update(remind_at=None)
    return report
