"""Appending to the timeline: the only write there is.

Lock order (docs/concurrency.md, "Timeline"): the caller locks its own aggregate first (the order,
the case), then calls ``append_event``, which locks that stream's head row last. The head lock is
held until the caller's transaction ends, so keep appends at the end of the business act.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kameng.core.db import atomic_unless_in_transaction, insert_rows
from kameng.core.errors import DomainError
from kameng.timeline.canonical import MAX_PAYLOAD_BYTES, canonical_json, check_json_safe, event_hash, field_digests
from kameng.timeline.models import ZERO_HASH, Event, StreamHead

STREAM_RE = re.compile(r"^[a-z][a-z0-9_]*:[A-Za-z0-9_.\-]+$")
KIND_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
SYSTEM_ROLE = "system"
ROLE_RE = re.compile(r"^[a-z][a-z_]*$")


def stream_name(prefix: str, object_id: int | str) -> str:
    """``stream_name("order", 17)`` → ``"order:17"``: the one spelling of a stream."""
    return f"{prefix}:{object_id}"


def _check(stream: str, kind: str, payload: Any, actor_role: str) -> None:
    if not isinstance(stream, str) or len(stream) > 80 or not STREAM_RE.match(stream):
        raise DomainError("timeline.invalid_stream")
    if not isinstance(kind, str) or len(kind) > 64 or not KIND_RE.match(kind):
        raise DomainError("timeline.invalid_kind")
    if not isinstance(actor_role, str) or len(actor_role) > 16 or not ROLE_RE.match(actor_role):
        raise DomainError("timeline.invalid_payload", reason="actor role")
    if not isinstance(payload, dict):
        raise DomainError("timeline.invalid_payload", reason="the payload must be an object")
    problem = check_json_safe(payload)
    if problem:
        raise DomainError("timeline.invalid_payload", reason=problem)
    if len(canonical_json(payload).encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise DomainError("timeline.invalid_payload", reason=f"larger than {MAX_PAYLOAD_BYTES} bytes")


def _lock_head(stream: str) -> StreamHead:
    """Lock the stream's head row, creating it on the stream's first event, in ONE statement:
    INSERT … ON CONFLICT DO UPDATE takes the row lock on the existing row just as SELECT … FOR
    UPDATE would, and a concurrent first append waits for the other transaction instead of failing
    (PostgreSQL and SQLite ≥ 3.35)."""
    table = connection.ops.quote_name(StreamHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (stream, seq, head_hash, updated_at) VALUES (%s, 0, %s, NULL) "  # noqa: S608
            "ON CONFLICT (stream) DO UPDATE SET stream = excluded.stream "
            "RETURNING id, seq, head_hash, updated_at",
            [stream, ZERO_HASH],
        )
        pk, seq, head_hash, updated_at = cursor.fetchone()
    if isinstance(updated_at, str):  # SQLite hands back text through a raw cursor
        updated_at = parse_datetime(updated_at)
    if updated_at is not None and timezone.is_naive(updated_at):
        updated_at = timezone.make_aware(updated_at, datetime.UTC)
    return StreamHead(pk=pk, stream=stream, seq=seq, head_hash=head_hash, updated_at=updated_at)


@dataclass(frozen=True)
class NewEvent:
    kind: str
    payload: dict[str, Any]
    actor: Any = None
    actor_role: str | None = None


def append_event(
    *,
    stream: str,
    kind: str,
    payload: dict[str, Any],
    actor: Any = None,
    actor_role: str | None = None,
) -> Event:
    """Append one event to ``stream`` and return it.

    ``actor`` is the user who acted (its ``pk`` and ``role`` are recorded) or None for the system;
    ``actor_role`` overrides the recorded role (e.g. "supplier", "gateway" for outside parties).
    Runs inside the caller's transaction: if the caller rolls back, the event is gone too.
    The payload must be JSON that round-trips exactly (no floats: money is integer fen)."""
    return append_events(stream=stream, events=[NewEvent(kind, payload, actor, actor_role)])[0]


def _checked(stream: str, events: Sequence[NewEvent]) -> list[tuple[NewEvent, int | None, str]]:
    """Each new event with its actor id and role, after the checks every append makes."""
    checked = []
    for new in events:
        actor_id = getattr(new.actor, "pk", None) if new.actor is not None else None
        role = new.actor_role or (str(getattr(new.actor, "role", "") or "") if new.actor is not None else SYSTEM_ROLE)
        _check(stream, new.kind, new.payload, role)
        checked.append((new, actor_id, role))
    return checked


def _chain(stream: str, checked, *, seq: int, prev_hash: str, created_at) -> tuple[list[Event], int, str]:
    """The events that continue a stream from (seq, prev_hash), hashed and linked; with the new
    head's seq and hash."""
    rows = []
    for new, actor_id, role in checked:
        seq += 1
        fields = {
            "stream": stream,
            "seq": seq,
            "kind": new.kind,
            "actor_id": actor_id,
            "actor_role": role,
            "payload": new.payload,
            "created_at": created_at,
            "prev_hash": prev_hash,
        }
        event = Event(**fields, hash=event_hash(**fields), digests=field_digests(**fields))
        rows.append(event)
        prev_hash = event.hash
    return rows, seq, prev_hash


