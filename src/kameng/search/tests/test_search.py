"""Search over the documents: Chinese words and synonyms, ranking, highlighting, visibility."""

from __future__ import annotations

import pytest

from kameng.core.errors import DomainError
from kameng.search import registry, selectors, services
from kameng.search.models import SearchDocument, Synonym

pytestmark = pytest.mark.django_db


def doc(key, title, body="", *, kind="article", language="zh", visible=True):
    services.index_document(
        kind=kind, key=key, language=language, title=title, body=body, url=f"/help/{key}/", visible=visible
    )


def keys(query, **kwargs):
    return [h.key for h in selectors.search(query, **kwargs).hits]


@pytest.fixture
def corpus():
    doc("title", "点卡激活失败如何自查", "先确认卡密没有输错。")
    doc("body", "充值常见问题", "如果提示激活失败，请检查区服。")
    doc("only-synonym", "会员开通说明", "部分账号无法激活该会员，请先查看账号状态。")
    doc("unrelated", "话费延迟到账", "直充一般十分钟内到账。")


def activation_group():
    return next(g for g in selectors.synonym_groups() if "激活失败" in g.terms)


def test_activation_failed_finds_the_articles_and_the_synonym_one(corpus):
    found = keys("激活失败")
    assert set(found) == {"title", "body", "only-synonym"}
    assert found[0] == "title"  # the title match first


def test_removing_the_synonym_group_stops_the_synonym_match(corpus, operator):
    assert "only-synonym" in keys("激活失败")
    services.delete_synonyms(operator=operator, group_id=activation_group().id)
    assert set(keys("激活失败")) == {"title", "body"}
    # And a fresh install does not bring the deleted default group back.
    assert services.install_default_synonyms() == 0
    assert "only-synonym" not in keys("激活失败")


def test_an_operator_group_adds_a_match(corpus, operator):
    assert keys("账号状态") == ["only-synonym"]
    assert keys("账户情况") == []
    services.save_synonyms(operator=operator, terms=["账号状态", "账户情况"])
    assert keys("账户情况") == ["only-synonym"]


def test_title_match_ranks_above_body_match_even_with_a_longer_body():
    doc("b", "常见问题", "卡密 卡密 卡密 卡密，卡密被使用。卡密卡密卡密。")
    doc("t", "卡密说明", "请阅读以下内容。")
    results = selectors.search("卡密")
    assert [h.key for h in results.hits] == ["t", "b"]
    assert results.hits[0].title_hit and not results.hits[1].title_hit


def test_highlighting_marks_the_words_and_escapes_script():
    doc("xss", "<script>alert(1)</script> 激活失败怎么办", "<b>粗</b> 激活失败 & <script>bad()</script>")
    hit = selectors.search("激活失败").hits[0]
    assert "<script>" not in hit.title_html and "<script>" not in hit.snippet_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hit.title_html
    assert "<mark>激活失败</mark>" in hit.title_html
    assert "<mark>激活失败</mark>" in hit.snippet_html and "&amp;" in hit.snippet_html


def test_a_query_with_markup_is_never_echoed_unescaped():
    doc("m", "标记测试", "关于 mark 的说明")
    hit = selectors.search("<mark>").hits[0]
    assert hit.snippet_html.count("<mark>") == 1 and "<mark>mark</mark>" in hit.snippet_html


def test_full_width_and_half_width_match():
    doc("qq", "ＱＱ会员开通失败", "")
    doc("qq2", "如何开通", "qq会员 自动续费")
    assert set(keys("qq会员")) == {"qq", "qq2"}
    assert set(keys("ＱＱ会员")) == {"qq", "qq2"}
    assert "<mark>ＱＱ会员</mark>" in selectors.search("qq会员").hits[0].title_html


def test_invisible_documents_are_never_returned():
    doc("shown", "退款流程", "")
    doc("hidden", "退款说明", "", visible=False)
    assert keys("退款") == ["shown"]
    doc("hidden", "退款说明", "", visible=True)
    assert set(keys("退款")) == {"shown", "hidden"}


def test_kind_and_language_filters_and_language_preference():
    doc("a", "Refund steps", "How a refund works", language="en")
    doc("a", "退款流程 refund", "", language="zh")
    doc("7", "退款多久到账 refund", "", kind="question")
    assert keys("refund", kinds=["question"]) == ["7"]
    assert [h.language for h in selectors.search("refund", language="en").hits] == ["en"]
    assert selectors.search("refund", prefer_language="en").hits[0].language == "en"
    assert selectors.search("refund", prefer_language="zh").hits[0].language == "zh"


def test_short_query_and_multi_word_query():
    doc("k", "卡密被使用", "")
    doc("r", "区服选错了", "")
    assert keys("卡") == ["k"]
    assert keys("卡密 区服") == []
    assert keys("卡密为什么被使用") == ["k"]


@pytest.mark.parametrize("query", ["！！！", "...", "“”", "*", '"', "OR", "NEAR(", "a:b", "'", "\\", "^", "(", ")"])
def test_punctuation_and_fts_syntax_never_error(query):
    doc("x", "卡密", "")
    assert selectors.search(query).total in (0, 1)


@pytest.mark.parametrize(
    ("query", "code"),
    [("", "search.empty_query"), ("   ", "search.empty_query"), ("x" * 201, "search.query_too_long"),
     ("卡密\x00", "search.bad_query"), ("卡密\x1b", "search.bad_query")],
)  # fmt: skip
def test_bad_queries_are_refused_with_a_code(query, code):
    with pytest.raises(DomainError) as err:
        selectors.search(query)
    assert err.value.code == code and 400 <= err.value.status < 500


