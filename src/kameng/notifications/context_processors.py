"""``inbox_unread`` for the nav badge on every page of a logged-in user."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from kameng.notifications.selectors import unread_count


def inbox(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return {}
    # Lazy: pages (and fragments) that never show the badge run no query.
    return {"inbox_unread": SimpleLazyObject(lambda: unread_count(user))}
