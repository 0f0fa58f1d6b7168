"""kameng.core.chinese: one normaliser and tokeniser for search and the problem-type model."""

import pytest

from kameng.core import chinese


def test_full_width_and_case_fold_to_the_same_words():
    assert chinese.words("ＱＱ会员１００元") == chinese.words("qq会员100元")


def test_punctuation_and_spaces_are_not_words():
    assert "，" not in chinese.words("卡密， 无效！") and " " not in chinese.words("卡密， 无效！")


def test_teaching_search_never_changes_the_base_cut():
    # The problem-type model was trained on the base cuts; search's synonym terms must not move them.
    text = "点卡激活不了怎么办"
    before = chinese.words(text)
    chinese.add_word("激活不了怎么", vocabulary="search")
    assert chinese.words(text) == before
    assert "激活不了怎么" in chinese.words(text, vocabulary="search")


def test_the_base_vocabulary_refuses_to_be_taught():
    with pytest.raises(ValueError):
        chinese.add_word("激活失败", vocabulary="base")
