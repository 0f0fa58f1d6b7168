import pytest
from django.test import Client

from kameng.shops.models import Conversation, Message, Shop
from kameng.shops.services import contact_shop
from tests.factories import MerchantFactory


@pytest.fixture
def login():
    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


def test_console_create_shop(login, db):
    m = MerchantFactory()
    c = login(m)
    assert c.get("/console/").status_code == 200
    r = c.post("/console/", {"name": "", "description": ""})
    assert r.status_code == 422 and not Shop.objects.filter(owner=m).exists()
    assert c.post("/console/", {"name": "星辰点卡", "description": "hi"}).status_code == 302
    assert Shop.objects.get(owner=m).name == "星辰点卡"
    assert "星辰点卡" in c.get("/console/").content.decode()


def test_console_edit_name_taken(merchant, other_shop, login):
    r = login(merchant).post("/console/", {"name": other_shop.name, "description": ""})
    assert r.status_code == 409 and "已" in r.content.decode()


def test_console_permissions(buyer, operator, login):
    assert Client().get("/console/").status_code == 302
    assert login(buyer).get("/console/").status_code == 403
    assert login(operator).get("/console/").status_code == 403


def test_inbox_and_reply(buyer, merchant, shop, login):
    conv, _ = contact_shop(buyer=buyer, shop_id=shop.pk, body="卡密无效")
    c = login(merchant)
    assert buyer.shown_name in c.get("/console/").content.decode()
    r = c.get(f"/console/inbox/{conv.pk}/")
    assert r.status_code == 200 and "卡密无效" in r.content.decode()
    assert Message.objects.get().read_at is not None
    assert c.post(f"/console/inbox/{conv.pk}/", {"body": "请稍等"}).status_code == 302
    assert c.post(f"/console/inbox/{conv.pk}/", {"body": ""}).status_code == 422
    assert Message.objects.count() == 2


def test_others_cannot_open_thread(buyer, other_buyer, shop, other_shop, login):
    conv, _ = contact_shop(buyer=buyer, shop_id=shop.pk, body="hi")
    assert login(other_shop.owner).get(f"/console/inbox/{conv.pk}/").status_code == 404
    assert login(other_buyer).get(f"/messages/{conv.pk}/").status_code == 404
    assert login(other_buyer).post(f"/messages/{conv.pk}/", {"body": "x"}).status_code == 404
    assert Message.objects.count() == 1


def test_buyer_contacts_shop(buyer, shop, login):
    c = login(buyer)
    assert c.get(f"/shops/{shop.slug}/contact/").status_code == 200
    r = c.post(f"/shops/{shop.slug}/contact/", {"body": "你好"})
    conv = Conversation.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/messages/{conv.pk}/"
    assert c.get(f"/shops/{shop.slug}/contact/").status_code == 302  # continues the same thread
    assert "你好" in c.get(f"/messages/{conv.pk}/").content.decode()
    assert shop.name in c.get("/messages/").content.decode()
    assert c.post(f"/shops/{shop.slug}/contact/", {"body": "x" * 2001}).status_code == 422


def test_banned_shop_contact_refused(buyer, shop, login):
    Shop.objects.filter(pk=shop.pk).update(status="banned")
    r = login(buyer).post(f"/shops/{shop.slug}/contact/", {"body": "hi"})
    assert r.status_code == 409 and not Conversation.objects.exists()


def test_contact_needs_buyer(merchant, other_shop, login):
    assert Client().get(f"/shops/{other_shop.slug}/contact/").status_code == 302
    assert login(merchant).get(f"/shops/{other_shop.slug}/contact/").status_code == 403


def test_operator_pages(operator, shop, login):
    c = login(operator)
    assert shop.name in c.get("/operator/shops/").content.decode()
    assert c.get("/operator/shops/", {"status": "frozen"}).status_code == 200
    assert c.get(f"/operator/shops/{shop.pk}/").status_code == 200
    r = c.post(f"/operator/shops/{shop.pk}/", {"form": "status", "status": "warned", "reason": ""})
    assert r.status_code == 422
    assert (
        c.post(f"/operator/shops/{shop.pk}/", {"form": "status", "status": "warned", "reason": "投诉多"}).status_code
        == 302
    )
    r = c.post(f"/operator/shops/{shop.pk}/", {"form": "status", "status": "warned", "reason": "again"})
    assert r.status_code == 409
    assert (
        c.post(f"/operator/shops/{shop.pk}/", {"form": "certification", "certified": "1", "reason": "ok"}).status_code
        == 302
    )
    shop.refresh_from_db()
    assert shop.status == "warned" and shop.certified
    assert "投诉多" in c.get(f"/operator/shops/{shop.pk}/").content.decode()
    assert c.get("/operator/shops/999999/").status_code == 404


def test_operator_pages_refuse_others(merchant, buyer, shop, login):
    for user in (merchant, buyer):
        assert login(user).get("/operator/shops/").status_code == 403
        assert login(user).post(f"/operator/shops/{shop.pk}/", {"status": "banned", "reason": "x"}).status_code == 403
    shop.refresh_from_db()
    assert shop.status == "active"
