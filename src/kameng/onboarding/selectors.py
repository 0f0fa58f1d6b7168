"""Reads of shop applications. The applicant sees their own; operators see all. Documents are
shown to nobody else."""

from __future__ import annotations

from django.db.models import QuerySet

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_login, require_role
from kameng.core.errors import DomainError
from kameng.onboarding.models import ApplicationDocument, ShopApplication
from kameng.timeline.models import Event
from kameng.timeline.selectors import events_of


def my_applications(*, user: User) -> QuerySet[ShopApplication]:
    require_login(user)
    return ShopApplication.objects.filter(applicant=user).prefetch_related("documents")


def latest_application(*, user: User) -> ShopApplication | None:
    return my_applications(user=user).first()


def application_for(*, user: User, application_id: int) -> ShopApplication:
    """The application, if ``user`` is its applicant or an operator; otherwise not found."""
    require_login(user)
    qs = ShopApplication.objects.select_related("applicant", "decided_by", "shop").prefetch_related("documents")
    if user.role != Role.OPERATOR:
        qs = qs.filter(applicant=user)
    application = qs.filter(pk=application_id).first()
    if application is None:
        raise DomainError("not_found")
    return application


def queue(*, operator: User, state: str | None = None) -> QuerySet[ShopApplication]:
    """The operators' review queue, oldest waiting first; ``state`` narrows it."""
    require_role(operator, Role.OPERATOR)
    qs = ShopApplication.objects.select_related("applicant")
    if state:
        if state not in ShopApplication.State.values:
            raise DomainError("invalid_input", fields={"state": f"one of {', '.join(ShopApplication.State.values)}"})
        return qs.filter(state=state).order_by("updated_at", "pk")
    return qs.filter(state=ShopApplication.State.SUBMITTED).order_by("updated_at", "pk")


def document_for(*, user: User, document_id: int) -> ApplicationDocument:
    """A document, for its applicant or an operator only."""
    require_login(user)
    qs = ApplicationDocument.objects.select_related("application")
    if user.role != Role.OPERATOR:
        qs = qs.filter(application__applicant=user)
    document = qs.filter(pk=document_id).first()
    if document is None:
        raise DomainError("not_found")
    return document


def timeline_of(application: ShopApplication) -> list[Event]:
    return list(events_of(stream=application.stream))
