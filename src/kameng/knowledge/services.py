"""Every write to the knowledge base: operators and support agents write, publish, archive and
restore articles; anyone votes; a fresh install gets the starter set.

Lock order: the article row (by slug) alone; a vote locks the article, then writes its vote row.
Every save of content adds an ``ArticleVersion`` inside the same transaction, so the article and
its history never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.catalog.models import Category
from kameng.core.errors import DomainError
from kameng.core.text import check_text
from kameng.knowledge import indexing
from kameng.knowledge.defaults import DEFAULT_ARTICLES
from kameng.knowledge.models import (
    Article,
    ArticleCategory,
    ArticleState,
    ArticleSubtype,
    ArticleVersion,
    ArticleVote,
)
from kameng.knowledge.transitions import EDITORS, next_article_state
from kameng.rulebook.problems import SUBTYPES

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TITLE_MAX = 120
BODY_MAX = 20000
NOTE_MAX = 200
POSITION_MAX = 10_000
SESSION_KEY_MAX = 64
_CONTENT = ("title_zh", "title_en", "body_zh", "body_en")


# --- input ---------------------------------------------------------------------------------------
# Addresses under /help/ that are pages of their own (search's /help/search/), never an article's.
RESERVED_SLUGS = frozenset({"search", "new", "preview", "console", "api"})


def clean_slug(slug: object) -> str:
    if not isinstance(slug, str) or len(slug) > 64 or not SLUG_RE.match(slug):
        raise DomainError("invalid_input", fields={"slug": "lowercase letters, digits and single hyphens"})
    if slug in RESERVED_SLUGS:
        raise DomainError("invalid_input", fields={"slug": f"“{slug}” is a page of its own; choose another address"})
    return slug


def clean_subtype(subtype: object) -> str:
    if not isinstance(subtype, str) or subtype not in SUBTYPES:
        raise DomainError("invalid_input", fields={"subtype": f"one of {', '.join(SUBTYPES)}"})
    return subtype


def clean_category(category: object) -> str:
    if not isinstance(category, str) or category not in Category.values:
        raise DomainError("invalid_input", fields={"category": f"one of {', '.join(Category.values)}"})
    return category


def _codes(name: str, values: object, valid: Iterable[str]) -> list[str]:
    valid = list(valid)
    if isinstance(values, str) or not isinstance(values, (list, tuple, set, frozenset)):
        raise DomainError("invalid_input", fields={name: "a list of codes"})
    out: list[str] = []
    for v in values:
        if not isinstance(v, str) or v not in valid:
            raise DomainError("invalid_input", fields={name: f"each one of {', '.join(valid)}"})
        if v not in out:
            out.append(v)
    return sorted(out, key=valid.index)


def _text(name: str, value: object, limit: int, *, required: bool) -> str:
    if not isinstance(value, str):
        raise DomainError("invalid_input", fields={name: "text"})
    value = check_text(value.replace("\r\n", "\n").strip(), name)  # no control characters
    if required and not value:
        raise DomainError("invalid_input", fields={name: "required"})
    if len(value) > limit:
        raise DomainError("invalid_input", fields={name: f"at most {limit} characters"})
    return value


def _position(position: object) -> int:
    if isinstance(position, bool) or not isinstance(position, int) or not -POSITION_MAX <= position <= POSITION_MAX:
        raise DomainError("invalid_input", fields={"position": f"a whole number up to {POSITION_MAX}"})
    return position


def _content(*, title_zh, title_en, body_zh, body_en, subtypes, categories) -> dict:
    return {
        "title_zh": " ".join(_text("title_zh", title_zh, TITLE_MAX, required=True).split()),
        "title_en": " ".join(_text("title_en", title_en, TITLE_MAX, required=False).split()),
        "body_zh": _text("body_zh", body_zh, BODY_MAX, required=True),
        "body_en": _text("body_en", body_en, BODY_MAX, required=False),
        "subtypes": _codes("subtypes", subtypes, SUBTYPES),
        "categories": _codes("categories", categories, Category.values),
    }


def _editor(user: User | None) -> User:
    return require_role(user, *EDITORS)


# --- content -------------------------------------------------------------------------------------
def _snapshot(article: Article) -> dict:
    return {
        **{f: getattr(article, f) for f in _CONTENT},
        "subtypes": article.subtype_codes,
        "categories": article.category_codes,
    }


def _write(article: Article, content: dict, *, author: User | None, note: str, now) -> ArticleVersion:
    """Store content on the (locked or new) article and add its next version."""
    for f in _CONTENT:
        setattr(article, f, content[f])
    article.version += 1
    article.updated_at = now
    article.save(update_fields=[*_CONTENT, "version", "updated_at"])
    ArticleSubtype.objects.filter(article=article).exclude(code__in=content["subtypes"]).delete()
    ArticleCategory.objects.filter(article=article).exclude(code__in=content["categories"]).delete()
    have_s = set(ArticleSubtype.objects.filter(article=article).values_list("code", flat=True))
    have_c = set(ArticleCategory.objects.filter(article=article).values_list("code", flat=True))
    ArticleSubtype.objects.bulk_create(
        [ArticleSubtype(article=article, code=c) for c in content["subtypes"] if c not in have_s]
    )
    ArticleCategory.objects.bulk_create(
        [ArticleCategory(article=article, code=c) for c in content["categories"] if c not in have_c]
    )
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        author=author,
        note=note,
        created_at=now,
        **{f: content[f] for f in (*_CONTENT, "subtypes", "categories")},
    )


def _locked(slug: str) -> Article:
    found = Article.objects.select_for_update().filter(slug=slug).first() if isinstance(slug, str) else None
    if found is None:
        raise DomainError("not_found")
    return found


def create_article(
    *,
    author: User,
    slug: str,
    title_zh: str,
    body_zh: str,
    title_en: str = "",
    body_en: str = "",
    subtypes: Iterable[str] = (),
    categories: Iterable[str] = (),
    position: int = 0,
    note: str = "",
) -> Article:
    """A new draft (version 1) by an operator or a support agent."""
    _editor(author)
    slug = clean_slug(slug)
    content = _content(
        title_zh=title_zh,
        title_en=title_en,
        body_zh=body_zh,
        body_en=body_en,
        subtypes=list(subtypes) if not isinstance(subtypes, str) else subtypes,
        categories=list(categories) if not isinstance(categories, str) else categories,
    )
    position = _position(position)
    note = _text("note", note, NOTE_MAX, required=False)
    now = timezone.now()
    try:
        with transaction.atomic():
            article = Article.objects.create(
                slug=slug,
                state=ArticleState.DRAFT,
                position=position,
                author=author,
                created_at=now,
                updated_at=now,
                **{f: content[f] for f in _CONTENT},
            )
            _write_new(article, content, author=author, note=note, now=now)
    except IntegrityError:
        raise DomainError("knowledge.slug_taken") from None
    return article


def _write_new(article: Article, content: dict, *, author, note, now) -> None:
    article.version = 0
    _write(article, content, author=author, note=note, now=now)


def update_article(
    *,
    author: User,
    slug: str,
    title_zh: str,
    body_zh: str,
    title_en: str = "",
    body_en: str = "",
    subtypes: Iterable[str] = (),
    categories: Iterable[str] = (),
    position: int | None = None,
    note: str = "",
    base_version: int | None = None,
) -> Article:
    """Save new content as the next version; the state stays (a published article's edit is live).
    ``base_version`` (the version the editor started from) refuses a save over someone else's.
    Saving the same content again adds no version."""
    _editor(author)
    content = _content(
        title_zh=title_zh,
        title_en=title_en,
        body_zh=body_zh,
        body_en=body_en,
        subtypes=list(subtypes) if not isinstance(subtypes, str) else subtypes,
        categories=list(categories) if not isinstance(categories, str) else categories,
    )
    if position is not None:
        position = _position(position)
    if base_version is not None and (isinstance(base_version, bool) or not isinstance(base_version, int)):
        raise DomainError("invalid_input", fields={"base_version": "a version number"})
    note = _text("note", note, NOTE_MAX, required=False)
    with transaction.atomic():
        article = _locked(slug)
        if base_version is not None and base_version != article.version:
            raise DomainError("knowledge.stale")
        if position is not None and position != article.position:
            article.position = position
            article.save(update_fields=["position"])
        if content != _snapshot(article):
            _write(article, content, author=author, note=note, now=timezone.now())
            indexing.sync(article)
    return article


def save_article(*, author: User, slug: str, **values) -> Article:
    """Create the draft with this slug, or save a new version of it (the API's PUT)."""
    _editor(author)
    slug = clean_slug(slug)
    if Article.objects.filter(slug=slug).exists():
        return update_article(author=author, slug=slug, **values)
    values.pop("base_version", None)
    if values.get("position") is None:
        values["position"] = 0
    try:
        return create_article(author=author, slug=slug, **values)
    except DomainError as err:
        if err.code != "knowledge.slug_taken":
            raise
        return update_article(author=author, slug=slug, **values)  # created a moment ago: edit it


def restore_version(*, author: User, slug: str, number: int, note: str = "") -> Article:
    """An old version's content becomes the newest version (history is never rewritten)."""
    _editor(author)
    if isinstance(number, bool) or not isinstance(number, int) or not 0 < number < 2**31:
        raise DomainError("not_found")
    note = _text("note", note, NOTE_MAX, required=False)
    with transaction.atomic():
        article = _locked(slug)
        old = ArticleVersion.objects.filter(article=article, number=number).first()
        if old is None:
            raise DomainError("not_found")
        content = {f: getattr(old, f) for f in (*_CONTENT, "subtypes", "categories")}
        # Codes removed from the taxonomy since then are dropped rather than refused.
        content["subtypes"] = [c for c in content["subtypes"] if c in SUBTYPES]
        content["categories"] = [c for c in content["categories"] if c in Category.values]
        _write(article, content, author=author, note=note or f"restored version {number}", now=timezone.now())
        indexing.sync(article)
    return article


# --- state ---------------------------------------------------------------------------------------
def _move(*, actor: User, slug: str, action: str) -> Article:
    _editor(actor)
    with transaction.atomic():
        article = _locked(slug)
        article.state = next_article_state(article.state, action, actor.role)
        fields = ["state", "updated_at"]
        article.updated_at = timezone.now()
        if article.state == ArticleState.PUBLISHED:
            article.published_at = article.updated_at
            fields.append("published_at")
        article.save(update_fields=fields)
        indexing.sync(article)
    return article


def publish_article(*, actor: User, slug: str) -> Article:
    return _move(actor=actor, slug=slug, action="publish")


def archive_article(*, actor: User, slug: str) -> Article:
    return _move(actor=actor, slug=slug, action="archive")


# --- votes ---------------------------------------------------------------------------------------
def vote(*, slug: str, helpful: object, user: User | None = None, session_key: str = "") -> Article:
    """Record (or change) a helpful / not helpful vote on a published article: one per signed-in
    user, else one per session. The counters are recounted under the article lock."""
    if not isinstance(helpful, bool):
        raise DomainError("invalid_input", fields={"helpful": "true or false"})
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if signed_in:
        require_role(user, *Role.values)  # active account
    elif not isinstance(session_key, str) or not 0 < len(session_key) <= SESSION_KEY_MAX:
        raise DomainError("invalid_input", fields={"session": "a session is needed to vote"})
    now = timezone.now()
    with transaction.atomic():
        article = _locked(slug)
        if article.state != ArticleState.PUBLISHED:
            raise DomainError("not_found")
        who = {"user": user} if signed_in else {"user": None, "session_key": session_key}
        existing = ArticleVote.objects.filter(article=article, **who).first()
        if existing is None:
            ArticleVote.objects.create(article=article, helpful=helpful, created_at=now, updated_at=now, **who)
        elif existing.helpful != helpful:
            existing.helpful, existing.updated_at = helpful, now
            existing.save(update_fields=["helpful", "updated_at"])
        article.helpful_count = ArticleVote.objects.filter(article=article, helpful=True).count()
        article.unhelpful_count = ArticleVote.objects.filter(article=article, helpful=False).count()
        article.save(update_fields=["helpful_count", "unhelpful_count"])
    return article


# --- the starter set -----------------------------------------------------------------------------
def install_default_articles() -> int:
    """Create the starter articles whose slug does not exist yet, published. An existing slug
    (an operator's edit, or an article the operator archived) is never touched. Returns how many
    were created. Safe to run again, and at once from two processes."""
    created = 0
    for data in DEFAULT_ARTICLES:
        slug = clean_slug(data["slug"])
        if Article.objects.filter(slug=slug).exists():
            continue
        content = _content(
            title_zh=data["title_zh"],
            title_en=data.get("title_en", ""),
            body_zh=data["body_zh"],
            body_en=data.get("body_en", ""),
            subtypes=data.get("subtypes", []),
            categories=data.get("categories", []),
        )
        now = timezone.now()
        try:
            with transaction.atomic():
                article = Article.objects.create(
                    slug=slug,
                    state=ArticleState.PUBLISHED,
                    position=_position(data.get("position", 0)),
                    created_at=now,
                    updated_at=now,
                    published_at=now,
                    **{f: content[f] for f in _CONTENT},
                )
                _write_new(article, content, author=None, note="starter set", now=now)
                indexing.sync(article)
        except IntegrityError:
            continue  # installed by another process a moment ago
        created += 1
    return created
