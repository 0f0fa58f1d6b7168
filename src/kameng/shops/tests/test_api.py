import pytest

from kameng.shops.models import Conversation, Message, Shop, ShopStatusChange
from kameng.shops.services import contact_shop
from tests.factories import MerchantFactory
from tests.helpers import ApiClient, assert_error


@pytest.fixture
def new_merchant(db):
    return MerchantFactory()


# --- public and own shop --------------------------------------------------------------------------


def test_public_shop_by_slug(shop):
    r = ApiClient().get(f"/api/v1/shops/{shop.slug}")
    assert r.status_code == 200 and r.json()["name"] == shop.name
    assert_error(ApiClient().get("/api/v1/shops/no-such-shop"), 404, "not_found")


def test_create_and_edit_my_shop(new_merchant):
    c = ApiClient(new_merchant)
    assert_error(c.get("/api/v1/shops/mine"), 409, "shop.no_shop")
    r = c.post("/api/v1/shops/mine", {"name": "星辰点卡", "description": "d"})
    assert r.status_code == 201, r.content
    assert c.get("/api/v1/shops/mine").json()["name"] == "星辰点卡"
    r = c.patch("/api/v1/shops/mine", {"description": "new"})
    assert r.status_code == 200 and r.json()["description"] == "new"
    assert_error(c.post("/api/v1/shops/mine", {"name": "Again"}), 409, "shop.already_exists")


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"name": ""},
        {"name": 5},
        {"name": "x" * 65},
        {"name": "ok", "description": "x" * 4001},
        {"name": "ok", "qq": "1"},
    ],
)
def test_create_shop_bad_input_writes_nothing(new_merchant, payload):
    assert_error(ApiClient(new_merchant).post("/api/v1/shops/mine", payload), 422, "invalid_input")
    assert not Shop.objects.filter(owner=new_merchant).exists()


def test_create_shop_not_json(new_merchant):
    r = ApiClient(new_merchant).post("/api/v1/shops/mine", "not json", content_type="application/json")
    assert r.status_code in (400, 422)
    assert_error(r, r.status_code)


def test_create_shop_needs_auth_and_role(buyer):
    assert_error(ApiClient().post("/api/v1/shops/mine", {"name": "x"}), 401, "not_authenticated")
    assert_error(ApiClient(buyer).post("/api/v1/shops/mine", {"name": "x"}), 403, "auth.role_required")
    assert not Shop.objects.exists()


# --- operator -----------------------------------------------------------------------------------


def test_operator_lists_and_changes_status(operator, shop):
    c = ApiClient(operator)
    assert [s["id"] for s in c.get("/api/v1/shops/operator/shops").json()] == [shop.pk]
    r = c.post(f"/api/v1/shops/operator/shops/{shop.pk}/status", {"status": "frozen", "reason": "invalid codes"})
    assert r.status_code == 200 and r.json()["status"] == "frozen"
    r = c.post(f"/api/v1/shops/operator/shops/{shop.pk}/certification", {"certified": True, "reason": "ok"})
    assert r.status_code == 200 and r.json()["certified"] is True
    history = c.get(f"/api/v1/shops/operator/shops/{shop.pk}/history").json()
    assert len(history) == 2


def test_operator_history_shows_an_automatic_warning(operator, shop):
    # A warning by rule (4.5) has no operator: the history answers it with changed_by_id null.
    from kameng.shops.services import set_status_by_rule

    set_status_by_rule(
        shop_id=shop.pk, to_status="warned", reason="3 after-sales deadlines missed in 30 days (rule 4.5)"
    )
    r = ApiClient(operator).get(f"/api/v1/shops/operator/shops/{shop.pk}/history")
    assert r.status_code == 200, r.content
    [change] = r.json()
    assert (change["from_status"], change["to_status"], change["changed_by_id"]) == ("active", "warned", None)


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"status": "frozen"}, 422, "invalid_input"),
        ({"status": "frozen", "reason": ""}, 422, "invalid_input"),
        ({"status": "closed", "reason": "r"}, 422, "shop.invalid_status"),
        ({"status": "active", "reason": "r"}, 409, "shop.transition_not_allowed"),
        ({"status": 3, "reason": "r"}, 422, "invalid_input"),
        ({"status": "frozen", "reason": "x" * 501}, 422, "invalid_input"),
    ],
)
def test_status_bad_input(operator, shop, payload, status, code):
    assert_error(ApiClient(operator).post(f"/api/v1/shops/operator/shops/{shop.pk}/status", payload), status, code)
    shop.refresh_from_db()
    assert shop.status == "active" and not ShopStatusChange.objects.exists()


