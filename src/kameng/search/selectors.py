"""Reads of search: ranked, highlighted hits for a query, and the synonym groups."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import get_language

from kameng.core.errors import DomainError
from kameng.search import analysis, backends
from kameng.search.analysis import LANGUAGES, teach_synonyms
from kameng.search.models import Kind, SearchDocument, Synonym

LIMIT_MAX = 100
OFFSET_MAX = 1_000  # = backends.COUNT_CAP: results are paged within the counted matches


@dataclass(frozen=True)
class Hit:
    kind: str
    key: str
    language: str
    url: str
    title_html: str  # escaped, with <mark> around the matched terms
    snippet_html: str
    score: float
    title_hit: bool = False


@dataclass(frozen=True)
class SearchResults:
    total: int  # at most backends.COUNT_CAP; ``total_capped`` says there are more
    hits: list[Hit] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)  # what was looked for, synonyms included
    total_capped: bool = False


@dataclass(frozen=True)
class SynonymGroup:
    id: int
    terms: list[str]
    default_key: str | None
    updated_at: object


def clean_query(query: object) -> str:
    if not isinstance(query, str) or not query.strip():
        raise DomainError("search.empty_query")
    if len(query) > analysis.MAX_QUERY_CHARS:
        raise DomainError("search.query_too_long", max=analysis.MAX_QUERY_CHARS)
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") for ch in query):
        raise DomainError("search.bad_query")
    return query.strip()


def synonym_map() -> dict[str, tuple[str, ...]]:
    """Each term of a live group → all the terms of its group."""
    found: dict[str, tuple[str, ...]] = {}
    groups = list(Synonym.objects.filter(deleted_at=None).values_list("terms", flat=True))
    for terms in groups:
        teach_synonyms(terms)
        for term in terms:
            found[term] = tuple(terms)
    return found


def search(
    query: str,
    *,
    kinds: list[str] | None = None,
    language: str | None = None,
    limit: int = 20,
    offset: int = 0,
    prefer_language: str | None = None,
) -> SearchResults:
    """Visible documents matching every word of the query (each word or any of its synonyms),
    ordered: ``prefer_language`` (default: the active language) first, title matches above
    body-only matches, then relevance. ``language`` filters to one language."""
    query = clean_query(query)
    if kinds is not None and any(k not in Kind.values for k in kinds):
        raise DomainError("invalid_input", fields={"kind": f"one of {', '.join(Kind.values)}"})
    if language is not None and language not in LANGUAGES:
        raise DomainError("invalid_input", fields={"lang": f"one of {', '.join(LANGUAGES)}"})
    if not (isinstance(limit, int) and 1 <= limit <= LIMIT_MAX) or not (
        isinstance(offset, int) and 0 <= offset <= OFFSET_MAX
    ):
        raise DomainError("invalid_input", fields={"page": "out of range"})
    prefer = prefer_language or (get_language() or "zh")[:2]
    plan = analysis.plan(query, synonym_map())
    if not plan.groups:  # only punctuation, or only characters nothing is cut from
        return SearchResults(total=0)
    total, rows = backends.find(plan, kinds=kinds, language=language, prefer=prefer, limit=limit, offset=offset)
    capped = total > backends.COUNT_CAP
    total = min(total, backends.COUNT_CAP)
    if not rows:
        return SearchResults(total=total, terms=plan.highlight_terms, total_capped=capped)
    docs = SearchDocument.objects.in_bulk([r.id for r in rows])
    wanted = plan.highlight_terms
    hits = []
    for r in rows:
        d = docs.get(r.id)
        if d is None:  # removed between the two reads
            continue
        hits.append(
            Hit(
                kind=d.kind,
                key=d.key,
                language=d.language,
                url=d.url,
                title_html=analysis.highlight(d.title, wanted),
                snippet_html=analysis.snippet(d.body, wanted),
                score=r.score,
                title_hit=r.title_hit,
            )
        )
    return SearchResults(total=total, hits=hits, terms=wanted, total_capped=capped)


def synonym_groups() -> list[SynonymGroup]:
    return [
        SynonymGroup(g.pk, list(g.terms), g.default_key, g.updated_at)
        for g in Synonym.objects.filter(deleted_at=None).order_by("pk")
    ]


def synonym_group(group_id: int) -> SynonymGroup:
    g = Synonym.objects.filter(pk=group_id, deleted_at=None).first()
    if g is None:
        raise DomainError("search.synonym_group_not_found")
    return SynonymGroup(g.pk, list(g.terms), g.default_key, g.updated_at)


def index_size() -> dict[str, int]:
    return {"documents": SearchDocument.objects.count(), **backends.index_size()}
