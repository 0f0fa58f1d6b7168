"""The one place a case moves: a step is checked against the transition table
(``check_step``, Zulip's ``check_*``) and then done (``apply_step``, the ``do_*``) under the case
lock. Only ``apply_step`` assigns ``Case.state``: it sets the one running clock from the case's own
rulebook version, records the event with actor and clause on the case and order timelines, keeps the
order tags in step, and notifies whoever must act next.

A step's writes are collected in ``Effects``: the timeline events are appended last (``flush``:
case stream, then order stream — the last locks of a step), and the sweep defers the case row, tags
and notifications too, for one bulk write per chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from kameng.accounts.models import User
from kameng.aftersales import figures, tags
from kameng.aftersales.models import FREEZING_STATES, OPEN_STATES, Case, CaseState, Offer
from kameng.aftersales.permissions import guard_ok
from kameng.aftersales.transitions import BUYER, MERCHANT, OUT_OF_ORDER, SYSTEM, Step, next_offer_state, step_for
from kameng.core.errors import DomainError
from kameng.notifications.services import Notice, notify
from kameng.orders import money
from kameng.rulebook import selectors as rulebook
from kameng.timeline.services import NewEvent, append_events

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


# --- check, then do --------------------------------------------------------------------------------


@dataclass
class Effects:
    """What a step leaves to write: timeline events (always at the end of the step, the last locks),
    and — when ``defer`` is set by the sweep, which writes hundreds of steps at once — the case row,
    its order tags and its notifications too, for one bulk write per chunk."""

    case_events: list[NewEvent] = field(default_factory=list)
    order_events: list[NewEvent] = field(default_factory=list)
    defer: bool = False
    saved: list[Case] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    lapse_offers_of: list[int] = field(default_factory=list)  # deferred: cases whose open offer lapses


def check_step(case: Case, action: str, *, role: str, actor: User | None, now: datetime) -> Step:
    """The step ``role`` may take on the (locked) case now, or the ``DomainError`` saying why not:
    out of order with the clause the rulebook names (4.1), an appeal decided by the agent who
    ruled (6.1), or simply not allowed in this state. Changes nothing."""
    step = step_for(case.state, action, role)
    if step is not None and guard_ok(case, step.guard, role=role, actor=actor, now=now):
        return step
    if (case.state, action, role) in OUT_OF_ORDER:
        raise DomainError("aftersales.out_of_order", clause="4.1")
    if step is not None and step.guard == "other_agent":
        raise DomainError("aftersales.same_agent", clause="6.1")
    raise DomainError("aftersales.not_allowed", state=str(CaseState(case.state).label), action=action)


def _plain(value):
    """Timeline payloads take plain JSON types: enum members (str subclasses) become str."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def apply_step(
    case: Case,
    action: str,
    *,
    role: str,
    actor: User | None,
    now: datetime,
    payload: dict | None = None,
    effects: Effects,
) -> str:
    """Move the locked case along ``action``; returns the clause cited. Refuses anything the table
    does not allow (``check_step``), with nothing changed."""
    step = check_step(case, action, role=role, actor=actor, now=now)
    book = rulebook.version(case.rulebook_id)
    before = case.state
    case.state = step.to
    if before == CaseState.OFFER and step.to != CaseState.OFFER and action not in ("accept_offer", "decline_offer"):
        if effects.defer:
            effects.lapse_offers_of.append(case.pk)
        else:
            lapse_open_offers([case.pk])
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
    if role == MERCHANT:
        note_first_response(case, now, save=False)
    case.updated_at = now
    if effects.defer:
        effects.saved.append(case)
    else:
        case.save()
    if step.to in FREEZING_STATES and before not in FREEZING_STATES:
        # Back in dispute (a contested fast refund, a reopened case): what escrow is left freezes
        # again. No sweep step enters a freezing state, so a deferred step never needs this.
        assert not effects.defer, action
        money.hold(order_id=case.order_id, seqs=case.batch_seqs, ref=case.stream)
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


def note_first_response(case: Case, now: datetime, *, save: bool = True) -> None:
    """The merchant's first step or message on the case: the response time of 10.4."""
    if case.first_response_at is not None:
        return
    case.first_response_at = now
    case.response_s = max(int((now - case.opened_at).total_seconds()), 0)
    if save:
        case.save(update_fields=["first_response_at", "response_s"])


def lapse_open_offers(case_ids: list[int]) -> None:
    """The (locked) cases left the offer stage without the buyer's answer (the merchant granted the
    demand, the buyer withdrew or went to the platform, the clock ran out): their open offers
    lapse, through ``transitions.OFFER_TRANSITIONS``. One UPDATE for a whole sweep chunk; an
    offer changes only under its case's lock, so no offer row lock is needed."""
    if case_ids:
        Offer.objects.filter(case_id__in=case_ids, state=Offer.State.OPEN).update(
            state=next_offer_state(Offer.State.OPEN, "lapse")
        )


def flush(case: Case, effects: Effects) -> None:
    """The end of a step: what it changed in the shop's figures (``figures.report``), then the
    timeline heads, the last locks of a step: case stream, then order stream."""
    figures.report(case)
    if effects.case_events:
        append_events(stream=case.stream, events=effects.case_events)
    if effects.order_events:
        append_events(stream=case.order.stream, events=effects.order_events)


def refund_prefix(case: Case) -> str:
    """Every ledger source a case posts under (refunds, recoveries, penalties) starts with this."""
    return f"case:{case.pk}:"


def release_if_done(case: Case, effects: Effects | None = None) -> None:
    """The case no longer freezes escrow: let it settle. Once the case is closed for good, the
    refunds it made are final: card keys they paid back whole go back to stock (never revealed) or
    are marked reported-invalid (``orders.money.dispose_withheld_keys``)."""
    if case.state not in FREEZING_STATES:
        money.release_hold(order_id=case.order_id, ref=case.stream)
    if case.state not in OPEN_STATES:
        for stream, events in money.dispose_withheld_keys(
            order_ids=[case.order_id], source_prefixes=[refund_prefix(case)]
        ).items():
            if effects is not None:
                effects.order_events.extend(events)
            else:
                append_events(stream=stream, events=events)


# --- notifications -------------------------------------------------------------------------------


_CASE_URL_MARK = 987654321


def case_url(case: Case) -> str:
    # reverse() once per process: the sweep builds hundreds of these per chunk.
    global _case_url_pattern
    if _case_url_pattern is None:
        _case_url_pattern = reverse("aftersales:case", kwargs={"case_id": _CASE_URL_MARK})
    return _case_url_pattern.replace(str(_CASE_URL_MARK), str(case.pk))


_case_url_pattern: str | None = None


def notify_case(user: User | None, case: Case, kind: str, *, dedupe: str = "", **params) -> None:
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
