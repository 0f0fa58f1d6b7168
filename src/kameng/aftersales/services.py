"""Every write to after-sales cases: opening, the merchant stage, platform intervention, rulings,
appeals, fast refunds, the conversation, tags, and the sweep of case deadlines.

Check, lock, change. Lock order (docs/concurrency.md): case row → order row (inside
``orders.remedies``) → ledger accounts by id → card keys (SKIP LOCKED) → timeline heads (case
stream, then order stream) → product row. No order-side code locks a case, so the order can never
be the first lock of a path that then waits for a case.

Only ``_apply`` assigns ``Case.state``: it looks the step up in ``transitions``, checks the guard,
sets the one running clock from the case's own rulebook version, records the event with actor and
clause on the case and order timelines, keeps the order tags in step, and notifies whoever must
act next (after commit).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.aftersales import facts as case_facts
from kameng.aftersales import tags
from kameng.aftersales.models import (
    FREEZING_STATES,
    OPEN_STATES,
    PLATFORM_STATES,
    Case,
    CaseState,
    Demand,
    Message,
    Offer,
    Remedy,
    Ruling,
    SlaBreach,
)
from kameng.aftersales.transitions import AGENT, BUYER, MERCHANT, OUT_OF_ORDER, SYSTEM, step_for
from kameng.catalog.models import DeliveryKind
from kameng.core.errors import DomainError
from kameng.notifications.services import Notice, notify, notify_many
from kameng.orders import remedies
from kameng.orders.models import BatchState, Order, OrderKey, OrderState, Refund
from kameng.rulebook import selectors as rulebook
from kameng.rulebook.problems import SUBTYPES, Party
from kameng.shops.models import ShopStatus
from kameng.timeline.services import NewEvent, append_events, append_to_streams

log = logging.getLogger(__name__)

TEXT_MAX = 4000
# States whose clock ends in a system "expire" step; the sweep reads only these.
EXPIRING_STATES = (
    CaseState.MERCHANT,
    CaseState.BUYER_INFO,
    CaseState.OFFER,
    CaseState.NO_AGREEMENT,
    CaseState.EVIDENCE,
    CaseState.RULED,
    CaseState.FAST_REFUNDED,
)
# Which rulebook parameter sets the clock of each state.
CLOCKS = {
    CaseState.MERCHANT: "merchant_answer_hours",
    CaseState.BUYER_INFO: "buyer_answer_hours",
    CaseState.OFFER: "buyer_answer_hours",
    CaseState.NO_AGREEMENT: "buyer_answer_hours",
    CaseState.EVIDENCE: "evidence_window_hours",
    CaseState.REVIEW: "ruling_due_hours",
    CaseState.RULED: "appeal_window_hours",
    CaseState.APPEAL: "ruling_due_hours",
    CaseState.FAST_REFUNDED: "fast_refund_contest_hours",
}
# Who must act in each state (and is reminded before the clock runs out).
WAITING_ON = {
    CaseState.MERCHANT: (MERCHANT,),
    CaseState.BUYER_INFO: (BUYER,),
    CaseState.OFFER: (BUYER,),
    CaseState.NO_AGREEMENT: (BUYER,),
    CaseState.EVIDENCE: (BUYER, MERCHANT),
    CaseState.FAST_REFUNDED: (MERCHANT,),
}


# --- reading who is who --------------------------------------------------------------------------


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


def _locked_case(case_id: int) -> Case:
    case = Case.objects.select_for_update().select_related("shop", "order").filter(pk=case_id).first()
    if case is None:
        raise DomainError("not_found")
    return case


def _case_for(user: User, case_id: int, *, role: str) -> Case:
    case = _locked_case(case_id)
    if role_on(case, user) != role:
        raise DomainError("not_found")
    return case


def _text(value: object, *, name: str = "text", required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise DomainError("invalid_input", fields={name: "required"})
    if len(text) > TEXT_MAX:
        raise DomainError("invalid_input", fields={name: f"at most {TEXT_MAX} characters"})
    return text


def _fen(value: object, *, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise DomainError("aftersales.bad_amount", field=name, min=low, max=high)
    return value


# --- the one function that moves a case --------------------------------------------------------------


@dataclass
class _Effects:
    """What a step leaves to write: timeline events (always at the end of the step, the last locks),
    and — when ``defer`` is set by the sweep, which writes hundreds of steps at once — the case row,
    its order tags and its notifications too, for one bulk write per chunk."""

    case_events: list[NewEvent] = field(default_factory=list)
    order_events: list[NewEvent] = field(default_factory=list)
    defer: bool = False
    saved: list[Case] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def guard_ok(case: Case, guard: str | None, *, role: str, actor: User | None, now: datetime) -> bool:
    if guard is None:
        return True
    if guard == "early_intervention":
        book = rulebook.version(case.rulebook_id)
        unreachable = case_facts.merchant_unreachable(
            case.order, days=book.params["merchant_unreachable_days"], now=now
        )
        return unreachable or _fast_refund_reason(case, book, now=now) is not None
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


def _plain(value):
    """Timeline payloads take plain JSON types: enum members (str subclasses) become str."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def _apply(
    case: Case,
    action: str,
    *,
    role: str,
    actor: User | None,
    now: datetime,
    payload: dict | None = None,
    effects: _Effects,
) -> str:
    """Move the locked case along ``action``; returns the clause cited. Refuses anything the table
    does not allow, with nothing changed."""
    step = step_for(case.state, action, role)
    if step is None or not guard_ok(case, step.guard, role=role, actor=actor, now=now):
        if (case.state, action, role) in OUT_OF_ORDER:
            raise DomainError("aftersales.out_of_order", clause="4.1")
        raise DomainError("aftersales.not_allowed", state=str(CaseState(case.state).label), action=action)
    book = rulebook.version(case.rulebook_id)
    before = case.state
    case.state = step.to
    # The merchant's clock pauses while the buyer is asked for information, and resumes with what
    # was left of it (3.5); every other state starts its own clock from the case's rulebook.
    if before == CaseState.MERCHANT and step.to == CaseState.BUYER_INFO and case.due_at:
        case.merchant_clock_left_s = max(int((case.due_at - now).total_seconds()), 0)
    if step.to == CaseState.MERCHANT and before == CaseState.BUYER_INFO and case.merchant_clock_left_s is not None:
        case.due_at = now + timedelta(seconds=case.merchant_clock_left_s)
        case.merchant_clock_left_s = None
    elif step.to in CLOCKS:
        if before != step.to:
            case.due_at = now + book.hours(CLOCKS[step.to])
    else:
        case.due_at = None
    remind = book.hours("reminder_before_hours")
    case.remind_at = case.due_at - remind if case.due_at and step.to in WAITING_ON and remind else None
    if case.remind_at and case.remind_at <= now:
        case.remind_at = None
    if step.to not in OPEN_STATES and case.closed_at is None:
        case.closed_at = now
    if step.to == CaseState.CLOSED_SILENT:
        case.reopen_until = now + book.hours("reopen_window_hours")
    case.updated_at = now
    if effects.defer:
        effects.saved.append(case)
    else:
        case.save()
    cite = book.cite(step.clause)
    body = _plain({"from": before, "to": step.to, "action": action, **cite, **(payload or {})})
    effects.case_events.append(NewEvent(f"case.{action}", body, actor, None if actor else SYSTEM))
    effects.order_events.append(
        NewEvent(
            "case.step",
            {"case": case.pk, "action": action, "to": str(step.to), **cite},
            actor,
            None if actor else SYSTEM,
        )
    )
    if effects.defer:
        effects.notices.extend(_step_notices(case))
    else:
        tags.sync_system_tags(case)
        for notice in _step_notices(case):
            notify(user=notice.user, kind=notice.kind, params=notice.params, url=notice.url, subject=notice.subject)
    return step.clause