def append_events(*, stream: str, events: Sequence[NewEvent], new_stream: bool = False) -> list[Event]:
    """Append several events to one stream under one head lock: one statement for the lock, one
    insert for all events, one head update, however many events a service records.

    ``new_stream=True`` is for a stream whose subject was created in this same transaction (a new
    order): its head is inserted with its final values, and if it existed after all the unique
    constraint refuses the insert and the caller's transaction rolls back."""
    checked = _checked(stream, events)
    if not checked:
        return []
    with atomic_unless_in_transaction():
        head = StreamHead(stream=stream, seq=0, head_hash=ZERO_HASH) if new_stream else _lock_head(stream)
        # Never earlier than the previous event, even if this server's clock is behind another's:
        # created_at must not go backwards within a stream.
        now = timezone.now()
        created_at = max(now, head.updated_at) if head.updated_at else now
        rows, seq, prev_hash = _chain(stream, checked, seq=head.seq, prev_hash=head.head_hash, created_at=created_at)
        insert_rows(rows)
        if new_stream:
            insert_rows([StreamHead(stream=stream, seq=seq, head_hash=prev_hash, updated_at=created_at)])
        else:
            StreamHead.objects.filter(pk=head.pk).update(seq=seq, head_hash=prev_hash, updated_at=created_at)
    return rows


def append_to_streams(batches: dict[str, Sequence[NewEvent]]) -> list[Event]:
    """``append_events`` for many streams at once (the case sweep expires hundreds of cases in one
    transaction): one statement locks every head, in stream-name order so two such callers cannot
    deadlock, one insert writes every event, one statement moves every head. Each stream's chain is
    exactly what ``append_events`` would have written."""
    if connection.vendor != "postgresql":  # the VALUES-list UPDATE below is PostgreSQL's
        return [e for stream, events in batches.items() for e in append_events(stream=stream, events=events)]
    streams = sorted(s for s, events in batches.items() if events)
    checked = {stream: _checked(stream, batches[stream]) for stream in streams}
    if not streams:
        return []
    table = connection.ops.quote_name(StreamHead._meta.db_table)
    with atomic_unless_in_transaction():
        with connection.cursor() as cursor:
            # ON CONFLICT DO UPDATE locks rows in the VALUES order (sorted above), like _lock_head.
            cursor.execute(
                f"INSERT INTO {table} (stream, seq, head_hash, updated_at) "  # noqa: S608
                "SELECT s, 0, %s, NULL FROM unnest(%s::text[]) AS s ORDER BY s "
                "ON CONFLICT (stream) DO UPDATE SET stream = excluded.stream "
                "RETURNING stream, seq, head_hash, updated_at",
                [ZERO_HASH, streams],
            )
            heads = {row[0]: row[1:] for row in cursor.fetchall()}
        now = timezone.now()
        rows: list[Event] = []
        moved = []
        for stream in streams:
            seq, prev_hash, updated_at = heads[stream]
            created_at = max(now, updated_at) if updated_at else now
            events, seq, prev_hash = _chain(
                stream, checked[stream], seq=seq, prev_hash=prev_hash, created_at=created_at
            )
            rows.extend(events)
            moved.append((stream, seq, prev_hash, created_at))
        insert_rows(rows)
        with connection.cursor() as cursor:
            # One array per column: the statement stays short however many streams move.
            cursor.execute(
                f"UPDATE {table} AS h SET seq = v.seq, head_hash = v.head_hash, updated_at = v.updated_at "  # noqa: S608
                "FROM unnest(%s::text[], %s::integer[], %s::text[], %s::timestamptz[]) "
                "AS v(stream, seq, head_hash, updated_at) WHERE h.stream = v.stream",
                [list(column) for column in zip(*moved, strict=True)],
            )
    return rows
