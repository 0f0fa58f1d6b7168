"""Sealing: a Merkle root over every chain head that moved, timestamped, every few minutes.

``seal_now`` collects the heads (``timeline.StreamHead``) that changed since the previous seal,
sorts them by stream, builds the Merkle tree (``merkle``), has the root timestamped
(``tsa.current_timestamper()``) and stores ``Seal`` + ``SealLeaf`` rows. Each seal records the
previous seal's root, so seals chain too.

Which heads: those with ``updated_at`` after the previous seal's cutoff minus ``LOOKBACK``, and
whose seq is beyond the last sealed seq of that stream. The lookback exists because a head's
``updated_at`` is its event's ``created_at``, set before the appending transaction commits: a
transaction still open at the cutoff commits later with an older time, and a strict
``updated_at > cutoff`` would never seal it. The seq check keeps the lookback from sealing a head
twice.

Concurrency: one seal at a time. On PostgreSQL a transaction-level advisory lock
(``pg_advisory_xact_lock(SEAL_LOCK)``) is taken first, then the previous seal is read; a second
worker waits, then sees the first one's leaves and seals only what is new (usually nothing). On
SQLite the transaction is BEGIN IMMEDIATE (settings), which serialises writers already. Seal
takes no timeline lock: appends never wait for it, and it reads heads as committed.

``event_proof`` gives an event's inclusion proof as JSON-ready data; ``merkle.verify_event_proof``
checks it offline.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.evidence import merkle
from kameng.evidence.merkle import verify_event_proof
from kameng.evidence.models import Seal, SealLeaf
from kameng.evidence.tsa import Timestamper, current_timestamper
from kameng.timeline.canonical import HASHED_FIELDS, format_time
from kameng.timeline.models import StreamHead
from kameng.timeline.selectors import events_of

__all__ = ["event_proof", "seal_due", "seal_now", "verify_event_proof"]

# A fixed key for pg_advisory_xact_lock: "seal" in ASCII.
SEAL_LOCK = 0x7365616C
LOOKBACK = timedelta(minutes=5)


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])


def _changed_heads(previous: Seal | None) -> list[StreamHead]:
    heads = StreamHead.objects.filter(updated_at__isnull=False, seq__gt=0)
    if previous is not None:
        heads = heads.filter(updated_at__gt=previous.cutoff - LOOKBACK)
    heads = list(heads.order_by("stream"))
    if previous is None or not heads:
        return heads
    # Streams are few per window (what moved in minutes); one grouped query over the (stream, seq)
    # index says how far each was sealed already.
    sealed = dict(
        SealLeaf.objects.filter(stream__in=[h.stream for h in heads])
        .values("stream")
        .annotate(top=Max("seq"))
        .values_list("stream", "top")
    )
    return [h for h in heads if h.seq > sealed.get(h.stream, 0)]


def seal_now(*, now: datetime | None = None, timestamper: Timestamper | None = None) -> Seal | None:
    """Seal every head that moved since the last seal; None when nothing moved."""
    with transaction.atomic():
        _lock()
        cutoff = now or timezone.now()  # taken under the lock: the next seal starts from here
        previous = Seal.objects.order_by("-pk").first()
        heads = _changed_heads(previous)
        if not heads:
            return None
        leaves = [merkle.leaf_hash(h.stream, h.seq, h.head_hash) for h in heads]
        root_hex = merkle.root(leaves).hex()
        stamper = timestamper or current_timestamper()
        stamp = stamper.stamp(root_hex)
        seal = Seal.objects.create(
            created_at=cutoff,
            cutoff=cutoff,
            root=root_hex,
            leaf_count=len(heads),
            previous_root=previous.root if previous else "",
            method=stamper.method,
            token=stamp.token,
            stamped_at=stamp.stamped_at,
            verifier_pem=stamp.verifier_pem,
        )
        SealLeaf.objects.bulk_create(
            [
                SealLeaf(seal=seal, index=i, stream=h.stream, seq=h.seq, head_hash=h.head_hash)
                for i, h in enumerate(heads)
            ]
        )
    return seal


def seal_due(now: datetime) -> str:
    """The periodic job: seal when the last seal is KAMENG_SEAL_MINUTES old (the sweep runs
    far more often than that)."""
    last = Seal.objects.order_by("-pk").only("created_at").first()
    if last is not None and now - last.created_at < timedelta(minutes=settings.KAMENG_SEAL_MINUTES):
        return "not due"
    seal = seal_now(now=now)
    return f"seal {seal.pk}: {seal.leaf_count} head(s)" if seal else "nothing changed"


def _hashed(event) -> dict[str, Any]:
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    fields["created_at"] = format_time(event.created_at)
    return fields


def event_proof(*, stream: str, seq: int) -> dict[str, Any]:
    """The inclusion proof of event ``stream#seq`` in the earliest seal that covers it (the
    earliest time it can be proven to have existed). Callers check permission first."""
    leaf = SealLeaf.objects.filter(stream=stream, seq__gte=seq).select_related("seal").order_by("seal_id").first()
    if leaf is None:
        raise DomainError("evidence.not_sealed")
    events = list(events_of(stream=stream).filter(seq__gte=seq, seq__lte=leaf.seq))
    if not events or events[0].seq != seq:
        raise DomainError("not_found")
    seal = leaf.seal
    leaves = [
        merkle.leaf_hash(row.stream, row.seq, row.head_hash)
        for row in SealLeaf.objects.filter(seal=seal).order_by("index").only("stream", "seq", "head_hash")
    ]
    return {
        "event": _hashed(events[0]),
        "chain": [_hashed(e) for e in events[1:]],
        "leaf": {"stream": leaf.stream, "seq": leaf.seq, "head_hash": leaf.head_hash, "index": leaf.index},
        "merkle_path": [list(step) for step in merkle.proof(leaves, leaf.index)],
        "seal": {
            "id": seal.pk,
            "root": seal.root,
            "method": seal.method,
            "stamped_at": format_time(seal.stamped_at),
            "token_b64": base64.b64encode(bytes(seal.token)).decode("ascii"),
            "verifier_pem": seal.verifier_pem,
            "previous_root": seal.previous_root,
        },
    }
