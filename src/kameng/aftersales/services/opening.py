"""Opening a case (售后单, chapter 2): the buyer states the problem, the part of the order and the
demand; the system fills in the facts, freezes the affected escrow and starts the merchant's clock —
or, for a small clear case, refunds at once (极速退款, 8.3, carried out by ``outcome``)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.aftersales import facts as case_facts
from kameng.aftersales import figures, selfcheck, tags
from kameng.aftersales.models import OPEN_STATES, Case, CaseState, Demand
from kameng.aftersales.permissions import fast_refund_reason
from kameng.aftersales.services import selfcheck as selfcheck_services
from kameng.aftersales.services.conversation import add_message, attach_files
from kameng.aftersales.services.inputs import clean_fen, clean_text
from kameng.aftersales.services.outcome import fast_refund
from kameng.aftersales.services.steps import Effects, notify_case
from kameng.aftersales.transitions import BUYER
from kameng.catalog.models import DeliveryKind
from kameng.core.errors import DomainError
from kameng.core.templatetags.money import format_fen
from kameng.orders import money
from kameng.orders import selectors as orders
from kameng.orders.states import BatchState, OrderState
from kameng.rulebook import selectors as rulebook
from kameng.rulebook.problems import SUBTYPES
from kameng.timeline.services import NewEvent, append_events


def _window_start(order) -> datetime | None:
    return order.delivered_at or order.paid_at


def _stake(order, batches, keys) -> int:
    if keys:
        return order.unit_price_fen * len(keys)
    return sum(b.amount_fen - b.refunded_fen for b in batches)


def _refuse_closed_problem(order, *, subtype: str, batch_seqs: list[int], keys: list) -> None:
    """2.2 and 7.2: a problem whose case was withdrawn, or that had a final ruling, is not raised
    again — the same kind of problem (family) on the same item (batch or card key)."""
    family = SUBTYPES[subtype].family
    closed = Case.objects.filter(order=order, family=family).filter(
        Q(state=CaseState.WITHDRAWN) | Q(state=CaseState.RESOLVED, rulings__isnull=False)
    )
    wanted_keys = {k.pk for k in keys}
    for case in closed.distinct():
        same_keys = wanted_keys and wanted_keys & set(case.order_key_ids)
        same_batches = not (wanted_keys and case.order_key_ids) and set(batch_seqs) & set(case.batch_seqs)
        if same_keys or same_batches:
            clause = "7.2" if case.state == CaseState.WITHDRAWN else "2.2"
            raise DomainError("aftersales.problem_closed", clause=clause, case=case.pk)


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
    self_check_run_id: int | None = None,
) -> Case:
    """售后单: the buyer states the problem, the part of the order it concerns and what they want,
    with evidence files if any (checked by content before anything is written). The case is filled
    with system facts, the affected escrow is frozen, the merchant's clock starts — or, for a clear
    small case, the buyer is refunded at once (极速退款).

    ``self_check_run_id``: the buyer's self-check run (自查) on this order and subtype; its answers
    are recorded on the case (``Case.self_check``, and appended to the description unless the buyer
    kept the summary there) as the buyer's statement, and the run is linked to the case."""
    from kameng.aftersales import attachments

    now = now or timezone.now()
    if buyer.role != Role.BUYER:
        raise DomainError("permission_denied")
    if subtype not in SUBTYPES:
        raise DomainError("invalid_input", fields={"subtype": "unknown problem type"})
    if demand not in Demand.values:
        raise DomainError("invalid_input", fields={"demand": "one of " + ", ".join(Demand.values)})
    subtype, demand = str(subtype), str(demand)  # plain strings for the timeline, not enum members
    text = clean_text(description, name="description")
    order = orders.orders_among(ids=[order_id], buyer=buyer).select_related("shop__owner").first()
    if order is None:
        raise DomainError("not_found")
    if order.paid_at is None or order.state in (OrderState.CANCELLED, OrderState.REFUNDED):
        raise DomainError("aftersales.order_not_eligible")
    run = None
    if self_check_run_id is not None:
        run = selfcheck_services.run_for_case(buyer=buyer, run_id=self_check_run_id, order_id=order.pk, subtype=subtype)
        said = selfcheck.summary(run)
        # A browser sends the prefilled textarea back with CRLF line ends; the summary has LF.
        text = text.replace("\r\n", "\n")
        if run.answers and said not in text:
            text = f"{text}\n\n{said}"[:4000]
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
    keys: list = []
    if order_key_ids:
        keys = list(orders.current_keys_among(order_id=order.pk, ids=sorted(set(order_key_ids))))
        if len(keys) != len(set(order_key_ids)):
            raise DomainError("invalid_input", fields={"order_key_ids": "not keys of this order"})
        key_batches = {k.batch_id for k in keys}
        batches = [b for b in order.batches.all() if b.pk in key_batches]
    if not batches:
        raise DomainError("aftersales.order_not_eligible")
    stake = _stake(order, batches, keys)
    if demand == Demand.REPLACE and order.delivery_kind == DeliveryKind.CARD_KEY and not keys:
        keys = list(orders.current_keys_of(batches=batches))
    if demand in (Demand.PARTIAL_REFUND, Demand.COMPENSATION):
        demand_fen = clean_fen(demand_fen, name="demand_fen", low=1, high=stake)
    else:
        demand_fen = stake if demand == Demand.FULL_REFUND else 0

    collected = case_facts.collect(
        order=order,
        batch_seqs=[b.seq for b in batches],
        order_key_ids=[k.pk for k in keys],
        now=now,
        unreachable_days=book.params["merchant_unreachable_days"],
    )
    if subtype == "charged_twice" and collected["duplicate_returned_fen"]:
        # The records already settle it: the duplicate went back to the wallet when it was captured,
        # so neither the shop's escrow nor the merchant pays for it again.
        raise DomainError(
            "aftersales.duplicate_already_returned",
            clause="8.4",
            amount=format_fen(collected["duplicate_returned_fen"]),
        )
    suggestion = case_facts.suggest(subtype=subtype, facts=collected)
    with transaction.atomic():
        money.lock_order(order.pk)  # the order row first: the lock order of orders.money
        if Case.objects.filter(order=order, state__in=OPEN_STATES).exists():
            raise DomainError("aftersales.case_already_open", clause="2.2")
        _refuse_closed_problem(order, subtype=subtype, batch_seqs=[b.seq for b in batches], keys=keys)
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
                    self_check=selfcheck_services.statement(run) if run else None,
                )
        except IntegrityError:
            raise DomainError("aftersales.case_already_open", clause="2.2") from None
        if run is not None:
            selfcheck_services.link_to_case(run, case, now=now)  # after the order lock
        remind = book.hours("reminder_before_hours")
        if remind and case.due_at - remind > now:
            case.remind_at = case.due_at - remind
            case.save(update_fields=["remind_at"])
        held = money.hold(order_id=order.pk, seqs=case.batch_seqs, ref=case.stream)
        effects = Effects()
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
                    "self_check": case.self_check,
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
            attach_files(
                case, add_message(case, buyer, BUYER, "", effects=effects, now=now), checked_files, buyer, effects, now
            )
        tags.sync_system_tags(case)
        reason = fast_refund_reason(case, book, now=now)
        if reason is not None:
            fast_refund(case, reason=reason, now=now, effects=effects)
        else:
            notify_case(
                order.shop.owner,
                case,
                "case.awaiting_merchant",
                due=timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"),
            )
        figures.report(case)  # the new case counts towards its shop's figures (10.4)
        append_events(stream=case.stream, events=effects.case_events, new_stream=True)
        append_events(stream=order.stream, events=effects.order_events)
    return case
