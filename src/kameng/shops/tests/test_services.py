import pytest

from kameng.core.errors import DomainError
from kameng.shops import services
from kameng.shops.models import Conversation, Message, Shop, ShopStatus, ShopStatusChange
from tests.factories import MerchantFactory, ShopFactory


def err(fn, code, **kw):
    with pytest.raises(DomainError) as exc:
        fn(**kw)
    assert exc.value.code == code, exc.value.fields
    return exc.value


@pytest.fixture
def new_merchant(db):
    return MerchantFactory()


# --- create / update ------------------------------------------------------------------------------


def test_create_shop_generates_slug(new_merchant):
    shop = services.create_shop(merchant=new_merchant, name="  Star   Cards ", description=" hi ")
    assert (shop.name, shop.slug, shop.description, shop.status) == ("Star Cards", "star-cards", "hi", "active")


def test_chinese_name_gets_a_readable_pinyin_slug(new_merchant):
    """Issue 10: shop URLs are readable (pinyin or chosen), not shop-47a8d9."""
    shop = services.create_shop(merchant=new_merchant, name="星辰点卡 Steam")
    assert shop.slug == "xingchendianka-steam"
    assert services.readable_slug("速发卡铺") == "sufakapu"  # 发卡 read as a card shop means it, not 发卡 (fà qiǎ)


def test_a_name_with_nothing_readable_gets_a_fallback_slug(new_merchant):
    shop = services.create_shop(merchant=new_merchant, name="★★")
    assert shop.slug.startswith("shop-") and len(shop.slug) > 5


def test_a_chosen_slug_is_checked(new_merchant, db):
    ShopFactory(name="Other", slug="taken")
    for slug, code in (("Bad!", "shop.slug_invalid"), ("apply", "shop.slug_invalid"), ("taken", "shop.slug_taken")):
        with pytest.raises(DomainError) as exc:
            services.create_shop(merchant=new_merchant, name="Mine", slug=slug)
        assert exc.value.code == code
    assert services.create_shop(merchant=new_merchant, name="Mine", slug="my-shop").slug == "my-shop"


def test_colliding_or_reserved_slug_gets_suffix(new_merchant, db):
    ShopFactory(name="Other", slug="star")
    assert services.create_shop(merchant=new_merchant, name="Star").slug.startswith("star-")
    assert services.create_shop(merchant=MerchantFactory(), name="Mine").slug.startswith("mine-")


def test_one_shop_per_merchant(merchant):
    err(services.create_shop, "shop.already_exists", merchant=merchant, name="Second")
    assert Shop.objects.filter(owner=merchant).count() == 1


def test_name_unique_case_insensitive(new_merchant, db):
    ShopFactory(name="Star Cards")
    err(services.create_shop, "shop.name_taken", merchant=new_merchant, name="star cards")
    assert not Shop.objects.filter(owner=new_merchant).exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, None, 5])
def test_bad_names_refused(new_merchant, name):
    err(services.create_shop, "invalid_input", merchant=new_merchant, name=name)


def test_only_merchants_create_shops(buyer, operator):
    for user in (buyer, operator):
        err(services.create_shop, "auth.role_required", merchant=user, name="X")


def test_update_shop_by_owner_keeps_slug(merchant, shop):
    slug = shop.slug
    services.update_shop(merchant=merchant, name="New Name", description="new")
    shop.refresh_from_db()
    assert (shop.name, shop.description, shop.slug) == ("New Name", "new", slug)


def test_update_shop_name_taken(merchant, other_shop):
    err(services.update_shop, "shop.name_taken", merchant=merchant, name=other_shop.name.upper())


def test_update_shop_without_shop(new_merchant):
    err(services.update_shop, "shop.no_shop", merchant=new_merchant, name="X")


def test_description_too_long(merchant):
    err(services.update_shop, "invalid_input", merchant=merchant, description="x" * 4001)


# --- status and certification ----------------------------------------------------------------------


