"""Reviews (评价), follow-up reviews (追评), merchant replies and operator hiding (rule 10.2)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The tags a buyer may put on a review: what a card-shop buyer says most. Codes are stored; the
# labels are shown.
TAGS = {
    "key_valid": _("Card keys work"),
    "fast_delivery": _("Arrives fast"),
    "as_described": _("As described"),
    "helpful_service": _("Helpful after-sales"),
    "slow_delivery": _("Slow to arrive"),
    "evasive_service": _("After-sales passes the buck"),
    "invalid_keys": _("Often sends invalid keys"),
}


class Review(models.Model):
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="review")
    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="reviews")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="reviews")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    # Taobao's three DSR figures: 描述相符, 发货速度 (for digital goods: how fast it arrives), 售后服务.
    stars_described = models.PositiveSmallIntegerField()
    stars_delivery = models.PositiveSmallIntegerField()
    stars_service = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=500, blank=True)
    tags = models.JSONField(default=list, blank=True)
    rulebook_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    reply = models.TextField(max_length=500, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    hidden_clause = models.CharField(max_length=16, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stars_described__gte=1, stars_described__lte=5)
                & Q(stars_delivery__gte=1, stars_delivery__lte=5)
                & Q(stars_service__gte=1, stars_service__lte=5),
                name="review_stars_1_to_5",
            )
        ]
        indexes = [models.Index(fields=["shop", "-created_at"], name="review_shop_recent")]

    @property
    def stream(self) -> str:
        return f"order:{self.order_id}"

    @property
    def tag_labels(self) -> list:
        return [TAGS[t] for t in self.tags if t in TAGS]


class FollowUp(models.Model):
    """追评: after an after-sales case on the order ends, one more word from the buyer."""

    review = models.OneToOneField(Review, on_delete=models.PROTECT, related_name="follow_up")
    case = models.ForeignKey("aftersales.Case", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)


class Moderation(models.Model):
    """An operator hid a review under a clause: the record of it (the review keeps its text)."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="moderations")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    clause = models.CharField(max_length=16)
    reason = models.CharField(max_length=500)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
