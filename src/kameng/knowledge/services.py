"""Every write to the knowledge base: operators edit articles; a fresh install gets the defaults.

Lock order: the article row (by slug) alone.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.core.errors import DomainError
from kameng.knowledge.defaults import DEFAULT_ARTICLES
from kameng.knowledge.models import Article
from kameng.rulebook.problems import SUBTYPES

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TITLE_MAX = 120
BODY_MAX = 20000
POSITION_MAX = 10_000
_CONTENT_FIELDS = ("subtype", "title_zh", "title_en", "body_zh", "body_en")


def clean_slug(slug: object) -> str:
    if not isinstance(slug, str) or len(slug) > 64 or not SLUG_RE.match(slug):
        raise DomainError("invalid_input", fields={"slug": "lowercase letters, digits and single hyphens"})
    return slug


def clean_subtype(subtype: object) -> str:
    if not isinstance(subtype, str) or subtype not in SUBTYPES:
        raise DomainError("invalid_input", fields={"subtype": f"one of {', '.join(SUBTYPES)}"})
    return subtype


def _text(name: str, value: object, limit: int, *, required: bool) -> str:
    if not isinstance(value, str):
        raise DomainError("invalid_input", fields={name: "text"})
    value = value.replace("\r\n", "\n").strip()
    if required and not value:
        raise DomainError("invalid_input", fields={name: "required"})
    if len(value) > limit:
        raise DomainError("invalid_input", fields={name: f"at most {limit} characters"})
    return value


def _clean(**values) -> dict:
    clean = {
        "subtype": clean_subtype(values["subtype"]),
        "title_zh": " ".join(_text("title_zh", values["title_zh"], TITLE_MAX, required=True).split()),
        "title_en": " ".join(_text("title_en", values["title_en"], TITLE_MAX, required=False).split()),
        "body_zh": _text("body_zh", values["body_zh"], BODY_MAX, required=True),
        "body_en": _text("body_en", values["body_en"], BODY_MAX, required=False),
    }
    if not isinstance(values["published"], bool):
        raise DomainError("invalid_input", fields={"published": "true or false"})
    clean["published"] = values["published"]
    position = values["position"]
    if position is not None:
        if isinstance(position, bool) or not isinstance(position, int) or not -POSITION_MAX <= position <= POSITION_MAX:
            raise DomainError("invalid_input", fields={"position": f"a whole number up to {POSITION_MAX}"})
        clean["position"] = position
    return clean


def upsert_article(
    *,
    operator: User,
    slug: str,
    subtype: str,
    title_zh: str,
    title_en: str,
    body_zh: str,
    body_en: str,
    published: bool = True,
    position: int | None = None,
) -> Article:
    """Create the article with this slug, or replace its content. Position is kept when not given."""
    require_role(operator, Role.OPERATOR)
    slug = clean_slug(slug)
    values = _clean(
        subtype=subtype,
        title_zh=title_zh,
        title_en=title_en,
        body_zh=body_zh,
        body_en=body_en,
        published=published,
        position=position,
    )
    values["updated_at"] = timezone.now()
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(slug=slug).first()
        if article is None:
            try:
                with transaction.atomic():
                    return Article.objects.create(slug=slug, **values)
            except IntegrityError:
                # Another operator created the same slug a moment ago: edit theirs.
                article = Article.objects.select_for_update().get(slug=slug)
        for field, value in values.items():
            setattr(article, field, value)
        article.save(update_fields=list(values))
    return article


def install_default_articles() -> int:
    """Create the default self-check articles that do not exist yet (by slug); an operator's
    edits are never overwritten. Returns how many were created. Safe to run again and at once."""
    now = timezone.now()
    rows = []
    for data in DEFAULT_ARTICLES:
        values = _clean(position=data.get("position", 0), published=True, **{k: data[k] for k in _CONTENT_FIELDS})
        rows.append(Article(slug=clean_slug(data["slug"]), updated_at=now, **values))
    with transaction.atomic():
        before = Article.objects.filter(slug__in=[r.slug for r in rows]).count()
        # ON CONFLICT DO NOTHING: a concurrent install, or an existing slug, is skipped.
        Article.objects.bulk_create(rows, ignore_conflicts=True)
        after = Article.objects.filter(slug__in=[r.slug for r in rows]).count()
    return after - before
