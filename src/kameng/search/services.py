"""Every write of search: documents into and out of the index, the operators' synonym groups,
the default synonyms of a fresh install, a rebuild from the registered sources.

Lock order: a document row by (kind, key, language) alone; a synonym group row alone. The
full-text index follows the document table inside the same transaction (SQLite triggers, a
PostgreSQL generated column), so callers may index inside their own transaction and a rollback
takes the index change back with it."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.core import chinese
from kameng.core.errors import DomainError
from kameng.core.markdown import plain
from kameng.core.text import check_text
from kameng.search import analysis
from kameng.search.analysis import LANGUAGES, teach_synonyms
from kameng.search.defaults import DEFAULT_SYNONYMS
from kameng.search.models import Kind, SearchDocument, Synonym

KEY_MAX = 100
TITLE_MAX = 300
URL_MAX = 500
BODY_MAX = 100_000
SYNONYM_TERMS_MAX = 12
SYNONYM_TERM_MAX = 20


def _teach_all() -> None:
    teach_synonyms(
        t for terms in Synonym.objects.filter(deleted_at=None).values_list("terms", flat=True) for t in terms
    )


# --- documents -----------------------------------------------------------------------------------


def _bad(reason: str):
    return DomainError("search.bad_document", reason=reason)


def _clean_document(*, kind, key, language, title, body, url) -> dict:
    if kind not in Kind.values:
        raise _bad(f"kind is one of {', '.join(Kind.values)}")
    if not isinstance(key, str) or not key or len(key) > KEY_MAX:
        raise _bad(f"key is 1 to {KEY_MAX} characters")
    if language not in LANGUAGES:
        raise _bad(f"language is one of {', '.join(LANGUAGES)}")
    if not isinstance(title, str) or not title.strip() or len(title) > TITLE_MAX:
        raise _bad(f"title is 1 to {TITLE_MAX} characters")
    if not isinstance(url, str) or not url.startswith("/") or len(url) > URL_MAX:
        raise _bad("url is a path on this site")
    if not isinstance(body, str) or len(body) > BODY_MAX:
        raise _bad(f"body is at most {BODY_MAX} characters")
    check_text(title, "title")
    check_text(body, "body")
    text = " ".join(plain(body).split())
    title = " ".join(title.split())
    return {
        "title": title,
        "body": text,
        "url": url,
        "title_terms": analysis.terms(title),
        "body_terms": analysis.terms(text),
    }


def index_document(
    *, kind: str, key: str, language: str, title: str, body: str, url: str, visible: bool = True
) -> None:
    """Create or replace the document (kind, key, language). ``body`` may be Markdown; it is
    indexed and shown as plain text. Safe inside the caller's transaction."""
    _teach_all()
    values = _clean_document(kind=kind, key=key, language=language, title=title, body=body, url=url)
    values.update(visible=bool(visible), updated_at=timezone.now())
    with transaction.atomic():
        updated = SearchDocument.objects.filter(kind=kind, key=key, language=language).update(**values)
        if updated:
            return
        try:
            with transaction.atomic():
                SearchDocument.objects.create(kind=kind, key=key, language=language, **values)
        except IntegrityError:
            # Indexed by a concurrent call a moment ago: this call's version wins.
            SearchDocument.objects.filter(kind=kind, key=key, language=language).update(**values)


def remove_document(*, kind: str, key: str, language: str | None = None) -> None:
    """Take the document out of the index (every language unless one is named). No error if absent."""
    found = SearchDocument.objects.filter(kind=kind, key=key)
    if language is not None:
        found = found.filter(language=language)
    found.delete()


