import time

import pytest

from kameng.catalog import services
from kameng.catalog.models import Product
from kameng.core.errors import DomainError
from kameng.shops.models import Shop
from tests.factories import MerchantFactory, ProductFactory


def err(fn, code, **kw):
    with pytest.raises(DomainError) as exc:
        fn(**kw)
    assert exc.value.code == code, (exc.value.code, exc.value.fields)
    return exc.value


def test_create_product_is_unpublished(merchant, shop, product_data):
    p = services.create_product(merchant=merchant, **product_data)
    assert p.shop == shop and not p.published and p.required_fields[0]["key"] == "qq"


def test_create_needs_a_shop_and_merchant(db, buyer, product_data):
    err(services.create_product, "shop.no_shop", merchant=MerchantFactory(), **product_data)
    err(services.create_product, "auth.role_required", merchant=buyer, **product_data)
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"price_fen": 0}, "catalog.invalid_price"),
        ({"face_value_fen": -5}, "catalog.invalid_price"),
        ({"price_fen": 9.5}, "catalog.invalid_price"),
        ({"price_fen": "100"}, "catalog.invalid_price"),
        ({"price_fen": True}, "catalog.invalid_price"),
        ({"price_fen": 10**12}, "catalog.invalid_price"),
        ({"min_per_order": 0}, "catalog.invalid_quantity_limits"),
        ({"min_per_order": 6, "max_per_order": 5}, "catalog.invalid_quantity_limits"),
        ({"max_per_order": 1001}, "catalog.invalid_quantity_limits"),
        ({"category": "weapons"}, "invalid_input"),
        ({"delivery_kind": "pigeon"}, "invalid_input"),
        ({"title_zh": "  "}, "invalid_input"),
        ({"title_zh": "x" * 121}, "invalid_input"),
        ({"description": "x" * 8001}, "invalid_input"),
        ({"manual_delivery_hours": 0}, "invalid_input"),
    ],
)
def test_create_product_rules(merchant, product_data, changes, code):
    err(services.create_product, code, merchant=merchant, **{**product_data, **changes})
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        "not a list",
        [{"key": "a", "label_zh": "甲"}] * 9,
        [{"key": "Bad Key", "label_zh": "x"}],
        [{"key": "a", "label_zh": "x"}, {"key": "a", "label_zh": "y"}],
        [{"key": "a", "label_zh": ""}],
        [{"key": "a", "label_zh": "x", "pattern": "([a-z"}],
        [{"key": "a", "label_zh": "x", "pattern": "a" * 201}],
        [{"key": "a", "label_zh": "x", "pattern": "(?=a)a"}],  # look-around: not in RE2
        [{"key": "a", "label_zh": "x", "pattern": r"(a)\1"}],  # back-reference: not in RE2
        [{"key": "a", "label_zh": "x", "pattern": "[0-9]{1000}{1000}"}],  # too big a program
        [{"key": "a", "label_zh": "x", "color": "red"}],
        [{"key": "a", "label_zh": 5}],
        ["a"],
    ],
)
def test_required_field_definitions_are_validated(merchant, product_data, fields):
    err(
        services.create_product,
        "catalog.invalid_field_definitions",
        merchant=merchant,
        **{**product_data, "required_fields": fields},
    )


@pytest.mark.parametrize("pattern", ["", "[1-9][0-9]{4,11}", r"1[3-9]\d{9}", "(ab){1,3}", "(a|b)+", r"[\w.-]{3,20}"])
def test_ordinary_patterns_are_accepted(merchant, product_data, pattern):
    fields = [{"key": "acct", "label_zh": "账号", "pattern": pattern}]
    p = services.create_product(merchant=merchant, **{**product_data, "required_fields": fields})
    assert p.required_fields[0]["pattern"] == pattern and p.required_fields[0]["help_en"] == ""


@pytest.mark.parametrize("pattern", ["(a|aa)*c", "(a+)+c", "(?:a{1,5})*c", "(a|a?)+c"])
def test_patterns_that_backtrack_exponentially_cost_a_worker_nothing(merchant, product_data, pattern):
    """M2: `(a|aa)*c` took 7 s on 38 characters with Python's re; RE2 answers in linear time."""
    fields = [{"key": "acct", "label_zh": "账号", "pattern": pattern}]
    product = services.create_product(
        merchant=merchant, **{**product_data, "delivery_kind": "direct_topup", "required_fields": fields}
    )
    started = time.perf_counter()
    err(services.validate_buyer_fields, "catalog.invalid_required_field", product=product, values={"acct": "a" * 40})
    assert time.perf_counter() - started < 0.5
    assert services.validate_buyer_fields(product=product, values={"acct": "aac"}) == {"acct": "aac"}


def test_a_stored_pattern_re2_cannot_take_matches_nothing(merchant, product_data):
    fields = [{"key": "acct", "label_zh": "账号", "pattern": "[0-9]+"}]
    product = services.create_product(
        merchant=merchant, **{**product_data, "delivery_kind": "direct_topup", "required_fields": fields}
    )
    Product.objects.filter(pk=product.pk).update(required_fields=[{**product.required_fields[0], "pattern": "(?=1)1"}])
    product.refresh_from_db()
    err(services.validate_buyer_fields, "catalog.invalid_required_field", product=product, values={"acct": "1"})


