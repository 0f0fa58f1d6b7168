"""Reads of notifications: only ever the user's own."""

from __future__ import annotations

from django.db.models import QuerySet

from kameng.accounts.models import User
from kameng.accounts.permissions import require_login
from kameng.notifications.models import Notification

MAX_LIMIT = 200


def inbox(user: User, *, unread_only: bool = False, limit: int = 50, offset: int = 0) -> list[Notification]:
    """The user's notifications, newest first, one page of them."""
    require_login(user)
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    qs: QuerySet[Notification] = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return list(qs.order_by("-created_at", "-id")[offset : offset + limit])


def unread_count(user: User) -> int:
    require_login(user)
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