def test_status_change_requires_operator_and_reason(shop, merchant, operator, agent):
    err(
        services.change_shop_status,
        "auth.role_required",
        operator=merchant,
        shop_id=shop.pk,
        to_status="warned",
        reason="r",
    )
    err(
        services.change_shop_status,
        "auth.role_required",
        operator=agent,
        shop_id=shop.pk,
        to_status="warned",
        reason="r",
    )
    err(
        services.change_shop_status, "invalid_input", operator=operator, shop_id=shop.pk, to_status="warned", reason=" "
    )
    err(
        services.change_shop_status,
        "invalid_input",
        operator=operator,
        shop_id=shop.pk,
        to_status="warned",
        reason="x" * 501,
    )
    err(services.change_shop_status, "not_found", operator=operator, shop_id=999999, to_status="warned", reason="r")
    shop.refresh_from_db()
    assert shop.status == ShopStatus.ACTIVE and not ShopStatusChange.objects.exists()


def test_certification_recorded(shop, operator):
    services.set_shop_certification(operator=operator, shop_id=shop.pk, certified=True, reason="docs checked")
    shop.refresh_from_db()
    assert shop.certified and shop.certified_at is not None
    services.set_shop_certification(operator=operator, shop_id=shop.pk, certified=False, reason="expired")
    shop.refresh_from_db()
    assert not shop.certified and shop.certified_at is None
    assert [c.certified for c in ShopStatusChange.objects.order_by("id")] == [True, False]


def test_certification_requires_operator(shop, merchant):
    err(
        services.set_shop_certification,
        "auth.role_required",
        operator=merchant,
        shop_id=shop.pk,
        certified=True,
        reason="r",
    )
    shop.refresh_from_db()
    assert not shop.certified


# --- contact channel ---------------------------------------------------------------------------------


def test_buyer_starts_and_continues_one_conversation(buyer, shop):
    c1, m1 = services.contact_shop(buyer=buyer, shop_id=shop.pk, body=" 你好 ")
    c2, _m2 = services.contact_shop(buyer=buyer, shop_id=shop.pk, body="还在吗")
    assert c1.pk == c2.pk and m1.body == "你好"
    assert Conversation.objects.count() == 1 and Message.objects.count() == 2


def test_merchant_replies_and_read_marks(buyer, shop, merchant):
    conv, _ = services.contact_shop(buyer=buyer, shop_id=shop.pk, body="hi")
    services.send_message(user=merchant, conversation_id=conv.pk, body="hello")
    assert services.mark_conversation_read(user=merchant, conversation_id=conv.pk) == 1
    assert services.mark_conversation_read(user=merchant, conversation_id=conv.pk) == 0
    assert services.mark_conversation_read(user=buyer, conversation_id=conv.pk) == 1
    assert not Message.objects.filter(read_at__isnull=True).exists()


def test_outsiders_cannot_post_or_read(buyer, other_buyer, shop, other_shop, operator):
    conv, _ = services.contact_shop(buyer=buyer, shop_id=shop.pk, body="hi")
    err(services.send_message, "not_found", user=other_buyer, conversation_id=conv.pk, body="x")
    err(services.send_message, "not_found", user=other_shop.owner, conversation_id=conv.pk, body="x")
    err(services.send_message, "auth.role_required", user=operator, conversation_id=conv.pk, body="x")
    err(services.mark_conversation_read, "not_found", user=other_buyer, conversation_id=conv.pk)
    assert Message.objects.count() == 1


def test_merchant_cannot_start_conversation(merchant, other_shop):
    err(services.contact_shop, "auth.role_required", buyer=merchant, shop_id=other_shop.pk, body="x")


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001, None])
def test_message_length_limits(buyer, shop, body):
    err(services.contact_shop, "invalid_input", buyer=buyer, shop_id=shop.pk, body=body)
    assert not Conversation.objects.exists()


def test_banned_shop_takes_no_new_conversations_but_old_ones_continue(buyer, other_buyer, shop):
    _conv, _ = services.contact_shop(buyer=buyer, shop_id=shop.pk, body="hi")
    Shop.objects.filter(pk=shop.pk).update(status=ShopStatus.BANNED)
    err(services.contact_shop, "shop.contact_closed", buyer=other_buyer, shop_id=shop.pk, body="hi")
    services.contact_shop(buyer=buyer, shop_id=shop.pk, body="still there?")
    assert Conversation.objects.count() == 1


def test_contact_unknown_shop(buyer):
    err(services.contact_shop, "not_found", buyer=buyer, shop_id=424242, body="x")
