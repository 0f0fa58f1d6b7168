"""Who may do what on a case: the part a user plays on it, the locked case for a role, and the
guards of the transition table (``transitions``), which read facts and never write.

Services, selectors and the evidence app all ask here, so a page offers exactly what the service
will accept. Nothing here imports a service.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kameng.accounts.models import Role, User
from kameng.aftersales import facts as case_facts
from kameng.aftersales.models import Case, CaseState, Demand, Remedy
from kameng.aftersales.standing import standing_of
from kameng.aftersales.transitions import AGENT, BUYER, MERCHANT
from kameng.core.errors import DomainError
from kameng.rulebook import selectors as rulebook


def role_on(case: Case, user: User) -> str | None:
    """The part ``user`` plays on this case, or None if they have no business seeing it."""
    if user.role == Role.BUYER and case.buyer_id == user.pk:
        return BUYER
    if user.role == Role.MERCHANT and case.shop.owner_id == user.pk:
        return MERCHANT
    if user.role == Role.AGENT:
        # Agents see the platform queue (unassigned cases at the platform stage) and the cases
        # they took or ruled; never a case still between buyer and merchant.
        if case.state in (CaseState.EVIDENCE, CaseState.REVIEW, CaseState.APPEAL) and case.assigned_agent_id is None:
            return AGENT
        if user.pk in (case.assigned_agent_id, case.ruled_by_id):
            return AGENT
    if user.role == Role.OPERATOR:
        return "operator"
    return None


def locked_case(case_id: int) -> Case:
    """The case row, locked: the first lock of every case step (docs/concurrency.md)."""
    case = Case.objects.select_for_update().select_related("shop", "order").filter(pk=case_id).first()
    if case is None:
        raise DomainError("not_found")
    return case


def locked_case_for(user: User, case_id: int, *, role: str) -> Case:
    """The locked case if ``user`` plays ``role`` on it; anyone else's case is simply not found."""
    case = locked_case(case_id)
    if role_on(case, user) != role:
        raise DomainError("not_found")
    return case


def fast_refund_reason(case: Case, book, *, now: datetime) -> str | None:
    """极速退款 (8.3): a refund demand within the amount limit, from a buyer under the monthly
    count, with a qualifying fact."""
    if case.demand not in (Demand.FULL_REFUND, Demand.PARTIAL_REFUND):
        return None
    amount = case.stake_fen if case.demand == Demand.FULL_REFUND else case.demand_fen
    if amount > book.params["fast_refund_max_fen"]:
        return None
    recent = Case.objects.filter(
        buyer_id=case.buyer_id, fast_refunded=True, opened_at__gte=now - timedelta(days=30)
    ).exclude(pk=case.pk)
    if recent.count() >= book.params["fast_refund_max_per_buyer_30d"]:
        return None
    # A buyer who lost a contest over a fast refund in the last 30 days is not in good standing.
    if recent.filter(outcome=Remedy.REJECT).exists():
        return None
    # Nor is a buyer whose claims were often ruled unfounded (10.2): their cases take the ladder.
    flag_at = rulebook.in_force().params["claim_abuse_flag_count"]
    if standing_of(case.buyer_id, now=now, flag_at=flag_at).flagged:
        return None
    return case_facts.fast_refund_reason(case.facts)


def guard_ok(case: Case, guard: str | None, *, role: str, actor: User | None, now: datetime) -> bool:
    """Whether a step's guard (see ``transitions``) holds for this case now."""
    if guard is None:
        return True
    if guard == "early_intervention":
        book = rulebook.version(case.rulebook_id)
        unreachable = case_facts.merchant_unreachable(
            case.order, days=book.params["merchant_unreachable_days"], now=now
        )
        return unreachable or fast_refund_reason(case, book, now=now) is not None
    if guard == "not_appealed":
        if case.buyer_appealed if role == BUYER else case.merchant_appealed:
            return False
        # The window runs from the ruling (6.1); the sweep may not have made it final yet.
        ruling = case.rulings.filter(is_appeal=False).order_by("-pk").first()
        book = rulebook.version(case.rulebook_id)
        return ruling is not None and now <= ruling.created_at + book.hours("appeal_window_hours")
    if guard == "other_agent":
        return actor is not None and actor.pk != case.ruled_by_id
    if guard == "reopenable":
        return not case.reopened and case.reopen_until is not None and now <= case.reopen_until
    if guard == "after_ruling":
        return case.ruled_by_id is not None and not case.external_escalation
    raise ValueError(f"unknown guard {guard}")
