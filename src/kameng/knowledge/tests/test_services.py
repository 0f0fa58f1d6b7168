from __future__ import annotations

import pytest
from django.utils import translation

from kameng.core.errors import DomainError
from kameng.knowledge import selectors, services
from kameng.knowledge.defaults import DEFAULT_ARTICLES
from kameng.knowledge.models import Article, ArticleState, ArticleVersion
from kameng.knowledge.selectors import GENERAL_SLUGS
from kameng.knowledge.tests.conftest import make
from kameng.rulebook.problems import SUBTYPES

pytestmark = pytest.mark.django_db


def _save(author, slug="check-it", **kw):
    a = Article.objects.get(slug=slug)
    values = {
        "title_zh": a.title_zh,
        "title_en": a.title_en,
        "body_zh": a.body_zh,
        "body_en": a.body_en,
        "subtypes": a.subtype_codes,
        "categories": a.category_codes,
        **kw,
    }
    return services.update_article(author=author, slug=slug, **values)


def test_create_makes_a_draft_with_version_one(agent):
    a = make(agent, subtypes=["invalid_key", "key_already_used"], categories=["membership", "game_card"])
    assert (a.state, a.version, a.author) == (ArticleState.DRAFT, 1, agent)
    assert a.subtype_codes == ["invalid_key", "key_already_used"]
    assert a.category_codes == ["game_card", "membership"]  # in the catalogue's order
    v = ArticleVersion.objects.get(article=a)
    assert (v.number, v.title_zh, v.author) == (1, "卡密无效自查", agent)
    assert v.subtypes == ["invalid_key", "key_already_used"]
    with pytest.raises(DomainError) as exc:
        make(agent)
    assert exc.value.code == "knowledge.slug_taken"


def test_every_save_of_content_is_a_version_and_restore_adds_one(operator, agent):
    make(agent)
    _save(operator, title_zh="第二版", note="typo")
    _save(operator, title_zh="第二版")  # the same content again: no new version
    _save(agent, subtypes=["activation_failed"], body_zh="第三版正文")
    a = Article.objects.get(slug="check-it")
    assert a.version == 3 and a.subtype_codes == ["activation_failed"] and a.title_zh == "第二版"
    numbers = [(v.number, v.author, v.note) for v in selectors.versions_of(user=operator, slug="check-it")]
    assert numbers == [(3, agent, ""), (2, operator, "typo"), (1, agent, "")]
    services.restore_version(author=operator, slug="check-it", number=1)
    a = Article.objects.get(slug="check-it")
    assert (a.version, a.title_zh, a.subtype_codes) == (4, "卡密无效自查", ["invalid_key"])
    latest = selectors.version_of(user=operator, slug="check-it", number=4)
    assert latest.note == "restored version 1" and latest.author == operator
    assert ArticleVersion.objects.filter(article=a).count() == 4  # history is never rewritten
    for missing in (0, 99, 2**40, True):
        with pytest.raises(DomainError) as exc:
            services.restore_version(author=operator, slug="check-it", number=missing)
        assert exc.value.code == "not_found"
    assert Article.objects.get(slug="check-it").version == 4


def test_stale_save_is_refused(agent, operator):
    make(agent)
    _save(operator, title_zh="运营先改了", base_version=1)
    with pytest.raises(DomainError) as exc:
        _save(agent, title_zh="客服后改", base_version=1)
    assert exc.value.code == "knowledge.stale"
    assert Article.objects.get(slug="check-it").title_zh == "运营先改了"