def _flush(case: Case, effects: _Effects) -> None:
    """Timeline heads are the last locks of a step: case stream, then order stream."""
    if effects.case_events:
        append_events(stream=case.stream, events=effects.case_events)
    if effects.order_events:
        append_events(stream=case.order.stream, events=effects.order_events)


def _release_if_done(case: Case) -> None:
    if case.state not in FREEZING_STATES:
        remedies.release_hold(order_id=case.order_id, ref=case.stream)


# --- notifications -------------------------------------------------------------------------------


_CASE_URL_MARK = 987654321


def case_url(case: Case) -> str:
    # reverse() once per process: the sweep builds hundreds of these per chunk.
    global _case_url_pattern
    if _case_url_pattern is None:
        _case_url_pattern = reverse("aftersales:case", kwargs={"case_id": _CASE_URL_MARK})
    return _case_url_pattern.replace(str(_CASE_URL_MARK), str(case.pk))


_case_url_pattern: str | None = None


def _notify(user: User | None, case: Case, kind: str, *, dedupe: str = "", **params) -> None:
    if user is None:
        return
    notify(
        user=user,
        kind=kind,
        params={"case": case.pk, "order": case.order_id, **params},
        url=case_url(case),
        subject=case.stream,
        dedupe_key=dedupe,
    )


def _step_notices(case: Case) -> list[Notice]:
    """Who must hear about the state the case is now in (7: every step a party must act on)."""
    merchant = case.shop.owner
    due = timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M") if case.due_at else ""
    state = case.state
    if state == CaseState.MERCHANT:
        targets, kind = (merchant,), "case.awaiting_merchant"
    elif state in (CaseState.BUYER_INFO, CaseState.OFFER, CaseState.NO_AGREEMENT):
        targets, kind = (case.buyer,), f"case.{state}"
    elif state == CaseState.EVIDENCE:
        targets, kind = (case.buyer, merchant), "case.evidence"
    elif state == CaseState.APPEAL:
        targets, kind = (case.buyer, merchant), "case.appeal"
    elif state in (CaseState.RULED, CaseState.FAST_REFUNDED) or state not in OPEN_STATES:
        targets, kind = (case.buyer, merchant), f"case.{state}"
    else:
        return []
    params = {"case": case.pk, "order": case.order_id, "due": due}
    return [Notice(user=u, kind=kind, params=params, url=case_url(case), subject=case.stream) for u in targets]


# --- opening a case --------------------------------------------------------------------------------


def _window_start(order: Order) -> datetime | None:
    return order.delivered_at or order.paid_at


def _stake(order: Order, batches, keys) -> int:
    if keys:
        return order.unit_price_fen * len(keys)
    return sum(b.amount_fen - b.refunded_fen for b in batches)


def _fast_refund_reason(case: Case, book, *, now: datetime) -> str | None:
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
    return case_facts.fast_refund_reason(case.facts)


