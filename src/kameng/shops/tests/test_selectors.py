import pytest

from kameng.core.errors import DomainError
from kameng.shops import selectors, services
from tests.factories import ShopFactory


def test_conversations_visible_only_to_participants(buyer, other_buyer, shop, other_shop):
    mine, _ = services.contact_shop(buyer=buyer, shop_id=shop.pk, body="a")
    theirs, _ = services.contact_shop(buyer=other_buyer, shop_id=other_shop.pk, body="b")
    assert [c.pk for c in selectors.conversations_of(user=buyer)] == [mine.pk]
    assert [c.pk for c in selectors.conversations_of(user=shop.owner)] == [mine.pk]
    assert [c.pk for c in selectors.conversations_of(user=other_shop.owner)] == [theirs.pk]
    with pytest.raises(DomainError) as exc:
        selectors.conversation_for(user=buyer, conversation_id=theirs.pk)
    assert exc.value.code == "not_found"
    with pytest.raises(DomainError):
        selectors.conversation_for(user=shop.owner, conversation_id=theirs.pk)


def test_unread_counts_other_partys_messages(buyer, shop):
    _conv, _ = services.contact_shop(buyer=buyer, shop_id=shop.pk, body="a")
    services.contact_shop(buyer=buyer, shop_id=shop.pk, body="b")
    assert selectors.conversations_of(user=shop.owner)[0].unread == 2
    assert selectors.conversations_of(user=buyer)[0].unread == 0
    assert selectors.unread_count(user=shop.owner) == 2


def test_operator_list_filters(operator, db):
    a = ShopFactory(name="Alpha", status="active")
    b = ShopFactory(name="Beta", status="frozen")
    assert {s.pk for s in selectors.shops_for_operator(user=operator)} == {a.pk, b.pk}
    assert [s.pk for s in selectors.shops_for_operator(user=operator, status="frozen")] == [b.pk]
    assert [s.pk for s in selectors.shops_for_operator(user=operator, q="alp")] == [a.pk]
    with pytest.raises(DomainError):
        selectors.shops_for_operator(user=operator, status="nope")


def test_operator_list_needs_operator(merchant):
    with pytest.raises(DomainError) as exc:
        selectors.shops_for_operator(user=merchant)
    assert exc.value.code == "auth.role_required"


def test_shop_by_slug(shop):
    assert selectors.shop_by_slug(slug=shop.slug) == shop
    with pytest.raises(DomainError):
        selectors.shop_by_slug(slug="nope")
