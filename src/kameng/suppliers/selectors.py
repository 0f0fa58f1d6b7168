"""Reads of supplier requests."""

from __future__ import annotations

from django.db.models import QuerySet

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.suppliers.models import SupplierRequest


def requests_for_operator(*, user: User, status: str | None = None) -> QuerySet[SupplierRequest]:
    """Every supplier request, newest first, for monitoring (operators only)."""
    require_role(user, Role.OPERATOR)
    requests = SupplierRequest.objects.order_by("-created_at", "-pk")
    if status:
        requests = requests.filter(status=status)
    return requests


def request_for_ref(*, ref: str) -> SupplierRequest | None:
    """The request submitted under the caller's ref, for the domain that submitted it."""
    return SupplierRequest.objects.filter(ref=ref).first()
