"""/help/ and /help/<slug>/ (public, Chinese by default), the vote widget, the editors' console."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client

from kameng.knowledge import selectors, services
from kameng.knowledge.models import Article, ArticleVersion, ArticleVote
from kameng.knowledge.tests.conftest import make

pytestmark = pytest.mark.django_db


def login(user=None, lang=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    if lang:
        client.cookies["django_language"] = lang
    return client


def test_index_by_family_subtype_general_and_category(defaults):
    page = Client().get("/help/").content.decode()
    assert "售后知识库" in page and "点卡激活失败如何自查" in page and 'href="/help/invalid-key/"' in page
    for testid in ("family-product", "family-delivery", "family-service", "general-articles", "by-category"):
        assert f'data-testid="{testid}"' in page
    assert 'data-testid="subtype-shirking"' in page and 'data-testid="category-phone_topup"' in page
    assert "如何向12315投诉" in page
    assert "Card will not activate" in login(lang="en").get("/help/").content.decode()


def test_article_is_rendered_markdown_in_both_languages(defaults):
    r = Client().get("/help/activation-failed-self-check/")
    page = r.content.decode()
    assert r.status_code == 200 and "<h1>点卡激活失败如何自查</h1>" in page
    assert "<h2>自查步骤</h2>" in page and "<ol>" in page and "<strong>确认充值入口是否正确</strong>" in page
    assert "Kameng 团队" in page or "Kameng team" in page  # the starter set's author
    en = login(lang="en").get("/help/activation-failed-self-check/").content.decode()
    assert "Card will not activate: how to check it yourself" in en and "<h2>Check step by step</h2>" in en


def test_author_and_editor_are_shown(agent, operator):
    make(agent)
    services.publish_article(actor=agent, slug="check-it")
    a = Article.objects.get(slug="check-it")
    services.update_article(
        author=operator, slug="check-it", title_zh="新", body_zh=a.body_zh, subtypes=["invalid_key"]
    )
    page = Client().get("/help/check-it/").content.decode()
    assert agent.shown_name in page and operator.shown_name in page


def test_script_and_javascript_links_are_inert(agent):
    evil = (
        "# 标题\n\n<script>alert(1)</script>\n\n[点我](javascript:alert(2))\n\n"
        '<img src=x onerror="alert(3)">\n\n[ok](https://example.com)'
    )
    make(agent, body_zh=evil)
    services.publish_article(actor=agent, slug="check-it")
    page = Client().get("/help/check-it/").content.decode()
    body = page.split('data-testid="article-body">', 1)[1].split("</div>", 1)[0]
    for html in (body, login(agent).post("/console/help/preview/", {"body_zh": evil, "lang": "zh"}).content.decode()):
        assert "<script" not in html and "&lt;script&gt;" in html  # shown as text, never run
        assert not re.search(r"href=[\"']?\s*javascript:", html, re.IGNORECASE)
        assert not re.search(r"<[a-z]+[^>]*\son\w+=", html, re.IGNORECASE) and "<img" not in html
        assert 'href="https://example.com" rel="nofollow noopener ugc"' in html


def test_missing_draft_or_archived_is_404(agent, defaults):
    assert Client().get("/help/nope/").status_code == 404
    make(agent)
    assert Client().get("/help/check-it/").status_code == 404
    services.archive_article(actor=agent, slug="invalid-key")
    assert Client().get("/help/invalid-key/").status_code == 404
    assert "卡密显示无效怎么办" not in Client().get("/help/").content.decode()


def test_empty_index():
    assert "还没有帮助文章" in Client().get("/help/").content.decode()


def test_votes_from_the_page_signed_in_and_by_session(defaults, buyer, agent):
    url = "/help/invalid-key/vote/"
    anon = Client()
    r = anon.post(url, {"helpful": "yes"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'data-testid="vote-thanks"' in r.content.decode()
    anon.post(url, {"helpful": "yes"}, headers={"HX-Request": "true"})
    anon.post(url, {"helpful": "no"})  # without htmx: a redirect back
    Client().post(url, {"helpful": "no"}, headers={"HX-Request": "true"})  # another session
    login(buyer).post(url, {"helpful": "yes"})
    login(buyer).post(url, {"helpful": "yes"})
    a = Article.objects.get(slug="invalid-key")
    assert (a.helpful_count, a.unhelpful_count) == (1, 2) and ArticleVote.objects.count() == 3
    bad = login(buyer).post(url, {"helpful": "maybe"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422 and ArticleVote.objects.count() == 3
    assert Client().post("/help/nope/vote/", {"helpful": "yes"}).status_code == 404
    page = login(buyer).get("/help/invalid-key/").content.decode()
    assert 'data-testid="vote-widget"' in page and 'hx-post="/help/invalid-key/vote/"' in page
    assert 'data-testid="vote-counts"' not in page  # counts are for editors
    assert 'data-testid="vote-counts"' in login(agent).get("/help/invalid-key/").content.decode()


ONE = "/console/help/articles/invalid-key/"
CONSOLE_PAGES = ["/console/help/", "/console/help/new/", ONE, ONE + "history/", ONE + "versions/1/"]


def test_console_is_for_operators_and_agents_only(defaults, buyer, merchant, agent, operator):
    for path in CONSOLE_PAGES:
        for user in (buyer, merchant):
            assert login(user).get(path).status_code == 403, path
        assert login().get(path).status_code in (302, 401), path
        for user in (agent, operator):
            assert login(user).get(path).status_code == 200, path
    for path in (ONE + "archive/", ONE + "versions/1/restore/"):
        assert login(buyer).post(path).status_code == 403
    assert login(merchant).post("/console/help/new/", {"slug": "x", "title_zh": "t", "body_zh": "b"}).status_code == 403
    assert not Article.objects.filter(slug="x").exists()
    assert Article.objects.get(slug="invalid-key").state == "published"
    assert login(operator).get("/console/help/articles/nope/").status_code == 404


def test_console_create_edit_publish_history_restore(agent, operator):
    client = login(agent)
    r = client.post(
        "/console/help/new/",
        {
            "slug": "late",
            "title_zh": "晚到",
            "body_zh": "## 一\n\n1. 等",
            "subtypes": ["late_delivery"],
            "categories": ["phone_topup"],
        },
    )
    assert r.status_code == 302 and r["Location"] == "/console/help/articles/late/"
    a = Article.objects.get(slug="late")
    assert (a.state, a.author, a.subtype_codes) == ("draft", agent, ["late_delivery"])
    assert a.category_codes == ["phone_topup"]
    edit = {"title_zh": "晚到了", "body_zh": "## 二", "subtypes": ["late_delivery"], "base_version": "1", "note": "稿"}
    assert login(operator).post("/console/help/articles/late/", edit).status_code == 302
    stale = client.post("/console/help/articles/late/", {**edit, "title_zh": "旧稿"})
    assert stale.status_code == 409 and Article.objects.get(slug="late").title_zh == "晚到了"
    bad = client.post("/console/help/articles/late/", {**edit, "base_version": "2", "subtypes": ["nope"]})
    assert bad.status_code == 422 and 'data-testid="form-error"' in bad.content.decode()
    assert client.post("/console/help/articles/late/publish/").status_code == 302
    assert Client().get("/help/late/").status_code == 200
    assert client.post("/console/help/articles/late/publish/").status_code == 409
    history = client.get("/console/help/articles/late/history/").content.decode()
    assert 'data-testid="version-2"' in history and "<td>稿</td>" in history and 'data-testid="restore-1"' in history
    assert "<h2>二</h2>" in client.get("/console/help/articles/late/versions/2/").content.decode()
    assert client.post("/console/help/articles/late/versions/1/restore/").status_code == 302
    a = Article.objects.get(slug="late")
    assert (a.version, a.title_zh, a.state) == (3, "晚到", "published")
    assert client.get("/console/help/articles/late/versions/99/").status_code == 404
    assert client.post("/console/help/articles/late/versions/99/restore/").status_code == 404
    assert client.post("/console/help/articles/late/archive/").status_code == 302
    assert Client().get("/help/late/").status_code == 404
    listing = client.get("/console/help/?state=archived").content.decode()
    assert 'data-testid="row-late"' in listing
    assert client.get("/console/help/?sort=bogus").status_code == 422
    assert ArticleVersion.objects.filter(article=a).count() == 3


def test_preview_renders_markdown(agent, buyer):
    r = login(agent).post("/console/help/preview/", {"body_en": "## Hi\n\n1. one", "lang": "en"})
    assert r.status_code == 200 and "<h2>Hi</h2>" in r.content.decode() and "<ol>" in r.content.decode()
    assert login(buyer).post("/console/help/preview/", {"body_zh": "x"}).status_code == 403
    assert login(agent).post("/console/help/preview/", {"body_zh": "x" * 20001}).status_code == 422


def test_self_check_fragment_for_the_open_case_page(defaults):
    html = render_to_string("knowledge/_self_checks.html", {"articles": selectors.self_checks_for("invalid_key")})
    assert "申请售后之前" in html and 'href="/help/invalid-key/"' in html
    assert render_to_string("knowledge/_self_checks.html", {"articles": []}).strip() == ""
