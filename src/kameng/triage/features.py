"""What the problem-type model sees of a text: jieba words and character 1–3-grams of the
normalised text (kameng.core.chinese), each with its own prefix so a one-character word and the
same character as a 1-gram stay two features.

Words carry meaning ("已被使用", "到账"); character n-grams survive typos (卡蜜, 到帐), pinyin
written without spaces and words jieba cuts differently. Training (scikit-learn) and the runtime
scorer (pure Python) both call ``tokens``, so they can never disagree on a feature.
"""

from __future__ import annotations

from kameng.core.chinese import char_ngrams, words

NGRAM_SIZES = (1, 2, 3)
# Changing what tokens() returns changes the model: bump this, then `kameng triage_train`.
FEATURES_VERSION = "words+c123/1"


def tokens(text: str) -> list[str]:
    out = [f"w:{w}" for w in words(text)]
    for n in NGRAM_SIZES:
        out.extend(f"c{n}:{g}" for g in char_ngrams(text, n))
    return out
