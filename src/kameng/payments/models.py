"""Wallet top-ups and what the payment gateways told us about them.

A ``Payment`` is one top-up of a buyer's wallet; a ``PaymentEvent`` is one notification received
from a gateway, kept whatever its outcome, so every credit (and every refusal) can be traced back
to the exact parameters the gateway sent. ``SandboxCharge`` is the built-in sandbox gateway's own
record, kept as an external gateway would keep it (it retries its notification until we ack).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
    # Money that arrived after we had closed the payment: still credited to the wallet.
    PAID_LATE = "paid_late", _("Paid late (credited)")


CLOSED_UNPAID = {PaymentStatus.FAILED, PaymentStatus.EXPIRED}
PAID_STATES = {PaymentStatus.PAID, PaymentStatus.PAID_LATE}


class Payment(models.Model):
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    amount_fen = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="CNY")
    gateway = models.CharField(max_length=32)
    # Ours, random (unguessable): it is the only thing the gateway's checkout page knows.
    out_trade_no = models.CharField(max_length=64, unique=True)
    provider_trade_no = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    # The order that needed the money, if any. Payments never imports orders: it only carries the id.
    order_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="when it failed or expired")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_amount_positive")]
        indexes = [
            models.Index(fields=["buyer", "-created_at"]),
            # The expiry sweep only ever looks at pending payments.
            models.Index(fields=["expires_at"], condition=Q(status="pending"), name="payment_pending_expiry"),
        ]

    def __str__(self) -> str:
        return self.out_trade_no

    @property
    def is_final(self) -> bool:
        return self.status != PaymentStatus.PENDING


class EventOutcome(models.TextChoices):
    CREDITED = "credited", _("Credited")
    DUPLICATE = "duplicate", _("Duplicate")
    BAD_SIGNATURE = "bad_signature", _("Bad signature")
    WRONG_AMOUNT = "wrong_amount", _("Wrong amount")
    WRONG_CURRENCY = "wrong_currency", _("Wrong currency")
    UNKNOWN_PAYMENT = "unknown_payment", _("Unknown payment")
    FAILED_REPORTED = "failed_reported", _("Failure reported")


# Outcomes the gateway should stop retrying for (we answer with its "ack").
ACKED_OUTCOMES = {EventOutcome.CREDITED, EventOutcome.DUPLICATE, EventOutcome.FAILED_REPORTED}


class PaymentEvent(models.Model):
    gateway = models.CharField(max_length=32)
    provider_event_id = models.CharField(max_length=128)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    raw_params = models.JSONField(default=dict)
    outcome = models.CharField(max_length=16, choices=EventOutcome.choices)
    detail = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        constraints = [
            # One row per genuine provider event: a replay can never be applied twice. A forged
            # notification (bad signature) must not occupy the id of the genuine one, so it is
            # left out of the constraint.
            models.UniqueConstraint(
                fields=["gateway", "provider_event_id"],
                condition=~Q(outcome="bad_signature"),
                name="payment_event_once",
            )
        ]
        indexes = [models.Index(fields=["payment", "received_at"])]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.provider_event_id} {self.outcome}"


class SandboxCharge(models.Model):
    """The sandbox gateway's side: what the tester clicked, and whether we acknowledged it."""

    out_trade_no = models.CharField(max_length=64, unique=True)
    trade_no = models.CharField(max_length=64, unique=True)
    amount_fen = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="CNY")
    succeeded = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    acked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(acked_at__isnull=True), name="sandbox_unacked"),
        ]

    def __str__(self) -> str:
        return self.trade_no
