"""The ladder table, exhaustively: every entry of ``transitions.TRANSITIONS`` performed on a real
case through its service, and every other (state, action, role) refused with nothing changed.

Where no service exists for a (action, role) pair it is listed in ``NO_SERVICE`` and skipped:
- the system acts only through the sweep (``expire``) and at opening (``fast_refund``, decided by
  ``open_case`` from the facts); no person can call either;
- the system performs no person's action (there is no system user to pass to those services);
- ``rule`` and ``rule_appeal`` are one service (``services.rule``) that picks the action by state,
  so "rule in appeal" and "rule_appeal in review" cannot be asked for separately.
"""

from __future__ import annotations

import pytest

from kameng.aftersales import services
from kameng.aftersales.models import CaseState
from kameng.aftersales.tests.ladder import (
    PATHS,
    Actors,
    NoService,
    assert_chains,
    case_in,
    last_event,
    perform,
    snapshot,
)
from kameng.aftersales.transitions import ACTIONS, AGENT, BUYER, MERCHANT, OUT_OF_ORDER, ROLES, SYSTEM, TRANSITIONS
from kameng.core.errors import DomainError
from kameng.shops.models import Shop, ShopStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

S = CaseState
REFUSALS = {"aftersales.not_allowed", "aftersales.out_of_order", "not_found", "permission_denied"}
# One service does either step, whichever the table allows in the case's state: the agent's ruling
# (or appeal decision), and the sweep's pass over overdue rulings (re-queue, or rule on the records).
SAME_SERVICE = {
    (S.APPEAL, "rule", AGENT),
    (S.REVIEW, "rule_appeal", AGENT),
    (S.APPEAL, "rule_on_records", SYSTEM),
}
SYSTEM_ONLY = ("expire", "fast_refund", "overdue", "rule_on_records")


def _no_service(action: str, role: str) -> bool:
    if role == SYSTEM:
        return action not in ("expire", "overdue", "rule_on_records")
    return action in SYSTEM_ONLY


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def actors(buyer, merchant, agent, card_product):
    from kameng.accounts.models import Role

    return Actors(buyer, merchant, agent, UserFactory(role=Role.AGENT, username="agent2"), card_product)


def test_every_state_is_reachable_and_paths_cover_all_states():
    assert set(PATHS) == set(S.values)


def test_actions_and_roles_are_what_the_services_know():
    assert {r for (_s, _a, r) in TRANSITIONS} <= set(ROLES)
    assert set(ACTIONS) == {a for (_s, a, _r) in TRANSITIONS}


ENTRY_STATES = sorted({state for (state, _a, _r) in TRANSITIONS})


@pytest.mark.parametrize("state", ENTRY_STATES)
def test_table_entries_move_the_case_and_record_actor_and_clause(actors, state):
    """One fresh case per entry; grouped by state so the fixtures are built once per state."""
    entries = sorted(key for key in TRANSITIONS if key[0] == state)
    for _state, action, role in entries:
        _check_entry(actors, state, action, role)