def open_case(
    *,
    buyer: User,
    order_id: int,
    subtype: str,
    demand: str,
    description: str,
    demand_fen: int = 0,
    batch_seqs: list[int] | None = None,
    order_key_ids: list[int] | None = None,
    files=(),
    now: datetime | None = None,
) -> Case:
    """售后单: the buyer states the problem, the part of the order it concerns and what they want,
    with evidence files if any (checked by content before anything is written). The case is filled
    with system facts, the affected escrow is frozen, the merchant's clock starts — or, for a clear
    small case, the buyer is refunded at once (极速退款)."""
    from kameng.aftersales import attachments

    now = now or timezone.now()
    if buyer.role != Role.BUYER:
        raise DomainError("permission_denied")
    if subtype not in SUBTYPES:
        raise DomainError("invalid_input", fields={"subtype": "unknown problem type"})
    if demand not in Demand.values:
        raise DomainError("invalid_input", fields={"demand": "one of " + ", ".join(Demand.values)})
    subtype, demand = str(subtype), str(demand)  # plain strings for the timeline, not enum members
    text = _text(description, name="description")
    order = Order.objects.select_related("shop__owner", "product").filter(pk=order_id, buyer=buyer).first()
    if order is None:
        raise DomainError("not_found")
    if order.paid_at is None or order.state in (OrderState.CANCELLED, OrderState.REFUNDED):
        raise DomainError("aftersales.order_not_eligible")
    book = rulebook.current()
    checked_files = attachments.check_all(files, book=book)
    window = book.hours(f"case_window_{order.delivery_kind}_hours")
    if now > _window_start(order) + window:
        raise DomainError("aftersales.window_passed", clause="2.1", hours=int(window.total_seconds() // 3600))

    batches = list(order.batches.exclude(state=BatchState.REFUNDED).order_by("seq"))
    if batch_seqs:
        wanted = set(batch_seqs)
        batches = [b for b in batches if b.seq in wanted]
        if len(batches) != len(wanted):
            raise DomainError("invalid_input", fields={"batch_seqs": "not batches of this order that can be claimed"})
    keys: list[OrderKey] = []
    if order_key_ids:
        keys = list(OrderKey.objects.filter(pk__in=set(order_key_ids), batch__order=order, replaced_at__isnull=True))
        if len(keys) != len(set(order_key_ids)):
            raise DomainError("invalid_input", fields={"order_key_ids": "not keys of this order"})
        key_batches = {k.batch_id for k in keys}
        batches = [b for b in order.batches.all() if b.pk in key_batches]
    if not batches:
        raise DomainError("aftersales.order_not_eligible")
    stake = _stake(order, batches, keys)
    if demand == Demand.REPLACE and order.delivery_kind == DeliveryKind.CARD_KEY and not keys:
        keys = list(OrderKey.objects.filter(batch__in=batches, replaced_at__isnull=True))
    if demand in (Demand.PARTIAL_REFUND, Demand.COMPENSATION):
        demand_fen = _fen(demand_fen, name="demand_fen", low=1, high=stake)
    else:
        demand_fen = stake if demand == Demand.FULL_REFUND else 0

    collected = case_facts.collect(
        order=order,
        batch_seqs=[b.seq for b in batches],
        order_key_ids=[k.pk for k in keys],
        now=now,
        unreachable_days=book.params["merchant_unreachable_days"],
    )
    suggestion = case_facts.suggest(subtype=subtype, facts=collected)
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=order.pk).first()  # order first: same order as remedies
        if Case.objects.filter(order=order, state__in=OPEN_STATES).exists():
            raise DomainError("aftersales.case_already_open", clause="2.2")
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    order=order,
                    buyer=buyer,
                    shop=order.shop,
                    rulebook_id=book.id,
                    rulebook_number=book.number,
                    family=SUBTYPES[subtype].family,
                    subtype=subtype,
                    demand=demand,
                    demand_fen=demand_fen,
                    description=text,
                    batch_seqs=[b.seq for b in batches],
                    order_key_ids=[k.pk for k in keys],
                    stake_fen=stake,
                    state=CaseState.MERCHANT,
                    due_at=now + book.hours("merchant_answer_hours"),
                    facts=collected,
                    suggested_party=suggestion.party,
                    suggested_reason=suggestion.reason,
                    opened_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            raise DomainError("aftersales.case_already_open", clause="2.2") from None
        remind = book.hours("reminder_before_hours")
        if remind and case.due_at - remind > now:
            case.remind_at = case.due_at - remind
            case.save(update_fields=["remind_at"])
        held = remedies.hold(order_id=order.pk, seqs=case.batch_seqs, ref=case.stream)
        effects = _Effects()
        cite = book.cite("2.3")
        effects.case_events.append(
            NewEvent(
                "case.opened",
                {
                    "order": order.pk,
                    "subtype": subtype,
                    "family": case.family,
                    "demand": demand,
                    "demand_fen": demand_fen,
                    "stake_fen": stake,
                    "batches": case.batch_seqs,
                    "keys": [k.fingerprint for k in keys],
                    "description": text,
                    "facts": collected,
                    "suggested_party": suggestion.party,
                    "suggested_reason": suggestion.reason,
                    "frozen_batches": held,
                    **cite,
                },
                buyer,
            )
        )
        effects.order_events.append(NewEvent("case.opened", {"case": case.pk, "subtype": subtype, **cite}, buyer))
        if checked_files:
            _attach(case, _post(case, buyer, BUYER, "", effects=effects, now=now), checked_files, buyer, effects, now)
        tags.sync_system_tags(case)
        reason = _fast_refund_reason(case, book, now=now)
        if reason is not None:
            _fast_refund(case, reason=reason, now=now, effects=effects)
        else:
            _notify(
                order.shop.owner,
                case,
                "case.awaiting_merchant",
                due=timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"),
            )
        append_events(stream=case.stream, events=effects.case_events, new_stream=True)
        append_events(stream=order.stream, events=effects.order_events)
    return case


def _fast_refund(case: Case, *, reason: str, now: datetime, effects: _Effects) -> None:
    amount = case.stake_fen if case.demand == Demand.FULL_REFUND else case.demand_fen
    _move_money_to(case, target_fen=amount, step="fast_refund", effects=effects)
    case.fast_refunded = True
    case.outcome = Remedy.FULL_REFUND if case.demand == Demand.FULL_REFUND else Remedy.PARTIAL_REFUND
    _apply(
        case,
        "fast_refund",
        role=SYSTEM,
        actor=None,
        now=now,
        payload={"reason": reason, "amount_fen": amount},
        effects=effects,
    )
    _release_if_done(case)


# --- money ----------------------------------------------------------------------------------------


def _move_money_to(case: Case, *, target_fen: int, step: str, effects: _Effects) -> None:
    """Bring what this case has paid the buyer to ``target_fen``: refund the difference, or take it
    back from the buyer's wallet (a contest or an appeal the buyer lost)."""
    diff = target_fen - case.refunded_fen
    if diff > 0:
        # What the order already paid back for these batches by itself (a missed delivery deadline,
        # a failed top-up) is not paid again: never refunded twice for the same thing.
        room = remedies.refundable_fen(case.order, case.batch_seqs)
        if room < diff:
            effects.case_events.append(
                NewEvent("case.already_refunded", {"wanted_fen": diff, "refundable_fen": room}, None, SYSTEM)
            )
            diff = room
    if diff > 0:
        result = remedies.refund(
            order_id=case.order_id,
            seqs=case.batch_seqs,
            amount_fen=diff,
            source=f"case:{case.pk}:{step}",
            reason=f"after-sales case {case.pk}",
        )
        case.refunded_fen += result.refund.amount_fen
        effects.case_events.append(
            NewEvent("case.refunded", {"amount_fen": diff, "ledger_entry": result.refund.source}, None, SYSTEM)
        )
    elif diff < 0:
        taken = 0
        for row in Refund.objects.filter(source__startswith=f"case:{case.pk}:").order_by("-pk"):
            want = min(-diff - taken, row.amount_fen - row.recovered_fen)
            if want <= 0:
                continue
            taken += remedies.recover(
                order_id=case.order_id,
                refund_source=row.source,
                amount_fen=want,
                source=f"case:{case.pk}:{step}:recover:{row.pk}",
                reason=f"after-sales case {case.pk}: refund taken back",
            )
            if taken >= -diff:
                break
        case.refunded_fen -= taken
        effects.case_events.append(NewEvent("case.recovered", {"amount_fen": taken, "wanted_fen": -diff}, None, SYSTEM))
    case.save(update_fields=["refunded_fen"])


def _execute(case: Case, *, remedy: str, amount_fen: int, step: str, note: str, effects: _Effects) -> None:
    """Carry out an accepted demand, an accepted offer or a ruling."""
    if remedy == Remedy.FULL_REFUND:
        _move_money_to(case, target_fen=case.stake_fen, step=step, effects=effects)
    elif remedy in (Remedy.PARTIAL_REFUND, Remedy.COMPENSATION):
        _move_money_to(case, target_fen=amount_fen, step=step, effects=effects)
    elif remedy == Remedy.REPLACEMENT:
        if case.order.delivery_kind != DeliveryKind.CARD_KEY or not case.order_key_ids:
            raise DomainError("aftersales.keys_not_replaceable")
        current = list(
            OrderKey.objects.filter(pk__in=case.order_key_ids, replaced_at__isnull=True).values_list("pk", flat=True)
        )
        if current:
            new = remedies.replace_keys(order_id=case.order_id, order_key_ids=current, reason=f"case {case.pk}")
            case.order_key_ids = [k.pk for k in new]
            case.save(update_fields=["order_key_ids"])
            effects.case_events.append(
                NewEvent("case.keys_replaced", {"new": [k.fingerprint for k in new]}, None, SYSTEM)
            )
        _move_money_to(case, target_fen=0, step=step, effects=effects)
    elif remedy == Remedy.REDELIVERY:
        effects.case_events.append(NewEvent("case.redelivered", {"note": note}, None, SYSTEM))
    elif remedy == Remedy.REJECT:
        _move_money_to(case, target_fen=0, step=step, effects=effects)
    case.outcome = remedy
    case.save(update_fields=["outcome"])


def _demand_remedy(case: Case) -> tuple[str, int]:
    if case.demand == Demand.REPLACE:
        return (Remedy.REPLACEMENT if case.order.delivery_kind == DeliveryKind.CARD_KEY else Remedy.REDELIVERY), 0
    if case.demand == Demand.FULL_REFUND:
        return Remedy.FULL_REFUND, case.stake_fen
    if case.demand == Demand.PARTIAL_REFUND:
        return Remedy.PARTIAL_REFUND, case.demand_fen
    return Remedy.COMPENSATION, case.demand_fen


# --- merchant stage ---------------------------------------------------------------------------------


def accept_case(*, merchant: User, case_id: int, note: str = "", now: datetime | None = None) -> Case:
    """The merchant grants what the buyer asked for (3.2); it is carried out at once."""
    now = now or timezone.now()
    note = _text(note, name="note", required=False)
    with transaction.atomic():
        case = _case_for(merchant, case_id, role=MERCHANT)
        effects = _Effects()
        if step_for(case.state, "accept", MERCHANT) is None:
            raise DomainError("aftersales.not_allowed", state=str(CaseState(case.state).label), action="accept")
        remedy, amount = _demand_remedy(case)
        _execute(case, remedy=remedy, amount_fen=amount, step="accept", note=note, effects=effects)
        _apply(
            case,
            "accept",
            role=MERCHANT,
            actor=merchant,
            now=now,
            payload={"remedy": remedy, "note": note},
            effects=effects,
        )
        _release_if_done(case)
        _flush(case, effects)
    return case


def make_offer(
    *, merchant: User, case_id: int, remedy: str, amount_fen: int = 0, note: str = "", now: datetime | None = None
) -> Offer:
    """A proposal other than the demand (3.3): e.g. a partial refund instead of a full one."""
    now = now or timezone.now()
    if remedy not in Remedy.values or remedy == Remedy.REJECT:
        raise DomainError("invalid_input", fields={"remedy": "a refund, replacement, redelivery or compensation"})
    note = _text(note, name="note", required=False)
    with transaction.atomic():
        case = _case_for(merchant, case_id, role=MERCHANT)
        if remedy in (Remedy.PARTIAL_REFUND, Remedy.COMPENSATION):
            amount_fen = _fen(amount_fen, name="amount_fen", low=1, high=case.stake_fen)
        else:
            amount_fen = case.stake_fen if remedy == Remedy.FULL_REFUND else 0
        if remedy == Remedy.REPLACEMENT and (
            case.order.delivery_kind != DeliveryKind.CARD_KEY or not case.order_key_ids
        ):
            raise DomainError("aftersales.keys_not_replaceable")
        effects = _Effects()
        _apply(
            case,
            "offer",
            role=MERCHANT,
            actor=merchant,
            now=now,
            payload={"remedy": remedy, "amount_fen": amount_fen, "note": note},
            effects=effects,
        )
        offer = Offer.objects.create(case=case, remedy=remedy, amount_fen=amount_fen, note=note, created_at=now)
        _flush(case, effects)
    return offer


def answer_offer(*, buyer: User, case_id: int, accept: bool, now: datetime | None = None) -> Case:
    now = now or timezone.now()
    with transaction.atomic():
        case = _case_for(buyer, case_id, role=BUYER)
        offer = case.offers.select_for_update().filter(state=Offer.State.OPEN).order_by("-pk").first()
        if offer is None or case.state != CaseState.OFFER:
            raise DomainError("aftersales.not_allowed", state=str(CaseState(case.state).label), action="answer_offer")
        effects = _Effects()
        if accept:
            _execute(
                case,
                remedy=offer.remedy,
                amount_fen=offer.amount_fen,
                step=f"offer:{offer.pk}",
                note=offer.note,
                effects=effects,
            )
        offer.state = Offer.State.ACCEPTED if accept else Offer.State.DECLINED
        offer.save(update_fields=["state"])
        _apply(
            case,
            "accept_offer" if accept else "decline_offer",
            role=BUYER,
            actor=buyer,
            now=now,
            payload={"offer": offer.pk},
            effects=effects,
        )
        _release_if_done(case)
        _flush(case, effects)
    return case


def refuse_case(*, merchant: User, case_id: int, reason: str, now: datetime | None = None) -> Case:
    """The merchant refuses, with reasons (3.4); evidence goes into the conversation."""
    now = now or timezone.now()
    reason = _text(reason, name="reason")
    with transaction.atomic():
        case = _case_for(merchant, case_id, role=MERCHANT)
        effects = _Effects()
        _apply(case, "refuse", role=MERCHANT, actor=merchant, now=now, payload={"reason": reason}, effects=effects)
        _post(case, merchant, MERCHANT, reason, effects=effects, now=now)
        _flush(case, effects)
    return case


def ask_for_info(*, merchant: User, case_id: int, question: str, now: datetime | None = None) -> Case:
    now = now or timezone.now()
    question = _text(question, name="question")
    with transaction.atomic():
        case = _case_for(merchant, case_id, role=MERCHANT)
        effects = _Effects()
        _apply(
            case, "ask_info", role=MERCHANT, actor=merchant, now=now, payload={"question": question}, effects=effects
        )
        _post(case, merchant, MERCHANT, question, effects=effects, now=now)
        _flush(case, effects)
    return case


def provide_info(*, buyer: User, case_id: int, answer: str, now: datetime | None = None) -> Case:
    now = now or timezone.now()
    answer = _text(answer, name="answer")
    with transaction.atomic():
        case = _case_for(buyer, case_id, role=BUYER)
        effects = _Effects()
        _apply(case, "provide_info", role=BUYER, actor=buyer, now=now, effects=effects)
        _post(case, buyer, BUYER, answer, effects=effects, now=now)
        _flush(case, effects)
    return case


# --- buyer steps ----------------------------------------------------------------------------------


def request_intervention(*, buyer: User, case_id: int, reason: str = "", now: datetime | None = None) -> Case:
    """平台介入 (4.1). During the merchant stage this is out of order unless the merchant is
    unreachable or the case qualifies for fast refund (4.2)."""
    now = now or timezone.now()
    reason = _text(reason, name="reason", required=False)
    with transaction.atomic():
        case = _case_for(buyer, case_id, role=BUYER)
        effects = _Effects()
        _apply(case, "escalate", role=BUYER, actor=buyer, now=now, payload={"reason": reason}, effects=effects)
        _flush(case, effects)
    return case


def withdraw_case(*, buyer: User, case_id: int, now: datetime | None = None) -> Case:
    now = now or timezone.now()
    with transaction.atomic():
        case = _case_for(buyer, case_id, role=BUYER)
        effects = _Effects()
        _apply(case, "withdraw", role=BUYER, actor=buyer, now=now, effects=effects)
        _release_if_done(case)
        _flush(case, effects)
    return case


def reopen_case(*, buyer: User, case_id: int, now: datetime | None = None) -> Case:
    """Once, within the window, after the case closed because the buyer fell silent (7.1)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            case = _case_for(buyer, case_id, role=BUYER)
            if Case.objects.filter(order_id=case.order_id, state__in=OPEN_STATES).exclude(pk=case.pk).exists():
                raise DomainError("aftersales.case_already_open", clause="2.2")
            effects = _Effects()
            _apply(case, "reopen", role=BUYER, actor=buyer, now=now, effects=effects)
            case.reopened = True
            case.closed_at = None
            case.save(update_fields=["reopened", "closed_at"])
            remedies.hold(order_id=case.order_id, seqs=case.batch_seqs, ref=case.stream)
            _flush(case, effects)
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
        case = _case_for(buyer, case_id, role=BUYER)
        effects = _Effects()
        _apply(
            case, "escalate_external", role=BUYER, actor=buyer, now=now, payload={"channel": channel}, effects=effects
        )
        case.external_escalation = channel
        case.save(update_fields=["external_escalation"])
        _flush(case, effects)
    return case


def contest_fast_refund(*, merchant: User, case_id: int, reason: str, now: datetime | None = None) -> Case:
    now = now or timezone.now()
    reason = _text(reason, name="reason")
    with transaction.atomic():
        case = _case_for(merchant, case_id, role=MERCHANT)
        effects = _Effects()
        _apply(case, "contest", role=MERCHANT, actor=merchant, now=now, payload={"reason": reason}, effects=effects)
        _post(case, merchant, MERCHANT, reason, effects=effects, now=now)
        _flush(case, effects)
    return case


def appeal(*, user: User, case_id: int, reason: str, now: datetime | None = None) -> Case:
    """申诉: one per side within the appeal window (6.1)."""
    now = now or timezone.now()
    reason = _text(reason, name="reason")
    with transaction.atomic():
        case = _locked_case(case_id)
        role = role_on(case, user)
        if role not in (BUYER, MERCHANT):
            raise DomainError("not_found")
        effects = _Effects()
        _apply(case, "appeal", role=role, actor=user, now=now, payload={"reason": reason}, effects=effects)
        if role == BUYER:
            case.buyer_appealed = True
        else:
            case.merchant_appealed = True
        case.assigned_agent = None  # a different agent decides (6.1)
        case.save(update_fields=["buyer_appealed", "merchant_appealed", "assigned_agent"])
        _post(case, user, role, reason, effects=effects, now=now)
        _flush(case, effects)
    return case


# --- platform ---------------------------------------------------------------------------------------


def take_case(*, agent: User, case_id: int) -> Case:
    """An agent takes a case from the queue. The appeal goes to someone other than the first judge."""
    if agent.role != Role.AGENT:
        raise DomainError("permission_denied")
    with transaction.atomic():
        case = _locked_case(case_id)
        if case.state not in (CaseState.EVIDENCE, CaseState.REVIEW, CaseState.APPEAL):
            raise DomainError("aftersales.not_allowed", state=str(CaseState(case.state).label), action="take")
        if case.assigned_agent_id not in (None, agent.pk):
            raise DomainError("not_found")
        if case.state == CaseState.APPEAL and case.ruled_by_id == agent.pk:
            raise DomainError("aftersales.same_agent", clause="6.1")
        case.assigned_agent = agent
        case.save(update_fields=["assigned_agent"])
        append_events(stream=case.stream, events=[NewEvent("case.assigned", {"agent": agent.pk}, agent)])
    return case


@dataclass(frozen=True)
class MoneyLine:
    what: str
    amount_fen: int


def preview_ruling(*, case: Case, remedy: str, amount_fen: int, penalty_fen: int) -> list[MoneyLine]:
    """The money movements a ruling would cause, for the agent's form. Read-only."""
    target = {
        Remedy.FULL_REFUND: case.stake_fen,
        Remedy.PARTIAL_REFUND: amount_fen,
        Remedy.COMPENSATION: amount_fen,
    }.get(remedy, 0)
    lines: list[MoneyLine] = []
    diff = target - case.refunded_fen
    if diff > 0:
        escrow = sum(
            b.amount_fen - b.refunded_fen
            for b in case.order.batches.filter(seq__in=case.batch_seqs, state__in=remedies.ESCROW_STATES)
        )
        from_escrow = min(escrow, diff)
        if from_escrow:
            lines.append(MoneyLine("escrow_to_buyer", from_escrow))
        if diff - from_escrow:
            lines.append(MoneyLine("merchant_balance_deposit_or_fund_to_buyer", diff - from_escrow))
    elif diff < 0:
        lines.append(MoneyLine("recover_from_buyer", -diff))
    if penalty_fen:
        lines.append(MoneyLine("penalty_shop_to_fund", penalty_fen))
    return lines


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
        amount_fen = _fen(amount_fen, name="amount_fen", low=1, high=case.stake_fen)
    else:
        amount_fen = case.stake_fen if remedy == Remedy.FULL_REFUND else 0
    penalty_fen = _fen(penalty_fen, name="penalty_fen", low=0, high=book.params["penalty_max_fen"])
    if remedy == Remedy.REPLACEMENT and (case.order.delivery_kind != DeliveryKind.CARD_KEY or not case.order_key_ids):
        raise DomainError("aftersales.keys_not_replaceable")
    return amount_fen, penalty_fen, _text(text, name="text")


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
        case = _locked_case(case_id)
        if agent.role != Role.AGENT or role_on(case, agent) != AGENT:
            raise DomainError("not_found")
        is_appeal = case.state == CaseState.APPEAL
        action = "rule_appeal" if is_appeal else "rule"
        step = step_for(case.state, action, AGENT)
        if step is None or not guard_ok(case, step.guard, role=AGENT, actor=agent, now=now):
            if is_appeal and case.ruled_by_id == agent.pk:
                raise DomainError("aftersales.same_agent", clause="6.1")
            raise DomainError("aftersales.not_allowed", state=str(CaseState(case.state).label), action=action)
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
        effects = _Effects()
        _execute(case, remedy=remedy, amount_fen=amount_fen, step=f"ruling:{ruling.pk}", note=text, effects=effects)
        book = rulebook.version(case.rulebook_id)
        if penalty_fen:
            debt = remedies.charge_penalty(
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
        case.save(update_fields=["ruled_by", "assigned_agent"])
        _apply(
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
        _release_if_done(case)
        _flush(case, effects)
    return ruling


# --- conversation -----------------------------------------------------------------------------------


def _post(case: Case, author: User, role: str, text: str, *, effects: _Effects, now: datetime) -> Message:
    message = Message.objects.create(case=case, author=author, author_role=role, text=text, created_at=now)
    effects.case_events.append(NewEvent("case.message", {"message": message.pk, "text": text}, author))
    return message


def _attach(case: Case, message: Message, checked, user: User, effects: _Effects, now: datetime) -> None:
    """Store checked files on a message; each file's SHA-256 goes on the case timeline."""
    from kameng.aftersales import attachments

    for item in checked:
        stored = attachments.store(item, message=message, case=case, now=now)
        effects.case_events.append(
            NewEvent(
                "case.attachment",
                {
                    "message": message.pk,
                    "sha256": stored.sha256,
                    "content_type": stored.content_type,
                    "size": stored.size,
                },
                user,
            )
        )


def post_message(*, user: User, case_id: int, text: str, files=(), now: datetime | None = None) -> Message:
    """A message in the case thread, with attachments checked by content. The agent joins only
    after platform intervention; nobody writes on a closed case."""
    from kameng.aftersales import attachments

    now = now or timezone.now()
    text = _text(text, name="text", required=not files)
    with transaction.atomic():
        case = _locked_case(case_id)
        role = role_on(case, user)
        if role not in (BUYER, MERCHANT, AGENT):
            raise DomainError("not_found")
        if not case.is_open:
            raise DomainError("aftersales.case_closed")
        if role == AGENT and case.state not in PLATFORM_STATES:
            # The merchant stage is between buyer and merchant; the agent joins on intervention (4.1).
            raise DomainError("aftersales.not_allowed", state=str(CaseState(case.state).label), action="message")
        book = rulebook.version(case.rulebook_id)
        checked = attachments.check_all(files, book=book)
        effects = _Effects()
        message = _post(case, user, role, text, effects=effects, now=now)
        _attach(case, message, checked, user, effects, now)
        _flush(case, effects)
        others = [u for r, u in ((BUYER, case.buyer), (MERCHANT, case.shop.owner)) if r != role]
        if (
            role != AGENT
            and case.assigned_agent_id
            and case.state in (CaseState.EVIDENCE, CaseState.REVIEW, CaseState.APPEAL)
        ):
            others.append(case.assigned_agent)
        for other in others:
            _notify(other, case, "case.message")
    return message


# --- the sweep ---------------------------------------------------------------------------------------


@dataclass
class SweepReport:
    expired: int = 0
    escalated: int = 0
    reminded: int = 0
    examined: int = 0


def _due_cases(now: datetime):
    """Open cases whose clock has run out, oldest first: read through the partial index ``case_due``."""
    return Case.objects.filter(state__in=EXPIRING_STATES, due_at__lte=now).order_by("due_at")


def _claim(queryset, limit: int) -> list[int]:
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return list(queryset.values_list("pk", flat=True)[:limit])


def _expire_one(case_id: int, now: datetime) -> str | None:
    with transaction.atomic():
        case = _locked_case(case_id)
        if case.state not in EXPIRING_STATES or case.due_at is None or case.due_at > now:
            return None  # another sweeper (or the party) got there first
        before = case.state
        effects = _Effects()
        _apply(case, "expire", role=SYSTEM, actor=None, now=now, effects=effects)
        _release_if_done(case)  # the order row before the shop row (docs/concurrency.md)
        if before == CaseState.MERCHANT:
            # 3.6: a silent merchant escalates automatically and it counts against the shop.
            case.sla_breached = True
            case.save(update_fields=["sla_breached"])
            SlaBreach.objects.create(shop_id=case.shop_id, case=case, created_at=now)
            _warn_shops_if_needed([case], now=now)
        _flush(case, effects)
        return before


# The columns a step may change on the case row (written in bulk by the sweep).
_STEP_FIELDS = [
    "state",
    "due_at",
    "remind_at",
    "merchant_clock_left_s",
    "closed_at",
    "reopen_until",
    "updated_at",
    "sla_breached",
]


def _save_steps(cases: list[Case]) -> None:
    """Write the step columns of many cases: on PostgreSQL one UPDATE … FROM unnest(arrays), one
    array per column (Django's bulk_update builds a CASE per column and row, which costs more CPU
    than the sweep's whole chunk)."""
    if not cases:
        return
    if connection.vendor != "postgresql":
        Case.objects.bulk_update(cases, _STEP_FIELDS)
        return
    fields = [Case._meta.get_field(name) for name in _STEP_FIELDS]
    quote = connection.ops.quote_name
    arrays = ", ".join(["%s::bigint[]", *(f"%s::{f.db_type(connection)}[]" for f in fields)])
    columns = ", ".join(["id", *(quote(f.column) for f in fields)])
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
    params = [[c.pk for c in cases]] + [
        [f.get_db_prep_save(getattr(c, f.attname), connection) for c in cases] for f in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Case._meta.db_table)} AS c SET {sets} "  # noqa: S608
            f"FROM unnest({arrays}) AS v({columns}) WHERE c.id = v.id",
            params,
        )


def _expire_chunk(queryset, limit: int, now: datetime) -> list[str] | None:
    """Expire up to ``limit`` due cases in ONE transaction: claim them with SKIP LOCKED and keep
    the locks while each takes its ``expire`` step through ``_apply`` — the same step, clock,
    clause and events as one at a time — with the writes deferred, then write the chunk in bulk:
    the case rows, SLA breaches (one shop check per chunk), order tags, notifications, released
    escrow holds, and the timeline events of every case and order stream under one head-lock
    statement. Returns the states the cases were in; an empty list when nothing is due; None when
    the chunk failed and was rolled back (the caller then goes case by case)."""
    try:
        with transaction.atomic():
            ids = _claim(queryset, limit)
            if not ids:
                return []
            cases = list(
                Case.objects.filter(pk__in=ids, state__in=EXPIRING_STATES, due_at__lte=now)
                .select_related("shop__owner", "buyer")
                .defer("facts", "description")  # large, and not read by an expiry
                .order_by("due_at", "pk")
            )
            effects = _Effects(defer=True)
            befores, breaches, streams, closing = [], [], {}, []
            for case in cases:
                before = case.state
                step = _Effects(defer=True)
                if before == CaseState.MERCHANT:
                    # 3.6: a silent merchant escalates automatically and it counts against the shop.
                    case.sla_breached = True
                    breaches.append(SlaBreach(shop_id=case.shop_id, case=case, created_at=now))
                _apply(case, "expire", role=SYSTEM, actor=None, now=now, effects=step)
                effects.saved.extend(step.saved)
                effects.notices.extend(step.notices)
                if case.state not in FREEZING_STATES:
                    closing.append(case.stream)
                streams.setdefault(case.stream, []).extend(step.case_events)
                streams.setdefault(f"order:{case.order_id}", []).extend(step.order_events)
                befores.append(before)
            _save_steps(effects.saved)
            if breaches:
                SlaBreach.objects.bulk_create(breaches)
                _warn_shops_if_needed([b.case for b in breaches], now=now)
            tags.sync_many(effects.saved)
            notify_many(effects.notices)
            for stream, events in remedies.release_holds(refs=closing).items():
                streams.setdefault(stream, []).extend(events)
            append_to_streams(streams)
            return befores
    except Exception:
        log.exception("case sweep: a chunk failed; going through its cases one by one")
        return None


def _warn_shops_if_needed(cases: list[Case], *, now: datetime) -> None:
    """Rule 4.5 for every active shop of this chunk's breaches, with one count query."""
    from kameng.shops.services import warn_shop_by_rule

    active = {case.shop_id: case for case in cases if case.shop.status == ShopStatus.ACTIVE}
    if not active:
        return
    counts = dict(
        SlaBreach.objects.filter(shop_id__in=active, created_at__gte=now - timedelta(days=30))
        .values_list("shop_id")
        .annotate(n=Count("pk"))
        .values_list("shop_id", "n")
    )
    for shop_id, case in sorted(active.items()):
        limit = rulebook.version(case.rulebook_id).params["sla_breaches_to_warn_shop"]
        if counts.get(shop_id, 0) >= limit:
            warn_shop_by_rule(
                shop_id=shop_id, reason=f"{counts[shop_id]} after-sales deadlines missed in 30 days (rule 4.5)"
            )


def sweep(*, now: datetime | None = None, limit: int = 1000, chunk: int = 500) -> SweepReport:
    """One pass over due case clocks (at most ``limit`` cases) and reminders. Safe with several
    sweepers at once: each claims its chunk of due cases with SKIP LOCKED and holds those locks
    until the chunk commits, so every due case expires exactly once. A chunk that fails is rolled
    back and its cases are retried one by one, each in its own transaction."""
    now = now or timezone.now()
    report = SweepReport()
    left = limit
    while left > 0:
        size = min(chunk, left)
        befores = _expire_chunk(_due_cases(now), size, now)
        if befores is None:
            with transaction.atomic():
                due = _claim(_due_cases(now), size)
            befores = [b for b in (_expire_one(case_id, now) for case_id in due) if b is not None]
            report.examined += len(due)
            if not due:
                break
        else:
            if not befores:
                break
            report.examined += len(befores)
        report.expired += len(befores)
        report.escalated += sum(b == CaseState.MERCHANT for b in befores)
        left -= size
    with transaction.atomic():
        remind = _claim(Case.objects.filter(remind_at__lte=now).order_by("remind_at"), limit)
        for case in Case.objects.filter(pk__in=remind).select_related("shop__owner", "buyer"):
            if case.state in WAITING_ON and case.due_at:
                targets = {BUYER: case.buyer, MERCHANT: case.shop.owner}
                for role in WAITING_ON[case.state]:
                    _notify(
                        targets[role],
                        case,
                        "case.reminder",
                        dedupe=f"case:{case.pk}:remind:{case.state}:{case.due_at.isoformat()}",
                        due=timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"),
                    )
                report.reminded += 1
        Case.objects.filter(pk__in=remind).update(remind_at=None)
    return report


def open_cases_q() -> Q:
    return Q(state__in=OPEN_STATES)
