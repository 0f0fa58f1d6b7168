"""The merchant stage (商家处理, chapter 3): accept the demand, offer something else, refuse with
reasons, or ask the buyer for information — and the buyer's answers to an offer or a question."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from kameng.accounts.models import User
from kameng.aftersales.models import Case, CaseState, Offer, Remedy
from kameng.aftersales.permissions import locked_case_for
from kameng.aftersales.services.conversation import add_message
from kameng.aftersales.services.inputs import clean_fen, clean_text
from kameng.aftersales.services.outcome import demand_remedy, execute_remedy
from kameng.aftersales.services.steps import Effects, apply_step, check_step, flush, release_if_done
from kameng.aftersales.transitions import BUYER, MERCHANT, next_offer_state
from kameng.catalog.models import DeliveryKind
from kameng.core.errors import DomainError


def accept_case(*, merchant: User, case_id: int, note: str = "", now: datetime | None = None) -> Case:
    """The merchant grants what the buyer asked for (3.2); it is carried out at once."""
    now = now or timezone.now()
    note = clean_text(note, name="note", required=False)
    with transaction.atomic():
        case = locked_case_for(merchant, case_id, role=MERCHANT)
        check_step(case, "accept", role=MERCHANT, actor=merchant, now=now)  # before any money moves
        effects = Effects()
        remedy, amount = demand_remedy(case)
        execute_remedy(case, remedy=remedy, amount_fen=amount, step="accept", note=note, effects=effects)
        apply_step(
            case,
            "accept",
            role=MERCHANT,
            actor=merchant,
            now=now,
            payload={"remedy": remedy, "note": note},
            effects=effects,
        )
        release_if_done(case)
        flush(case, effects)
    return case


def make_offer(
    *, merchant: User, case_id: int, remedy: str, amount_fen: int = 0, note: str = "", now: datetime | None = None
) -> Offer:
    """A proposal other than the demand (3.3): e.g. a partial refund instead of a full one."""
    now = now or timezone.now()
    if remedy not in Remedy.values or remedy == Remedy.REJECT:
        raise DomainError("invalid_input", fields={"remedy": "a refund, replacement, redelivery or compensation"})
    note = clean_text(note, name="note", required=False)
    with transaction.atomic():
        case = locked_case_for(merchant, case_id, role=MERCHANT)
        if remedy in (Remedy.PARTIAL_REFUND, Remedy.COMPENSATION):
            amount_fen = clean_fen(amount_fen, name="amount_fen", low=1, high=case.stake_fen)
        else:
            amount_fen = case.stake_fen if remedy == Remedy.FULL_REFUND else 0
        if remedy == Remedy.REPLACEMENT and (
            case.order.delivery_kind != DeliveryKind.CARD_KEY or not case.order_key_ids
        ):
            raise DomainError("aftersales.keys_not_replaceable")
        effects = Effects()
        apply_step(
            case,
            "offer",
            role=MERCHANT,
            actor=merchant,
            now=now,
            payload={"remedy": remedy, "amount_fen": amount_fen, "note": note},
            effects=effects,
        )
        offer = Offer.objects.create(case=case, remedy=remedy, amount_fen=amount_fen, note=note, created_at=now)
        flush(case, effects)
    return offer


def answer_offer(*, buyer: User, case_id: int, accept: bool, now: datetime | None = None) -> Case:
    now = now or timezone.now()
    with transaction.atomic():
        case = locked_case_for(buyer, case_id, role=BUYER)
        action = "accept_offer" if accept else "decline_offer"
        check_step(case, action, role=BUYER, actor=buyer, now=now)  # before any money moves
        offer = case.offers.select_for_update().filter(state=Offer.State.OPEN).order_by("-pk").first()
        if offer is None:
            raise DomainError("aftersales.not_allowed", state=str(CaseState(case.state).label), action="answer_offer")
        effects = Effects()
        if accept:
            execute_remedy(
                case,
                remedy=offer.remedy,
                amount_fen=offer.amount_fen,
                step=f"offer:{offer.pk}",
                note=offer.note,
                effects=effects,
            )
        offer.state = next_offer_state(offer.state, "accept" if accept else "decline")
        offer.save(update_fields=["state"])
        apply_step(
            case,
            action,
            role=BUYER,
            actor=buyer,
            now=now,
            payload={"offer": offer.pk},
            effects=effects,
        )
        release_if_done(case)
        flush(case, effects)
    return case


def refuse_case(*, merchant: User, case_id: int, reason: str, now: datetime | None = None) -> Case:
    """The merchant refuses, with reasons (3.4); evidence goes into the conversation."""
    now = now or timezone.now()
    reason = clean_text(reason, name="reason")
    with transaction.atomic():
        case = locked_case_for(merchant, case_id, role=MERCHANT)
        effects = Effects()
        apply_step(case, "refuse", role=MERCHANT, actor=merchant, now=now, payload={"reason": reason}, effects=effects)
        add_message(case, merchant, MERCHANT, reason, effects=effects, now=now)
        flush(case, effects)
    return case


def ask_for_info(*, merchant: User, case_id: int, question: str, now: datetime | None = None) -> Case:
    now = now or timezone.now()
    question = clean_text(question, name="question")
    with transaction.atomic():
        case = locked_case_for(merchant, case_id, role=MERCHANT)
        effects = Effects()
        apply_step(
            case, "ask_info", role=MERCHANT, actor=merchant, now=now, payload={"question": question}, effects=effects
        )
        add_message(case, merchant, MERCHANT, question, effects=effects, now=now)
        flush(case, effects)
    return case


def provide_info(*, buyer: User, case_id: int, answer: str, now: datetime | None = None) -> Case:
    now = now or timezone.now()
    answer = clean_text(answer, name="answer")
    with transaction.atomic():
        case = locked_case_for(buyer, case_id, role=BUYER)
        effects = Effects()
        apply_step(case, "provide_info", role=BUYER, actor=buyer, now=now, effects=effects)
        add_message(case, buyer, BUYER, answer, effects=effects, now=now)
        flush(case, effects)
    return case