def reindex(*, sources: Mapping[str, object] | None = None) -> dict[str, int]:
    """Rebuild the documents of every registered source: index what each yields, remove that
    kind's documents it no longer yields. Idempotent. Returns the number indexed per kind."""
    from kameng.search.registry import sources as registered

    counts: dict[str, int] = {}
    for kind, source in (sources or registered()).items():
        seen: set[tuple[str, str]] = set()
        with transaction.atomic():
            for doc in source():
                index_document(**{**doc, "kind": kind})
                seen.add((doc["key"], doc["language"]))
            stale = [
                pk
                for pk, key, lang in SearchDocument.objects.filter(kind=kind).values_list("pk", "key", "language")
                if (key, lang) not in seen
            ]
            SearchDocument.objects.filter(pk__in=stale).delete()
        counts[kind] = len(seen)
    return counts


# --- synonyms ------------------------------------------------------------------------------------


def clean_terms(terms: object) -> list[str]:
    """Normalised (NFKC, lower case), without spaces, deduplicated, in the given order."""
    invalid = DomainError("search.synonyms_invalid", max=SYNONYM_TERMS_MAX, len=SYNONYM_TERM_MAX)
    if not isinstance(terms, list | tuple) or not all(isinstance(t, str) for t in terms):
        raise invalid
    cleaned: list[str] = []
    for raw in terms:
        check_text(raw, "terms")
        term = chinese.normalize(raw).replace(" ", "")
        if not term:
            continue
        if len(term) > SYNONYM_TERM_MAX or not analysis._alternative(term):
            raise invalid
        if term not in cleaned:
            cleaned.append(term)
    if not 2 <= len(cleaned) <= SYNONYM_TERMS_MAX:
        raise invalid
    return cleaned


def save_synonyms(*, operator: User, terms: list[str], group_id: int | None = None) -> Synonym:
    """Create a synonym group, or replace the terms of one. A term belongs to one group only."""
    require_role(operator, Role.OPERATOR)
    cleaned = clean_terms(terms)
    with transaction.atomic():
        if group_id is not None:
            group = Synonym.objects.select_for_update().filter(pk=group_id, deleted_at=None).first()
            if group is None:
                raise DomainError("search.synonym_group_not_found")
        else:
            group = None
        others = Synonym.objects.filter(deleted_at=None).exclude(pk=getattr(group, "pk", None))
        for terms_of_other in others.values_list("terms", flat=True):
            taken = set(terms_of_other) & set(cleaned)
            if taken:
                raise DomainError("search.synonym_term_taken", term=sorted(taken)[0])
        now = timezone.now()
        if group is None:
            group = Synonym.objects.create(terms=cleaned, updated_at=now, updated_by=operator)
        else:
            group.terms, group.updated_at, group.updated_by = cleaned, now, operator
            group.save(update_fields=["terms", "updated_at", "updated_by"])
    teach_synonyms(cleaned)
    return group


def delete_synonyms(*, operator: User, group_id: int) -> None:
    """Delete a group. A default group is kept as deleted, so a later install does not bring it back."""
    require_role(operator, Role.OPERATOR)
    with transaction.atomic():
        group = Synonym.objects.select_for_update().filter(pk=group_id, deleted_at=None).first()
        if group is None:
            raise DomainError("search.synonym_group_not_found")
        if group.default_key:
            group.deleted_at, group.updated_by = timezone.now(), operator
            group.save(update_fields=["deleted_at", "updated_by"])
        else:
            group.delete()


def install_default_synonyms() -> int:
    """Create the default groups never installed before (by key); operators' edits and deletions
    stay. Terms already in an operator's group are left out of the default. Returns how many
    groups were created. Safe to run again and at once."""
    now = timezone.now()
    with transaction.atomic():
        known = set(Synonym.objects.exclude(default_key=None).values_list("default_key", flat=True))
        taken = {t for terms in Synonym.objects.filter(deleted_at=None).values_list("terms", flat=True) for t in terms}
        rows = []
        for key, terms in DEFAULT_SYNONYMS:
            if key in known:
                continue
            free = [t for t in (chinese.normalize(t) for t in terms) if t not in taken]
            if len(free) >= 2:
                rows.append(Synonym(default_key=key, terms=free, updated_at=now))
                taken.update(free)
        before = Synonym.objects.count()
        Synonym.objects.bulk_create(rows, ignore_conflicts=True)
        return Synonym.objects.count() - before