def test_index_document_is_an_upsert_and_remove_takes_languages():
    doc("a", "旧标题", "")
    doc("a", "新标题", "正文")
    doc("a", "English title", "", language="en")
    assert SearchDocument.objects.filter(key="a").count() == 2
    assert keys("旧标题") == [] and keys("新标题") == ["a"]
    services.remove_document(kind="article", key="a", language="en")
    assert keys("english") == []
    services.remove_document(kind="article", key="a")
    assert keys("新标题") == [] and not SearchDocument.objects.exists()
    services.remove_document(kind="article", key="missing")  # no error


def test_markdown_body_is_stored_plain():
    doc("md", "标题", "**加粗** [链接](https://example.com) <script>x()</script>")
    body = SearchDocument.objects.get(key="md").body
    assert "**" not in body and "](" not in body and body.startswith("加粗 链接")
    # Raw HTML in Markdown is text, not markup: kept as words, escaped wherever it is shown.
    assert "&lt;script&gt;" in selectors.search("加粗").hits[0].snippet_html


@pytest.mark.parametrize(
    "bad",
    [{"kind": "post"}, {"language": "fr"}, {"title": ""}, {"url": "javascript:x"}, {"key": ""}, {"title": "a\x00"}],
)
def test_bad_documents_are_refused_and_nothing_is_written(bad):
    values = {"kind": "article", "key": "k", "language": "zh", "title": "标题", "body": "", "url": "/x/", **bad}
    with pytest.raises(DomainError) as err:
        services.index_document(**values)
    assert err.value.code in ("search.bad_document", "invalid_input")
    assert not SearchDocument.objects.exists()


def test_reindex_is_idempotent_and_drops_what_a_source_no_longer_yields():
    docs = [
        {"key": "a", "language": "zh", "title": "卡密无效", "body": "内容", "url": "/help/a/"},
        {"key": "b", "language": "zh", "title": "区服错误", "body": "内容", "url": "/help/b/"},
    ]
    sources = {"article": lambda: iter(docs)}
    assert services.reindex(sources=sources) == {"article": 2}
    first = list(SearchDocument.objects.order_by("pk").values_list("key", "title_terms", "body_terms"))
    assert services.reindex(sources=sources) == {"article": 2}
    assert list(SearchDocument.objects.order_by("pk").values_list("key", "title_terms", "body_terms")) == first
    assert keys("卡密") == ["a"]
    docs.pop(0)
    services.reindex(sources=sources)
    assert keys("卡密") == [] and keys("区服") == ["b"]


def test_register_source_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        registry.register_source("video", lambda: [])


def test_default_synonyms_are_installed_once():
    assert Synonym.objects.filter(default_key="card-key").exists()
    assert services.install_default_synonyms() == 0
    terms = {t for g in selectors.synonym_groups() for t in g.terms}
    assert {"卡密", "激活失败", "无法激活", "未到账", "没到账", "区服", "客服", "退款", "话费"} <= terms


def test_synonym_editing_needs_an_operator(buyer, merchant, agent, operator):
    group = activation_group()
    for user in (buyer, merchant, agent, None):
        with pytest.raises(DomainError) as err:
            services.save_synonyms(operator=user, terms=["甲", "乙"])
        assert err.value.code in ("auth.role_required", "not_authenticated")
        with pytest.raises(DomainError):
            services.delete_synonyms(operator=user, group_id=group.id)
    assert Synonym.objects.filter(pk=group.id, deleted_at=None).exists()
    saved = services.save_synonyms(operator=operator, terms=["激活失败", "无法激活"], group_id=group.id)
    assert saved.terms == ["激活失败", "无法激活"]


@pytest.mark.parametrize(
    ("terms", "code"),
    [
        (["只有一个"], "search.synonyms_invalid"),
        (["同", "同"], "search.synonyms_invalid"),
        (["！！", "好"], "search.synonyms_invalid"),
        (["长" * 21, "短"], "search.synonyms_invalid"),
        ([f"词{i}" for i in range(13)], "search.synonyms_invalid"),
        (["卡密", "新词"], "search.synonym_term_taken"),
        (["好\x00", "坏"], "invalid_input"),
        ("卡密,新词", "search.synonyms_invalid"),
    ],
)
def test_bad_synonym_groups_are_refused_and_nothing_changes(operator, terms, code):
    before = list(Synonym.objects.order_by("pk").values_list("terms", flat=True))
    with pytest.raises(DomainError) as err:
        services.save_synonyms(operator=operator, terms=terms)
    assert err.value.code == code
    assert list(Synonym.objects.order_by("pk").values_list("terms", flat=True)) == before


def test_synonym_terms_are_normalised(operator):
    group = services.save_synonyms(operator=operator, terms=["ＡＢＣ点卡", " abc点卡 ", "新点卡"])
    assert group.terms == ["abc点卡", "新点卡"]
    with pytest.raises(DomainError) as err:
        services.delete_synonyms(operator=operator, group_id=999_999)
    assert err.value.code == "search.synonym_group_not_found"


def test_an_article_in_two_languages_is_one_hit():
    # Seen in review: the Chinese page listed 如何向12315投诉 and "How to complain to 12315" both.
    doc("complain", "如何向12315投诉", "投诉材料包。", language="zh")
    doc("complain", "How to complain to 12315", "The complaint package.", language="en")
    zh = selectors.search("12315", prefer_language="zh")
    assert [(h.key, h.language) for h in zh.hits] == [("complain", "zh")] and zh.total == 1
    en = selectors.search("12315", prefer_language="en")
    assert [(h.key, h.language) for h in en.hits] == [("complain", "en")]
    # Words only the other language's copy has still find it.
    assert [(h.key, h.language) for h in selectors.search("package", prefer_language="zh").hits] == [("complain", "en")]
    # Asked for one language, that copy alone.
    assert [h.language for h in selectors.search("12315", language="en").hits] == ["en"]
