"""The trust card on shop and product pages, search by trust, the merchant's dashboard with its
charts, and penalties appealed and decided through the pages (10.4–10.6)."""

from __future__ import annotations

import pytest
from django.test import Client

from kameng.aftersales.tests.test_scenarios import revealed_order
from kameng.catalog import selectors as catalog
from kameng.reputation import services, trust
from kameng.reputation.models import Penalty, PenaltyState
from kameng.reputation.tests.conftest import run_on_commit_callbacks
from kameng.reputation.tests.test_trust import EASY_GOLD, upheld_invalid_key
from kameng.shops.models import Shop
from tests.factories import ProductFactory, ShopFactory
from tests.helpers import publish_rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def login():
    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


def test_the_trust_card_shows_the_figures_on_the_shop_and_product_pages(buyer, card_product):
    from kameng.orders import services as orders

    order = revealed_order(buyer, card_product)
    orders.confirm_receipt(buyer=buyer, order_id=order.pk)
    services.post_review(
        buyer=buyer, order_id=order.pk, stars_described=5, stars_delivery=5, stars_service=5, text="到账很快，卡密有效"
    )
    run_on_commit_callbacks()
    shop = card_product.shop
    for url in (f"/shops/{shop.slug}/", f"/products/{card_product.pk}/"):
        html = Client().get(url).content.decode()
        assert 'data-testid="trust-card"' in html
        # (20 × 4.50 + 5) / 21 on each of the three figures
        assert "★ 4.52" in html and "到账很快" in html and "售后率" in html, url
    trust.evaluate_shop(shop_id=shop.pk)
    assert '★ 4.52 <span class="muted">(1)</span>' in Client().get("/products/").content.decode()


def test_a_shop_without_reviews_shows_no_score(card_product):
    """Seen in the demo: a new shop with no reviews showed "★ 4.50", the smoothing prior, as if
    buyers had rated it. It sorts at the prior, but the pages say it has no reviews yet."""
    shop = card_product.shop
    trust.evaluate_shop(shop_id=shop.pk)
    shop.refresh_from_db()
    assert (shop.trust_score, shop.trust_reviews) == (450, 0)
    for url in (f"/shops/{shop.slug}/", f"/products/{card_product.pk}/", "/products/"):
        html = Client().get(url).content.decode()
        assert "★ 4.50" not in html and "暂无评价" in html, url
    assert Client().get("/api/v1/catalog/products").json()["items"][0]["shop"]["trust_reviews"] == 0


def test_search_sorts_and_filters_by_trust(db):
    low, high = ShopFactory(), ShopFactory()
    Shop.objects.filter(pk=low.pk).update(trust_score=430, shows_certified=True)
    Shop.objects.filter(pk=high.pk).update(trust_score=490, is_gold=True)
    p_low, p_high = ProductFactory(shop=low), ProductFactory(shop=high)
    assert [p.pk for p in catalog.browse_products(sort="score").object_list][:2] == [p_high.pk, p_low.pk]
    assert [p.pk for p in catalog.browse_products(gold_only=True).object_list] == [p_high.pk]
    assert [p.pk for p in catalog.browse_products(certified_only=True).object_list] == [p_low.pk]
    Shop.objects.filter(pk=high.pk).update(demoted=True)  # a penalty (10.6) puts it last
    assert [p.pk for p in catalog.browse_products(sort="score").object_list][:2] == [p_low.pk, p_high.pk]
    html = Client().get("/products/", {"gold": "1"}).content.decode()
    assert p_high.title_zh in html and p_low.title_zh not in html and "金牌商家" in html
    api = Client().get("/api/v1/catalog/products", {"sort": "score", "certified_only": "true"}).json()
    assert [i["id"] for i in api["items"]] == [p_low.pk]
    assert Client().get("/api/v1/catalog/products", {"sort": "cheapest"}).status_code == 422


