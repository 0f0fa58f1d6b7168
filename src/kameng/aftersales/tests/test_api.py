"""/api/v1/cases: every endpoint's happy path, its bad input (nothing changed), and who may see what
(another buyer, another merchant, an agent not on the case: 404)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test.client import MULTIPART_CONTENT as _MULTIPART
from django.utils import timezone

from kameng.accounts.models import Role
from kameng.aftersales import services
from kameng.aftersales.models import Attachment, Case, CaseState, Message, OrderTag
from kameng.aftersales.tests.conftest import buy
from kameng.core.tests import upload_files
from kameng.orders.models import OrderKey
from kameng.orders.services import reveal_key
from tests.factories import UserFactory
from tests.helpers import ApiClient, assert_error

pytestmark = pytest.mark.django_db

BASE = "/api/v1/cases"
PNG = upload_files.png()  # a real image: the upload checker re-encodes what it can read


def revealed(buyer, order):
    """Reveal the key first, so the case goes to the merchant instead of a fast refund."""
    okey = OrderKey.objects.get(batch__order=order)
    reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip="1.2.3.4", user_agent="t")
    return order


def open_case(client, order, **extra):
    body = {"order_id": order.pk, "subtype": "invalid_key", "demand": "full_refund", "description": "不能用", **extra}
    return client.post(BASE, body)


@pytest.fixture
def case(buyer, card_order):
    revealed(buyer, card_order)
    return services.open_case(
        buyer=buyer, order_id=card_order.pk, subtype="invalid_key", demand="full_refund", description="不能用"
    )


@pytest.fixture
def other_merchant(other_shop):
    return other_shop.owner


@pytest.fixture
def agent2(db):
    return UserFactory(role=Role.AGENT, username="agent2")


def to_review(case):
    """Buyer declines nothing here: the merchant refuses, the buyer asks the platform, the evidence
    window passes (swept), and the case waits for a ruling."""
    services.refuse_case(merchant=case.shop.owner, case_id=case.pk, reason="卡密有效")
    services.request_intervention(buyer=case.buyer, case_id=case.pk)
    services.sweep(now=timezone.now() + timedelta(hours=25))
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW
    return case


# --- opening and reading --------------------------------------------------------------------------


def test_buyer_opens_a_case_and_sees_its_detail(buyer, card_order):
    revealed(buyer, card_order)
    response = open_case(ApiClient(buyer), card_order)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "merchant" and body["order_id"] == card_order.pk
    assert body["subtype"] == "invalid_key" and body["family"] == "product" and body["stake_fen"] == 1000
    assert body["role"] == "buyer" and body["rulebook_number"] == 1
    assert body["facts"]["revealed"] is True and body["suggested_party"]
    assert {"withdraw"} <= set(body["actions"]) and "accept" not in body["actions"]
    assert [e["kind"] for e in body["timeline"]] == ["case.opened"]
    assert {t["name"] for t in body["tags"]} == {"after_sales", "awaiting_merchant"}
    assert body["offers"] == [] and body["rulings"] == [] and body["messages"] == []


def test_opening_with_bad_input_is_refused_and_writes_nothing(buyer, other_buyer, merchant, card_order):
    client = ApiClient(buyer)
    assert_error(open_case(client, card_order, subtype="nonsense"), 422, "invalid_input")
    error = assert_error(open_case(client, card_order, demand="everything"), 422, "invalid_input")
    assert "demand" in error["fields"]
    assert_error(open_case(client, card_order, description=""), 422, "invalid_input")
    assert_error(open_case(client, card_order, demand="partial_refund", demand_fen=5000), 422, "aftersales.bad_amount")
    assert_error(client.post(BASE, {"order_id": "x"}), 422, "invalid_input")
    assert_error(open_case(ApiClient(other_buyer), card_order), 404, "not_found")
    assert_error(open_case(ApiClient(merchant), card_order), 403, "permission_denied")
    assert_error(open_case(ApiClient(), card_order), 401, "not_authenticated")
    assert Case.objects.count() == 0


def test_second_open_case_on_one_order_is_a_conflict(buyer, case, card_order):
    assert_error(open_case(ApiClient(buyer), card_order), 409, "aftersales.case_already_open")
    assert Case.objects.count() == 1


def test_lists_are_per_role_and_filter_by_state(buyer, other_buyer, merchant, other_merchant, operator, case):
    mine = ApiClient(buyer).get(BASE).json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == case.pk
    assert mine["items"][0]["state_label"] and mine["items"][0]["subtype_label"]
    assert ApiClient(merchant).get(BASE, {"open": 1}).json()["items"][0]["due_at"]
    assert ApiClient(merchant).get(BASE, {"state": "resolved"}).json()["total"] == 0
    assert ApiClient(operator).get(BASE).json()["total"] == 1
    assert ApiClient(other_buyer).get(BASE).json()["total"] == 0
    assert ApiClient(other_merchant).get(BASE).json()["total"] == 0
    assert_error(ApiClient(buyer).get(BASE, {"state": "nope"}), 422, "invalid_input")


def test_other_parties_get_not_found(other_buyer, other_merchant, agent, agent2, case):
    for user in (other_buyer, other_merchant):
        assert_error(ApiClient(user).get(f"{BASE}/{case.pk}"), 404, "not_found")
    assert_error(ApiClient(other_merchant).post(f"{BASE}/{case.pk}/accept", {}), 404, "not_found")
    assert_error(ApiClient(other_buyer).post(f"{BASE}/{case.pk}/withdraw"), 404, "not_found")
    to_review(case)
    services.take_case(agent=agent, case_id=case.pk)
    # Taken by another agent: the case is no longer this agent's business.
    assert_error(ApiClient(agent2).get(f"{BASE}/{case.pk}"), 404, "not_found")
    assert_error(ApiClient(agent2).post(f"{BASE}/{case.pk}/take"), 404, "not_found")
    assert_error(ApiClient(agent2).get(f"{BASE}/{case.pk}/ruling-preview", {"remedy": "full_refund"}), 404)
    assert_error(ApiClient(agent).get(f"{BASE}/999999"), 404, "not_found")
    assert_error(ApiClient(agent).get(f"{BASE}/0"), 422, "invalid_input")


# --- merchant stage ------------------------------------------------------------------------------


def test_merchant_accepts_and_the_buyer_is_refunded(merchant, case):
    response = ApiClient(merchant).post(f"{BASE}/{case.pk}/accept", {"note": "抱歉"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "resolved" and body["refunded_fen"] == 1000 and body["actions"] == []
    assert_error(ApiClient(merchant).post(f"{BASE}/{case.pk}/accept", {}), 409, "aftersales.not_allowed")


def test_offer_declined_then_platform_intervention(buyer, merchant, case):
    m, b = ApiClient(merchant), ApiClient(buyer)
    assert_error(m.post(f"{BASE}/{case.pk}/offer", {"remedy": "partial_refund", "amount_fen": 0}), 422)
    assert_error(m.post(f"{BASE}/{case.pk}/offer", {"remedy": "free_money"}), 422, "invalid_input")
    assert_error(m.post(f"{BASE}/{case.pk}/offer", {"remedy": "partial_refund", "amount_fen": 9999}), 422)
    # Asking the platform during the merchant stage is out of order (4.1).
    assert_error(b.post(f"{BASE}/{case.pk}/intervene", {}), 409, "aftersales.out_of_order")
    body = m.post(f"{BASE}/{case.pk}/offer", {"remedy": "partial_refund", "amount_fen": 500, "note": "一半"}).json()
    assert body["state"] == "offer" and body["offers"][0]["amount_fen"] == 500
    assert body["offers"][0]["remedy_label"]
    assert_error(b.post(f"{BASE}/{case.pk}/offer/answer", {"accept": "maybe"}), 422, "invalid_input")
    assert_error(m.post(f"{BASE}/{case.pk}/offer/answer", {"accept": True}), 404, "not_found")
    body = b.post(f"{BASE}/{case.pk}/offer/answer", {"accept": False}).json()
    assert body["state"] == "no_agreement" and body["offers"][0]["state"] == "declined"
    body = b.post(f"{BASE}/{case.pk}/intervene", {"reason": "不同意"}).json()
    assert body["state"] == "evidence"


def test_offer_accepted_pays_the_offer(buyer, merchant, case):
    ApiClient(merchant).post(f"{BASE}/{case.pk}/offer", {"remedy": "partial_refund", "amount_fen": 300})
    body = ApiClient(buyer).post(f"{BASE}/{case.pk}/offer/answer", {"accept": True}).json()
    assert body["state"] == "resolved" and body["refunded_fen"] == 300


def test_ask_info_answer_and_refuse(buyer, merchant, case):
    m, b = ApiClient(merchant), ApiClient(buyer)
    assert_error(m.post(f"{BASE}/{case.pk}/ask-info", {"question": ""}), 422, "invalid_input")
    assert m.post(f"{BASE}/{case.pk}/ask-info", {"question": "截图?"}).json()["state"] == "buyer_info"
    assert_error(b.post(f"{BASE}/{case.pk}/info", {}), 422, "invalid_input")
    body = b.post(f"{BASE}/{case.pk}/info", {"answer": "见附件"}).json()
    assert body["state"] == "merchant" and [x["text"] for x in body["messages"]] == ["截图?", "见附件"]
    assert_error(m.post(f"{BASE}/{case.pk}/refuse", {"reason": "  "}), 422, "invalid_input")
    assert m.post(f"{BASE}/{case.pk}/refuse", {"reason": "卡密有效"}).json()["actions"] == ["accept"]
    body = b.get(f"{BASE}/{case.pk}").json()
    assert body["state"] == "no_agreement" and "escalate" in body["actions"]


def test_a_withdrawn_case_cannot_be_withdrawn_or_reopened(buyer, merchant, case):
    b = ApiClient(buyer)
    assert b.post(f"{BASE}/{case.pk}/withdraw").json()["state"] == "withdrawn"
    assert_error(b.post(f"{BASE}/{case.pk}/withdraw"), 409, "aftersales.not_allowed")
    assert_error(b.post(f"{BASE}/{case.pk}/reopen"), 409, "aftersales.not_allowed")


def test_reopen_once_after_the_buyer_fell_silent(buyer, merchant, case):
    services.ask_for_info(merchant=merchant, case_id=case.pk, question="?")
    services.sweep(now=timezone.now() + timedelta(hours=49))
    assert ApiClient(buyer).get(f"{BASE}/{case.pk}").json()["state"] == "closed_silent"
    assert ApiClient(buyer).post(f"{BASE}/{case.pk}/reopen").json()["state"] == "merchant"


def test_merchant_contests_a_fast_refund(buyer, merchant, card_order):
    # Never revealed + full refund under the limit: refunded at once (8.3).
    body = open_case(ApiClient(buyer), card_order).json()
    assert body["state"] == "fast_refunded" and body["refunded_fen"] == 1000
    assert "contest" in ApiClient(merchant).get(f"{BASE}/{body['id']}").json()["actions"]
    assert_error(ApiClient(merchant).post(f"{BASE}/{body['id']}/contest", {}), 422, "invalid_input")
    contested = ApiClient(merchant).post(f"{BASE}/{body['id']}/contest", {"reason": "买家已使用"}).json()
    assert contested["state"] == "evidence"


# --- platform ------------------------------------------------------------------------------------


def test_agent_takes_previews_rules_then_appeal_and_external(buyer, merchant, agent, agent2, case):
    to_review(case)
    a = ApiClient(agent)
    queue = a.get(BASE).json()
    assert [c["id"] for c in queue["items"]] == [case.pk]
    body = a.post(f"{BASE}/{case.pk}/take").json()
    assert body["role"] == "agent" and "rule" in body["actions"]
    preview = a.get(f"{BASE}/{case.pk}/ruling-preview", {"remedy": "partial_refund", "amount_fen": 400}).json()
    assert preview == [{"what": "escrow_to_buyer", "amount_fen": 400}]
    assert_error(a.get(f"{BASE}/{case.pk}/ruling-preview", {"remedy": "bogus"}), 422, "invalid_input")
    assert_error(ApiClient(buyer).get(f"{BASE}/{case.pk}/ruling-preview", {"remedy": "reject"}), 404)
    ruling = {"remedy": "partial_refund", "amount_fen": 400, "clause": "5.1", "text": "部分退款"}
    assert_error(a.post(f"{BASE}/{case.pk}/rule", {**ruling, "clause": "99.9"}), 404, "rulebook.unknown_clause")
    assert_error(a.post(f"{BASE}/{case.pk}/rule", {**ruling, "responsible": "god"}), 422, "invalid_input")
    assert_error(a.post(f"{BASE}/{case.pk}/rule", {**ruling, "amount_fen": 5000}), 422, "aftersales.bad_amount")
    assert_error(ApiClient(merchant).post(f"{BASE}/{case.pk}/rule", ruling), 404, "not_found")
    assert case.rulings.count() == 0
    body = a.post(f"{BASE}/{case.pk}/rule", {**ruling, "responsible": "merchant"}).json()
    assert body["state"] == "ruled" and body["refunded_fen"] == 400
    (made,) = body["rulings"]
    assert made["clause"] == "5.1" and made["clause_url"].endswith("#c-5.1") and made["clause_title"]
    # The buyer appeals; the first judge may not decide it.
    assert_error(ApiClient(buyer).post(f"{BASE}/{case.pk}/appeal", {}), 422, "invalid_input")
    assert ApiClient(buyer).post(f"{BASE}/{case.pk}/appeal", {"reason": "应全额"}).json()["state"] == "appeal"
    assert_error(ApiClient(buyer).post(f"{BASE}/{case.pk}/appeal", {"reason": "again"}), 409)
    assert_error(a.post(f"{BASE}/{case.pk}/take"), 409, "aftersales.same_agent")
    a2 = ApiClient(agent2)
    a2.post(f"{BASE}/{case.pk}/take")
    body = a2.post(f"{BASE}/{case.pk}/rule", {"remedy": "full_refund", "clause": "5.1", "text": "全额"}).json()
    assert body["state"] == "resolved" and body["refunded_fen"] == 1000 and len(body["rulings"]) == 2
    b = ApiClient(buyer)
    assert_error(b.post(f"{BASE}/{case.pk}/external", {"channel": "tv"}), 422, "invalid_input")
    body = b.post(f"{BASE}/{case.pk}/external", {"channel": "12315"}).json()
    assert body["external_escalation"] == "12315"
    assert_error(b.post(f"{BASE}/{case.pk}/external", {"channel": "court"}), 409, "aftersales.not_allowed")


def test_take_by_a_non_agent_is_refused(merchant, case):
    assert_error(ApiClient(merchant).post(f"{BASE}/{case.pk}/take"), 403, "permission_denied")


# --- conversation --------------------------------------------------------------------------------


def test_message_with_attachment_and_permission_checked_download(buyer, merchant, other_buyer, case):
    upload = {"text": "截图", "files": [_file("shot.png", PNG)]}
    response = ApiClient(buyer).post(f"{BASE}/{case.pk}/messages", upload, content_type=_MULTIPART)
    assert response.status_code == 201, response.content
    (att,) = response.json()["attachments"]
    assert att["content_type"] == "image/png" and att["size"] > 0 and len(att["sha256"]) == 64
    detail = ApiClient(merchant).get(f"{BASE}/{case.pk}").json()
    assert detail["messages"][-1]["attachments"][0]["url"] == att["url"]
    download = ApiClient(merchant).get(att["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png" and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    body = b"".join(download.streaming_content)
    assert body.startswith(b"\x89PNG") and hashlib.sha256(body).hexdigest() == att["sha256"]
    assert_error(ApiClient(other_buyer).get(att["url"]), 404, "not_found")
    assert_error(ApiClient(buyer).get(f"{BASE}/{case.pk}/attachments/999999"), 404, "not_found")


def test_bad_messages_store_nothing(buyer, other_buyer, case):
    client = ApiClient(buyer)
    html = {"text": "x", "files": [_file("a.txt", b"<html><script>alert(1)</script>")]}
    assert_error(client.post(f"{BASE}/{case.pk}/messages", html, content_type=_MULTIPART), 415, "aftersales.file_type")
    assert_error(client.post(f"{BASE}/{case.pk}/messages", {"text": ""}, content_type=_MULTIPART), 422)
    assert_error(
        ApiClient(other_buyer).post(f"{BASE}/{case.pk}/messages", {"text": "hi"}, content_type=_MULTIPART), 404
    )
    assert Message.objects.count() == 0 and Attachment.objects.count() == 0


def _file(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


# --- tags ----------------------------------------------------------------------------------------


def test_private_tags_and_the_orders_filter(buyer, merchant, other_merchant, agent, case, card_order):
    m = ApiClient(merchant)
    response = m.post(f"/api/v1/cases/orders/{card_order.pk}/tags", {"name": "大客户"})
    assert response.status_code == 201 and response.json() == {"name": "大客户", "kind": "private", "label": "大客户"}
    assert_error(m.post(f"{BASE}/orders/{card_order.pk}/tags", {"name": ""}), 422, "invalid_input")
    assert_error(m.post(f"{BASE}/orders/{card_order.pk}/tags", {"name": "after_sales"}), 422, "invalid_input")
    assert_error(ApiClient(buyer).post(f"{BASE}/orders/{card_order.pk}/tags", {"name": "x"}), 403)
    assert_error(ApiClient(other_merchant).post(f"{BASE}/orders/{card_order.pk}/tags", {"name": "x"}), 404)
    assert OrderTag.objects.filter(kind="private").count() == 1

    listed = m.get(f"{BASE}/orders", {"tag": "大客户"}).json()
    assert [o["id"] for o in listed["items"]] == [card_order.pk] and listed["items"][0]["buyer_id"] == buyer.pk
    # Private tags are the merchant's own; system tags are everyone's on the order.
    assert ApiClient(buyer).get(f"{BASE}/orders", {"tag": "大客户"}).json()["total"] == 0
    assert ApiClient(other_merchant).get(f"{BASE}/orders", {"tag": "after_sales"}).json()["total"] == 0
    for user in (buyer, merchant, agent):
        assert ApiClient(user).get(f"{BASE}/orders", {"tag": "after_sales"}).json()["total"] == 1
    assert "大客户" not in {t["name"] for t in ApiClient(buyer).get(f"{BASE}/{case.pk}").json()["tags"]}
    assert "大客户" in {t["name"] for t in m.get(f"{BASE}/{case.pk}").json()["tags"]}
    assert_error(m.get(f"{BASE}/orders"), 422, "invalid_input")

    assert m.delete(f"{BASE}/orders/{card_order.pk}/tags/大客户").status_code == 204
    assert_error(m.delete(f"{BASE}/orders/{card_order.pk}/tags/大客户"), 404, "not_found")
    assert OrderTag.objects.filter(kind="private").count() == 0


def test_openapi_lists_the_case_endpoints(buyer, card_product):
    buy(buyer, card_product)  # the schema is public, but make sure nothing in it needs a case
    paths = ApiClient().get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/rule",
        "/api/v1/cases/{case_id}/ruling-preview",
        "/api/v1/cases/{case_id}/messages",
        "/api/v1/cases/{case_id}/attachments/{attachment_id}",
        "/api/v1/cases/orders",
        "/api/v1/cases/orders/{order_id}/tags/{name}",
    ):
        assert path in paths, path
