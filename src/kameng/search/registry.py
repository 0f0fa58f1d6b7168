"""Sources of search documents. A higher app (knowledge, community) registers, in its
``AppConfig.ready``, a function that yields every document it wants searchable, as the keyword
arguments of ``services.index_document``; ``kameng search_reindex`` rebuilds the index from all of
them. Search itself imports no app above it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

Source = Callable[[], Iterable[Mapping]]

_sources: dict[str, Source] = {}


def register_source(kind: str, iterator_of_documents: Source) -> None:
    """Register (or replace) the source of one kind ("article", "question")."""
    from kameng.search.models import Kind

    if kind not in Kind.values:
        raise ValueError(f"unknown search kind {kind!r}; one of {Kind.values}")
    _sources[kind] = iterator_of_documents


def sources() -> dict[str, Source]:
    return dict(_sources)
