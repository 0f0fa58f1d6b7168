"""用户社群: questions, answers, votes, reports, the moderation log and anonymised case summaries.

Scores and reputation are never stored: they are sums over ``Vote`` and the accepted answers, read
in one query (``selectors``), so there is nothing that can drift from the votes themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TITLE_MAX = 150
BODY_MAX = 20_000
ANSWER_MAX = 10_000
REPORT_TEXT_MAX = 1_000
REASON_MAX = 500
ARTICLES_MAX = 5


class PostState(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HIDDEN = "hidden", _("Hidden by moderation")
    DELETED = "deleted", _("Deleted by moderation")


class Question(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(max_length=BODY_MAX)
    # A code of kameng.rulebook.problems.SUBTYPES and of kameng.catalog.models.Category, or "".
    subtype = models.CharField(max_length=32, blank=True)
    category = models.CharField(max_length=16, blank=True)
    article_slugs = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=PostState.choices, default=PostState.VISIBLE)
    moderation_reason = models.CharField(max_length=REASON_MAX, blank=True)
    locked = models.BooleanField(default=False)
    accepted_answer = models.ForeignKey(
        "community.Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["state", "-created_at"]),
            models.Index(fields=["author", "created_at"]),
            models.Index(fields=["subtype", "state"]),
        ]

    def __str__(self) -> str:
        return self.title


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=ANSWER_MAX)
    # 官方回答: written by a support agent or an operator (fixed when posted).
    official = models.BooleanField(default=False)
    article_slugs = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=PostState.choices, default=PostState.VISIBLE)
    moderation_reason = models.CharField(max_length=REASON_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["question", "state"]), models.Index(fields=["author", "created_at"])]


class Vote(models.Model):
    """One per user per post (changeable); +1 or -1."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(question__isnull=False, answer__isnull=True)
                | Q(question__isnull=True, answer__isnull=False),
                name="vote_one_target",
            ),
            models.CheckConstraint(condition=Q(value__in=(1, -1)), name="vote_value_pm1"),
            models.UniqueConstraint(
                fields=["user", "question"], condition=Q(question__isnull=False), name="vote_one_per_question"
            ),
            models.UniqueConstraint(
                fields=["user", "answer"], condition=Q(answer__isnull=False), name="vote_one_per_answer"
            ),
        ]


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    ABUSE = "abuse", _("Rude or abusive")
    PRIVATE = "private", _("Shows private data (card keys, order numbers, contacts)")
    FRAUD = "fraud", _("Scam or fraud")
    OFF_TOPIC = "off_topic", _("Off topic")
    OTHER = "other", _("Something else")


class ReportStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("community report", "Open")
    ACTIONED = "actioned", _("Acted on")
    DISMISSED = "dismissed", _("Dismissed")


class Report(models.Model):
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=16, choices=ReportReason.choices)
    text = models.TextField(max_length=REPORT_TEXT_MAX, blank=True)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(question__isnull=False, answer__isnull=True)
                | Q(question__isnull=True, answer__isnull=False),
                name="report_one_target",
            ),
            models.UniqueConstraint(
                fields=["reporter", "question"],
                condition=Q(status="open", question__isnull=False),
                name="report_one_open_per_question",
            ),
            models.UniqueConstraint(
                fields=["reporter", "answer"],
                condition=Q(status="open", answer__isnull=False),
                name="report_one_open_per_answer",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]


class ModerationLog(models.Model):
    """Who did what to which post, why and when. Append-only."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=16)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=REASON_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]


class CaseSummary(models.Model):
    """A closed after-sales case attached to a post by its buyer, anonymised when attached.

    ``summary`` holds only the allow-listed fields (``services.anonymise_case``); the case id is
    kept so one case is attached to one post at most, and is never shown."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case_id = models.BigIntegerField(unique=True)
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.CASCADE, related_name="cases")
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="cases")
    summary = models.JSONField()
    consent_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(question__isnull=False, answer__isnull=True)
                | Q(question__isnull=True, answer__isnull=False),
                name="case_summary_one_target",
            )
        ]