def test_card_key_products_ask_nothing(merchant, product_data, topup_fields):
    err(
        services.create_product,
        "catalog.invalid_field_definitions",
        merchant=merchant,
        **{**product_data, "delivery_kind": "card_key", "required_fields": topup_fields},
    )


def test_update_product_owner_only(merchant, product, other_shop):
    p = services.update_product(merchant=merchant, product_id=product.pk, price_fen=1234, title_en="New")
    assert (p.price_fen, p.title_en) == (1234, "New")
    err(services.update_product, "not_found", merchant=other_shop.owner, product_id=product.pk, price_fen=1)
    err(services.update_product, "invalid_input", merchant=merchant, product_id=product.pk, stock_available=99)
    product.refresh_from_db()
    assert product.price_fen == 1234 and product.stock_available == 0


def test_update_checks_whole_product(merchant, product):
    err(
        services.update_product,
        "catalog.invalid_quantity_limits",
        merchant=merchant,
        product_id=product.pk,
        min_per_order=50,
    )
    product.refresh_from_db()
    assert product.min_per_order == 1


def test_delivery_kind_locked_while_stocked(merchant, product, topup_fields):
    services.adjust_stock(product_id=product.pk, delta=3)
    err(
        services.update_product,
        "catalog.delivery_kind_locked",
        merchant=merchant,
        product_id=product.pk,
        delivery_kind="direct_topup",
        required_fields=topup_fields,
    )


def test_publish_and_unpublish(merchant, product_data):
    p = services.create_product(merchant=merchant, **product_data)
    assert services.publish_product(merchant=merchant, product_id=p.pk).published
    assert not services.unpublish_product(merchant=merchant, product_id=p.pk).published


def test_card_key_product_publishes_with_zero_stock(merchant, shop):
    p = ProductFactory(shop=shop, published=False)
    p = services.publish_product(merchant=merchant, product_id=p.pk)
    assert p.published and p.out_of_stock and not p.on_sale


def test_direct_topup_needs_a_field_to_publish(merchant, product_data):
    p = services.create_product(merchant=merchant, **{**product_data, "required_fields": []})
    err(services.publish_product, "catalog.invalid_field_definitions", merchant=merchant, product_id=p.pk)


@pytest.mark.parametrize("status", ["frozen", "banned"])
def test_frozen_or_banned_shop_cannot_publish_but_can_unpublish(merchant, shop, status):
    p = ProductFactory(shop=shop, published=False)
    q = ProductFactory(shop=shop, published=True)
    Shop.objects.filter(pk=shop.pk).update(status=status)
    err(services.publish_product, "shop.not_active", merchant=merchant, product_id=p.pk)
    p.refresh_from_db()
    assert not p.published
    assert not services.unpublish_product(merchant=merchant, product_id=q.pk).published


def test_warned_shop_can_publish(merchant, shop):
    Shop.objects.filter(pk=shop.pk).update(status="warned")
    p = ProductFactory(shop=shop, published=False)
    assert services.publish_product(merchant=merchant, product_id=p.pk).published


def test_publish_other_merchants_product_is_not_found(product, other_shop):
    product.published = False
    product.save()
    err(services.publish_product, "not_found", merchant=other_shop.owner, product_id=product.pk)


def test_adjust_stock(product):
    services.adjust_stock(product_id=product.pk, delta=5)
    services.adjust_stock(product_id=product.pk, delta=-2)
    product.refresh_from_db()
    assert product.stock_available == 3


# --- validate_buyer_fields --------------------------------------------------------------------------------


@pytest.fixture
def topup(shop, topup_fields):
    return ProductFactory(shop=shop, delivery_kind="direct_topup", required_fields=topup_fields)


def test_buyer_fields_valid_and_stripped(topup):
    assert services.validate_buyer_fields(product=topup, values={"qq": " 123456 ", "server": " 电信一区 "}) == {
        "qq": "123456",
        "server": "电信一区",
    }


def test_buyer_fields_errors_per_field(topup):
    e = err(
        services.validate_buyer_fields,
        "catalog.invalid_required_field",
        product=topup,
        values={"qq": "0123", "extra": "x"},
    )
    assert set(e.fields) == {"qq", "server", "extra"}


@pytest.mark.parametrize(
    "values",
    [
        {"qq": "12345x", "server": "a"},
        {"qq": "x12345", "server": "a"},
        {"qq": "123456", "server": "a" * 129},
        {"qq": 123456, "server": "a"},
        {"qq": "", "server": "a"},
        {"server": "a"},
    ],
)
def test_buyer_fields_full_match_length_and_type(topup, values):
    e = err(services.validate_buyer_fields, "catalog.invalid_required_field", product=topup, values=values)
    assert len(e.fields) == 1


def test_buyer_fields_must_be_a_dict(topup):
    err(services.validate_buyer_fields, "catalog.invalid_required_field", product=topup, values=["qq"])


def test_buyer_field_help_in_message(topup):
    e = err(
        services.validate_buyer_fields,
        "catalog.invalid_required_field",
        product=topup,
        values={"qq": "1", "server": "a"},
    )
    assert "5–12 位数字" in e.fields["qq"]
