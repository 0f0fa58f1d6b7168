"""/api/v1/notifications: the caller's own inbox (mounted with api_auth). Thin handlers."""

from __future__ import annotations

from ninja import Field, Path, Query, Router, Schema

from kameng.notifications import kinds, selectors, services
from kameng.notifications.schemas import MarkedOut, NotificationOut, UnreadCountOut

router = Router(tags=["notifications"])
MAX_ID = 2**53


class InboxFilter(Schema):
    unread: bool = False
    limit: int = Field(50, ge=1, le=selectors.MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_ID)


def _out(notification) -> dict:
    title, body = kinds.render(notification)
    return {
        "id": notification.id,
        "kind": notification.kind,
        "title": title,
        "body": body,
        "url": notification.url,
        "subject": notification.subject,
        "params": notification.params,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "unread": notification.unread,
    }


@router.get("", response=list[NotificationOut], summary="My notifications, newest first (?unread=1 for unread)")
def list_notifications(request, filters: Query[InboxFilter]):
    rows = selectors.inbox(request.auth, unread_only=filters.unread, limit=filters.limit, offset=filters.offset)
    return [_out(n) for n in rows]


@router.get("/unread-count", response=UnreadCountOut, summary="How many of my notifications are unread")
def unread_count(request):
    return {"unread": selectors.unread_count(request.auth)}


@router.post("/read-all", response=MarkedOut, summary="Mark all my notifications read")
def read_all(request):
    return {"marked": services.mark_all_read(user=request.auth)}


@router.post("/{notification_id}/read", response=NotificationOut, summary="Mark one notification read")
def read_one(request, notification_id: int = Path(..., ge=1, le=MAX_ID)):
    return _out(services.mark_read(user=request.auth, notification_id=notification_id))
