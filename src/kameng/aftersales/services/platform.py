"""Platform intervention (平台介入, chapter 4): the buyer asks the platform in, an agent takes the
case from the queue and rules (裁决, 4.4) — or, on an appeal, decides it finally (6.1)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.aftersales.models import Case, CaseState, Remedy, Ruling
from kameng.aftersales.permissions import locked_case, locked_case_for, role_on
from kameng.aftersales.selectors import case_for
from kameng.aftersales.services.inputs import clean_fen, clean_text
from kameng.aftersales.services.outcome import MoneyLine, demand_remedy, execute_remedy, preview_ruling
from kameng.aftersales.services.steps import Effects, apply_step, case_url, check_step, flush, release_if_done
from kameng.aftersales.transitions import AGENT, BUYER, SYSTEM
from kameng.catalog.models import DeliveryKind
from kameng.core.errors import DomainError
from kameng.notifications.services import Notice, notify_many
from kameng.orders import funds
from kameng.rulebook import selectors as rulebook
from kameng.rulebook.problems import Party
from kameng.timeline.services import NewEvent, append_events


def request_intervention(*, buyer: User, case_id: int, reason: str = "", now: datetime | None = None) -> Case:
    """平台介入 (4.1). During the merchant stage this is out of order unless the merchant is
    unreachable or the case qualifies for fast refund (4.2)."""
    now = now or timezone.now()
    reason = clean_text(reason, name="reason", required=False)
    with transaction.atomic():
        case = locked_case_for(buyer, case_id, role=BUYER)
        effects = Effects()
        apply_step(case, "escalate", role=BUYER, actor=buyer, now=now, payload={"reason": reason}, effects=effects)
        flush(case, effects)
    return case


def take_case(*, agent: User, case_id: int) -> Case:
    """An agent takes a case from the queue. The appeal goes to someone other than the first judge."""
    if agent.role != Role.AGENT:
        raise DomainError("permission_denied")
    with transaction.atomic():
        case = locked_case(case_id)
        # A case no agent may see (not with the platform, or another agent's) is simply not found:
        # answering with its state would tell an agent what it is.
        if role_on(case, agent) != AGENT or case.assigned_agent_id not in (None, agent.pk):
            raise DomainError("not_found")
        if case.state not in (CaseState.EVIDENCE, CaseState.REVIEW, CaseState.APPEAL):
            raise DomainError("aftersales.not_allowed", state=str(CaseState(case.state).label), action="take")
        if case.state == CaseState.APPEAL and case.ruled_by_id == agent.pk:
            raise DomainError("aftersales.same_agent", clause="6.1")
        case.assigned_agent = agent
        case.save(update_fields=["assigned_agent"])
        append_events(stream=case.stream, events=[NewEvent("case.assigned", {"agent": agent.pk}, agent)])
    return case


def ruling_preview(*, agent: User, case_id: int, remedy: str, amount_fen: int, penalty_fen: int) -> list[MoneyLine]:
    """The money lines a ruling would cause, for the agent who may rule on the case. Read-only."""
    case = case_for(agent, case_id)
    if role_on(case, agent) != AGENT:
        raise DomainError("not_found")
    return preview_ruling(case=case, remedy=remedy, amount_fen=amount_fen, penalty_fen=penalty_fen)


def _check_ruling(
    case: Case, *, remedy: str, amount_fen: int, penalty_fen: int, clause: str, text: str, responsible: str
):
    book = rulebook.version(case.rulebook_id)
    if remedy not in Remedy.values or remedy == Remedy.REDELIVERY:
        raise DomainError(
            "invalid_input", fields={"remedy": "full_refund, partial_refund, replacement, compensation or reject"}
        )
    book.clause(clause)  # must exist in the case's rulebook: raises rulebook.unknown_clause
    if responsible not in Party.LABELS:
        raise DomainError("invalid_input", fields={"responsible": "merchant, supplier, platform, buyer or unknown"})
    if remedy in (Remedy.PARTIAL_REFUND, Remedy.COMPENSATION):
        amount_fen = clean_fen(amount_fen, name="amount_fen", low=1, high=case.stake_fen)
    else:
        amount_fen = case.stake_fen if remedy == Remedy.FULL_REFUND else 0
    penalty_fen = clean_fen(penalty_fen, name="penalty_fen", low=0, high=book.params["penalty_max_fen"])
    if remedy == Remedy.REPLACEMENT and (case.order.delivery_kind != DeliveryKind.CARD_KEY or not case.order_key_ids):
        raise DomainError("aftersales.keys_not_replaceable")
    return amount_fen, penalty_fen, clean_text(text, name="text")


def rule(
    *,
    agent: User,
    case_id: int,
    remedy: str,
    clause: str,
    text: str,
    amount_fen: int = 0,
    penalty_fen: int = 0,
    responsible: str = Party.UNKNOWN,
    now: datetime | None = None,
) -> Ruling:
    """裁决 (4.4) or, on an appeal, the final decision (6.1). The money moves at once; a later appeal
    can only move it to a new target (refund more, or take back from the buyer's wallet)."""
    now = now or timezone.now()
    with transaction.atomic():
        case = locked_case(case_id)
        if agent.role != Role.AGENT or role_on(case, agent) != AGENT:
            raise DomainError("not_found")
        is_appeal = case.state == CaseState.APPEAL
        action = "rule_appeal" if is_appeal else "rule"
        check_step(case, action, role=AGENT, actor=agent, now=now)  # before the ruling is written
        amount_fen, penalty_fen, text = _check_ruling(
            case,
            remedy=remedy,
            amount_fen=amount_fen,
            penalty_fen=penalty_fen,
            clause=clause,
            text=text,
            responsible=responsible,
        )
        ruling = Ruling.objects.create(
            case=case,
            agent=agent,
            is_appeal=is_appeal,
            remedy=remedy,
            amount_fen=amount_fen,
            penalty_fen=penalty_fen,
            responsible=responsible,
            clause=clause,
            text=text,
            created_at=now,
        )
        effects = Effects()
        execute_remedy(
            case, remedy=remedy, amount_fen=amount_fen, step=f"ruling:{ruling.pk}", note=text, effects=effects
        )
        book = rulebook.version(case.rulebook_id)
        if penalty_fen:
            debt = funds.charge_penalty(
                shop_id=case.shop_id,
                amount_fen=penalty_fen,
                source=f"case:{case.pk}:ruling:{ruling.pk}:penalty",
                reason=f"penalty, case {case.pk}",
            )
            effects.case_events.append(
                NewEvent(
                    "case.penalty", {"amount_fen": penalty_fen, "debt_fen": debt, **book.cite("4.5")}, None, SYSTEM
                )
            )
        if not is_appeal:
            case.ruled_by = agent
        case.assigned_agent = agent
        case.responsible = responsible
        case.save(update_fields=["ruled_by", "assigned_agent", "responsible"])
        apply_step(
            case,
            action,
            role=AGENT,
            actor=agent,
            now=now,
            payload={
                "ruling": ruling.pk,
                "remedy": remedy,
                "amount_fen": amount_fen,
                "penalty_fen": penalty_fen,
                "responsible": responsible,
                "ruling_clause": book.cite(clause),
                "text": text,
            },
            effects=effects,
        )
        release_if_done(case, effects)
        flush(case, effects)
    return ruling


# --- overdue rulings (4.4) ------------------------------------------------------------------------

OVERDUE_STATES = (CaseState.REVIEW, CaseState.APPEAL)


def _merchant_said_nothing(case: Case) -> bool:
    """The merchant took no step, wrote nothing and added no evidence on the case (every such act
    is an event of the case's stream with the merchant's role)."""
    from kameng.timeline.models import Event

    return not Event.objects.filter(stream=case.stream, actor_role="merchant").exists()


def rule_overdue(*, case_id: int, now: datetime) -> str | None:
    """A ruling is overdue: a case the silent merchant escalated (3.6) and left without a word is
    ruled on the records by rule 4.3 — the buyer's demand is granted, and either side may still
    appeal; any other case goes back to the queue (its agent released) with a fresh clock, and the
    agents and operators are told. Returns what was done, or None if the case was no longer due."""
    with transaction.atomic():
        case = locked_case(case_id)
        if case.state not in OVERDUE_STATES or case.due_at is None or case.due_at > now:
            return None
        effects = Effects()
        book = rulebook.version(case.rulebook_id)
        if case.state == CaseState.REVIEW and case.sla_breached and _merchant_said_nothing(case):
            remedy, amount = demand_remedy(case)
            text = "Ruled on the records by rule 4.3: the merchant did not answer and submitted nothing."
            ruling = Ruling.objects.create(
                case=case,
                agent=None,
                remedy=remedy,
                amount_fen=amount,
                responsible=Party.MERCHANT,
                clause="4.3",
                text=text,
                created_at=now,
            )
            execute_remedy(
                case, remedy=remedy, amount_fen=amount, step=f"ruling:{ruling.pk}", note=text, effects=effects
            )
            case.responsible = Party.MERCHANT
            apply_step(
                case,
                "rule_on_records",
                role=SYSTEM,
                actor=None,
                now=now,
                payload={
                    "ruling": ruling.pk,
                    "remedy": remedy,
                    "amount_fen": amount,
                    "responsible": Party.MERCHANT,
                    "ruling_clause": book.cite("4.3"),
                    "text": text,
                },
                effects=effects,
            )
            release_if_done(case, effects)
            flush(case, effects)
            return "ruled_on_records"
        due = case.due_at
        apply_step(
            case,
            "overdue",
            role=SYSTEM,
            actor=None,
            now=now,
            payload={"was_due": due.isoformat(), "agent": case.assigned_agent_id},
            effects=effects,
        )
        case.assigned_agent = None if case.state == CaseState.REVIEW else case.assigned_agent
        case.due_at = now + book.hours("ruling_due_hours")
        case.save(update_fields=["assigned_agent", "due_at"])
        staff = User.objects.filter(role__in=[Role.AGENT, Role.OPERATOR], is_active=True)
        if case.state == CaseState.APPEAL and case.ruled_by_id:
            staff = staff.exclude(pk=case.ruled_by_id)  # the first judge cannot decide the appeal
        when = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
        notify_many(
            [
                Notice(
                    user=user,
                    kind="case.ruling_overdue",
                    params={"case": case.pk, "order": case.order_id, "due": when},
                    url=case_url(case),
                    subject=case.stream,
                )
                for user in staff
            ]
        )
        flush(case, effects)
        return "requeued"


def sweep_overdue_rulings(*, now: datetime, limit: int = 200) -> dict[str, int]:
    """Every case whose ruling is overdue, oldest first, each in its own transaction (few are due)."""
    done: dict[str, int] = {}
    ids = list(
        Case.objects.filter(state__in=OVERDUE_STATES, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    for case_id in ids:
        what = rule_overdue(case_id=case_id, now=now)
        if what:
            done[what] = done.get(what, 0) + 1
    return done
