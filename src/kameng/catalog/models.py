from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    GAME_CARD = "game_card", _("Game card")
    PHONE_TOPUP = "phone_topup", _("Phone top-up")
    MEMBERSHIP = "membership", _("Membership")
    VIRTUAL_ITEM = "virtual_item", _("Virtual item")


class DeliveryKind(models.TextChoices):
    CARD_KEY = "card_key", _("Card key")  # 卡密, from inventory
    DIRECT_TOPUP = "direct_topup", _("Direct top-up")  # 直充, through an upstream supplier
    MANUAL = "manual", _("Manual delivery")  # 人工发货


class Product(models.Model):
    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="products")
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=8000)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    delivery_kind = models.CharField(_("delivery kind"), max_length=16, choices=DeliveryKind.choices)
    face_value_fen = models.PositiveBigIntegerField(_("face value (fen)"))
    price_fen = models.PositiveBigIntegerField(_("price (fen)"))
    usage_rules = models.TextField(_("usage rules"), blank=True, max_length=4000)
    refund_policy = models.TextField(_("refund policy"), blank=True, max_length=4000)
    region_notes = models.TextField(_("region / server notes"), blank=True, max_length=2000)
    # [{"key": "game_account", "label_zh": "游戏账号", "label_en": "Game account",
    #   "pattern": "^[0-9]{5,12}$", "help_zh": "...", "help_en": "...",
    #   "kind": "text|number|choice|account", "preset": "qq", "choices": [...], "required": true}];
    # the last four are optional (older rows lack them), see catalog.buyer_fields; validated by services.
    required_fields = models.JSONField(default=list, blank=True)
    min_per_order = models.PositiveIntegerField(default=1)
    max_per_order = models.PositiveIntegerField(default=10)
    manual_delivery_hours = models.PositiveIntegerField(
        default=24, help_text="for manual delivery: the promised time from payment"
    )
    published = models.BooleanField(default=False)
    # Delisted by an automatic penalty (10.6: it often sends invalid keys): off sale, and the
    # merchant cannot put it back until the rule lifts it. Set only by ``services.delist_by_rule``.
    delisted_clause = models.CharField(max_length=16, blank=True)
    delisted_at = models.DateTimeField(null=True, blank=True)
    relist_on_lift = models.BooleanField(default=False)  # it was on sale when delisted
    # Available card keys; changed only by inventory through catalog.services.adjust_stock, in the
    # same transaction as the key rows, so it is exact (see docs/concurrency.md).
    stock_available = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["published", "category"]),
            models.Index(fields=["shop", "published"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_fen__gte=1) & Q(face_value_fen__gte=1), name="product_money_positive"
            ),
            models.CheckConstraint(
                condition=Q(min_per_order__gte=1) & Q(max_per_order__gte=models.F("min_per_order")),
                name="product_quantity_limits",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def out_of_stock(self) -> bool:
        """Only card-key products run out; top-ups and manual delivery have no counted stock."""
        return self.delivery_kind == DeliveryKind.CARD_KEY and self.stock_available < 1

    @property
    def on_sale(self) -> bool:
        return self.published and self.shop.can_sell and not self.out_of_stock

    @property
    def localized_fields(self) -> list[dict]:
        """The required buyer fields with label and help in the current language."""
        english = (get_language() or "zh-hans").lower().startswith("en")
        return [
            {
                "key": f["key"],
                "label": (f.get("label_en") if english else "") or f.get("label_zh") or f["key"],
                "help": (f.get("help_en") if english else "") or f.get("help_zh", ""),
                "pattern": f.get("pattern", ""),
                "kind": f.get("kind") or "text",
                "choices": f.get("choices") or [],
                "required": f.get("required", True),
            }
            for f in self.required_fields or []
        ]

    @property
    def title(self) -> str:
        lang = (get_language() or "zh-hans").lower()
        if lang.startswith("en") and self.title_en:
            return self.title_en
        return self.title_zh
