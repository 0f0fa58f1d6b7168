"""Reads of the knowledge base. Only published articles are public; editors (operators and
support agents) see every state, the versions and the vote counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, FloatField, Prefetch, Q
from django.db.models.functions import Cast

from kameng.accounts.models import User
from kameng.accounts.permissions import require_role
from kameng.catalog.models import Category
from kameng.core.errors import DomainError
from kameng.knowledge.models import (
    Article,
    ArticleCategory,
    ArticleState,
    ArticleSubtype,
    ArticleVersion,
    ArticleVote,
)
from kameng.knowledge.transitions import EDITORS
from kameng.rulebook.problems import FAMILIES, SUBTYPES, Family, Subtype

# The general articles of the starter set, by the role they play on the case page.
EVIDENCE = "how-to-preserve-evidence"
INTERVENTION = "when-to-ask-for-platform-intervention"
FAST_REFUND = "fast-refund-and-advance-compensation"
COMPLAINT_12315 = "how-to-complain-to-12315"
GENERAL_SLUGS = (EVIDENCE, INTERVENTION, FAST_REFUND, COMPLAINT_12315)

# Case state (aftersales.models.CaseState values) → the general article for that stage.
STAGE_ARTICLES: dict[str, str] = {
    "merchant": INTERVENTION,
    "buyer_info": EVIDENCE,
    "offer": INTERVENTION,
    "no_agreement": INTERVENTION,
    "evidence": EVIDENCE,
    "review": EVIDENCE,
    "ruled": INTERVENTION,
    "appeal": INTERVENTION,
    "fast_refunded": FAST_REFUND,
    "resolved": COMPLAINT_12315,
    "closed_silent": INTERVENTION,
    "withdrawn": COMPLAINT_12315,
}

_links = (
    Prefetch("subtype_links", queryset=ArticleSubtype.objects.order_by("id")),
    Prefetch("category_links", queryset=ArticleCategory.objects.order_by("id")),
)


def _published():
    return Article.objects.filter(state=ArticleState.PUBLISHED).prefetch_related(*_links)


def _slug_ok(slug: object) -> bool:
    return isinstance(slug, str) and 0 < len(slug) <= 64


def self_checks_for(subtype: str) -> list[Article]:
    """The published articles for a problem subtype, in their order; [] for none (or for an
    unknown subtype: the open-case page then simply offers nothing)."""
    if not isinstance(subtype, str) or subtype not in SUBTYPES:
        return []
    return list(_published().filter(subtype_links__code=subtype).distinct().order_by("position", "id"))


def for_category(category: str) -> list[Article]:
    """The published articles linked to a product category, in their order."""
    if not isinstance(category, str) or category not in Category.values:
        return []
    return list(_published().filter(category_links__code=category).distinct().order_by("position", "id"))


def article(slug: str) -> Article:
    """One published article; anything else is not_found."""
    found = _published().filter(slug=slug).first() if _slug_ok(slug) else None
    if found is None:
        raise DomainError("not_found")
    return found


def general_article(slug: str) -> Article | None:
    return _published().filter(slug=slug).first() if _slug_ok(slug) else None


def published_articles(*, subtype: str | None = None, category: str | None = None) -> list[Article]:
    if subtype is not None and subtype not in SUBTYPES:
        raise DomainError("invalid_input", fields={"subtype": f"one of {', '.join(SUBTYPES)}"})
    if category is not None and category not in Category.values:
        raise DomainError("invalid_input", fields={"category": f"one of {', '.join(Category.values)}"})
    qs = _published()
    if subtype is not None:
        qs = qs.filter(subtype_links__code=subtype)
    if category is not None:
        qs = qs.filter(category_links__code=category)
    # In the taxonomy's order (general articles last), so the list reads like the problem picker.
    rank = {code: i for i, code in enumerate(SUBTYPES)}

    def key(a: Article):
        codes = a.subtype_codes
        return (rank.get(codes[0], len(rank)) if codes else len(rank) + 1, a.position, a.id)

    return sorted(qs.distinct(), key=key)


def general_articles() -> list[Article]:
    """Published articles linked to no subtype."""
    return list(_published().filter(subtype_links__isnull=True).order_by("position", "id"))


def related(found: Article, *, limit: int = 6) -> list[Article]:
    """Published articles sharing a subtype (or, for a general article, the other general ones)."""
    codes = found.subtype_codes
    qs = _published().exclude(pk=found.pk)
    qs = qs.filter(subtype_links__code__in=codes) if codes else qs.filter(subtype_links__isnull=True)
    return list(qs.distinct().order_by("position", "id")[:limit])


@dataclass
class SubtypeGroup:
    subtype: Subtype
    articles: list[Article] = field(default_factory=list)


@dataclass
class FamilyGroup:
    family: Family
    subtypes: list[SubtypeGroup] = field(default_factory=list)


def articles_by_family() -> list[FamilyGroup]:
    """The help index: family → subtype → articles; only subtypes that have an article. An
    article linked to several subtypes appears under each."""
    by_subtype: dict[str, list[Article]] = {}
    for a in published_articles():
        for code in a.subtype_codes:
            by_subtype.setdefault(code, []).append(a)
    groups = []
    for family in FAMILIES.values():
        subtypes = [
            SubtypeGroup(s, sorted(by_subtype[s.code], key=lambda a: (a.position, a.id)))
            for s in SUBTYPES.values()
            if s.family == family.code and s.code in by_subtype
        ]
        if subtypes:
            groups.append(FamilyGroup(family, subtypes))
    return groups


@dataclass
class CategoryGroup:
    code: str
    label: str
    articles: list[Article] = field(default_factory=list)


def articles_by_category() -> list[CategoryGroup]:
    by_code: dict[str, list[Article]] = {}
    for a in published_articles():
        for code in a.category_codes:
            by_code.setdefault(code, []).append(a)
    return [CategoryGroup(code, label, by_code[code]) for code, label in Category.choices if code in by_code]


@dataclass
class CaseHelp:
    stage_article: Article | None
    articles: list[Article]


def help_for_case_stage(*, state: str, subtype: str) -> CaseHelp:
    """The case page's help block: the general article for this stage, then the subtype's."""
    stage = general_article(STAGE_ARTICLES.get(state, INTERVENTION))
    return CaseHelp(stage, [a for a in self_checks_for(subtype) if stage is None or a.pk != stage.pk])


# --- editors ---------------------------------------------------------------------------------------
SORTS = ("updated", "helpful", "unhelpful", "votes")


def editor_articles(*, user: User, state: str | None = None, sort: str = "updated") -> list[Article]:
    """Every article for the console, with its counters; ``sort=helpful`` lists by helpfulness
    ratio (most helpful first; articles without votes last), ``unhelpful`` the reverse."""
    require_role(user, *EDITORS)
    if state is not None and state not in ArticleState.values:
        raise DomainError("invalid_input", fields={"state": f"one of {', '.join(ArticleState.values)}"})
    if sort not in SORTS:
        raise DomainError("invalid_input", fields={"sort": f"one of {', '.join(SORTS)}"})
    qs = Article.objects.prefetch_related(*_links).select_related("author")
    if state is not None:
        qs = qs.filter(state=state)
    ratio = Cast(F("helpful_count"), FloatField()) / Cast(F("helpful_count") + F("unhelpful_count"), FloatField())
    voted = Q(helpful_count__gt=0) | Q(unhelpful_count__gt=0)
    if sort == "updated":
        return list(qs.order_by("-updated_at", "-id"))
    if sort == "votes":
        return list(qs.order_by((F("helpful_count") + F("unhelpful_count")).desc(), "id"))
    rated = qs.filter(voted).annotate(ratio=ratio)
    rated = rated.order_by("-ratio", "-helpful_count", "id") if sort == "helpful" else rated.order_by("ratio", "id")
    return list(rated) + list(qs.exclude(voted).order_by("id"))


def editable_article(*, user: User, slug: str) -> Article:
    """Any article, whatever its state, for an editor."""
    require_role(user, *EDITORS)
    found = (
        Article.objects.prefetch_related(*_links).select_related("author").filter(slug=slug).first()
        if _slug_ok(slug)
        else None
    )
    if found is None:
        raise DomainError("not_found")
    return found


def versions_of(*, user: User, slug: str) -> list[ArticleVersion]:
    found = editable_article(user=user, slug=slug)
    return list(ArticleVersion.objects.filter(article=found).select_related("author").order_by("-number"))


def version_of(*, user: User, slug: str, number: int) -> ArticleVersion:
    found = editable_article(user=user, slug=slug)
    version = (
        ArticleVersion.objects.filter(article=found, number=number).select_related("author").first()
        if isinstance(number, int) and not isinstance(number, bool) and 0 < number < 2**31
        else None
    )
    if version is None:
        raise DomainError("not_found")
    return version


def last_editor(found: Article) -> User | None:
    latest = ArticleVersion.objects.filter(article=found).select_related("author").order_by("-number").first()
    return latest.author if latest else None


def my_vote(*, found: Article, user: User | None, session_key: str | None) -> bool | None:
    """The visitor's current vote (True helpful, False not), None when they have not voted."""
    if user is not None and getattr(user, "is_authenticated", False):
        row = ArticleVote.objects.filter(article=found, user=user).first()
    elif session_key:
        row = ArticleVote.objects.filter(article=found, user=None, session_key=session_key).first()
    else:
        row = None
    return None if row is None else row.helpful
