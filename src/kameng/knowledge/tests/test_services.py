from __future__ import annotations

import pytest
from django.utils import translation

from kameng.core.errors import DomainError
from kameng.knowledge import selectors, services
from kameng.knowledge.defaults import DEFAULT_ARTICLES
from kameng.knowledge.models import Article
from kameng.rulebook.problems import SUBTYPES

pytestmark = pytest.mark.django_db


def _article(operator, slug="check-it", **kw):
    values = {
        "subtype": "invalid_key",
        "title_zh": "卡密无效自查",
        "title_en": "Invalid code self-check",
        "body_zh": "第一段。\n\n第二段。",
        "body_en": "First.\n\nSecond.",
        **kw,
    }
    return services.upsert_article(operator=operator, slug=slug, **values)


def test_upsert_creates_then_replaces(operator):
    a = _article(operator, position=3)
    assert (a.slug, a.subtype, a.published, a.position) == ("check-it", "invalid_key", True, 3)
    b = _article(operator, subtype="activation_failed", title_zh="激活失败自查", published=False)
    assert b.pk == a.pk and b.subtype == "activation_failed" and b.published is False
    assert b.position == 3  # kept when not given
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"slug": "Has Spaces"},
        {"slug": "中文"},
        {"slug": "x" * 65},
        {"slug": "-lead"},
        {"subtype": "no_such_problem"},
        {"title_zh": "  "},
        {"title_zh": "题" * 121},
        {"body_zh": ""},
        {"body_en": "x" * 20001},
        {"published": "yes"},
        {"position": 10**6},
        {"position": True},
    ],
)
def test_bad_input_is_refused(operator, bad):
    with pytest.raises(DomainError) as exc:
        _article(operator, **bad)
    assert exc.value.code == "invalid_input"
    assert not Article.objects.exists()


def test_only_operators_edit(buyer, merchant, agent):
    for user in (buyer, merchant, agent):
        with pytest.raises(DomainError) as exc:
            _article(user)
        assert exc.value.code == "auth.role_required"
    assert not Article.objects.exists()


def test_install_defaults_is_idempotent_and_keeps_edits(operator):
    assert services.install_default_articles() == len(DEFAULT_ARTICLES)
    assert services.install_default_articles() == 0
    _article(operator, slug="invalid-key", title_zh="运营改过的标题")
    assert services.install_default_articles() == 0
    assert Article.objects.get(slug="invalid-key").title_zh == "运营改过的标题"
    Article.objects.filter(slug="wrong-region").delete()
    assert services.install_default_articles() == 1


def test_defaults_cover_the_promised_problems():
    titles = {a["subtype"]: a["title_zh"] for a in DEFAULT_ARTICLES}
    assert titles["activation_failed"] == "点卡激活失败如何自查"
    assert titles["invalid_key"] == "卡密显示无效怎么办"
    assert titles["not_delivered"] == "直充未到账如何自查"
    assert titles["wrong_region"] == "区服填写错误怎么办"
    for a in DEFAULT_ARTICLES:
        assert a["subtype"] in SUBTYPES
        assert a["title_en"] and len(a["body_zh"].split("\n\n")) >= 3 and len(a["body_en"].split("\n\n")) >= 3


def test_self_checks_are_published_and_ordered(operator):
    _article(operator, slug="b", position=2)
    _article(operator, slug="a", position=1)
    _article(operator, slug="hidden", published=False)
    _article(operator, slug="other", subtype="not_delivered")
    assert [a.slug for a in selectors.self_checks_for("invalid_key")] == ["a", "b"]
    assert selectors.self_checks_for("charged_twice") == []
    assert selectors.self_checks_for("nonsense") == []
    assert selectors.article("a").slug == "a"
    for missing in ("hidden", "nope", "", "x" * 100):
        with pytest.raises(DomainError) as exc:
            selectors.article(missing)
        assert exc.value.code == "not_found"


def test_title_and_body_follow_the_language_and_fall_back_to_chinese(operator):
    a = _article(operator)
    bare = _article(operator, slug="zh-only", title_en="", body_en="")
    with translation.override("en"):
        assert (a.title, a.paragraphs) == ("Invalid code self-check", ["First.", "Second."])
        assert (bare.title, bare.body) == ("卡密无效自查", "第一段。\n\n第二段。")
    with translation.override("zh-hans"):
        assert (a.title, a.paragraphs) == ("卡密无效自查", ["第一段。", "第二段。"])


def test_index_groups_by_family_in_taxonomy_order():
    services.install_default_articles()
    groups = selectors.articles_by_family()
    assert [g.family.code for g in groups] == ["product", "delivery"]
    assert [s.subtype.code for s in groups[0].subtypes] == [
        "invalid_key",
        "key_already_used",
        "wrong_region",
        "activation_failed",
    ]
