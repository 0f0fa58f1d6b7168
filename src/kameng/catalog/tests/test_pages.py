import pytest
from django.test import Client

from kameng.catalog.models import Product
from tests.factories import ProductFactory


@pytest.fixture
def login():
    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


def test_home_is_chinese_by_default_and_english_after_switch(product):
    c = Client()
    r = c.get("/")
    assert r.status_code == 200 and product.title_zh in r.content.decode()
    assert "缺货" in r.content.decode() or "库存" in r.content.decode()
    r = c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert r.status_code == 302
    r = c.get("/")
    html = r.content.decode()
    assert "Out of stock" in html and product.title_en in html


def test_browse_search_and_chips(product, other_shop):
    ProductFactory(shop=other_shop, title_zh="移动话费", title_en="Mobile", category="phone_topup")
    c = Client()
    html = c.get("/products/", {"q": "Q币"}).content.decode()
    assert product.title_zh in html and "移动话费" not in html
    html = c.get("/products/", {"category": "phone_topup"}).content.decode()
    assert "移动话费" in html and product.title_zh not in html
    assert c.get("/products/", {"category": "junk", "page": "x"}).status_code == 200


def test_product_page(product, shop):
    shop.certified = shop.shows_certified = True  # approved, and the deposit holds (10.5)
    shop.save()
    html = Client().get(f"/products/{product.pk}/").content.decode()
    assert product.title_zh in html and "¥9.80" in html and "平台认证商家" in html and "联系店铺" in html


def test_topup_product_page_lists_required_fields(shop, topup_fields):
    p = ProductFactory(shop=shop, delivery_kind="direct_topup", required_fields=topup_fields, region_notes="仅限电信区")
    html = Client().get(f"/products/{p.pk}/").content.decode()
    assert "QQ号" in html and "5–12 位数字" in html and "仅限电信区" in html


def test_unpublished_product_page_only_for_owner(shop, merchant, buyer, login):
    p = ProductFactory(shop=shop, published=False)
    assert Client().get(f"/products/{p.pk}/").status_code == 404
    assert login(buyer).get(f"/products/{p.pk}/").status_code == 404
    assert login(merchant).get(f"/products/{p.pk}/").status_code == 200
    assert Client().get(f"/products/{10**25}/").status_code == 404


def test_shop_page_with_status_notice(product, shop):
    c = Client()
    assert product.title_zh in c.get(f"/shops/{shop.slug}/").content.decode()
    shop.status = "frozen"
    shop.save()
    html = c.get(f"/shops/{shop.slug}/").content.decode()
    assert "冻结" in html and product.title_zh not in html
    assert c.get("/shops/nope/").status_code == 404


def test_console_products_permissions(merchant, buyer, operator, login):
    assert Client().get("/console/products/").status_code == 302
    assert login(buyer).get("/console/products/").status_code == 403
    assert login(operator).get("/console/products/").status_code == 403
    assert login(merchant).get("/console/products/").status_code == 200
    assert login(merchant).get("/console/products/new/").status_code == 200


def test_console_create_product_and_errors_next_to_fields(merchant, login):
    c = login(merchant)
    data = {
        "title_zh": "王者荣耀点券",
        "title_en": "",
        "category": "game_card",
        "delivery_kind": "card_key",
        "face_value_fen": "10",
        "price_fen": "9.50",
        "min_per_order": "1",
        "max_per_order": "10",
        "manual_delivery_hours": "24",
        "required_fields": "[]",
    }
    r = c.post("/console/products/new/", data)
    assert r.status_code == 302
    p = Product.objects.get()
    assert not p.published
    r = c.post(f"/console/products/{p.pk}/edit/", {**data, "min_per_order": "20"})
    assert r.status_code == 422 and "1 ≤" in r.content.decode()
    r = c.post(f"/console/products/{p.pk}/edit/", {**data, "required_fields": "[{bad json"})
    assert r.status_code == 422 and "JSON" in r.content.decode()
    r = c.post(
        f"/console/products/{p.pk}/edit/",
        {
            **data,
            "delivery_kind": "direct_topup",
            "required_fields": '[{"key": "a", "label_zh": "x", "pattern": "(["}]',
        },
    )
    assert r.status_code == 422 and "required_fields.0.pattern" in r.content.decode()
    p.refresh_from_db()
    assert p.min_per_order == 1 and p.delivery_kind == "card_key"
    assert c.post(f"/console/products/{p.pk}/publish/").status_code == 302
    p.refresh_from_db()
    assert p.published
    assert c.post(f"/console/products/{p.pk}/unpublish/").status_code == 302
    p.refresh_from_db()
    assert not p.published


def test_console_other_merchants_product(product, other_shop, login):
    c = login(other_shop.owner)
    assert c.get(f"/console/products/{product.pk}/edit/").status_code == 404
    assert c.post(f"/console/products/{product.pk}/unpublish/").status_code == 404
    product.refresh_from_db()
    assert product.published


def test_frozen_shop_publish_shows_error(merchant, shop, login):
    p = ProductFactory(shop=shop, published=False)
    shop.status = "frozen"
    shop.save()
    r = login(merchant).post(f"/console/products/{p.pk}/publish/", follow=True)
    assert "冻结" in r.content.decode() or "封禁" in r.content.decode()
    p.refresh_from_db()
    assert not p.published