def _check_entry(actors, state, action, role):
    key = (state, action, role)
    if key == (S.MERCHANT, "fast_refund", SYSTEM):
        # Only open_case grants it: a refund demand on a key the buyer never revealed (8.3).
        case = case_in(actors, S.FAST_REFUNDED)
        event = last_event(case, "case.fast_refund")
        assert event.payload["from"] == S.MERCHANT and event.payload["clause"] == "8.3"
        assert event.actor_id is None and event.actor_role == "system"
        assert_chains(case)
        return
    case = case_in(actors, state)
    step = TRANSITIONS[key]
    if key == (S.REVIEW, "rule_on_records", SYSTEM):
        # 4.3: only a case the merchant left in silence (escalated by its deadline, nothing said).
        case = case_in(actors, S.MERCHANT)
        for _ in range(2):  # merchant deadline → evidence window → review
            perform(actors, case, "expire", SYSTEM)
        case.refresh_from_db()
        assert case.state == S.REVIEW and case.sla_breached
    if step.guard == "early_intervention":
        # 4.2(a): the merchant cannot be reached (a frozen shop counts).
        Shop.objects.filter(pk=case.shop_id).update(status=ShopStatus.FROZEN)
    if key == (S.APPEAL, "appeal", BUYER):
        # The buyer joins the merchant's appeal: the case went to appeal on the buyer's side, so
        # swap the sides (the table entry is symmetric; the guard is tested below).
        case.buyer_appealed, case.merchant_appealed = False, True
        case.save(update_fields=["buyer_appealed", "merchant_appealed"])
    perform(actors, case, action, role)
    case.refresh_from_db()
    assert case.state == step.to, key
    event = last_event(case, f"case.{action}")
    assert event.payload["from"] == state, key
    assert event.payload["to"] == step.to, key
    assert event.payload["clause"] == step.clause, key
    if role == SYSTEM:
        assert event.actor_id is None and event.actor_role == "system"
    else:
        assert event.actor_id == actors.user(role).pk, key
        assert event.actor_role == role, key
    assert_chains(case)
    Shop.objects.filter(pk=case.shop_id).update(status=ShopStatus.ACTIVE)


COMPLEMENT = [
    (state, action, role)
    for state in S.values
    for action in ACTIONS
    for role in ROLES
    if (state, action, role) not in TRANSITIONS
]


@pytest.mark.parametrize("state", S.values)
def test_everything_outside_the_table_is_refused_and_changes_nothing(actors, state):
    case = case_in(actors, state)
    tried = 0
    for s, action, role in COMPLEMENT:
        if s != state or _no_service(action, role) or (s, action, role) in SAME_SERVICE:
            continue
        before = snapshot(case)
        if role == SYSTEM:
            report = perform(actors, case, action, role)  # the sweep passes this state by
            assert report.expired == 0, (state, action)
        else:
            with pytest.raises(DomainError) as exc:
                perform(actors, case, action, role)
            assert exc.value.code in REFUSALS, (state, action, role, exc.value.code)
        assert snapshot(case) == before, (state, action, role)
        tried += 1
    assert tried > 0
    assert_chains(case)


def test_roles_without_a_service_are_documented():
    with pytest.raises(NoService):
        perform(None, None, "accept", SYSTEM)
    for role in (BUYER, MERCHANT, AGENT):
        for action in SYSTEM_ONLY:
            with pytest.raises(NoService):
                perform(None, None, action, role)


# --- guards: the table allows the step, the case's own condition refuses it -------------------------


def test_early_intervention_is_out_of_order_citing_4_1(actors):
    for state in (S.MERCHANT, S.BUYER_INFO, S.OFFER):
        case = case_in(actors, state)
        assert (state, "escalate", BUYER) in OUT_OF_ORDER
        before = snapshot(case)
        with pytest.raises(DomainError) as exc:
            services.request_intervention(buyer=actors.buyer, case_id=case.pk, now=actors.tick())
        assert exc.value.code == "aftersales.out_of_order"
        assert exc.value.params["clause"] == "4.1"
        assert snapshot(case) == before


def test_a_side_appeals_once(actors):
    case = case_in(actors, S.APPEAL)  # the buyer appealed
    before = snapshot(case)
    with pytest.raises(DomainError) as exc:
        services.appeal(user=actors.buyer, case_id=case.pk, reason="again", now=actors.tick())
    assert exc.value.code == "aftersales.not_allowed"
    assert snapshot(case) == before
    services.appeal(user=actors.merchant, case_id=case.pk, reason="me too", now=actors.tick())
    with pytest.raises(DomainError):
        services.appeal(user=actors.merchant, case_id=case.pk, reason="again", now=actors.tick())


def test_the_judge_of_the_ruling_does_not_decide_the_appeal(actors):
    case = case_in(actors, S.APPEAL)
    before = snapshot(case)
    with pytest.raises(DomainError) as exc:
        services.rule(agent=actors.agent, case_id=case.pk, remedy="reject", clause="6.1", text="x", now=actors.tick())
    assert exc.value.code == "aftersales.same_agent"
    assert snapshot(case) == before