@pytest.mark.parametrize(
    "payload", [{"certified": "yes", "reason": "r"}, {"certified": 1, "reason": "r"}, {"reason": "r"}]
)
def test_certification_bad_input(operator, shop, payload):
    assert_error(ApiClient(operator).post(f"/api/v1/shops/operator/shops/{shop.pk}/certification", payload), 422)
    shop.refresh_from_db()
    assert not shop.certified


def test_operator_endpoints_refuse_others(merchant, buyer, shop):
    for user in (merchant, buyer):
        c = ApiClient(user)
        assert_error(c.get("/api/v1/shops/operator/shops"), 403, "auth.role_required")
        assert_error(c.post(f"/api/v1/shops/operator/shops/{shop.pk}/status", {"status": "banned", "reason": "r"}), 403)
    assert_error(ApiClient().get("/api/v1/shops/operator/shops"), 401)
    shop.refresh_from_db()
    assert shop.status == "active"


def test_operator_unknown_and_huge_ids(operator):
    c = ApiClient(operator)
    assert_error(c.post("/api/v1/shops/operator/shops/999999/status", {"status": "warned", "reason": "r"}), 404)
    assert_error(c.post(f"/api/v1/shops/operator/shops/{10**30}/status", {"status": "warned", "reason": "r"}), 422)
    assert_error(c.get("/api/v1/shops/operator/shops/abc/history"), 422)


# --- conversations ------------------------------------------------------------------------------------


def test_conversation_flow(buyer, shop, merchant):
    b, m = ApiClient(buyer), ApiClient(merchant)
    r = b.post("/api/v1/shops/conversations", {"shop_id": shop.pk, "body": "卡密无效怎么办？"})
    assert r.status_code == 201, r.content
    conv = r.json()
    assert conv["messages"][0]["mine"] is True
    inbox = m.get("/api/v1/shops/conversations").json()
    assert [c["id"] for c in inbox] == [conv["id"]] and inbox[0]["unread"] == 1
    r = m.post(f"/api/v1/shops/conversations/{conv['id']}/messages", {"body": "请提供截图"})
    assert r.status_code == 201
    assert m.post(f"/api/v1/shops/conversations/{conv['id']}/read").json() == {"marked": 1}
    detail = b.get(f"/api/v1/shops/conversations/{conv['id']}").json()
    assert [x["body"] for x in detail["messages"]] == ["卡密无效怎么办？", "请提供截图"]


def test_other_users_conversations_are_not_found(buyer, other_buyer, shop, other_shop):
    conv, _ = contact_shop(buyer=buyer, shop_id=shop.pk, body="hi")
    for user in (other_buyer, other_shop.owner):
        c = ApiClient(user)
        assert_error(c.get(f"/api/v1/shops/conversations/{conv.pk}"), 404, "not_found")
        assert_error(c.post(f"/api/v1/shops/conversations/{conv.pk}/messages", {"body": "x"}), 404, "not_found")
        assert_error(c.post(f"/api/v1/shops/conversations/{conv.pk}/read"), 404, "not_found")
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"shop_id": "x", "body": "hi"},
        {"shop_id": 1},
        {"shop_id": 1, "body": ""},
        {"shop_id": 1, "body": "x" * 2001},
        {"shop_id": 10**30, "body": "hi"},
    ],
)
def test_start_conversation_bad_input(buyer, shop, payload):
    assert_error(ApiClient(buyer).post("/api/v1/shops/conversations", payload), 422)
    assert not Conversation.objects.exists()


def test_start_conversation_with_banned_or_missing_shop(buyer, shop):
    c = ApiClient(buyer)
    assert_error(c.post("/api/v1/shops/conversations", {"shop_id": 987654, "body": "hi"}), 404)
    Shop.objects.filter(pk=shop.pk).update(status="banned")
    assert_error(c.post("/api/v1/shops/conversations", {"shop_id": shop.pk, "body": "hi"}), 409, "shop.contact_closed")
    assert not Conversation.objects.exists()


def test_conversations_need_login_and_role(operator):
    assert_error(ApiClient().get("/api/v1/shops/conversations"), 401)
    assert_error(ApiClient(operator).get("/api/v1/shops/conversations"), 403)
