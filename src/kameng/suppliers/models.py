"""A request to an upstream supplier to top up an account (直充), and what became of it."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("pending")  # created, not yet sent
    SENT = "sent", _("sent")  # the supplier accepted it and is working on it
    UNKNOWN = "unknown", _("unknown")  # sent, but no definite answer came back (timeout, garbled reply)
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


OPEN_STATUSES = (RequestStatus.PENDING, RequestStatus.SENT, RequestStatus.UNKNOWN)
FINAL_STATUSES = (RequestStatus.SUCCEEDED, RequestStatus.FAILED)


def new_request_id() -> str:
    return uuid.uuid4().hex


class SupplierRequest(models.Model):
    # Our idempotency key at the supplier: every send and query of this top-up carries it.
    request_id = models.CharField(max_length=64, unique=True, default=new_request_id, editable=False)
    # The caller's own reference (e.g. "order_item:17"); one request per ref, so a retried caller
    # can never top up twice.
    ref = models.CharField(max_length=120, unique=True)
    sku = models.CharField(max_length=64)
    face_value_fen = models.PositiveBigIntegerField()
    quantity = models.PositiveIntegerField()
    fields = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)  # HTTP calls made (sends and queries)
    supplier_ref = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=255, blank=True)  # last message or error, for people
    last_answer = models.JSONField(null=True, blank=True)  # the last signed answer, as received
    next_check_at = models.DateTimeField(null=True, blank=True)  # when the sweep next looks at it
    give_up_at = models.DateTimeField()  # no final answer by then → failed ("no answer")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The sweep's query: open requests that are due.
            models.Index(
                fields=["next_check_at"],
                name="supreq_due_open",
                condition=Q(status__in=["pending", "sent", "unknown"]),
            ),
            models.Index(fields=["status", "-created_at"], name="supreq_status_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(face_value_fen__gte=1) & Q(quantity__gte=1), name="supreq_positive_amounts"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in RequestStatus]), name="supreq_known_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES
