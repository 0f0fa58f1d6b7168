"""Second looks and ways out: 申诉 (6.1), the merchant's contest of a fast refund (8.3), reopening a
case closed by the buyer's silence (7.1), withdrawal (7.2) and 外部维权 after a final ruling (9.1)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from kameng.accounts.models import User
from kameng.aftersales.models import OPEN_STATES, Case
from kameng.aftersales.permissions import locked_case, locked_case_for, role_on
from kameng.aftersales.services.conversation import add_message
from kameng.aftersales.services.inputs import clean_text
from kameng.aftersales.services.steps import Effects, apply_step, flush, release_if_done
from kameng.aftersales.transitions import BUYER, MERCHANT
from kameng.core.errors import DomainError


def withdraw_case(*, buyer: User, case_id: int, now: datetime | None = None) -> Case:
    now = now or timezone.now()
    with transaction.atomic():
        case = locked_case_for(buyer, case_id, role=BUYER)
        effects = Effects()
        apply_step(case, "withdraw", role=BUYER, actor=buyer, now=now, effects=effects)
        release_if_done(case, effects)
        flush(case, effects)
    return case


def reopen_case(*, buyer: User, case_id: int, now: datetime | None = None) -> Case:
    """Once, within the window, after the case closed because the buyer fell silent (7.1)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            case = locked_case_for(buyer, case_id, role=BUYER)
            if Case.objects.filter(order_id=case.order_id, state__in=OPEN_STATES).exclude(pk=case.pk).exists():
                raise DomainError("aftersales.case_already_open", clause="2.2")
            effects = Effects()
            apply_step(case, "reopen", role=BUYER, actor=buyer, now=now, effects=effects)
            case.reopened = True
            case.closed_at = None
            case.save(update_fields=["reopened", "closed_at"])
            flush(case, effects)
    except IntegrityError:  # another case on the order opened at the same moment (2.2)
        raise DomainError("aftersales.case_already_open", clause="2.2") from None
    return case


def escalate_externally(*, buyer: User, case_id: int, channel: str, now: datetime | None = None) -> Case:
    """外部维权 after a final ruling (9.1): recorded here; the complaint package is built from the
    sealed record."""
    now = now or timezone.now()
    if channel not in ("12315", "court"):
        raise DomainError("invalid_input", fields={"channel": "12315 or court"})
    with transaction.atomic():
        case = locked_case_for(buyer, case_id, role=BUYER)
        effects = Effects()
        apply_step(
            case, "escalate_external", role=BUYER, actor=buyer, now=now, payload={"channel": channel}, effects=effects
        )
        case.external_escalation = channel
        case.save(update_fields=["external_escalation"])
        flush(case, effects)
    return case


def contest_fast_refund(*, merchant: User, case_id: int, reason: str, now: datetime | None = None) -> Case:
    now = now or timezone.now()
    reason = clean_text(reason, name="reason")
    with transaction.atomic():
        case = locked_case_for(merchant, case_id, role=MERCHANT)
        effects = Effects()
        apply_step(case, "contest", role=MERCHANT, actor=merchant, now=now, payload={"reason": reason}, effects=effects)
        add_message(case, merchant, MERCHANT, reason, effects=effects, now=now)
        flush(case, effects)
    return case


def appeal(*, user: User, case_id: int, reason: str, now: datetime | None = None) -> Case:
    """申诉: one per side within the appeal window (6.1)."""
    now = now or timezone.now()
    reason = clean_text(reason, name="reason")
    with transaction.atomic():
        case = locked_case(case_id)
        role = role_on(case, user)
        if role not in (BUYER, MERCHANT):
            raise DomainError("not_found")
        effects = Effects()
        apply_step(case, "appeal", role=role, actor=user, now=now, payload={"reason": reason}, effects=effects)
        if role == BUYER:
            case.buyer_appealed = True
        else:
            case.merchant_appealed = True
        case.assigned_agent = None  # a different agent decides (6.1)
        case.save(update_fields=["buyer_appealed", "merchant_appealed", "assigned_agent"])
        add_message(case, user, role, reason, effects=effects, now=now)
        flush(case, effects)
    return case
