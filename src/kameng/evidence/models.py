"""Evidence by default (存证): evidence files on cases, seals over every hash chain, audits.

- ``EvidenceItem``: a file a party attached to a case as evidence, with its kind, caption, uploader
  and SHA-256. Never deleted; a party may mark it withdrawn, which keeps the file and its record.
- ``Seal``: a Merkle root over the heads of every timeline stream that changed since the previous
  seal, timestamped by a ``Timestamper`` (the platform's Ed25519 signature by default, or an
  RFC 3161 time-stamping authority). ``SealLeaf`` rows are the tree's leaves, in order.
- ``AuditRun``: one run of ``kameng evidence audit`` and what it found.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kameng.core.errors import DomainError


class EvidenceKind(models.TextChoices):
    PAYMENT_PROOF = "payment_proof", _("Payment proof")
    DELIVERY_ERROR = "delivery_error", _("Delivery error screen")
    ACTIVATION_ERROR = "activation_error", _("Activation error")
    CHAT_RECORD = "chat_record", _("Chat record")
    SUPPLIER_PROOF = "supplier_proof", _("Supplier proof")
    OTHER = "other", _("Other")


# Withdrawal is the only change an evidence row ever takes; everything else is what was uploaded.
WITHDRAWAL_FIELDS = frozenset({"withdrawn_at", "withdrawn_by", "withdrawn_by_id", "withdraw_reason"})


class EvidenceItemQuerySet(models.QuerySet):
    """Bulk statements skip Model.delete() and save(), so the queryset refuses them too."""

    def delete(self):
        raise DomainError("evidence.immutable")

    def update(self, **kwargs):
        if set(kwargs) - WITHDRAWAL_FIELDS:
            raise DomainError("evidence.immutable")
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        # Checked before bulk_update opens its transaction (update() would refuse inside it).
        if set(fields) - WITHDRAWAL_FIELDS:
            raise DomainError("evidence.immutable")
        return super().bulk_update(objs, fields, batch_size=batch_size)


class EvidenceItem(models.Model):
    case = models.ForeignKey("aftersales.Case", on_delete=models.PROTECT, related_name="evidence")
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploader_role = models.CharField(max_length=16)  # buyer / merchant / agent
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    caption = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to="evidence/%Y/%m/", max_length=200)
    original_name = models.CharField(max_length=120, help_text="the uploader's file name, display only")
    content_type = models.CharField(max_length=64, help_text="detected from the content")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, help_text="of the stored bytes (after re-encoding)")
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdraw_reason = models.CharField(max_length=300, blank=True)

    objects = EvidenceItemQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def save(self, *args, **kwargs):
        # A stored row changes only by withdrawal, which names its fields (services.withdraw_evidence).
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or set(fields) - WITHDRAWAL_FIELDS:
                raise DomainError("evidence.immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DomainError("evidence.immutable")


class Seal(models.Model):
    """One Merkle root over chain heads, and the timestamp that anchors it."""

    class Method(models.TextChoices):
        ED25519 = "ed25519", _("Platform signature (Ed25519)")
        RFC3161 = "rfc3161", _("RFC 3161 time-stamping authority")

    created_at = models.DateTimeField(default=timezone.now)
    # Heads with updated_at up to this moment are in this seal or an earlier one.
    cutoff = models.DateTimeField()
    root = models.CharField(max_length=64)
    leaf_count = models.PositiveIntegerField()
    previous_root = models.CharField(max_length=64, blank=True)  # seals chain too
    method = models.CharField(max_length=10, choices=Method.choices)
    token = models.BinaryField(help_text="the signature or the RFC 3161 TimeStampToken (DER)")
    stamped_at = models.DateTimeField(help_text="the time the token asserts")
    # PEM: the platform's Ed25519 public key, or the TSA certificate (chain) used to verify.
    verifier_pem = models.TextField()

    class Meta:
        ordering = ["pk"]


class SealLeaf(models.Model):
    seal = models.ForeignKey(Seal, on_delete=models.PROTECT, related_name="leaves")
    index = models.PositiveIntegerField()
    stream = models.CharField(max_length=80)
    seq = models.PositiveIntegerField()
    head_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["seal", "index"], name="seal_leaf_index")]
        indexes = [models.Index(fields=["stream", "seq"])]


class AuditRun(models.Model):
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    files_checked = models.PositiveIntegerField(default=0)
    streams_checked = models.PositiveIntegerField(default=0)
    seals_checked = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list)  # [{"item": "...", "problem": "..."}]

    class Meta:
        ordering = ["-pk"]
