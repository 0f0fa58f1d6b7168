"""The inbox page (/inbox/): newest first, unread in bold; mark one or all read (htmx or plain
POST). Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kameng.accounts.permissions import login_required
from kameng.notifications import kinds, selectors, services

PAGE_SIZE = 30
MAX_PAGE = 10_000


def _page(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or request.POST.get("page") or 1), MAX_PAGE))
    except ValueError:
        return 1


def _list_context(request) -> dict:
    page = _page(request)
    unread_only = (request.GET.get("unread") or request.POST.get("unread")) == "1"
    rows = selectors.inbox(request.user, unread_only=unread_only, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    for n in rows:
        n.title, n.body = kinds.render(n)
    return {
        "notifications": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "unread_only": unread_only,
        "unread_total": selectors.unread_count(request.user),
    }


@login_required
@require_GET
def inbox(request):
    return render(request, "notifications/inbox.html", _list_context(request))


@login_required
@require_GET
def open_notification(request, notification_id: int):
    """Following a notification's link reads it (the user's own state only, so a GET is fine)."""
    notification = services.mark_read(user=request.user, notification_id=notification_id)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_one(request, notification_id: int):
    notification = services.mark_read(user=request.user, notification_id=notification_id)
    if request.htmx:
        notification.title, notification.body = kinds.render(notification)
        return render(
            request,
            "notifications/_marked_one.html",
            {"n": notification, "unread_total": selectors.unread_count(request.user)},
        )
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request):
    marked = services.mark_all_read(user=request.user)
    if request.htmx:
        return render(request, "notifications/_marked_all.html", _list_context(request))
    if marked:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:inbox")