@pytest.mark.parametrize(
    "bad",
    [
        {"slug": "Has Spaces"},
        {"slug": "中文"},
        {"slug": "x" * 65},
        {"slug": "-lead"},
        {"slug": "search"},  # /help/search/ is the search page (seen in review: published, never opened)
        {"subtypes": ["no_such_problem"]},
        {"subtypes": "invalid_key"},
        {"categories": ["cars"]},
        {"title_zh": "  "},
        {"title_zh": "题" * 121},
        {"body_zh": ""},
        {"body_zh": "a\x00b"},
        {"body_en": "x" * 20001},
        {"position": 10**6},
        {"position": True},
        {"note": "n" * 201},
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(operator, bad):
    with pytest.raises(DomainError) as exc:
        make(operator, **bad)
    assert exc.value.code == "invalid_input"
    assert not Article.objects.exists() and not ArticleVersion.objects.exists()


def test_bad_update_changes_nothing(operator):
    make(operator)
    with pytest.raises(DomainError):
        _save(operator, title_zh="新标题", subtypes=["nope"])
    a = Article.objects.get(slug="check-it")
    assert (a.title_zh, a.version) == ("卡密无效自查", 1)


def test_buyers_and_merchants_cannot_write(buyer, merchant, agent):
    make(agent)
    for user in (buyer, merchant, None):
        with pytest.raises(DomainError) as exc:
            make(user, slug="mine")
        assert exc.value.code in ("auth.role_required", "not_authenticated")
        for call in (
            lambda u=user: _save(u, title_zh="坏人"),
            lambda u=user: services.publish_article(actor=u, slug="check-it"),
            lambda u=user: services.archive_article(actor=u, slug="check-it"),
            lambda u=user: services.restore_version(author=u, slug="check-it", number=1),
            lambda u=user: selectors.editor_articles(user=u),
            lambda u=user: selectors.versions_of(user=u, slug="check-it"),
        ):
            with pytest.raises(DomainError) as exc:
                call()
            assert exc.value.code in ("auth.role_required", "not_authenticated")
    a = Article.objects.get(slug="check-it")
    assert (a.state, a.version, a.title_zh) == (ArticleState.DRAFT, 1, "卡密无效自查")
    assert not Article.objects.filter(slug="mine").exists()


def test_drafts_and_archived_are_not_public(agent):
    make(agent)
    assert selectors.self_checks_for("invalid_key") == []
    with pytest.raises(DomainError):
        selectors.article("check-it")
    services.publish_article(actor=agent, slug="check-it")
    assert [a.slug for a in selectors.self_checks_for("invalid_key")] == ["check-it"]
    assert [a.slug for a in selectors.for_category("game_card")] == ["check-it"]
    assert selectors.article("check-it").published_at is not None
    services.archive_article(actor=agent, slug="check-it")
    assert selectors.self_checks_for("invalid_key") == [] and selectors.published_articles() == []


def test_install_defaults_is_idempotent_and_keeps_edits(operator):
    assert services.install_default_articles() == len(DEFAULT_ARTICLES)
    assert services.install_default_articles() == 0
    _save(operator, slug="invalid-key", title_zh="运营改过的标题")
    services.archive_article(actor=operator, slug="wrong-region")
    assert services.install_default_articles() == 0
    assert Article.objects.get(slug="invalid-key").title_zh == "运营改过的标题"
    assert Article.objects.get(slug="wrong-region").state == ArticleState.ARCHIVED
    Article.objects.filter(slug="wrong-region").delete()
    assert services.install_default_articles() == 1
    assert Article.objects.get(slug="invalid-key").version == 2


def test_starter_set_covers_every_subtype_and_the_general_articles(defaults):
    for code in SUBTYPES:
        assert selectors.self_checks_for(code), f"no published article for {code}"
    general = {a.slug: a for a in selectors.general_articles()}
    assert set(GENERAL_SLUGS) <= set(general)
    titles = {a.title_zh for a in general.values()}
    assert {"如何留存证据", "什么情况下可以申请平台介入", "极速退款与先行赔付是什么", "如何向12315投诉"} <= titles
    for data in DEFAULT_ARTICLES:
        assert data["title_en"] and data["body_en"]
        for body in (data["body_zh"], data["body_en"]):
            assert "\n## " in body and "\n1. " in body, data["slug"]  # headings and numbered steps
    assert all(v.version == 1 and v.author is None for v in Article.objects.all())


def test_starter_set_quotes_the_rulebook_defaults(defaults):
    from kameng.rulebook.params import PARAM_BY_NAME

    intervention = Article.objects.get(slug="when-to-ask-for-platform-intervention").body_zh
    for clause in ("4.1", "4.2", "4.3", "4.4", "6.1", "3.6"):
        assert f"规则 {clause}" in intervention or f"{clause}）" in intervention
    assert f"**{PARAM_BY_NAME['merchant_answer_hours'].default} 小时**" in intervention
    assert f"**{PARAM_BY_NAME['merchant_unreachable_days'].default} 天**" in intervention
    fast = Article.objects.get(slug="fast-refund-and-advance-compensation")
    assert PARAM_BY_NAME["fast_refund_max_fen"].show(PARAM_BY_NAME["fast_refund_max_fen"].default) in fast.body_zh
    assert "8.2" in fast.body_zh and "8.3" in fast.body_en


def test_language_and_fallback(operator):
    a = make(operator)
    bare = make(operator, slug="zh-only", title_en="", body_en="")
    with translation.override("en"):
        assert (a.title, bare.title, bare.body) == ("Invalid code self-check", "卡密无效自查", bare.body_zh)
    with translation.override("zh-hans"):
        assert a.title == "卡密无效自查"


def test_index_groups_by_family_and_an_article_under_each_subtype(operator, defaults):
    make(operator, slug="both", subtypes=["invalid_key", "not_delivered"])
    services.publish_article(actor=operator, slug="both")
    groups = selectors.articles_by_family()
    assert [g.family.code for g in groups] == ["product", "delivery", "service"]
    by_code = {s.subtype.code: [a.slug for a in s.articles] for g in groups for s in g.subtypes}
    assert "both" in by_code["invalid_key"] and "both" in by_code["not_delivered"]
    assert [s.subtype.code for s in groups[0].subtypes] == [c for c in SUBTYPES if SUBTYPES[c].family == "product"]


def test_case_stage_help_for_every_state(defaults):
    from kameng.aftersales.models import CaseState

    assert set(selectors.STAGE_ARTICLES) == set(CaseState.values)  # every stage has its article
    for state in CaseState.values:
        help_ = selectors.help_for_case_stage(state=state, subtype="invalid_key")
        assert help_.stage_article is not None and help_.stage_article.slug in GENERAL_SLUGS, state
        assert [a.slug for a in help_.articles] == ["invalid-key"]
    assert selectors.help_for_case_stage(state="evidence", subtype="x").stage_article.slug == "how-to-preserve-evidence"