def test_external_escalation_needs_a_ruling_and_happens_once(actors):
    settled = case_in(actors, S.MERCHANT)
    services.accept_case(merchant=actors.merchant, case_id=settled.pk, now=actors.tick())
    with pytest.raises(DomainError) as exc:
        services.escalate_externally(buyer=actors.buyer, case_id=settled.pk, channel="12315", now=actors.tick())
    assert exc.value.code == "aftersales.not_allowed"
    ruled = case_in(actors, S.RESOLVED)
    services.escalate_externally(buyer=actors.buyer, case_id=ruled.pk, channel="court", now=actors.tick())
    before = snapshot(ruled)
    with pytest.raises(DomainError):
        services.escalate_externally(buyer=actors.buyer, case_id=ruled.pk, channel="12315", now=actors.tick())
    assert snapshot(ruled) == before


def test_the_agent_joins_the_conversation_only_after_intervention(actors):
    case = case_in(actors, S.MERCHANT)
    before = snapshot(case)
    with pytest.raises(DomainError) as exc:
        services.post_message(user=actors.agent2, case_id=case.pk, text="hi", now=actors.tick())
    assert exc.value.code == "not_found"  # agents do not even see a case before intervention
    assert snapshot(case) == before
    review = case_in(actors, S.REVIEW)
    services.post_message(user=actors.agent2, case_id=review.pk, text="请补充证据", now=actors.tick())


# --- the offer table (方案, 3.3) ------------------------------------------------------------------


def test_offer_table_every_entry_and_nothing_else():
    from kameng.aftersales.models import Offer
    from kameng.aftersales.transitions import OFFER_TRANSITIONS, next_offer_state

    OS = Offer.State
    assert OFFER_TRANSITIONS == {
        (OS.OPEN, "accept"): OS.ACCEPTED,
        (OS.OPEN, "decline"): OS.DECLINED,
        (OS.OPEN, "lapse"): OS.LAPSED,
    }
    for state in OS.values:
        for action in ("accept", "decline", "lapse"):
            if (state, action) in OFFER_TRANSITIONS:
                assert next_offer_state(state, action) == OFFER_TRANSITIONS[(state, action)]
            else:
                with pytest.raises(DomainError) as exc:
                    next_offer_state(state, action)
                assert exc.value.code == "aftersales.not_allowed"


@pytest.mark.parametrize(
    ("action", "role", "final"),
    [
        ("accept_offer", BUYER, "accepted"),
        ("decline_offer", BUYER, "declined"),
        ("accept", MERCHANT, "lapsed"),  # the merchant grants the demand after all: the offer is moot
        ("expire", SYSTEM, "lapsed"),  # the sweep's bulk write: one UPDATE per chunk
    ],
)
def test_each_offer_entry_is_reached_through_its_service(actors, action, role, final):
    case = case_in(actors, S.OFFER)
    offer = case.offers.get()
    assert offer.state == "open"
    perform(actors, case, action, role)
    offer.refresh_from_db()
    assert offer.state == final


def test_an_answered_offer_is_never_answered_again(actors, monkeypatch):
    """The offer is changed only through the table: a second answer (an answered offer looked up
    again) is refused and nothing changes."""
    from kameng.aftersales.models import Offer
    from kameng.aftersales.transitions import next_offer_state

    case = case_in(actors, S.OFFER)
    offer = case.offers.get()
    Offer.objects.filter(pk=offer.pk).update(state=Offer.State.DECLINED)
    with pytest.raises(DomainError) as exc:
        next_offer_state(Offer.State.DECLINED, "accept")
    assert exc.value.code == "aftersales.not_allowed"
    with pytest.raises(DomainError) as exc:
        perform(actors, case, "accept_offer", BUYER)
    assert exc.value.code in REFUSALS
    offer.refresh_from_db()
    assert offer.state == Offer.State.DECLINED
