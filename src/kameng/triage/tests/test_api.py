"""/api/v1/triage and the case form's suggestion fragment: the buyer's own order only, bad input
refused with a 4xx in the one error shape, the chips link to the case form."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kameng.rulebook.problems import SUBTYPES
from kameng.triage import dataset, scoring
from kameng.triage.tests.conftest import buy
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

SUGGEST = "/api/v1/triage/suggest"
SUGGEST_TEXT = "/api/v1/triage/suggest-text"


@pytest.fixture
def order(buyer, card_product):
    return buy(buyer, card_product)


def test_suggest_for_the_buyers_order(api_client, buyer, order):
    response = api_client(buyer).post(SUGGEST, {"order_id": order.pk, "description": "卡密提示已被使用"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["suggestions"][0]["subtype"] == "key_already_used"
    assert len(body["suggestions"]) == 3
    first = body["suggestions"][0]
    assert set(first) == {"subtype", "label", "family", "confidence"} and first["family"] == "product"
    assert 0 < sum(s["confidence"] for s in body["suggestions"]) <= 1.0001
    assert body["model"] == {"version": scoring.load().version, "dataset_sha256": dataset.sha256()}


def test_suggest_text_without_an_order(api_client, buyer, merchant):
    for user in (buyer, merchant):
        response = api_client(user).post(SUGGEST_TEXT, {"description": "客服一直不回"})
        assert response.status_code == 200, response.content
        assert response.json()["suggestions"][0]["subtype"] == "no_response"


def test_another_buyer_or_a_stranger_cannot_ask_about_the_order(api_client, other_buyer, merchant, order):
    assert_error(
        api_client(other_buyer).post(SUGGEST, {"order_id": order.pk, "description": "卡密无效"}), 404, "not_found"
    )
    assert_error(api_client(merchant).post(SUGGEST, {"order_id": order.pk, "description": "卡密无效"}), 403)
    assert_error(api_client().post(SUGGEST, {"order_id": order.pk, "description": "卡密无效"}), 401)
    assert_error(api_client().post(SUGGEST_TEXT, {"description": "卡密无效"}), 401)
    assert_error(api_client(other_buyer).post(SUGGEST, {"order_id": 2**53, "description": "x"}), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"description": "卡密无效"}, "invalid_input"),
        ({"order_id": "1", "description": "卡密无效"}, "invalid_input"),
        ({"order_id": 0, "description": "卡密无效"}, "invalid_input"),
        ({"order_id": 2**60, "description": "卡密无效"}, "invalid_input"),
        ({"order_id": None, "description": "卡密无效"}, "invalid_input"),
        ({"order_id": "ORDER", "description": ""}, "invalid_input"),
        ({"description": ""}, None),
        ({"description": "卡密无效", "extra": 1}, "invalid_input"),
        ({"description": 5}, "invalid_input"),
        ({"description": ["卡密"]}, "invalid_input"),
    ],
)
def test_bad_bodies_are_refused(api_client, buyer, order, body, code):
    if "order_id" not in body and code is None:
        body = {**body, "order_id": order.pk}
        code = "triage.description_empty"
    assert_error(api_client(buyer).post(SUGGEST, body), 422, code)


@pytest.mark.parametrize(
    ("description", "code"),
    [
        ("", "triage.description_empty"),
        ("  ", "triage.description_empty"),
        ("卡" * 1001, "triage.description_too_long"),
        ("卡密\x1b无效", "invalid_input"),
    ],
)
def test_bad_descriptions_are_refused(api_client, buyer, order, description, code):
    client = api_client(buyer)
    assert_error(client.post(SUGGEST, {"order_id": order.pk, "description": description}), 422, code)
    assert_error(client.post(SUGGEST_TEXT, {"description": description}), 422, code)
    assert_error(client.post(SUGGEST_TEXT, "not json", content_type="application/json"), 400)


# --- the fragment --------------------------------------------------------------------------------


def _page(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_fragment_shows_chips_linking_to_the_case_form(buyer, order, lang):
    text = "卡密提示已被使用 & 100%"
    url = reverse("triage:suggest", args=[order.pk])
    client = _page(buyer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.get(url, {"description": text})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="triage-chip-key_already_used"' in html
    assert "<html" not in html  # a fragment for htmx, not a page
    chips = [part.split('"', 1)[0] for part in html.split('class="chip" href="')[1:]]
    assert len(chips) == 3
    first = urlsplit(chips[0].replace("&amp;", "&"))
    assert first.path == reverse("aftersales:open", args=[order.pk])
    assert parse_qs(first.query) == {"subtype": ["key_already_used"], "description": [text]}
    assert all(parse_qs(urlsplit(c.replace("&amp;", "&")).query)["subtype"][0] in SUBTYPES for c in chips)
    assert "%" in html and 'data-testid="triage-you-choose"' in html
    if lang == "en":
        assert "you choose the problem type yourself" in html
        assert "Card key already redeemed" in html
    else:
        assert "由您自己选择" in html
        with translation.override("zh-hans"):
            label = str(SUBTYPES["key_already_used"].label)
        assert label != "Card key already redeemed" and label in html


def test_the_fragment_is_for_the_buyers_own_order_only(buyer, other_buyer, merchant, order):
    url = reverse("triage:suggest", args=[order.pk])
    assert _page(other_buyer).get(url, {"description": "卡密无效"}).status_code == 404
    assert _page(merchant).get(url, {"description": "卡密无效"}).status_code == 403
    assert Client().get(url, {"description": "卡密无效"}).status_code in (302, 401)
    assert _page(buyer).post(url, {"description": "卡密无效"}).status_code == 405
    assert _page(buyer).get(reverse("triage:suggest", args=[2**60]), {"description": "x"}).status_code == 404


@pytest.mark.parametrize(("description", "status"), [("", 422), ("卡" * 1001, 422), ("a\x07b", 422)])
def test_the_fragment_refuses_bad_descriptions_with_a_message(buyer, order, description, status):
    url = reverse("triage:suggest", args=[order.pk])
    response = _page(buyer).get(url, {"description": description})
    assert response.status_code == status
    assert 'data-testid="triage-error"' in response.content.decode()
    assert 'class="chip"' not in response.content.decode()
