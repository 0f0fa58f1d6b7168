import pytest

from kameng.catalog.models import Product
from tests.factories import MerchantFactory, ProductFactory
from tests.helpers import ApiClient, assert_error

BASE = "/api/v1/catalog"


def test_public_browse_and_detail(product):
    r = ApiClient().get(f"{BASE}/products", {"q": "q-coin"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 1 and body["items"][0]["price_fen"] == 980
    assert body["items"][0]["shop"]["slug"] == product.shop.slug
    assert ApiClient().get(f"{BASE}/products/{product.pk}").json()["id"] == product.pk


def test_browse_by_shop_and_filters(product, other_shop):
    ProductFactory(shop=other_shop, category="membership")
    c = ApiClient()
    assert c.get(f"{BASE}/products", {"shop": product.shop.slug}).json()["total"] == 1
    assert c.get(f"{BASE}/products", {"category": "membership"}).json()["total"] == 1
    assert_error(c.get(f"{BASE}/products", {"shop": "nope"}), 404)


@pytest.mark.parametrize(
    "params", [{"category": "x"}, {"delivery_kind": "x"}, {"page": 0}, {"page": "a"}, {"q": "x" * 101}]
)
def test_browse_bad_input(db, params):
    assert_error(ApiClient().get(f"{BASE}/products", params), 422, "invalid_input")


def test_unpublished_detail_only_for_owner(merchant, shop, other_shop, buyer):
    p = ProductFactory(shop=shop, published=False)
    assert_error(ApiClient().get(f"{BASE}/products/{p.pk}"), 404, "not_found")
    assert_error(ApiClient(buyer).get(f"{BASE}/products/{p.pk}"), 404, "not_found")
    assert_error(ApiClient(other_shop.owner).get(f"{BASE}/products/{p.pk}"), 404, "not_found")
    assert ApiClient(merchant).get(f"{BASE}/products/{p.pk}").status_code == 200
    assert_error(ApiClient().get(f"{BASE}/products/{10**30}"), 422)


def test_merchant_product_lifecycle(merchant, shop, product_data):
    c = ApiClient(merchant)
    r = c.post(f"{BASE}/mine/products", product_data)
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert r.json()["published"] is False
    r = c.patch(f"{BASE}/mine/products/{pid}", {"price_fen": 1200, "region_notes": "全区全服"})
    assert r.status_code == 200 and r.json()["price_fen"] == 1200
    assert c.post(f"{BASE}/mine/products/{pid}/publish").json()["on_sale"] is True
    assert [p["id"] for p in c.get(f"{BASE}/mine/products").json()] == [pid]
    assert c.get(f"{BASE}/mine/products/{pid}").status_code == 200
    assert c.post(f"{BASE}/mine/products/{pid}/unpublish").json()["published"] is False


@pytest.mark.parametrize(
    "changes",
    [
        {"price_fen": "abc"},
        {"price_fen": 0},
        {"price_fen": 9.9},
        {"price_fen": "980"},
        {"face_value_fen": None},
        {"category": "weapons"},
        {"title_zh": ""},
        {"title_zh": "x" * 121},
        {"description": "x" * 8001},
        {"min_per_order": 5, "max_per_order": 2},
        {"max_per_order": 5000},
        {"stock_available": 100},
        {"required_fields": [{"key": "Bad Key", "label_zh": "x"}]},
        {"required_fields": [{"key": "a", "label_zh": "x", "pattern": "(["}]},
        {"required_fields": [{"key": f"k{i}", "label_zh": "x"} for i in range(9)]},
    ],
)
def test_create_product_bad_input_writes_nothing(merchant, product_data, changes):
    r = ApiClient(merchant).post(f"{BASE}/mine/products", {**product_data, **changes})
    assert_error(r, 422)
    assert not Product.objects.exists()


def test_create_missing_fields(merchant):
    assert_error(ApiClient(merchant).post(f"{BASE}/mine/products", {"title_zh": "x"}), 422, "invalid_input")
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    "patch",
    [
        {"price_fen": "x"},
        {"min_per_order": 50},
        {"title_zh": None},
        {"bogus": 1},
        {"delivery_kind": "direct_topup", "required_fields": [{"key": "a", "label_zh": "x", "pattern": "(["}]},
    ],
)
def test_update_bad_input_writes_nothing(merchant, product, patch):
    before = Product.objects.values().get(pk=product.pk)
    assert_error(ApiClient(merchant).patch(f"{BASE}/mine/products/{product.pk}", patch), 422)
    assert Product.objects.values().get(pk=product.pk) == before


def test_other_merchants_products_are_not_found(product, other_shop):
    c = ApiClient(other_shop.owner)
    before = Product.objects.values().get(pk=product.pk)
    assert_error(c.get(f"{BASE}/mine/products/{product.pk}"), 404, "not_found")
    assert_error(c.patch(f"{BASE}/mine/products/{product.pk}", {"price_fen": 1}), 404, "not_found")
    assert_error(c.post(f"{BASE}/mine/products/{product.pk}/publish"), 404, "not_found")
    assert_error(c.post(f"{BASE}/mine/products/{product.pk}/unpublish"), 404, "not_found")
    assert Product.objects.values().get(pk=product.pk) == before


def test_merchant_endpoints_need_merchant(buyer, operator, product_data, db):
    assert_error(ApiClient().get(f"{BASE}/mine/products"), 401, "not_authenticated")
    for user in (buyer, operator):
        assert_error(ApiClient(user).post(f"{BASE}/mine/products", product_data), 403, "auth.role_required")
    assert_error(ApiClient(MerchantFactory()).post(f"{BASE}/mine/products", product_data), 409, "shop.no_shop")
    assert not Product.objects.exists()


def test_frozen_shop_cannot_publish(merchant, shop):
    p = ProductFactory(shop=shop, published=False)
    shop.status = "frozen"
    shop.save()
    assert_error(ApiClient(merchant).post(f"{BASE}/mine/products/{p.pk}/publish"), 409, "shop.not_active")
    p.refresh_from_db()
    assert not p.published


def test_oversized_body(merchant, product_data):
    r = ApiClient(merchant).post(f"{BASE}/mine/products", {**product_data, "description": "长" * 100_000})
    assert_error(r, 422)
    assert not Product.objects.exists()
