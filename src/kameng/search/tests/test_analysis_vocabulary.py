"""Search's synonym terms are joined after jieba's cut; jieba itself is never taught, so the cuts
the problem-type model was trained on never move (the full suite once rebuilt a different model
after the search tests had taught jieba their terms)."""

from kameng.core import chinese
from kameng.search import analysis


def test_synonym_terms_join_in_search_but_never_change_the_base_cut():
    text = "点卡激活不了怎么办"
    before = chinese.words(text)
    assert "激活不了" not in before  # jieba cuts it 激活 + 不了
    analysis.teach_synonyms(["激活不了"])
    assert chinese.words(text) == before
    assert "激活不了" in analysis.search_words(text)
    assert "激活不了" in analysis.terms(text).split()
