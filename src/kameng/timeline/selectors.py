"""Reading the timeline, and verifying its chains (behind `kameng timeline verify`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from itertools import groupby

from django.db import transaction
from django.db.models import QuerySet

from kameng.timeline.canonical import HASHED_FIELDS, ZERO_HASH, event_hash, field_digests
from kameng.timeline.models import Event, StreamHead

# Problem codes. Stable: tests and operators match on them.
EDITED = "edited"  # an event's content no longer matches its hash
GAP = "gap"  # seq numbers skip: an event was deleted (or renumbered)
BROKEN_LINK = "broken_link"  # prev_hash is not the previous event's hash: reordered or replaced
TIME_BACKWARDS = "time_backwards"  # created_at earlier than the previous event's
HEAD_MISMATCH = "head_mismatch"  # the head row disagrees with the last event: deleted tail or forged head
HEAD_MISSING = "head_missing"  # events without a head row


@dataclass(frozen=True)
class Problem:
    stream: str
    code: str
    seq: int | None = None
    field: str = ""
    detail: str = ""

    def __str__(self) -> str:
        where = self.stream if self.seq is None else f"{self.stream} #{self.seq}"
        what = f"{self.code} ({self.field})" if self.field else self.code
        return f"{where}: {what}: {self.detail}" if self.detail else f"{where}: {what}"


@dataclass
class VerifyReport:
    streams: int = 0
    events: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "streams": self.streams,
            "events": self.events,
            "problems": [asdict(p) for p in self.problems],
        }


def events_of(*, stream: str) -> QuerySet[Event]:
    """A stream's events, oldest first. Callers check that the user may see the stream's object
    (the order, the case) before calling: the timeline knows nothing about permissions."""
    return Event.objects.filter(stream=stream).order_by("seq", "id")


def head_of(*, stream: str) -> StreamHead | None:
    return StreamHead.objects.filter(stream=stream).first()


def _fields_of(event: Event) -> dict:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


def _changed_fields(event: Event) -> list[str]:
    # The event hash proves *that* something changed; the stored digests say *what*. If the digests
    # were altered too, fall back to naming the hash itself.
    stored = event.digests if isinstance(event.digests, dict) else {}
    now = field_digests(**_fields_of(event))
    return [name for name in HASHED_FIELDS if stored.get(name) != now[name]]


def _verify(stream: str, events, head: StreamHead | None) -> tuple[int, list[Problem]]:
    problems: list[Problem] = []
    expected_seq, prev_hash, prev_time = 1, ZERO_HASH, None
    last = None
    count = 0
    for event in events:
        count += 1
        if event_hash(**_fields_of(event)) != event.hash:
            changed = _changed_fields(event) or ["hash"]
            for name in changed:
                problems.append(Problem(stream, EDITED, event.seq, name, "content does not match the event's hash"))
        gap = event.seq != expected_seq
        if gap:
            missing = f"{expected_seq}" if event.seq == expected_seq + 1 else f"{expected_seq}–{event.seq - 1}"
            problems.append(Problem(stream, GAP, event.seq, "seq", f"expected #{expected_seq}; missing #{missing}"))
        elif event.prev_hash != prev_hash:
            problems.append(
                Problem(stream, BROKEN_LINK, event.seq, "prev_hash", "does not match the previous event's hash")
            )
        if prev_time is not None and event.created_at < prev_time:
            problems.append(Problem(stream, TIME_BACKWARDS, event.seq, "created_at", "earlier than the previous event"))
        expected_seq, prev_hash, prev_time, last = event.seq + 1, event.hash, event.created_at, event
    if head is None:
        if count:
            problems.append(Problem(stream, HEAD_MISSING, None, "", "events exist but the stream has no head"))
        return count, problems
    last_seq = last.seq if last else 0
    last_hash = last.hash if last else ZERO_HASH
    if head.seq != last_seq:
        detail = f"head says #{head.seq}, last event is #{last_seq}"
        if head.seq > last_seq:
            detail += f"; events after #{last_seq} are missing"
        problems.append(Problem(stream, HEAD_MISMATCH, head.seq, "seq", detail))
    elif head.head_hash != last_hash:
        problems.append(Problem(stream, HEAD_MISMATCH, head.seq, "head_hash", "does not match the last event's hash"))
    elif last is not None and head.updated_at != last.created_at:
        problems.append(Problem(stream, HEAD_MISMATCH, head.seq, "updated_at", "does not match the last event's time"))
    return count, problems


def _verify_locked(stream: str) -> tuple[int, list[Problem]]:
    # Holding the head row lock stops appends to this stream, so the head and the events are read
    # as one consistent state even on READ COMMITTED.
    with transaction.atomic():
        head = StreamHead.objects.select_for_update().filter(stream=stream).first()
        return _verify(stream, events_of(stream=stream).iterator(), head)


def verify_stream(stream: str) -> list[Problem]:
    """Every problem in one stream's chain; an empty list means the chain is intact."""
    return _verify_locked(stream)[1]


def verify(*, stream: str | None = None) -> VerifyReport:
    """Verify one stream, or every stream that has a head or an event, in one ordered pass."""
    report = VerifyReport()
    events = Event.objects.order_by("stream", "seq", "id")
    heads = StreamHead.objects.all()
    if stream is not None:
        events, heads = events.filter(stream=stream), heads.filter(stream=stream)
    heads_by_stream = {head.stream: head for head in heads}
    seen = set()
    for name, group in groupby(events.iterator(chunk_size=2000), key=lambda e: e.stream):
        seen.add(name)
        count, problems = _verify(name, group, heads_by_stream.get(name))
        report.streams += 1
        report.events += count
        report.problems.extend(problems)
    for name in sorted(set(heads_by_stream) - seen):  # a head whose events are all gone
        report.streams += 1
        report.problems.extend(_verify(name, [], heads_by_stream[name])[1])
    # The pass above takes no locks, so an append committing between reading the heads and the
    # events can look like a head mismatch. Re-read every stream that looked broken under its head
    # lock: what is still wrong then is really wrong.
    for name in sorted({p.stream for p in report.problems}):
        report.problems = [p for p in report.problems if p.stream != name]
        report.problems.extend(_verify_locked(name)[1])
    report.problems.sort(key=lambda p: (p.stream, p.seq or 0))
    return report


def verify_all() -> list[Problem]:
    return verify().problems
