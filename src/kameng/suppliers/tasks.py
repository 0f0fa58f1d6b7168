"""Background jobs. A queued job is only a shortcut: the sweep (``reconcile_pending``) sends and
checks everything by itself if a job is lost."""

from __future__ import annotations

from django_tasks import task

from kameng.suppliers import services


@task()
def send_request(request_pk: int) -> str | None:
    request = services.send_request(request_pk=request_pk)
    return request.status if request is not None else None


@task()
def reconcile() -> dict:
    return services.reconcile_pending().as_dict()
