"""Chinese text as words: one normaliser and one tokeniser shared by search and the problem-type
model, so a query is cut exactly like the text it is matched against.

normalize(): NFKC folds full-width letters, digits and punctuation to half-width (ＡＢＣ１２３ → abc123,
"，" → ","), then lower case and single spaces. words(): jieba's precise mode over the normalised
text, punctuation and spaces dropped. jieba loads its dictionary (~1 s) on first use, once per
process; its cache file goes to the system temp directory.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata

_lock = threading.Lock()
_jieba = None
_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)


def _tokenizer():
    # jieba's own dictionary, never taught new words: the problem-type model was trained on these
    # cuts, so they must stay the same whatever else the process does (search joins its synonym
    # terms itself, after the cut).
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """The words of a text, normalised, in order (repeats kept); no punctuation, no spaces."""
    text = normalize(text)
    if not text:
        return []
    return [w for w in _tokenizer().lcut(text, HMM=True) if w.strip() and _WORD.search(w)]


def char_ngrams(text: str, n: int = 2) -> list[str]:
    """Overlapping character n-grams of the normalised text without spaces or punctuation:
    robust to typos and to words jieba cuts differently."""
    chars = "".join(c for c in normalize(text) if _WORD.match(c))
    return [chars[i : i + n] for i in range(len(chars) - n + 1)]
