"""Background work: the email that follows a notification, queued on commit."""

from __future__ import annotations

from django_tasks import task

from kameng.notifications import services


@task()
def send_notification_email(notification_id: int) -> bool:
    return services.send_email(notification_id=notification_id)


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    return sum(bool(services.send_email(notification_id=pk)) for pk in notification_ids)
