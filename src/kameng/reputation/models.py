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
    # Why the review does not count towards the shop's score (10.2): "buyer_responsible" (a ruling
    # on the order found the buyer responsible) or "claim_abuse" (the buyer was flagged when the
    # review was posted or later). Set by rule, never cleared; the review stays public with a mark.
    excluded = models.CharField(max_length=20, blank=True)
    # Whether its stars are in the shop's figures now: not hidden and not excluded (``metrics``).
    counted = models.BooleanField(default=False)

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


class MetricDay(models.Model):
    """One day of a shop's public figures (rule 10.4), per product and for the whole shop
    (``product_id`` 0). Counters only: each event adds to its day's row (``metrics.add``), so a
    window's figures are a sum of at most one row per day whatever the number of orders, and
    ``kameng metrics rebuild`` recomputes every row from the records.

    Days are the platform's calendar days (``settings.TIME_ZONE``). Case figures count on the day
    the case was opened; orders on the day they were paid; keys on the day they were handed over;
    reviews on the day they were posted."""

    # No index of its own: the unique constraint (shop, product, day) leads with it.
    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="+", db_index=False)
    product_id = models.BigIntegerField()  # 0: the whole shop
    day = models.DateField()
    orders = models.BigIntegerField(default=0)
    sales_fen = models.BigIntegerField(default=0)
    keys_sold = models.BigIntegerField(default=0)
    cases = models.BigIntegerField(default=0)
    invalid_keys = models.BigIntegerField(default=0)  # keys of upheld 卡密无效/已被使用 claims
    dispute_losses = models.BigIntegerField(default=0)  # cases whose latest ruling blamed the merchant
    sla_breaches = models.BigIntegerField(default=0)
    reviews = models.BigIntegerField(default=0)  # counted reviews only
    stars_described = models.BigIntegerField(default=0)
    stars_delivery = models.BigIntegerField(default=0)
    stars_service = models.BigIntegerField(default=0)

    COUNTERS = (
        "orders",
        "sales_fen",
        "keys_sold",
        "cases",
        "invalid_keys",
        "dispute_losses",
        "sla_breaches",
        "reviews",
        "stars_described",
        "stars_delivery",
        "stars_service",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "product_id", "day"], name="metric_day_unique")]


class PenaltyKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    DEMOTION = "demotion", _("Demoted in search")
    DELISTING = "delisting", _("Product delisted")
    PAYOUT_FREEZE = "payout_freeze", _("Payouts frozen")
    SHOP_FREEZE = "shop_freeze", _("Shop frozen")


class PenaltyState(models.TextChoices):
    ACTIVE = "active", _("In force")
    APPEALED = "appealed", _("Appealed, in force until decided")
    LIFTED = "lifted", _("Lifted: the figures recovered")
    OVERTURNED = "overturned", _("Overturned on appeal")


OPEN_PENALTY_STATES = (PenaltyState.ACTIVE, PenaltyState.APPEALED)


class Penalty(models.Model):
    """An automatic penalty (rules 4.5 and 10.6): which rule, the figures that triggered it, and
    how it ended. States move only through ``reputation.transitions.PENALTY_TRANSITIONS``."""

    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="penalties")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rule = models.CharField(max_length=32)  # a code of ``penalties.RULES``
    kind = models.CharField(max_length=16, choices=PenaltyKind.choices)
    clause = models.CharField(max_length=16)
    figures = models.JSONField(default=dict)  # what triggered it: value, threshold, and the counts behind
    state = models.CharField(max_length=16, choices=PenaltyState.choices, default=PenaltyState.ACTIVE)
    rulebook_id = models.BigIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_figures = models.JSONField(default=dict, blank=True)  # the figures when it lifted
    appeal_text = models.TextField(max_length=2000, blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            # One open penalty per rule and target: a rule that keeps breaching does not pile up.
            models.UniqueConstraint(
                fields=["shop", "rule"],
                condition=Q(state__in=OPEN_PENALTY_STATES, product__isnull=True),
                name="penalty_one_open_per_shop_rule",
            ),
            models.UniqueConstraint(
                fields=["shop", "product", "rule"],
                condition=Q(state__in=OPEN_PENALTY_STATES, product__isnull=False),
                name="penalty_one_open_per_product_rule",
            ),
        ]
        indexes = [models.Index(fields=["shop", "state"])]

    @property
    def stream(self) -> str:
        return f"penalty:{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_PENALTY_STATES


class BadgeChange(models.Model):
    """金牌商家 earned or lost (10.5), with the figures at that moment: the merchant's history."""

    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="badge_changes")
    badge = models.CharField(max_length=16)  # "gold" or "certified"
    earned = models.BooleanField()
    figures = models.JSONField(default=dict)  # each criterion: value, threshold, holds
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
