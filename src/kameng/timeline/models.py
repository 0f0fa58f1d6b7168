"""The timeline: an append-only, hash-chained log of events, one chain per stream.

A stream names the thing the events are about ("order:17", "case:5"). Each event carries the hash
of the one before it, so editing, deleting or reordering any event breaks the chain where it
happened; ``selectors.verify_stream`` finds and names the break. Each stream's head (last seq and
hash) lives in its own row: it is what appends lock, and what a later issue seals into a Merkle
tree with trusted timestamps.

Events are written only by ``services.append_event``. Nothing updates or deletes them: the model
refuses ``save()`` on an existing row and every ``delete()``.
"""

from __future__ import annotations

from django.db import models

from kameng.core.errors import DomainError
from kameng.timeline.canonical import ZERO_HASH


class EventQuerySet(models.QuerySet):
    def delete(self):
        raise DomainError("timeline.immutable")


class Event(models.Model):
    stream = models.CharField(max_length=80)
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=64)
    # A plain id, not a foreign key: the timeline sits below accounts in the layers, and evidence
    # must outlive the account it mentions.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_role = models.CharField(max_length=16)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, db_index=True)
    # Short per-field digests; only used to name the changed field of a tampered event.
    digests = models.JSONField(default=dict)

    objects = EventQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="timeline_event_stream_seq")]
        ordering = ["stream", "seq"]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise DomainError("timeline.immutable")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DomainError("timeline.immutable")

    @property
    def short_hash(self) -> str:
        return self.hash[:12]


class StreamHead(models.Model):
    """The last event of a stream. Appends lock this row, so one stream's events are numbered
    and chained one at a time while other streams proceed in parallel."""

    stream = models.CharField(max_length=80, unique=True)
    seq = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default=ZERO_HASH)
    # The created_at of the last event; the sealing job picks heads changed since its last run.
    updated_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.stream} @ {self.seq}"
