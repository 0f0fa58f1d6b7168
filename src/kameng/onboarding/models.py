"""Shop applications (入驻申请): a buyer asks to open a shop; an operator decides (rule 10.1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kameng.catalog.models import Category


class ShopApplication(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for review")
        MORE_INFO = "more_info", _("More information asked for")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shop_applications")
    shop_name = models.CharField(max_length=64)
    slug = models.SlugField(max_length=48, blank=True, help_text="the address asked for; empty: from the name")
    description = models.TextField(max_length=4000)
    category = models.CharField(max_length=16, choices=Category.choices)
    contact = models.CharField(max_length=120)
    state = models.CharField(max_length=16, choices=State.choices, default=State.SUBMITTED)
    deposit_fen = models.BigIntegerField()
    rulebook_id = models.BigIntegerField(help_text="the rulebook version the application was made under")
    # The operator's last word: why it was rejected, or what more is needed.
    decision_reason = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shop = models.OneToOneField("shops.Shop", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            # One application under review per applicant at a time.
            models.UniqueConstraint(
                fields=["applicant"],
                condition=Q(state__in=["submitted", "more_info"]),
                name="application_one_open_per_applicant",
            )
        ]
        indexes = [models.Index(fields=["state", "updated_at"], name="application_queue")]

    @property
    def stream(self) -> str:
        return f"application:{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.SUBMITTED, self.State.MORE_INFO)


class ApplicationDocument(models.Model):
    class Kind(models.TextChoices):
        IDENTITY = "identity", _("Identity document")
        BUSINESS = "business", _("Business licence")
        OTHER = "other", _("Other document")

    application = models.ForeignKey(ShopApplication, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file = models.FileField(upload_to="applications/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
