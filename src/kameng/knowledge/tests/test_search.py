"""Published articles are findable through kameng.search; drafts and archived ones are not."""

from __future__ import annotations

import pytest

from kameng.core.errors import DomainError
from kameng.knowledge import services
from kameng.knowledge.models import Article
from kameng.knowledge.tests.conftest import make
from kameng.search import selectors as search
from kameng.search import services as search_services
from kameng.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def found(query: str, **kw) -> list[tuple[str, str]]:
    return [(h.key, h.language) for h in search.search(query, kinds=["article"], **kw).hits]


def test_publishing_makes_an_article_findable_and_archiving_hides_it(agent):
    make(agent, title_zh="点卡激活失败自查", body_zh="## 步骤\n\n1. 检查充值入口", title_en="Activation", body_en="")
    assert found("激活失败") == []  # a draft is not searchable
    services.publish_article(actor=agent, slug="check-it")
    assert ("check-it", "zh") in found("激活失败")
    assert found("Activation", language="en") == [("check-it", "en")]
    a = Article.objects.get(slug="check-it")
    services.update_article(
        author=agent, slug="check-it", title_zh=a.title_zh, body_zh="## 新\n\n1. 核对卡号", title_en="", body_en=""
    )
    assert ("check-it", "zh") in found("核对卡号") and found("Activation", language="en") == []
    services.archive_article(actor=agent, slug="check-it")
    assert found("激活失败") == [] and found("核对卡号") == []


def test_starter_set_is_indexed_and_rebuilds_from_the_source(defaults):
    assert ("activation-failed-self-check", "zh") in found("激活失败")
    SearchDocument.objects.filter(kind="article").delete()
    counts = search_services.reindex()
    assert counts["article"] == 2 * Article.objects.count()  # every starter article has both languages
    assert ("how-to-complain-to-12315", "zh") in found("12315")


def test_a_refused_save_leaves_the_index_alone(agent, operator):
    make(agent, title_zh="延迟到账", body_zh="请等待")
    services.publish_article(actor=agent, slug="check-it")
    services.update_article(author=operator, slug="check-it", title_zh="延迟到账", body_zh="再等等", base_version=1)
    with pytest.raises(DomainError):  # stale: refused under the lock, before anything is written
        services.update_article(author=agent, slug="check-it", title_zh="改了", body_zh="换卡密", base_version=1)
    assert ("check-it", "zh") in found("再等等") and found("换卡密") == []
