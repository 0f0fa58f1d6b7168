"""/help/search/ and the operator's synonym editor."""

from __future__ import annotations

import pytest

from kameng.search import services
from kameng.search.models import Synonym

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _docs():
    for i in range(12):
        services.index_document(
            kind="article", key=f"a{i}", language="zh", title=f"退款说明 {i}", body="退款 <script>x()</script>",
            url=f"/help/a{i}/",
        )  # fmt: skip
    services.index_document(kind="question", key="5", language="zh", title="怎么退钱", body="", url="/community/5/")


def test_results_page_badges_marks_and_pages(client):
    r = client.get("/help/search/", {"q": "退款"})
    html = r.content.decode()
    assert r.status_code == 200
    assert html.count('class="card search-hit"') == 10
    assert "<mark>退款</mark>" in html and "<script>x()" not in html and "&lt;script&gt;" in html
    assert "page=2" in html
    page2 = client.get("/help/search/", {"q": "退款", "page": 2}).content.decode()
    assert page2.count('class="card search-hit"') == 3
    assert 'data-kind="question"' in html + page2  # 怎么退钱, through the 退款 ↔ 退钱 synonyms


def test_results_page_kind_filter_and_english(client, settings):
    # Chinese by default whatever the browser says; English is the visitor's choice (the cookie).
    zh = client.get("/help/search/", {"q": "退款", "kind": "question"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert zh.count('class="card search-hit"') == 1 and "社群问答" in zh
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/help/search/", {"q": "退款", "kind": "question"}).content.decode()
    assert html.count('class="card search-hit"') == 1 and "Community Q&amp;A" in html


@pytest.mark.parametrize(
    "params", [{"q": "x" * 201}, {"q": "退款\x00"}, {"q": "退款", "kind": "x"}, {"q": "退款", "page": "0"}]
)
def test_results_page_bad_input_is_4xx(client, params):
    r = client.get("/help/search/", params)
    assert r.status_code == 422  # (a NUL is refused by the core middleware before the view)
    assert b"alert-error" in r.content or "\x00" in params["q"]


def test_empty_search_page_shows_the_form(client):
    r = client.get("/help/search/")
    assert r.status_code == 200 and b'name="q"' in r.content


def test_synonym_editor_is_for_operators(client, buyer, merchant, agent):
    for user in (buyer, merchant, agent):
        client.force_login(user)
        assert client.get("/console/search/synonyms/").status_code == 403
        assert client.post("/console/search/synonyms/", {"terms": "甲方,乙方"}).status_code == 403
    assert not any("甲方" in t for t in Synonym.objects.values_list("terms", flat=True))


def test_operator_adds_edits_and_deletes_with_htmx(client, operator):
    client.force_login(operator)
    page = client.get("/console/search/synonyms/")
    assert page.status_code == 200 and "激活失败" in page.content.decode()
    r = client.post("/console/search/synonyms/", {"terms": "甲方，乙方 丙方"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b'id="synonyms"' in r.content and b"<html" not in r.content
    group = next(g for g in Synonym.objects.all() if "甲方" in g.terms)
    assert group.terms == ["甲方", "乙方", "丙方"]
    r = client.post("/console/search/synonyms/", {"terms": "甲方,丁方", "group": group.pk})
    assert r.status_code == 302
    group.refresh_from_db()
    assert group.terms == ["甲方", "丁方"]
    bad = client.post("/console/search/synonyms/", {"terms": "卡密,丁方"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 409 and b"alert-error" in bad.content
    assert client.post("/console/search/synonyms/", {"terms": "x", "group": "abc"}).status_code == 404
    assert client.post(f"/console/search/synonyms/{group.pk}/delete/").status_code == 302
    assert not Synonym.objects.filter(pk=group.pk).exists()
    assert client.post(f"/console/search/synonyms/{group.pk}/delete/").status_code == 404
