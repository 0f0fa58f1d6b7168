"""``{% trust_card shop %}``: the shop's trust card (10.4, 10.5) on the shop and product pages.

A template tag, so that catalog's pages (a lower layer) show it without importing reputation."""

from __future__ import annotations

from django import template

from kameng.reputation import trust
from kameng.reputation.models import Review
from kameng.reputation.selectors import Figures

register = template.Library()


@register.inclusion_tag("reputation/_trust_card.html")
def trust_card(shop):
    evaluation = trust.read(shop)
    f = evaluation.figures
    excerpts = (
        Review.objects.filter(shop=shop, counted=True)
        .exclude(text="")
        .only("text", "stars_described", "stars_delivery", "stars_service", "created_at")
        .order_by("-created_at", "-pk")[:3]
    )
    return {
        "shop": shop,
        "f": f,
        "score": f.score_x100,
        "dims": {k: None if v is None else round(v * 100) for k, v in f.dimensions.items()},
        "aftersales_bps": Figures.bps(f.aftersales_rate),
        "dispute_bps": Figures.bps(f.dispute_rate),
        "invalid_bps": Figures.bps(f.invalid_key_rate),
        "response_minutes": None if f.median_response_s is None else max(f.median_response_s // 60, 0),
        "is_gold": evaluation.is_gold,
        "shows_certified": evaluation.shows_certified,
        "penalties": evaluation.penalties,
        "excerpts": list(excerpts),
    }
