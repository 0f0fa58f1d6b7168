from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    """One entry in a user's inbox. The text is not stored: ``kind`` + ``params`` are rendered
    through ``kinds.render`` in the reader's language each time it is shown."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    # A path inside the site ("/cases/12/"), never an absolute URL: the inbox links to it.
    url = models.CharField(max_length=500, blank=True)
    # What the notification is about, e.g. "case:12", so a page can mark its own entries read.
    subject = models.CharField(max_length=64, blank=True)
    # Same (user, dedupe_key) twice is one notification: reminders and retried sweeps stay single.
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_dedupe_unique"
            )
        ]
        indexes = [
            # The unread badge and the unread list.
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_unread_idx"),
            # The full inbox, newest first.
            models.Index(fields=["user", "-created_at", "-id"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"

    @property
    def unread(self) -> bool:
        return self.read_at is None
