from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ShopStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WARNED = "warned", _("Warned")
    FROZEN = "frozen", _("Frozen")
    BANNED = "banned", _("Banned")


class Shop(models.Model):
    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shop")
    name = models.CharField(_("name"), max_length=64, unique=True)
    slug = models.SlugField(max_length=64, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    status = models.CharField(max_length=16, choices=ShopStatus.choices, default=ShopStatus.ACTIVE)
    status_reason = models.CharField(max_length=500, blank=True)
    # 平台认证商家: set by an operator; the badge thresholds come with reputation.
    certified = models.BooleanField(default=False)
    certified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # What the reputation rules last concluded (rules 10.4–10.6), kept here so that search can
    # sort and filter by trust without reading every shop's figures. Written only by
    # ``services.set_trust``, from ``kameng.reputation``'s evaluation.
    trust_score = models.PositiveIntegerField(null=True, blank=True)  # hundredths of a star
    trust_reviews = models.PositiveIntegerField(default=0)  # reviews behind the score (none: the prior alone)
    is_gold = models.BooleanField(default=False)  # 金牌商家
    shows_certified = models.BooleanField(default=False)  # 平台认证商家: certified and deposit held
    demoted = models.BooleanField(default=False)  # a penalty demotes its listings in search
    payouts_frozen = models.BooleanField(default=False)  # a penalty froze its payouts
    trust_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status"]), models.Index(fields=["-trust_score"], name="shop_trust_score")]
        # Names are compared case-insensitively ("ABC" and "abc" are the same shop to a buyer).
        constraints = [models.UniqueConstraint(Lower("name"), name="shop_name_ci_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def can_sell(self) -> bool:
        return self.status in (ShopStatus.ACTIVE, ShopStatus.WARNED)

    @property
    def can_be_contacted(self) -> bool:
        return self.status != ShopStatus.BANNED


class ShopStatusChange(models.Model):
    """Append-only record of every status or certification change, with who and why."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    certified = models.BooleanField(null=True)
    reason = models.CharField(max_length=500)
    # None: the system, applying a rule of the rulebook.
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]


class Conversation(models.Model):
    """The shop's contact channel inside the platform: one thread per (shop, buyer)."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="conversations")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conversations")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "buyer"], name="one_conversation_per_buyer")]
        indexes = [models.Index(fields=["shop", "-last_message_at"])]


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "read_at"])]
