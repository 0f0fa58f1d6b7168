"""Reads of evidence, already filtered to what the user may see: someone else's case or file is
simply not found."""

from __future__ import annotations

from kameng.accounts.models import User
from kameng.aftersales.selectors import case_for
from kameng.aftersales.services import role_on
from kameng.core.errors import DomainError
from kameng.evidence.models import EvidenceItem


def evidence_for(user: User, case_id: int) -> list[EvidenceItem]:
    """Every evidence file of a case the user may see, oldest first, withdrawn ones included."""
    case = case_for(user, case_id)
    return list(EvidenceItem.objects.filter(case=case).select_related("uploader").order_by("created_at", "pk"))


def item_for(user: User, item_id: int) -> EvidenceItem:
    item = EvidenceItem.objects.select_related("case__shop", "case__order").filter(pk=item_id).first()
    if item is None or not user.is_authenticated or role_on(item.case, user) is None:
        raise DomainError("not_found")
    return item
