"""Appending to the timeline: the only write there is.

Lock order (docs/concurrency.md, "Timeline"): the caller locks its own aggregate first (the order,
the case), then calls ``append_event``, which locks that stream's head row last. The head lock is
held until the caller's transaction ends, so keep appends at the end of the business act.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.timeline.canonical import MAX_PAYLOAD_BYTES, canonical_json, check_json_safe, event_hash, field_digests
from kameng.timeline.models import Event, StreamHead

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
    head = StreamHead.objects.select_for_update().filter(stream=stream).first()
    if head is not None:
        return head
    # First event of the stream. INSERT … ON CONFLICT DO NOTHING: a concurrent first append makes
    # this wait for the other transaction and then do nothing, never fail; the locked read below
    # then sees whichever row won.
    StreamHead.objects.bulk_create([StreamHead(stream=stream)], ignore_conflicts=True)
    return StreamHead.objects.select_for_update().get(stream=stream)


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
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    role = actor_role or (str(getattr(actor, "role", "") or "") if actor is not None else SYSTEM_ROLE)
    _check(stream, kind, payload, role)
    with transaction.atomic():
        head = _lock_head(stream)
        # Never earlier than the previous event, even if this server's clock is behind another's:
        # created_at must not go backwards within a stream.
        now = timezone.now()
        created_at = max(now, head.updated_at) if head.updated_at else now
        fields = {
            "stream": stream,
            "seq": head.seq + 1,
            "kind": kind,
            "actor_id": actor_id,
            "actor_role": role,
            "payload": payload,
            "created_at": created_at,
            "prev_hash": head.head_hash,
        }
        event = Event(**fields, hash=event_hash(**fields), digests=field_digests(**fields))
        event.save()
        StreamHead.objects.filter(pk=head.pk).update(seq=event.seq, head_hash=event.hash, updated_at=created_at)
    return event
