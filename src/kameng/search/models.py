"""What search reads: one row per (kind, key, language) document, its words already cut, and the
operators' synonym groups. The full-text index itself is per database (see migrations/0002 and
``backends.py``): an FTS5 table on SQLite, a tsvector column with a GIN index on PostgreSQL."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ARTICLE = "article", _("Article")
    QUESTION = "question", _("Community Q&A")


class SearchDocument(models.Model):
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=100)
    language = models.CharField(max_length=8)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True, default="")  # plain text, shown in snippets
    url = models.CharField(max_length=500)
    visible = models.BooleanField(default=True)
    updated_at = models.DateTimeField()
    # The indexed terms: jieba words (kameng.core.chinese.words) followed by the character
    # bigrams of the same text, space-separated. Words give precise, well-ranked matches; the
    # bigrams make a query match whatever way jieba cut the document (a synonym term taught to
    # jieba after the document was indexed, "激活不了" cut as 激活/不了 here and kept whole there),
    # and let a one-character query hit as a prefix of a bigram. The query side asks for
    # "word OR phrase-of-its-bigrams", so both databases agree on what matches.
    title_terms = models.TextField(default="")
    body_terms = models.TextField(default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "language"], name="search_document_unique"),
        ]
        indexes = [models.Index(fields=["kind", "visible"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}:{self.language}"


class Synonym(models.Model):
    """A group of terms that mean the same to a buyer (无法激活 ↔ 激活失败 ↔ 激活不了). A query
    word in a group matches any term of the group. Default groups carry a ``default_key`` so a
    fresh install adds them once; an operator's deletion of one is kept (``deleted_at``) and the
    group is not installed again."""

    terms = models.JSONField(default=list)
    default_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return " ↔ ".join(self.terms)