def test_the_dashboard_shows_charts_criteria_and_takes_an_appeal(buyer, merchant, operator, card_product, login):
    publish_rules(**{**EASY_GOLD, "penalty_min_keys": 2, "warn_invalid_key_bps": 3000})
    o1 = revealed_order(buyer, card_product)
    revealed_order(buyer, card_product)
    upheld_invalid_key(buyer, merchant, o1)
    trust.evaluate_shop(shop_id=card_product.shop_id)
    c = login(merchant)
    html = c.get("/console/dashboard/", headers={"HX-Request": "true"}).content.decode()
    assert html.count('class="chart"') == 3 and "chart-volume-series" in html
    assert "<html" not in html  # the fragment the console loads
    # Visited directly (the console's no-JavaScript link), it is a page with the site around it,
    # and its appeal form posts here, not to whatever page embeds it.
    page = c.get("/console/dashboard/").content.decode()
    assert "<html" in page and page.count('class="chart"') == 3 and 'action="/console/dashboard/"' in page
    assert 'data-code="invalid_key_rate" data-holds="0"' in html and 'data-code="orders" data-holds="1"' in html
    assert 'data-testid="penalty-row"' in html and "50.00%" in html
    assert 'hx-get="/console/dashboard/"' in c.get("/console/").content.decode()
    penalty = Penalty.objects.get(shop=card_product.shop, rule="invalid_keys_warning")
    assert c.post("/console/dashboard/", {"penalty": penalty.pk, "text": ""}).status_code == 422
    assert c.post("/console/dashboard/", {"penalty": penalty.pk, "text": "买家恶意"}).status_code == 302
    assert Penalty.objects.get(pk=penalty.pk).state == PenaltyState.APPEALED
    assert login(buyer).get("/console/dashboard/").status_code == 403
    op = login(operator)
    assert "买家恶意" in op.get("/operator/penalties/").content.decode()
    r = op.post("/operator/penalties/", {"penalty": penalty.pk, "decision": "overturn", "note": "证据支持商家"})
    assert r.status_code == 302
    assert Penalty.objects.get(pk=penalty.pk).state == PenaltyState.OVERTURNED
    assert login(merchant).get("/operator/penalties/").status_code == 403


def test_trust_through_the_api(buyer, merchant, operator, other_shop, card_product, api_client):
    from tests.helpers import assert_error

    publish_rules(penalty_min_keys=2, warn_invalid_key_bps=3000)
    o1 = revealed_order(buyer, card_product)
    revealed_order(buyer, card_product)
    upheld_invalid_key(buyer, merchant, o1)
    trust.evaluate_shop(shop_id=card_product.shop_id)
    card = api_client().get(f"/api/v1/reviews/shops/{card_product.shop.slug}/trust").json()
    assert (card["orders"], card["keys_sold"], card["invalid_key_rate_bps"], card["score"]) == (2, 2, 5000, 450)
    assert "warning" in card["open_penalties"] and card["gold"] is False
    mine = api_client(merchant).get("/api/v1/reviews/mine/dashboard").json()
    assert {c["code"] for c in mine["gold_criteria"]} >= {"orders", "score", "invalid_key_rate"}
    assert len(mine["days"]) == 30 and sum(d["orders"] for d in mine["days"]) == 2
    assert_error(api_client(buyer).get("/api/v1/reviews/mine/dashboard"), 403, "auth.role_required")
    [warning] = [p for p in api_client(merchant).get("/api/v1/reviews/penalties").json() if p["kind"] == "warning"]
    assert warning["figures"]["value"] == 5000 and warning["clause"] == "10.6"
    assert_error(
        api_client(other_shop.owner).post(f"/api/v1/reviews/penalties/{warning['id']}/appeal", {"text": "x"}), 404
    )
    r = api_client(merchant).post(f"/api/v1/reviews/penalties/{warning['id']}/appeal", {"text": "供货商问题"})
    assert r.status_code == 200 and r.json()["state"] == "appealed"
    assert_error(api_client(merchant).post(f"/api/v1/reviews/penalties/{warning['id']}/appeal", {"text": "x"}), 409)
    assert_error(
        api_client(merchant).post(f"/api/v1/reviews/penalties/{warning['id']}/decide", {"uphold": True, "note": "x"}),
        403,
    )
    r = api_client(operator).post(f"/api/v1/reviews/penalties/{warning['id']}/decide", {"uphold": True, "note": "属实"})
    assert r.status_code == 200 and r.json()["state"] == "active"
    assert len(api_client(operator).get("/api/v1/reviews/penalties").json()) >= 1
