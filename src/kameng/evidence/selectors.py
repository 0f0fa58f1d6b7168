"""Reads of evidence, already filtered to what the user may see: someone else's case or file is
simply not found."""

from __future__ import annotations

from kameng.accounts.models import User
from kameng.aftersales.permissions import role_on
from kameng.aftersales.selectors import case_for
from kameng.core.errors import DomainError
from kameng.evidence.models import EvidenceItem


def evidence_for(user: User, case_id: int) -> list[EvidenceItem]:
    """Every evidence file of a case the user may see, oldest first, withdrawn ones included."""
    case = case_for(user, case_id)
    return list(EvidenceItem.objects.filter(case=case).select_related("uploader").order_by("created_at", "pk"))


def attached_files(case) -> list:
    """The files attached to a case on the case form or in its conversation: evidence like the
    uploads above (aftersales.selectors.attachments_of), each marked ``from_case_form`` when it came
    with the buyer's opening of the case. The caller has checked that the user may see the case."""
    from kameng.aftersales.selectors import attachments_of

    rows = attachments_of(case)
    for row in rows:
        message = row.message
        row.from_case_form = message.author_id == case.buyer_id and message.created_at == case.opened_at
        row.author_role = message.author_role
    return rows


def attached_files_for(user: User, case_id: int) -> list:
    """attached_files of a case the user may see; someone else's case is not found."""
    return attached_files(case_for(user, case_id))


def item_for(user: User, item_id: int) -> EvidenceItem:
    item = EvidenceItem.objects.select_related("case__shop", "case__order").filter(pk=item_id).first()
    if item is None or not user.is_authenticated or role_on(item.case, user) is None:
        raise DomainError("not_found")
    return item


def proof_for(user, *, stream: str, seq: int) -> dict:
    """The inclusion proof of one event (sealing.event_proof) for someone who may see its stream:
    a case's parties, or an order's buyer, its shop, and whoever may see one of its cases."""
    import re

    from kameng.accounts.models import Role
    from kameng.aftersales.models import Case
    from kameng.aftersales.permissions import role_on
    from kameng.aftersales.selectors import case_for
    from kameng.evidence.sealing import event_proof
    from kameng.orders.selectors import orders_among

    match = re.fullmatch(r"(case|order):([1-9][0-9]{0,15})", stream or "")
    if match is None or not isinstance(seq, int) or seq < 1:
        raise DomainError("not_found")
    kind, object_id = match.group(1), int(match.group(2))
    if kind == "case":
        case_for(user, object_id)
    else:
        order = orders_among(ids=[object_id]).first()
        allowed = order is not None and (
            order.buyer_id == user.pk
            or order.shop.owner_id == user.pk
            or user.role == Role.OPERATOR
            or any(role_on(c, user) for c in Case.objects.filter(order=order).select_related("shop"))
        )
        if not allowed:
            raise DomainError("not_found")
    return event_proof(stream=stream, seq=seq)
