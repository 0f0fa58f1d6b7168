import pytest

from kameng.catalog import selectors
from kameng.core.errors import DomainError
from tests.factories import ProductFactory, ShopFactory


@pytest.fixture
def catalog(shop, other_shop):
    return {
        "qb": ProductFactory(shop=shop, title_zh="腾讯Q币100元", title_en="Tencent Q-Coin 100", stock_available=5),
        "steam": ProductFactory(shop=shop, title_zh="Steam钱包充值卡", title_en="Steam Wallet Card", stock_available=0),
        "phone": ProductFactory(
            shop=other_shop,
            title_zh="移动话费直充50元",
            title_en="China Mobile top-up 50",
            category="phone_topup",
            delivery_kind="direct_topup",
        ),
        "draft": ProductFactory(shop=shop, title_zh="草稿Q币", title_en="Draft Q", published=False),
    }


def ids(page):
    return {p.pk for p in page.object_list}


def test_browse_shows_only_published_of_selling_shops(catalog, other_shop):
    assert ids(selectors.browse_products()) == {catalog["qb"].pk, catalog["steam"].pk, catalog["phone"].pk}
    other_shop.status = "frozen"
    other_shop.save()
    assert catalog["phone"].pk not in ids(selectors.browse_products())
    other_shop.status = "warned"
    other_shop.save()
    assert catalog["phone"].pk in ids(selectors.browse_products())


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Q币", {"qb"}),
        ("q-coin", {"qb"}),
        ("TENCENT", {"qb"}),
        ("steam", {"steam"}),
        ("STEAM 钱包", {"steam"}),
        ("话费", {"phone"}),
        ("mobile", {"phone"}),
        ("nothing-like-this", set()),
    ],
)
def test_search_chinese_and_english_case_insensitive(catalog, q, expected):
    assert ids(selectors.browse_products(q=q)) == {catalog[k].pk for k in expected}


def test_search_matches_shop_name(catalog, shop):
    assert ids(selectors.browse_products(q=shop.name)) == {catalog["qb"].pk, catalog["steam"].pk}


def test_filters(catalog, other_shop):
    assert ids(selectors.browse_products(category="phone_topup")) == {catalog["phone"].pk}
    assert ids(selectors.browse_products(delivery_kind="direct_topup")) == {catalog["phone"].pk}
    assert ids(selectors.browse_products(shop=other_shop)) == {catalog["phone"].pk}
    with pytest.raises(DomainError):
        selectors.browse_products(category="nope")


def test_in_stock_first_then_certified(catalog, shop):
    order = [p.pk for p in selectors.browse_products().object_list]
    assert order[-1] == catalog["steam"].pk  # sold out last
    shop.shows_certified = True
    shop.save()
    assert next(p.pk for p in selectors.browse_products().object_list) == catalog["qb"].pk


def test_pagination(shop):
    for _ in range(30):
        ProductFactory(shop=shop)
    page1 = selectors.browse_products(page=1)
    assert len(page1.object_list) == 24 and page1.paginator.num_pages == 2
    assert len(selectors.browse_products(page=2).object_list) == 6
    assert selectors.browse_products(page="junk").number == 1
    assert selectors.browse_products(page=99).number == 2


def test_product_detail_visibility(catalog, merchant, buyer, other_shop):
    assert selectors.product_detail(product_id=catalog["qb"].pk, user=None) == catalog["qb"]
    assert selectors.product_detail(product_id=catalog["draft"].pk, user=merchant) == catalog["draft"]
    for user in (None, buyer, other_shop.owner):
        with pytest.raises(DomainError) as exc:
            selectors.product_detail(product_id=catalog["draft"].pk, user=user)
        assert exc.value.code == "not_found"
    with pytest.raises(DomainError):
        selectors.product_detail(product_id=10**20, user=None)


def test_banned_shop_products_hidden(catalog, shop, buyer):
    shop.status = "banned"
    shop.save()
    with pytest.raises(DomainError):
        selectors.product_detail(product_id=catalog["qb"].pk, user=buyer)


def test_merchant_sees_only_own_products(catalog, merchant, other_shop):
    assert {p.pk for p in selectors.products_of_merchant(user=merchant)} == {
        catalog["qb"].pk,
        catalog["steam"].pk,
        catalog["draft"].pk,
    }
    with pytest.raises(DomainError):
        selectors.product_of_merchant(user=other_shop.owner, product_id=catalog["qb"].pk)


def test_new_shop_has_no_products(db):
    assert not selectors.products_of_merchant(user=ShopFactory().owner).exists()
