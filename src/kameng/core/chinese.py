"""Chinese text as words: one normaliser and one tokeniser shared by search and the problem-type
model, so a query is cut exactly like the text it is matched against.

normalize(): NFKC folds full-width letters, digits and punctuation to half-width (ＡＢＣ１２３ → abc123,
"，" → ","), then lower case and single spaces. words(): jieba's precise mode over the normalised
text, punctuation and spaces dropped. jieba loads its dictionary (~1 s) on first use, once per
process and vocabulary; its cache file goes to the system temp directory.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata

_lock = threading.Lock()
# One jieba tokenizer per vocabulary. "base" is jieba's own dictionary and is never taught: the
# problem-type model was trained on its cuts, so it must cut the same way forever, whatever else
# the process has learnt. Search teaches its own "search" vocabulary the synonym terms.
_tokenizers: dict[str, object] = {}
VOCABULARIES = ("base", "search")
_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)


def _tokenizer(vocabulary: str = "base"):
    found = _tokenizers.get(vocabulary)
    if found is None:
        if vocabulary not in VOCABULARIES:
            raise ValueError(f"unknown vocabulary {vocabulary!r}")
        with _lock:
            found = _tokenizers.get(vocabulary)
            if found is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                found = jieba.Tokenizer()
                found.initialize()
                _tokenizers[vocabulary] = found
    return found


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(text.split())


def words(text: str, *, vocabulary: str = "base") -> list[str]:
    """The words of a text, normalised, in order (repeats kept); no punctuation, no spaces."""
    text = normalize(text)
    if not text:
        return []
    return [w for w in _tokenizer(vocabulary).lcut(text, HMM=True) if w.strip() and _WORD.search(w)]


def add_word(word: str, *, vocabulary: str) -> None:
    """Teach a vocabulary a word (a synonym-list term such as 激活失败) so it is kept whole. The
    base vocabulary is never taught (see above)."""
    if vocabulary == "base":
        raise ValueError("the base vocabulary is never taught")
    word = normalize(word)
    if word:
        _tokenizer(vocabulary).add_word(word)


def char_ngrams(text: str, n: int = 2) -> list[str]:
    """Overlapping character n-grams of the normalised text without spaces or punctuation:
    robust to typos and to words jieba cuts differently."""
    chars = "".join(c for c in normalize(text) if _WORD.match(c))
    return [chars[i : i + n] for i in range(len(chars) - n + 1)]
