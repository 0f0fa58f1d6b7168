"""售后知识库: Markdown articles in Chinese and English, linked to problem subtypes and product
categories, with a draft → published → archived life (transitions.py), a version per save of
content, and helpful / not helpful votes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy

from kameng.catalog.models import Category
from kameng.rulebook.problems import FAMILIES, SUBTYPES


def _english() -> bool:
    return (get_language() or "zh-hans").lower().startswith("en")


class ArticleState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("article", "Draft")
    PUBLISHED = "published", pgettext_lazy("article", "Published")
    ARCHIVED = "archived", pgettext_lazy("article", "Archived")


class Article(models.Model):
    """One article. Only ``transitions.move`` changes ``state``; only the services write content,
    and each write of content adds an ``ArticleVersion``. An article without subtype links is a
    general article (evidence, intervention, fast refund, 12315)."""

    slug = models.SlugField(max_length=64, unique=True)
    title_zh = models.CharField(max_length=120)
    title_en = models.CharField(max_length=120, blank=True)
    body_zh = models.TextField(max_length=20000)
    body_en = models.TextField(max_length=20000, blank=True)
    # The old boolean ``published`` defaulted to True; rows made directly (tests, fixtures) keep
    # that meaning. The services always set the state explicitly (new articles are drafts).
    state = models.CharField(max_length=16, choices=ArticleState.choices, default=ArticleState.PUBLISHED)
    # Order among the articles of one subtype, smallest first.
    position = models.IntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # who created it; None for the starter set
    version = models.PositiveIntegerField(default=0)  # number of the latest ArticleVersion
    helpful_count = models.PositiveIntegerField(default=0)
    unhelpful_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "position"], name="article_state_idx")]

    def __init__(self, *args, **kwargs):
        self._pending_subtype = None
        super().__init__(*args, **kwargs)

    def __str__(self) -> str:
        return self.slug

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self._pending_subtype:
            ArticleSubtype.objects.get_or_create(article=self, code=self._pending_subtype)
            self._pending_subtype = None

    # --- compatibility: ``Article(subtype=...)`` as before the subtype links ----------------------
    @property
    def subtype(self) -> str:
        """The first linked subtype ('' for a general article)."""
        codes = self.subtype_codes
        return codes[0] if codes else ""

    @subtype.setter
    def subtype(self, code: str) -> None:
        self._pending_subtype = code

    # --- reading ----------------------------------------------------------------------------------
    @property
    def subtype_codes(self) -> list[str]:
        rank = {code: i for i, code in enumerate(SUBTYPES)}
        return sorted((link.code for link in self.subtype_links.all()), key=lambda c: rank.get(c, len(rank)))

    @property
    def category_codes(self) -> list[str]:
        order = list(Category.values)
        return sorted(
            (link.code for link in self.category_links.all()),
            key=lambda c: order.index(c) if c in order else len(order),
        )

    @property
    def subtypes_info(self) -> list:
        return [SUBTYPES[c] for c in self.subtype_codes if c in SUBTYPES]

    @property
    def categories_info(self) -> list[tuple[str, str]]:
        labels = dict(Category.choices)
        return [(c, labels[c]) for c in self.category_codes if c in labels]

    @property
    def is_general(self) -> bool:
        return not self.subtype_codes

    @property
    def title(self) -> str:
        return self.title_en if _english() and self.title_en else self.title_zh

    @property
    def body(self) -> str:
        return self.body_en if _english() and self.body_en else self.body_zh

    @property
    def subtype_info(self):
        return SUBTYPES.get(self.subtype)

    @property
    def family(self) -> str:
        info = SUBTYPES.get(self.subtype)
        return info.family if info else ""

    @property
    def family_info(self):
        return FAMILIES.get(self.family)

    @property
    def votes(self) -> int:
        return self.helpful_count + self.unhelpful_count

    @property
    def helpful_ratio(self) -> float | None:
        """Share of helpful votes, None before the first vote."""
        return self.helpful_count / self.votes if self.votes else None

    @property
    def helpful_percent(self) -> int | None:
        ratio = self.helpful_ratio
        return None if ratio is None else round(ratio * 100)


class ArticleSubtype(models.Model):
    """An article applies to a problem subtype (a code of rulebook.problems.SUBTYPES)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="subtype_links")
    code = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "code"], name="article_subtype_unique")]
        indexes = [models.Index(fields=["code"], name="article_subtype_code_idx")]


class ArticleCategory(models.Model):
    """An article applies to a product category (a code of catalog.models.Category)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="category_links")
    code = models.CharField(max_length=16)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "code"], name="article_category_unique")]
        indexes = [models.Index(fields=["code"], name="article_category_code_idx")]


class ArticleVersion(models.Model):
    """A snapshot of an article's content at one save; never changed afterwards."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title_zh = models.CharField(max_length=120)
    title_en = models.CharField(max_length=120, blank=True)
    body_zh = models.TextField(max_length=20000)
    body_en = models.TextField(max_length=20000, blank=True)
    subtypes = models.JSONField(default=list)
    categories = models.JSONField(default=list)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_version_unique")]
        ordering = ["-number"]

    @property
    def title(self) -> str:
        return self.title_en if _english() and self.title_en else self.title_zh

    @property
    def body(self) -> str:
        return self.body_en if _english() and self.body_en else self.body_zh


class ArticleVote(models.Model):
    """Was this article helpful? One vote per signed-in user, or per session for a visitor; a
    vote can be changed. The article's two counters are recounted from these rows."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="article_votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    session_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], condition=Q(user__isnull=False), name="article_vote_one_per_user"
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=Q(user__isnull=True),
                name="article_vote_one_per_session",
            ),
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(session_key=""), name="article_vote_has_voter"),
        ]
