"""After-sales pages: who may open which page (zh by default, en by the switch), the open-case form,
the merchant's refusal, the agent's ruling with its preview, messages with uploads."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kameng.aftersales import services
from kameng.aftersales.models import Attachment, Case, CaseState, Message
from kameng.knowledge.models import Article
from kameng.orders.models import OrderKey
from kameng.orders.services import reveal_key

pytestmark = pytest.mark.django_db


def login(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def english(user=None) -> Client:
    client = login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def revealed(buyer, order) -> OrderKey:
    # A revealed key keeps the case out of 极速退款, so it waits for the merchant.
    key = OrderKey.objects.get(batch__order=order)
    reveal_key(buyer=buyer, order_id=order.pk, order_key_id=key.pk, ip="1.2.3.4", user_agent="t")
    return key


@pytest.fixture
def case(buyer, card_order):
    revealed(buyer, card_order)
    return services.open_case(
        buyer=buyer, order_id=card_order.pk, subtype="invalid_key", demand="full_refund", description="卡密无效"
    )


def to_review(case, buyer, merchant) -> Case:
    services.refuse_case(merchant=merchant, case_id=case.pk, reason="卡密有效，已核实")
    services.request_intervention(buyer=buyer, case_id=case.pk)
    services.sweep(now=timezone.now() + timedelta(days=5))  # the evidence window passes
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW
    return case


# --- who may open which page ---------------------------------------------------------------------


PAGES = [
    # (role, url name, needs the case id, Chinese text, English text)
    ("buyer", "aftersales:mine", False, "我的售后", "My cases"),
    ("merchant", "aftersales:merchant_queue", False, "售后单", "After-sales cases"),
    ("agent", "aftersales:agent_queue", False, "工作台", "Workbench"),
    ("buyer", "aftersales:case", True, "系统事实", "System facts"),
    ("merchant", "aftersales:case", True, "系统事实", "System facts"),
    ("agent", "aftersales:case", True, "系统事实", "System facts"),
]


@pytest.mark.parametrize("role, name, with_case, zh, en", PAGES)
def test_page_renders_for_its_role_in_zh_and_en(request, case, role, name, with_case, zh, en):
    user = request.getfixturevalue(role)
    url = reverse(name, kwargs={"case_id": case.pk} if with_case else None)
    if role == "agent" and with_case:
        case = to_review(case, request.getfixturevalue("buyer"), request.getfixturevalue("merchant"))
    page = login(user).get(url)
    assert page.status_code == 200
    assert zh in page.content.decode()
    page = english(user).get(url)
    assert page.status_code == 200
    assert en in page.content.decode()


def test_case_lists_show_the_case_with_its_clock(buyer, merchant, case):
    for user, name in ((buyer, "aftersales:mine"), (merchant, "aftersales:merchant_queue")):
        html = login(user).get(reverse(name)).content.decode()
        assert reverse("aftersales:case", args=[case.pk]) in html
        assert "剩余" in html
    html = login(merchant).get(reverse("aftersales:merchant_queue") + "?state=resolved").content.decode()
    assert reverse("aftersales:case", args=[case.pk]) not in html


@pytest.mark.parametrize(
    "role, name, status",
    [
        ("buyer", "aftersales:merchant_queue", 403),
        ("buyer", "aftersales:agent_queue", 403),
        ("merchant", "aftersales:mine", 403),
        ("merchant", "aftersales:agent_queue", 403),
        ("agent", "aftersales:mine", 403),
    ],
)
def test_lists_refuse_other_roles(request, role, name, status):
    assert login(request.getfixturevalue(role)).get(reverse(name)).status_code == status


def test_case_pages_are_not_found_for_others(case, other_buyer, other_shop):
    urls = [
        reverse("aftersales:case", args=[case.pk]),
        reverse("aftersales:open", args=[case.order_id]),
    ]
    for url in urls:
        assert login(other_buyer).get(url).status_code == 404
        assert login(other_shop.owner).get(url).status_code in (403, 404)
        anonymous = login().get(url)
        assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    refused = login(other_buyer).post(reverse("aftersales:act", args=[case.pk, "withdraw"]))
    assert refused.status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.MERCHANT


# --- opening a case ------------------------------------------------------------------------------


def test_order_page_offers_a_case_then_links_it(buyer, card_order):
    revealed(buyer, card_order)
    html = login(buyer).get(reverse("orders:detail", args=[card_order.pk])).content.decode()
    assert reverse("aftersales:open", args=[card_order.pk]) in html
    case = services.open_case(
        buyer=buyer, order_id=card_order.pk, subtype="invalid_key", demand="replace", description="不能用"
    )
    html = login(buyer).get(reverse("orders:detail", args=[card_order.pk])).content.decode()
    assert reverse("aftersales:case", args=[case.pk]) in html
    assert reverse("aftersales:open", args=[card_order.pk]) not in html
    assert "售后中" in html  # the system tag, linked to the orders-by-tag page
    tagged = login(buyer).get(reverse("aftersales:orders_by_tag") + "?tag=after_sales").content.decode()
    assert reverse("orders:detail", args=[card_order.pk]) in tagged
    mine = login(buyer).get(reverse("orders:mine")).content.decode()
    assert "售后中" in mine


def test_open_case_form_shows_self_checks_then_creates_the_case(buyer, card_order):
    key = revealed(buyer, card_order)
    Article.objects.create(slug="key-check", subtype="invalid_key", title_zh="卡密无效如何自查", body_zh="检查区服")
    client = login(buyer)
    url = reverse("aftersales:open", args=[card_order.pk])
    families = client.get(url + "?family=product").content.decode()
    assert "卡密无效" in families
    checks = client.get(url + "?subtype=invalid_key").content.decode()
    assert "卡密无效如何自查" in checks and "/help/key-check/" in checks
    assert "我已自查，仍要申请售后" in checks
    form = client.get(url + "?subtype=invalid_key&checked=1").content.decode()
    assert key.fingerprint[:8] in form
    response = client.post(
        url,
        {
            "subtype": "invalid_key",
            "order_key_ids": [str(key.pk)],
            "demand": "partial_refund",
            "amount": "1.50",
            "description": "提示卡密无效",
            "files": SimpleUploadedFile("shot.png", tiny_png(), content_type="image/png"),
        },
    )
    case = Case.objects.get(order=card_order)
    assert response.status_code == 302 and response["Location"] == reverse("aftersales:case", args=[case.pk])
    assert (case.subtype, case.demand, case.demand_fen, case.order_key_ids) == (
        "invalid_key",
        "partial_refund",
        150,
        [key.pk],
    )
    assert Attachment.objects.filter(case=case, content_type="image/png").count() == 1


def test_open_case_with_a_bad_amount_or_file_creates_nothing(buyer, card_order):
    revealed(buyer, card_order)
    url = reverse("aftersales:open", args=[card_order.pk])
    data = {"subtype": "invalid_key", "demand": "partial_refund", "amount": "1.234", "description": "x"}
    response = login(buyer).post(url, data)
    assert response.status_code == 422
    fake = SimpleUploadedFile("x.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    response = login(buyer).post(url, {**data, "amount": "1", "files": fake})
    assert response.status_code in (415, 422)
    assert not Case.objects.filter(order=card_order).exists()


# --- merchant, agent -------------------------------------------------------------------------------


def test_merchant_refuses_through_the_form(merchant, case):
    page = login(merchant).get(reverse("aftersales:case", args=[case.pk])).content.decode()
    assert 'data-testid="act-refuse"' in page and 'data-testid="act-accept"' in page
    response = login(merchant).post(reverse("aftersales:act", args=[case.pk, "refuse"]), {"text": "卡密已核实有效"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.NO_AGREEMENT
    assert Message.objects.filter(case=case, author_role="merchant", text="卡密已核实有效").exists()
    # Refusing again is not possible in the new state: said on the page, nothing changes.
    again = login(merchant).post(reverse("aftersales:act", args=[case.pk, "refuse"]), {"text": "再拒"}, follow=True)
    assert "alert-error" in again.content.decode()


def test_merchant_refusal_needs_a_reason(merchant, case):
    page = login(merchant).post(reverse("aftersales:act", args=[case.pk, "refuse"]), {"text": ""}, follow=True)
    assert "alert-error" in page.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.MERCHANT


def test_agent_takes_previews_and_rules(buyer, merchant, agent, case):
    case = to_review(case, buyer, merchant)
    client = login(agent)
    assert str(case.pk) in client.get(reverse("aftersales:agent_queue")).content.decode()
    client.post(reverse("aftersales:act", args=[case.pk, "take"]))
    case.refresh_from_db()
    assert case.assigned_agent_id == agent.pk
    page = client.get(reverse("aftersales:case", args=[case.pk])).content.decode()
    assert 'data-testid="ruling-form"' in page and 'value="5.1"' in page
    preview = client.get(
        reverse("aftersales:preview", args=[case.pk]),
        {"remedy": "partial_refund", "amount": "4.00", "penalty": "1"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "¥4.00" in preview and "¥1.00" in preview
    bad = client.get(reverse("aftersales:preview", args=[case.pk]), {"remedy": "partial_refund", "amount": "x"})
    assert "alert-error" in bad.content.decode()
    response = client.post(
        reverse("aftersales:act", args=[case.pk, "rule"]),
        {
            "remedy": "partial_refund",
            "amount": "4.00",
            "penalty": "",
            "responsible": "merchant",
            "clause": "5.1",
            "text": "卡密经核实无效",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.RULED and case.refunded_fen == 400
    ruling = case.rulings.get()
    assert (ruling.clause, ruling.responsible, ruling.amount_fen) == ("5.1", "merchant", 400)
    page = login(buyer).get(reverse("aftersales:case", args=[case.pk])).content.decode()
    assert "卡密经核实无效" in page and 'data-testid="act-appeal"' in page


def test_preview_is_for_agents_only(buyer, merchant, case):
    for user in (buyer, merchant):
        assert login(user).get(reverse("aftersales:preview", args=[case.pk])).status_code in (403, 404)


# --- messages and attachments ----------------------------------------------------------------------


def test_message_with_an_image_and_its_download(buyer, merchant, other_buyer, case):
    response = login(buyer).post(
        reverse("aftersales:message", args=[case.pk]),
        {"text": "截图如下", "files": SimpleUploadedFile("shot.png", tiny_png(), content_type="image/png")},
    )
    assert response.status_code == 302
    att = Attachment.objects.get(case=case)
    assert att.content_type == "image/png"
    url = reverse("aftersales:attachment", args=[case.pk, att.pk])
    page = login(merchant).get(reverse("aftersales:case", args=[case.pk])).content.decode()
    assert "截图如下" in page and f"{url}?inline=1" in page
    download = login(merchant).get(url)
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == tiny_png()
    assert login(merchant).get(url + "?inline=1")["Content-Disposition"].startswith("inline")
    assert login(other_buyer).get(url).status_code == 404


def test_fake_png_is_refused_and_nothing_is_stored(buyer, case):
    fake = SimpleUploadedFile("evil.png", b"<!DOCTYPE html><script>alert(1)</script>", content_type="image/png")
    page = login(buyer).post(
        reverse("aftersales:message", args=[case.pk]), {"text": "看这个", "files": fake}, follow=True
    )
    assert "alert-error" in page.content.decode()
    assert not Attachment.objects.filter(case=case).exists()
    assert not Message.objects.filter(case=case, text="看这个").exists()


def test_buyer_withdraws_from_the_page(buyer, case):
    login(buyer).post(reverse("aftersales:act", args=[case.pk, "withdraw"]))
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
    page = login(buyer).get(reverse("aftersales:case", args=[case.pk])).content.decode()
    assert 'data-testid="message-form"' not in page


def test_merchant_adds_and_removes_a_private_tag_seen_only_by_their_side(client, buyer, merchant, card_order):
    client.force_login(merchant)
    page = f"/console/orders/{card_order.pk}/"
    response = client.post(f"/orders/{card_order.pk}/tags/", {"name": "重点客户", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert "重点客户" in client.get(page).content.decode()
    client.force_login(buyer)
    assert "重点客户" not in client.get(f"/orders/{card_order.pk}/").content.decode()
    client.force_login(merchant)
    client.post(f"/orders/{card_order.pk}/tags/", {"name": "重点客户", "remove": "1", "next": "https://evil.example/"})
    assert "重点客户" not in client.get(page).content.decode()


def test_a_merchant_cannot_tag_another_shops_order(client, other_shop, card_order):
    from kameng.aftersales.models import OrderTag

    client.force_login(other_shop.owner)
    client.post(f"/orders/{card_order.pk}/tags/", {"name": "x"})
    assert not OrderTag.objects.filter(order=card_order).exists()
