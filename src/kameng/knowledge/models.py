from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language

from kameng.rulebook.problems import FAMILIES, SUBTYPES


def _english() -> bool:
    return (get_language() or "zh-hans").lower().startswith("en")


class Article(models.Model):
    """A self-check article. Bodies are plain text; a blank line separates paragraphs."""

    slug = models.SlugField(max_length=64, unique=True)
    # A code of kameng.rulebook.problems.SUBTYPES (validated by the service; codes never change).
    subtype = models.CharField(max_length=32)
    title_zh = models.CharField(max_length=120)
    title_en = models.CharField(max_length=120, blank=True)
    body_zh = models.TextField(max_length=20000)
    body_en = models.TextField(max_length=20000, blank=True)
    published = models.BooleanField(default=True)
    # Order among the articles of one subtype, smallest first.
    position = models.IntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["subtype", "published", "position"], name="article_self_check_idx")]

    def __str__(self) -> str:
        return self.slug

    @property
    def title(self) -> str:
        return self.title_en if _english() and self.title_en else self.title_zh

    @property
    def body(self) -> str:
        return self.body_en if _english() and self.body_en else self.body_zh

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.replace("\r\n", "\n").split("\n\n") if p.strip()]

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
