"""/help/ and /help/<slug>/: public, Chinese by default, English on request."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client

from kameng.knowledge import selectors, services
from kameng.knowledge.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults():
    services.install_default_articles()


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def test_index_lists_articles_by_family():
    page = Client().get("/help/").content.decode()
    assert "帮助：问题自查" in page and "点卡激活失败如何自查" in page and 'href="/help/invalid-key/"' in page
    assert 'data-testid="family-product"' in page and 'data-testid="family-delivery"' in page
    assert "Card will not activate" in english().get("/help/").content.decode()


def test_article_page_in_both_languages():
    r = Client().get("/help/activation-failed-self-check/")
    page = r.content.decode()
    assert r.status_code == 200 and "<h1>点卡激活失败如何自查</h1>" in page
    assert page.count("<p>") >= 6  # one per paragraph
    en = english().get("/help/activation-failed-self-check/").content.decode()
    assert "Card will not activate: how to check it yourself" in en and "Help: self-checks" in en


def test_missing_or_unpublished_is_404():
    assert Client().get("/help/nope/").status_code == 404
    Article.objects.filter(slug="invalid-key").update(published=False)
    assert Client().get("/help/invalid-key/").status_code == 404
    assert "卡密显示无效怎么办" not in Client().get("/help/").content.decode()


def test_empty_index():
    Article.objects.all().delete()
    assert "还没有帮助文章" in Client().get("/help/").content.decode()


def test_self_check_fragment_for_the_open_case_page():
    html = render_to_string("knowledge/_self_checks.html", {"articles": selectors.self_checks_for("invalid_key")})
    assert "申请售后之前" in html and 'href="/help/invalid-key/"' in html
    assert render_to_string("knowledge/_self_checks.html", {"articles": []}).strip() == ""
