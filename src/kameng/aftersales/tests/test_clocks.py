"""Case clocks: every deadline comes from the case's own rulebook version and ends in the sweep.

Time is moved with ``now=`` (services and sweep take it) and, where the code reads the clock itself,
with time_machine."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from kameng.accounts.models import Role
from kameng.aftersales import services
from kameng.aftersales.models import Case, CaseState, SlaBreach
from kameng.aftersales.tests.conftest import buy
from kameng.aftersales.tests.ladder import Actors, assert_chains, case_in, open_case
from kameng.core.errors import DomainError
from kameng.notifications.models import Notification
from kameng.rulebook import selectors as rulebook
from kameng.rulebook.services import publish_version
from kameng.timeline.models import Event
from kameng.timeline.selectors import verify_stream
from tests.factories import UserFactory
from tests.helpers import run_threads

S = CaseState
H = timedelta(hours=1)
SEC = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def actors(buyer, merchant, agent, card_product):
    return Actors(buyer, merchant, agent, UserFactory(role=Role.AGENT, username="agent2"), card_product)


def _expires(case) -> int:
    return Event.objects.filter(stream=case.stream, kind="case.expire").count()


@pytest.mark.django_db
def test_silent_merchant_escalates_once(actors):
    case = case_in(actors, S.MERCHANT)
    book = rulebook.version(case.rulebook_id)
    assert case.due_at == case.opened_at + book.hours("merchant_answer_hours")
    assert services.sweep(now=case.due_at - SEC).expired == 0
    report = services.sweep(now=case.due_at + SEC)
    assert (report.expired, report.escalated) == (1, 1)
    case.refresh_from_db()
    assert case.state == S.EVIDENCE and case.sla_breached
    assert SlaBreach.objects.filter(case=case, shop=case.shop).count() == 1
    assert case.due_at == case.updated_at + book.hours("evidence_window_hours")
    again = services.sweep(now=case.due_at - SEC)
    assert again.expired == 0
    assert _expires(case) == 1 and SlaBreach.objects.count() == 1
    assert_chains(case)


@pytest.mark.django_db
def test_asking_for_info_pauses_the_merchant_clock_and_resumes_with_what_was_left(actors):
    case = case_in(actors, S.MERCHANT)
    opened, due = case.opened_at, case.due_at
    asked = opened + 10 * H
    services.ask_for_info(merchant=actors.merchant, case_id=case.pk, question="截图？", now=asked)
    case.refresh_from_db()
    left = due - asked
    assert case.merchant_clock_left_s == int(left.total_seconds())
    # The merchant's original deadline passes while the buyer is being asked: nothing happens.
    assert services.sweep(now=due + H).expired == 0
    answered = opened + 30 * H
    services.provide_info(buyer=actors.buyer, case_id=case.pk, answer="这里", now=answered)
    case.refresh_from_db()
    assert case.state == S.MERCHANT
    assert case.due_at == answered + left
    assert case.merchant_clock_left_s is None
    assert services.sweep(now=answered + left - SEC).expired == 0
    assert services.sweep(now=answered + left + SEC).escalated == 1
    assert_chains(case)


@pytest.mark.django_db
@pytest.mark.parametrize("state", [S.BUYER_INFO, S.OFFER, S.NO_AGREEMENT])
def test_buyer_silence_closes_the_case_reopenable_once_within_the_window(actors, state):
    case = case_in(actors, state)
    book = rulebook.version(case.rulebook_id)
    assert case.due_at == case.updated_at + book.hours("buyer_answer_hours")
    closed_at = case.due_at + SEC
    services.sweep(now=closed_at)
    case.refresh_from_db()
    assert case.state == S.CLOSED_SILENT
    assert case.reopen_until == closed_at + book.hours("reopen_window_hours")
    assert case.order.batches.filter(held_by=case.stream).count() == 0  # the escrow lets go
    # Reopened once, within the window: back to the merchant with a fresh clock, escrow frozen again.
    at = case.reopen_until - SEC
    services.reopen_case(buyer=actors.buyer, case_id=case.pk, now=at)
    case.refresh_from_db()
    assert case.state == S.MERCHANT and case.reopened
    assert case.due_at == at + book.hours("merchant_answer_hours")
    assert case.order.batches.filter(held_by=case.stream).exists()
    # Silent again: closed again, and not reopenable a second time.
    services.ask_for_info(merchant=actors.merchant, case_id=case.pk, question="?", now=at + H)
    case.refresh_from_db()
    closed_again = case.due_at + SEC
    services.sweep(now=closed_again)
    case.refresh_from_db()
    assert case.state == S.CLOSED_SILENT
    with pytest.raises(DomainError) as exc:
        services.reopen_case(buyer=actors.buyer, case_id=case.pk, now=closed_again + SEC)
    assert exc.value.code == "aftersales.not_allowed"
    assert_chains(case)


@pytest.mark.django_db
def test_a_silent_close_cannot_be_reopened_after_the_window(actors):
    case = case_in(actors, S.CLOSED_SILENT)
    with pytest.raises(DomainError) as exc:
        services.reopen_case(buyer=actors.buyer, case_id=case.pk, now=case.reopen_until + SEC)
    assert exc.value.code == "aftersales.not_allowed"
    case.refresh_from_db()
    assert case.state == S.CLOSED_SILENT and not case.reopened


@pytest.mark.django_db
def test_appeal_is_accepted_within_the_window(actors):
    case = case_in(actors, S.RULED)
    book = rulebook.version(case.rulebook_id)
    ruled_at = case.updated_at
    assert case.due_at == ruled_at + book.hours("appeal_window_hours")
    services.appeal(user=actors.merchant, case_id=case.pk, reason="不服", now=case.due_at - SEC)
    case.refresh_from_db()
    assert case.state == S.APPEAL and case.merchant_appealed


@pytest.mark.django_db
def test_appeal_is_refused_once_the_sweep_made_the_ruling_final(actors):
    case = case_in(actors, S.RULED)
    final_at = case.due_at + SEC
    services.sweep(now=final_at)
    case.refresh_from_db()
    assert case.state == S.RESOLVED
    with pytest.raises(DomainError) as exc:
        services.appeal(user=actors.buyer, case_id=case.pk, reason="晚了", now=final_at + SEC)
    assert exc.value.code == "aftersales.not_allowed"


@pytest.mark.django_db
def test_appeal_after_the_window_is_refused_even_before_the_sweep_ran(actors):
    case = case_in(actors, S.RULED)
    with pytest.raises(DomainError) as exc:
        services.appeal(user=actors.buyer, case_id=case.pk, reason="晚了", now=case.due_at + SEC)
    assert exc.value.code == "aftersales.not_allowed"
    case.refresh_from_db()
    assert case.state == S.RULED


@pytest.mark.django_db
def test_reminder_is_sent_once_before_the_deadline(actors):
    case = case_in(actors, S.MERCHANT)
    book = rulebook.version(case.rulebook_id)
    assert case.remind_at == case.due_at - book.hours("reminder_before_hours")
    reminders = Notification.objects.filter(user=actors.merchant, kind="case.reminder")
    assert services.sweep(now=case.remind_at - SEC).reminded == 0
    assert services.sweep(now=case.remind_at + SEC).reminded == 1
    assert reminders.count() == 1
    assert services.sweep(now=case.remind_at + 2 * SEC).reminded == 0
    # Even if the reminder comes due again for the same deadline, the notification is not repeated.
    Case.objects.filter(pk=case.pk).update(remind_at=case.remind_at)
    services.sweep(now=case.remind_at + 3 * SEC)
    assert reminders.count() == 1
    assert not Notification.objects.filter(user=actors.buyer, kind="case.reminder").exists()


@pytest.mark.django_db
def test_a_rulebook_published_later_does_not_change_the_case_clocks(actors, operator):
    case = case_in(actors, S.MERCHANT)
    old = rulebook.version(case.rulebook_id)
    with time_machine.travel(case.opened_at + H, tick=False):
        new = publish_version(
            operator=operator,
            params={"merchant_answer_hours": 2, "buyer_answer_hours": 3, "reopen_window_hours": 1},
            clauses=None,
            note="shorter clocks",
        )
    assert new.id != old.id and rulebook.current().id == new.id
    # Two hours (the new merchant window) pass: this case still runs on its own version.
    assert services.sweep(now=case.opened_at + 3 * H).expired == 0
    refused_at = case.opened_at + 4 * H
    services.refuse_case(merchant=actors.merchant, case_id=case.pk, reason="有效", now=refused_at)
    case.refresh_from_db()
    assert case.rulebook_id == old.id
    assert case.due_at == refused_at + old.hours("buyer_answer_hours")
    # A case opened now runs on the new version.
    newer = open_case(actors)
    assert newer.rulebook_id == new.id
    assert newer.due_at == newer.opened_at + new.hours("merchant_answer_hours")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_silent_merchant_escalates_once_with_three_sweepers(buyer, merchant, agent, card_product):
    from kameng.orders.tests.conftest import load_keys

    load_keys(card_product, 5)
    cases = []
    for _ in range(20):
        order = buy(buyer, card_product)
        cases.append(
            services.open_case(buyer=buyer, order_id=order.pk, subtype="too_slow", demand="replace", description="慢")
        )
    due = max(c.due_at for c in cases) + SEC
    results, errors = run_threads(3, lambda i: services.sweep(now=due))
    assert errors == []
    assert sum(r.expired for r in results) == 20
    assert sum(r.escalated for r in results) == 20
    assert SlaBreach.objects.count() == 20
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
        assert case.state == S.EVIDENCE and case.sla_breached
        assert _expires(case) == 1
        assert verify_stream(case.stream) == []
        assert verify_stream(case.order.stream) == []
