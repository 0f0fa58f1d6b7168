"""Test helpers for the ladder: build a real case in any state through the services, perform an
(action, role) through the service that role would use, and snapshot everything a refused step must
leave alone. Time moves forward explicitly (``now=``), one minute per step, past deadlines by sweep."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from kameng.aftersales import services
from kameng.aftersales.models import Case, CaseState, Message, Offer, Ruling
from kameng.aftersales.services.platform import sweep_overdue_rulings
from kameng.aftersales.tests.conftest import buy
from kameng.aftersales.transitions import AGENT, BUYER, MERCHANT, SYSTEM
from kameng.ledger.models import LedgerAccount
from kameng.orders.models import MerchantDebt, OrderKey, Refund
from kameng.orders.services import reveal_key
from kameng.timeline.models import Event
from kameng.timeline.selectors import verify_stream

S = CaseState
STEP = timedelta(minutes=1)

# How each state is reached from a fresh card-key order, step by step (the first step opens).
PATHS: dict[str, tuple[str, ...]] = {
    S.MERCHANT: ("open",),
    S.BUYER_INFO: ("open", "ask_info"),
    S.OFFER: ("open", "offer"),
    S.NO_AGREEMENT: ("open", "refuse"),
    S.EVIDENCE: ("open", "refuse", "escalate"),
    S.REVIEW: ("open", "refuse", "escalate", "sweep"),
    S.RULED: ("open", "refuse", "escalate", "sweep", "rule"),
    S.APPEAL: ("open", "refuse", "escalate", "sweep", "rule", "appeal"),
    S.RESOLVED: ("open", "refuse", "escalate", "sweep", "rule", "sweep"),
    S.CLOSED_SILENT: ("open", "ask_info", "sweep"),
    S.WITHDRAWN: ("open", "withdraw"),
    S.FAST_REFUNDED: ("open_fast",),
}


@dataclass
class Actors:
    buyer: object
    merchant: object
    agent: object  # rules first
    agent2: object  # decides appeals; the "agent" role in the exhaustive tests
    product: object
    now: datetime = field(default_factory=timezone.now)

    def tick(self, to: datetime | None = None) -> datetime:
        self.now = max(self.now + STEP, to or self.now)
        return self.now

    def user(self, role: str):
        return {BUYER: self.buyer, MERCHANT: self.merchant, AGENT: self.agent2}.get(role)


def open_case(actors: Actors, *, demand: str = "replace", reveal: bool = True, subtype: str = "invalid_key", **kw):
    order = buy(actors.buyer, actors.product)
    if reveal:
        okey = OrderKey.objects.get(batch__order=order)
        reveal_key(buyer=actors.buyer, order_id=order.pk, order_key_id=okey.pk, ip="1.2.3.4", user_agent="t")
    return services.open_case(
        buyer=actors.buyer,
        order_id=order.pk,
        subtype=subtype,
        demand=demand,
        description="不能用",
        now=actors.tick(),
        **kw,
    )


def do_step(actors: Actors, case: Case, step: str) -> Case:
    a = actors
    if step == "open":
        return open_case(a)
    if step == "open_fast":
        return open_case(a, demand="full_refund", reveal=False)
    if step == "ask_info":
        return services.ask_for_info(merchant=a.merchant, case_id=case.pk, question="截图？", now=a.tick())
    if step == "offer":
        services.make_offer(merchant=a.merchant, case_id=case.pk, remedy="partial_refund", amount_fen=100, now=a.tick())
    elif step == "refuse":
        services.refuse_case(merchant=a.merchant, case_id=case.pk, reason="卡密有效", now=a.tick())
    elif step == "escalate":
        services.request_intervention(buyer=a.buyer, case_id=case.pk, reason="请平台处理", now=a.tick())
    elif step == "sweep":
        case.refresh_from_db()
        services.sweep(now=a.tick(case.due_at + timedelta(seconds=1)))
    elif step == "rule":
        services.rule(agent=a.agent, case_id=case.pk, remedy="reject", clause="4.4", text="驳回", now=a.tick())
    elif step == "appeal":
        services.appeal(user=a.buyer, case_id=case.pk, reason="不服", now=a.tick())
    elif step == "withdraw":
        services.withdraw_case(buyer=a.buyer, case_id=case.pk, now=a.tick())
    else:
        raise ValueError(step)
    case.refresh_from_db()
    return case


def case_in(actors: Actors, state: str) -> Case:
    actors.now = timezone.now()  # each case starts now: orders are bought (and windows start) now
    case = None
    for step in PATHS[state]:
        case = do_step(actors, case, step)
    assert case.state == state, (state, case.state)
    return case


class NoService(Exception):
    """This role has no service for this action (documented in the tests)."""


def perform(actors: Actors, case: Case, action: str, role: str):
    """Do ``action`` on ``case`` as ``role`` through the service that action goes through. A role
    calling another role's service passes itself as that service's user (the service must refuse)."""
    a = actors
    if role == SYSTEM:
        # The system acts only through the sweep (expire) and at opening (fast_refund).
        if action == "expire":
            return services.sweep(now=a.tick(a.now + timedelta(days=60)), rulings=False)
        if action in ("overdue", "rule_on_records"):  # the sweep's pass over overdue rulings (4.4)
            done = sweep_overdue_rulings(now=a.tick(a.now + timedelta(days=60)))
            return services.SweepReport(
                rulings_requeued=done.get("requeued", 0), ruled_on_records=done.get("ruled_on_records", 0)
            )
        raise NoService
    if action in ("expire", "fast_refund", "overdue", "rule_on_records"):
        raise NoService  # no person can make a clock run out or grant a fast refund
    user = a.user(role)
    now = a.tick()
    cid = case.pk
    calls = {
        "accept": lambda: services.accept_case(merchant=user, case_id=cid, now=now),
        "offer": lambda: services.make_offer(
            merchant=user, case_id=cid, remedy="partial_refund", amount_fen=100, now=now
        ),
        "refuse": lambda: services.refuse_case(merchant=user, case_id=cid, reason="no", now=now),
        "ask_info": lambda: services.ask_for_info(merchant=user, case_id=cid, question="?", now=now),
        "provide_info": lambda: services.provide_info(buyer=user, case_id=cid, answer="here", now=now),
        "accept_offer": lambda: services.answer_offer(buyer=user, case_id=cid, accept=True, now=now),
        "decline_offer": lambda: services.answer_offer(buyer=user, case_id=cid, accept=False, now=now),
        "escalate": lambda: services.request_intervention(buyer=user, case_id=cid, now=now),
        "withdraw": lambda: services.withdraw_case(buyer=user, case_id=cid, now=now),
        "reopen": lambda: services.reopen_case(buyer=user, case_id=cid, now=now),
        "escalate_external": lambda: services.escalate_externally(buyer=user, case_id=cid, channel="12315", now=now),
        "contest": lambda: services.contest_fast_refund(merchant=user, case_id=cid, reason="used", now=now),
        "appeal": lambda: services.appeal(user=user, case_id=cid, reason="不服", now=now),
        # One service for both: it rules, or decides the appeal when the case is under appeal.
        "rule": lambda: services.rule(agent=user, case_id=cid, remedy="reject", clause="4.4", text="x", now=now),
        "rule_appeal": lambda: services.rule(agent=user, case_id=cid, remedy="reject", clause="6.1", text="x", now=now),
    }
    return calls[action]()


def snapshot(case: Case) -> dict:
    """Everything a refused step must leave as it was."""
    return {
        "case": Case.objects.filter(pk=case.pk).values().first(),
        "balances": dict(LedgerAccount.objects.values_list("key", "balance_fen")),
        "case_events": Event.objects.filter(stream=case.stream).count(),
        "order_events": Event.objects.filter(stream=case.order.stream).count(),
        "offers": list(Offer.objects.filter(case=case).values_list("pk", "state")),
        "rulings": Ruling.objects.filter(case=case).count(),
        "messages": Message.objects.filter(case=case).count(),
        "refunds": list(Refund.objects.filter(order_id=case.order_id).values_list("pk", "recovered_fen")),
        "debts": list(MerchantDebt.objects.values_list("pk", "recovered_fen")),
    }


def last_event(case: Case, kind: str) -> Event:
    event = Event.objects.filter(stream=case.stream, kind=kind).order_by("-seq").first()
    assert event is not None, f"no {kind} on {case.stream}"
    return event


def assert_chains(case: Case) -> None:
    assert verify_stream(case.stream) == []
    assert verify_stream(case.order.stream) == []
