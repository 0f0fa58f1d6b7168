"""Card-key inventory (卡密库存).

A card key is stored only as AES-GCM ciphertext plus a keyed fingerprint of its normalised code.
The fingerprint is globally unique: a code can never be held twice on the platform, in any shop,
in any status, ever; rows are never deleted (revoked keys keep their fingerprint forever).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CardKeyStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    RESERVED = "reserved", _("Reserved")
    SOLD = "sold", _("Sold")
    REVOKED = "revoked", _("Revoked")
    REPORTED_INVALID = "reported_invalid", _("Reported invalid")


class ImportSource(models.TextChoices):
    TEXT = "text", _("Pasted text")
    FILE = "file", _("Uploaded file")


class ImportBatch(models.Model):
    """One import: who loaded what into which product, and the full report.

    The source itself is never stored: it holds plaintext codes. The report holds line numbers and
    reasons only."""

    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="import_batches")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="import_batches")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=8, choices=ImportSource.choices)
    filename = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveIntegerField(default=0)
    total_lines = models.PositiveIntegerField(default=0)
    accepted_count = models.PositiveIntegerField(default=0)
    duplicate_in_file_count = models.PositiveIntegerField(default=0)
    duplicate_on_platform_count = models.PositiveIntegerField(default=0)
    malformed_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["shop", "-created_at"], name="batch_shop_recent"),
            models.Index(fields=["product", "-created_at"], name="batch_product_recent"),
        ]

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.accepted_count} accepted)"


class CardKey(models.Model):
    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="card_keys")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="card_keys")
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="card_keys")
    # HMAC-SHA256 (hex) of the normalised code, under the keyring's fingerprint key.
    fingerprint = models.CharField(max_length=64)
    # 12-byte nonce followed by the AES-GCM ciphertext+tag; associated data is the fingerprint.
    ciphertext = models.BinaryField()
    key_id = models.CharField(max_length=32)
    status = models.CharField(max_length=20, choices=CardKeyStatus.choices, default=CardKeyStatus.AVAILABLE)
    sold_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="card_keys_bought"
    )
    created_at = models.DateTimeField(default=timezone.now)
    reserved_at = models.DateTimeField(null=True, blank=True)
    sold_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    first_revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Global on purpose: no shop, status or age makes a second copy of a code acceptable.
            models.UniqueConstraint(fields=["fingerprint"], name="cardkey_fingerprint_unique"),
            models.CheckConstraint(
                condition=~Q(status__in=["sold", "reported_invalid"]) | Q(sold_to__isnull=False),
                name="cardkey_sold_has_buyer",
            ),
        ]
        indexes = [
            # Allocation: "the next available keys of this product", oldest first.
            models.Index(
                fields=["product", "id"], name="cardkey_available_by_product", condition=Q(status="available")
            ),
            models.Index(fields=["shop", "status", "-created_at"], name="cardkey_shop_status"),
            models.Index(fields=["product", "status"], name="cardkey_product_status"),
            models.Index(fields=["key_id"], name="cardkey_key_id"),
            models.Index(fields=["sold_to", "-sold_at"], name="cardkey_buyer"),
        ]

    def __str__(self) -> str:
        return f"card key {self.pk} [{self.status}] {self.fingerprint_prefix}"

    @property
    def fingerprint_prefix(self) -> str:
        return self.fingerprint[:12]
