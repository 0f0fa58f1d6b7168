"""A rulebook version and its clauses. Both are written once, when the version is published, and
never changed: cases record the version they opened under and must read the same rules later."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from kameng.core.errors import DomainError


class _WriteOnce(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise DomainError("rulebook.immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DomainError("rulebook.immutable")


class RulebookVersion(_WriteOnce):
    # Unique: two simultaneous publishers (or first installs) cannot both become version N.
    number = models.PositiveIntegerField(unique=True)
    published_at = models.DateTimeField(default=timezone.now)
    # None for the defaults the system installed itself.
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    # Every parameter, by name (rulebook.params.PARAMS), as whole numbers.
    params = models.JSONField()

    def __str__(self) -> str:
        return f"rulebook v{self.number}"


class RulebookClause(_WriteOnce):
    version = models.ForeignKey(RulebookVersion, on_delete=models.PROTECT, related_name="clauses")
    code = models.CharField(max_length=8)
    title_zh = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    body_zh = models.TextField(max_length=4000)
    body_en = models.TextField(max_length=4000)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="rulebook_clause_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.title_zh}"
