"""/api/v1/search: public search, the operator's synonym groups."""

from __future__ import annotations

import pytest

from kameng.search import services
from kameng.search.models import Synonym
from tests.helpers import ApiClient, assert_error

pytestmark = pytest.mark.django_db

BASE = "/api/v1/search"


@pytest.fixture(autouse=True)
def _docs():
    for key, title, body, visible in [
        ("a", "点卡激活失败如何自查", "先确认卡密。<script>x()</script>", True),
        ("b", "会员说明", "部分账号无法激活。", True),
        ("c", "激活失败（草稿）", "", False),
    ]:
        services.index_document(
            kind="article", key=key, language="zh", title=title, body=body, url=f"/help/{key}/", visible=visible
        )
    services.index_document(kind="question", key="12", language="zh", title="激活失败求助", body="", url="/c/12/")


def test_public_search_returns_visible_hits_ranked_and_highlighted():
    body = ApiClient().get(BASE, {"q": "激活失败"}).json()
    assert body["total"] == 3 and body["page"] == 1
    hits = body["hits"]
    assert {h["key"] for h in hits} == {"a", "b", "12"}
    assert not hits[-1]["title_match"] and hits[-1]["key"] == "b"
    assert "<mark>激活失败</mark>" in hits[0]["title_html"]
    assert all("<script>" not in h["snippet_html"] for h in hits)
    assert "无法激活" in body["terms"]


def test_kind_lang_and_page():
    client = ApiClient()
    assert [h["key"] for h in client.get(BASE, {"q": "激活失败", "kind": "question"}).json()["hits"]] == ["12"]
    assert client.get(BASE, {"q": "激活失败", "lang": "en"}).json()["total"] == 0
    page2 = client.get(BASE, {"q": "激活失败", "page": 2}).json()
    assert page2["total"] == 3 and page2["hits"] == []


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 422, "invalid_input"),
        ({"q": ""}, 422, "search.empty_query"),
        ({"q": "x" * 201}, 422, "search.query_too_long"),
        ({"q": "卡\x07"}, 422, "search.bad_query"),
        ({"q": "卡", "kind": "video"}, 422, "invalid_input"),
        ({"q": "卡", "lang": "fr"}, 422, "invalid_input"),
        ({"q": "卡", "page": 0}, 422, "invalid_input"),
        ({"q": "卡", "page": "x"}, 422, "invalid_input"),
        ({"q": "卡", "page": 10**9}, 422, "invalid_input"),
    ],
)
def test_bad_search_input(params, status, code):
    assert_error(ApiClient().get(BASE, params), status, code)


def test_punctuation_only_is_empty_not_an_error():
    assert ApiClient().get(BASE, {"q": '"*"()OR'}).json()["total"] == 0


def test_synonyms_need_an_operator(buyer, merchant, agent):
    for user in (buyer, merchant, agent):
        client = ApiClient(user)
        assert_error(client.get(f"{BASE}/synonyms"), 403, "auth.role_required")
        assert_error(client.post(f"{BASE}/synonyms", {"terms": ["甲方", "乙方"]}), 403, "auth.role_required")
        group = Synonym.objects.filter(deleted_at=None).first()
        assert_error(client.delete(f"{BASE}/synonyms/{group.pk}"), 403, "auth.role_required")
    assert_error(ApiClient().get(f"{BASE}/synonyms"), 401, "not_authenticated")
    assert not any("甲方" in t for t in Synonym.objects.values_list("terms", flat=True))
    assert Synonym.objects.filter(deleted_at=None).count() == Synonym.objects.count()


def test_operator_edits_synonyms_and_search_follows(operator):
    client = ApiClient(operator)
    groups = client.get(f"{BASE}/synonyms").json()
    activation = next(g for g in groups if "激活失败" in g["terms"])
    assert activation["default"] is True
    r = client.post(f"{BASE}/synonyms", {"id": activation["id"], "terms": ["激活失败", "激活不了"]})
    assert r.status_code == 200 and r.json()["terms"] == ["激活失败", "激活不了"]
    assert {h["key"] for h in ApiClient().get(BASE, {"q": "激活失败"}).json()["hits"]} == {"a", "12"}
    assert client.delete(f"{BASE}/synonyms/{activation['id']}").status_code == 204
    assert_error(client.delete(f"{BASE}/synonyms/{activation['id']}"), 404, "search.synonym_group_not_found")
    created = client.post(f"{BASE}/synonyms", {"terms": ["会员说明", "会员介绍"]})
    assert created.status_code == 201 and created.json()["default"] is False
    assert [h["key"] for h in ApiClient().get(BASE, {"q": "会员介绍"}).json()["hits"]] == ["b"]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"terms": ["一"]}, 422, "search.synonyms_invalid"),
        ({"terms": "卡密,卡号"}, 422, "invalid_input"),
        ({"terms": ["卡密", "全新"]}, 409, "search.synonym_term_taken"),
        ({"terms": ["甲方", "乙方"], "id": 999999}, 404, "search.synonym_group_not_found"),
        ({"terms": ["甲方", "乙方"], "id": "1"}, 422, "invalid_input"),
        ({"terms": ["甲方", "乙方"], "extra": 1}, 422, "invalid_input"),
        ({"terms": ["甲方\x00", "乙方"]}, 422, "invalid_input"),
    ],
)
def test_bad_synonym_input_changes_nothing(operator, payload, status, code):
    before = list(Synonym.objects.order_by("pk").values_list("terms", "deleted_at"))
    assert_error(ApiClient(operator).post(f"{BASE}/synonyms", payload), status, code)
    assert list(Synonym.objects.order_by("pk").values_list("terms", "deleted_at")) == before


def test_delete_bad_id(operator):
    assert_error(ApiClient(operator).delete(f"{BASE}/synonyms/0"), 422, "invalid_input")
    assert_error(ApiClient(operator).delete(f"{BASE}/synonyms/x"), 422, "invalid_input")
