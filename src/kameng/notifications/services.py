"""Every write to notifications: adding one (and its email after commit), marking them read.

``notify`` takes no lock of its own: it inserts one row in the caller's transaction, and the
partial unique index on (user, dedupe_key) decides between two racing inserts (the second waits
for the first transaction, then finds the row and does nothing).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from kameng.accounts.models import User
from kameng.accounts.permissions import require_login
from kameng.core.db import insert_rows
from kameng.core.errors import DomainError
from kameng.notifications import kinds
from kameng.notifications.models import Notification

log = logging.getLogger(__name__)

MAX_ID = 2**53
EMAIL_LANGUAGE = "zh-hans"  # the marketplace's default language; English follows on one line


def _clean_params(params: Any) -> dict:
    """JSON-safe params. A lazy (gettext) string is stored in both languages, so it is rendered
    in the reader's language later, not the sender's now."""
    if params is None:
        return {}
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise DomainError("invalid_input", fields={"params": "a dict with string keys"})
    clean: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, Promise):
            with translation.override("zh-hans"):
                zh = str(value)
            with translation.override("en"):
                en = str(value)
            value = {"zh": zh, "en": en}
        clean[key] = value
    try:
        json.dumps(clean)
    except (TypeError, ValueError) as exc:
        raise DomainError("invalid_input", fields={"params": "JSON values only"}) from exc
    return clean


def _clean_url(url: Any) -> str:
    # The inbox puts this in an href: only a path on this site, so a notification can never send
    # its reader to another site or run a javascript: link.
    if not isinstance(url, str):
        raise DomainError("invalid_input", fields={"url": "a path"})
    if url and (not url.startswith("/") or url.startswith("//") or "\\" in url or len(url) > 500):
        raise DomainError("invalid_input", fields={"url": "a path on this site, starting with /"})
    return url


def _clean_str(name: str, value: Any, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise DomainError("invalid_input", fields={name: f"text of at most {limit} characters"})
    return value


def notify(
    *,
    user: User,
    kind: str,
    params: dict,
    url: str = "",
    subject: str = "",
    dedupe_key: str = "",
    email: bool = True,
) -> Notification | None:
    """Put a notification in ``user``'s inbox, within the caller's transaction, and email it after
    commit. With a ``dedupe_key`` that this user already has, nothing happens and None is returned
    (also when another transaction inserts the same key at the same moment)."""
    if user is None or user.pk is None:
        raise DomainError("invalid_input", fields={"user": "required"})
    if not isinstance(kind, str) or not kind or len(kind) > 64:
        raise DomainError("invalid_input", fields={"kind": "text of 1 to 64 characters"})
    if not kinds.is_registered(kind):
        log.warning("notification kind %r is not registered; it will show as its name", kind)
    row = Notification(
        user=user,
        kind=kind,
        params=_clean_params(params),
        url=_clean_url(url),
        subject=_clean_str("subject", subject, 64),
        dedupe_key=_clean_str("dedupe_key", dedupe_key, 200),
        created_at=timezone.now(),
    )
    with transaction.atomic():
        if row.dedupe_key:
            if Notification.objects.filter(user=user, dedupe_key=row.dedupe_key).exists():
                return None
            try:
                with transaction.atomic():  # a savepoint: losing the race must not spoil the caller's transaction
                    row.save(force_insert=True)
            except IntegrityError:
                if Notification.objects.filter(user=user, dedupe_key=row.dedupe_key).exists():
                    return None
                raise
        else:
            row.save(force_insert=True)
        if email and user.email:
            transaction.on_commit(partial(_enqueue_email, row.pk))
    return row


@dataclass(frozen=True)
class Notice:
    user: User
    kind: str
    params: dict
    url: str = ""
    subject: str = ""


def notify_many(notices: list[Notice]) -> int:
    """Many notifications (no dedupe keys) in one insert, within the caller's transaction; their
    emails are queued after commit as one job. For the case sweep, which notifies hundreds of
    parties per chunk."""
    if not notices:
        return 0
    now = timezone.now()
    rows = [
        Notification(
            user=n.user,
            kind=n.kind,
            params=_clean_params(n.params),
            url=_clean_url(n.url),
            subject=_clean_str("subject", n.subject, 64),
            created_at=now,
        )
        for n in notices
    ]
    insert_rows(rows)
    ids = [row.pk for row, n in zip(rows, notices, strict=True) if n.user.email and row.pk is not None]
    if ids:
        transaction.on_commit(partial(_enqueue_emails, ids))
    return len(rows)


def _enqueue_emails(notification_ids: list[int]) -> None:
    from kameng.notifications import tasks  # tasks imports this module

    try:
        tasks.send_notification_emails.enqueue(notification_ids)
    except Exception:  # a broken queue must not break the act that notified
        log.exception("could not queue the emails for %s notifications", len(notification_ids))


def _enqueue_email(notification_id: int) -> None:
    from kameng.notifications import tasks  # tasks imports this module

    try:
        tasks.send_notification_email.enqueue(notification_id)
    except Exception:  # a broken queue must not break the act that notified
        log.exception("could not queue the email for notification %s", notification_id)


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url else ""


def compose_email(notification: Notification) -> tuple[str, str]:
    """(subject, body): Chinese first, then one English line."""
    with translation.override(EMAIL_LANGUAGE):
        zh_title, zh_body = kinds.render(notification)
        site = str(settings.KAMENG_PRODUCT_NAME)
        zh_link = _("Details: %(url)s") % {"url": _absolute(notification.url)} if notification.url else ""
        zh_footer = _("You get this email because you have an account on %(site)s.") % {"site": site}
    with translation.override("en"):
        en_title, en_body = kinds.render(notification)
    subject = " ".join(f"[{site}] {zh_title}".split())[:200]  # no line breaks in a header
    english = f"{en_title}: {en_body}" if en_body else en_title
    lines = [zh_title, *([zh_body] if zh_body else []), *([zh_link] if zh_link else [])]
    lines += ["", " ".join(english.split()), "", "-- ", zh_footer]
    return subject, "\n".join(lines)


def send_email(*, notification_id: int) -> bool:
    """Email one notification to its user, once. Runs in the task after commit; a failure is
    logged and reported as False, never raised."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None or not notification.user.email:
        return False
    try:
        subject, body = compose_email(notification)
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.user.email]).send()
    except Exception:
        log.exception("could not email notification %s", notification_id)
        return False
    Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return True


def _own(user: User, notification_id: int):
    require_login(user)
    if not isinstance(notification_id, int) or not 1 <= notification_id <= MAX_ID:
        raise DomainError("not_found")
    return Notification.objects.filter(user=user, pk=notification_id)


def mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (again is a no-op). Someone else's: not_found."""
    qs = _own(user, notification_id)
    qs.filter(read_at__isnull=True).update(read_at=timezone.now())
    notification = qs.first()
    if notification is None:
        raise DomainError("not_found")
    return notification


def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many were."""
    require_login(user)
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def mark_subject_read(*, user: User, subject: str) -> int:
    """Mark the user's unread notifications about one subject read (e.g. when they open the case
    page the notifications point to); returns how many were."""
    require_login(user)
    if not subject:
        return 0
    return Notification.objects.filter(user=user, subject=subject, read_at__isnull=True).update(read_at=timezone.now())
