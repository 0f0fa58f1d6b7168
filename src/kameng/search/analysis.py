"""Text → indexed terms, query → match plan, text + terms → highlighted HTML.

Both databases index the same terms (see ``models.SearchDocument.title_terms``) and receive the
same plan: a list of *groups* (one per query word; every group must match), each a list of
*alternatives* (the word and its synonyms), each alternative matched as the token itself or as
the phrase of its character bigrams (a one-character alternative: as a prefix)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape

from kameng.core.chinese import char_ngrams, normalize, words

LANGUAGES = ("zh", "en")
MAX_QUERY_CHARS = 200
MAX_TERM_CHARS = 60  # longer "words" (a pasted card key, a URL) are not indexed as words
MAX_GROUPS = 8  # words of a query beyond these add nothing but cost

# Words that carry no meaning in a help search; dropped from the query unless nothing else is left.
STOP_WORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 么 是 我 你 他 她 它 我们 在 和 与 及 或 就 都 也 还 又 有 这 那 个 把 被 给 让 "
    "怎么 怎么办 怎样 如何 为什么 为啥 什么 请问 一下 一直 可以 能 会 要 想 该 哪里 哪 嘛 "
    "the a an is are was of to in on for and or my i me it how what why can do does".split()
)


_taught: set[str] = set()
_longest = 1  # words in the longest taught term, at most MERGE_MAX
MERGE_MAX = 4


def teach_synonyms(terms) -> None:
    """Remember the synonym terms so that "激活失败" is one word in documents and queries alike,
    even where jieba cuts it as 激活 + 失败. jieba itself is never taught: the problem-type model
    was trained on its plain cuts (kameng.core.chinese), and a second dictionary would cost
    ~70 MB a process."""
    global _longest
    for term in terms:
        if term not in _taught:
            _taught.add(term)
            _longest = max(_longest, min(MERGE_MAX, len(words(term)) or 1))


def search_words(text: str) -> list[str]:
    """jieba's words, with runs of adjacent words that spell a synonym term joined into it."""
    cut = words(text)
    if _longest < 2 or len(cut) < 2:
        return cut
    out: list[str] = []
    i = 0
    while i < len(cut):
        for j in range(min(len(cut), i + _longest), i + 1, -1):
            joined = "".join(cut[i:j])
            if joined in _taught:
                out.append(joined)
                i = j
                break
        else:
            out.append(cut[i])
            i += 1
    return out


def terms(text: str) -> str:
    """The space-separated index terms of a plain text: its words, then its bigrams."""
    found = [w for w in search_words(text) if len(w) <= MAX_TERM_CHARS]
    found += char_ngrams(text, 2)
    return " ".join(found)


@dataclass(frozen=True)
class Alternative:
    text: str  # normalised term
    grams: tuple[str, ...]  # its bigrams ('' for a one-character term)

    @property
    def prefix(self) -> bool:
        return len(self.text) == 1


@dataclass(frozen=True)
class Plan:
    groups: tuple[tuple[Alternative, ...], ...]

    @property
    def highlight_terms(self) -> list[str]:
        seen = {a.text for g in self.groups for a in g}
        return sorted(seen, key=len, reverse=True)


def _alternative(term: str) -> Alternative | None:
    term = normalize(term).replace(" ", "")
    if not term:
        return None
    grams = tuple(char_ngrams(term, 2))
    if len(term) > 1 and not grams:  # only punctuation
        return None
    if len(term) == 1 and not re.match(r"\w", term):
        return None
    return Alternative(term, grams)


def plan(query: str, synonyms: dict[str, tuple[str, ...]]) -> Plan:
    """``synonyms`` maps a normalised term to all terms of its group (itself included)."""
    cut = [w for w in search_words(query) if len(w) <= MAX_TERM_CHARS]
    kept = [w for w in cut if w not in STOP_WORDS] or cut
    groups: list[tuple[Alternative, ...]] = []
    seen: set[str] = set()
    for word in kept:
        if word in seen:
            continue
        seen.add(word)
        alts = []
        for term in synonyms.get(word, (word,)):
            alt = _alternative(term)
            if alt is not None and alt not in alts:
                alts.append(alt)
        if alts:
            groups.append(tuple(alts))
        if len(groups) >= MAX_GROUPS:
            break
    return Plan(tuple(groups))


# --- highlighting --------------------------------------------------------------------------------


def _folded(text: str) -> tuple[str, list[int]]:
    """The text normalised character by character, and for each folded character the index of
    the source character it came from (NFKC may turn one character into several)."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch).lower()
        for f in folded:
            out.append(f)
            origin.append(i)
    return "".join(out), origin


def _spans(text: str, wanted: list[str]) -> list[tuple[int, int]]:
    """Source-text spans [start, end) where any wanted term occurs (case and width folded)."""
    if not wanted or not text:
        return []
    folded, origin = _folded(text)
    marks = [False] * len(folded)
    for term in wanted:
        start = folded.find(term)
        while start != -1:
            for k in range(start, start + len(term)):
                marks[k] = True
            start = folded.find(term, start + len(term))
    spans: list[tuple[int, int]] = []
    k = 0
    while k < len(folded):
        if marks[k]:
            j = k
            while j < len(folded) and marks[j]:
                j += 1
            s, e = origin[k], origin[j - 1] + 1
            if spans and s <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(e, spans[-1][1]))
            else:
                spans.append((s, e))
            k = j
        else:
            k += 1
    return spans


def _marked(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """Escape every piece of the text first, then put <mark> around the matched pieces: the text
    itself never reaches the page unescaped."""
    end = len(text) if end is None else end
    out: list[str] = []
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    return "".join(out)


def highlight(text: str, wanted: list[str]) -> str:
    return _marked(text, _spans(text, wanted))


def snippet(text: str, wanted: list[str], width: int = 90) -> str:
    """About ``width`` characters of the text around its first match, escaped and marked."""
    text = " ".join(text.split())
    spans = _spans(text, wanted)
    if not spans:
        cut = text[:width]
        return escape(cut) + ("…" if len(text) > width else "")
    first = spans[0][0]
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    html = _marked(text, spans, start, end)
    return ("…" if start > 0 else "") + html + ("…" if end < len(text) else "")
