"""Reads of the knowledge base. Only published articles are public."""

from __future__ import annotations

from dataclasses import dataclass, field

from kameng.core.errors import DomainError
from kameng.knowledge.models import Article
from kameng.rulebook.problems import FAMILIES, SUBTYPES, Family, Subtype


def self_checks_for(subtype: str) -> list[Article]:
    """The published self-check articles for a problem subtype, in their order; [] for none (or
    for an unknown subtype: the open-case page then simply offers nothing)."""
    if not isinstance(subtype, str) or subtype not in SUBTYPES:
        return []
    return list(Article.objects.filter(subtype=subtype, published=True).order_by("position", "id"))


def article(slug: str) -> Article:
    """One published article; anything else is not_found."""
    found = (
        Article.objects.filter(slug=slug, published=True).first()
        if isinstance(slug, str) and 0 < len(slug) <= 64
        else None
    )
    if found is None:
        raise DomainError("not_found")
    return found


def published_articles(*, subtype: str | None = None) -> list[Article]:
    if subtype is not None and subtype not in SUBTYPES:
        raise DomainError("invalid_input", fields={"subtype": f"one of {', '.join(SUBTYPES)}"})
    qs = Article.objects.filter(published=True)
    if subtype is not None:
        qs = qs.filter(subtype=subtype)
    # In the taxonomy's order, so the list reads like the problem-type picker.
    rank = {code: i for i, code in enumerate(SUBTYPES)}
    return sorted(qs, key=lambda a: (rank.get(a.subtype, len(rank)), a.position, a.id))


@dataclass
class SubtypeGroup:
    subtype: Subtype
    articles: list[Article] = field(default_factory=list)


@dataclass
class FamilyGroup:
    family: Family
    subtypes: list[SubtypeGroup] = field(default_factory=list)


def articles_by_family() -> list[FamilyGroup]:
    """The help index: family → subtype → articles; only subtypes that have an article."""
    by_subtype: dict[str, list[Article]] = {}
    for a in published_articles():
        by_subtype.setdefault(a.subtype, []).append(a)
    groups = []
    for family in FAMILIES.values():
        subtypes = [
            SubtypeGroup(s, by_subtype[s.code])
            for s in SUBTYPES.values()
            if s.family == family.code and s.code in by_subtype
        ]
        if subtypes:
            groups.append(FamilyGroup(family, subtypes))
    return groups
