"""kameng.core.chinese: one normaliser and tokeniser for search and the problem-type model."""

from kameng.core import chinese


def test_full_width_and_case_fold_to_the_same_words():
    assert chinese.words("ＱＱ会员１００元") == chinese.words("qq会员100元")


def test_punctuation_and_spaces_are_not_words():
    cut = chinese.words("卡密， 无效！")
    assert cut == ["卡密", "无效"]
