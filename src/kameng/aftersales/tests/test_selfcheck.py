"""Self-check wizards (自查): every shipped path ends, bad edits are refused whole, fact steps follow
the order's real records, runs record each answer, a case opened from a run carries it."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.utils import timezone

from kameng.aftersales import selfcheck
from kameng.aftersales import services as cases
from kameng.aftersales.models import Case, RunOutcome, Wizard, WizardRun
from kameng.aftersales.services import selfcheck as services
from kameng.aftersales.tests.conftest import buy
from kameng.aftersales.wizards import DEFAULT_WIZARDS
from kameng.core.errors import DomainError
from kameng.orders.models import OrderKey
from kameng.orders.services import reveal_key
from kameng.rulebook.problems import SUBTYPES
from kameng.suppliers.models import SupplierRequest

pytestmark = pytest.mark.django_db


def _walk(run_steps: list[dict]):
    return selfcheck.paths(run_steps)


# --- the shipped wizards ---------------------------------------------------------------------------


def test_there_is_a_shipped_wizard_for_every_subtype():
    assert set(DEFAULT_WIZARDS) == set(SUBTYPES)


@pytest.mark.parametrize("subtype", list(SUBTYPES))
def test_every_path_of_every_shipped_wizard_reaches_an_end(subtype):
    steps = selfcheck.validate_steps(DEFAULT_WIZARDS[subtype])
    by_id = {s["id"]: s for s in steps}
    found = _walk(steps)
    assert found and len(found) == selfcheck.count_paths(steps)
    for path in found:
        last_id, last_kind = path[-1]
        assert by_id[last_id]["kind"] in selfcheck.END_KINDS and last_kind == by_id[last_id]["kind"]
        assert len({sid for sid, _ in path}) == len(path)  # no step twice on a path
    # Both branches of every fact step and every answer of every question are on some path.
    taken = {(sid, branch) for path in found for sid, branch in path}
    for step in steps:
        if step["kind"] == "fact":
            assert {(step["id"], "yes"), (step["id"], "no")} <= taken
        if step["kind"] == "question":
            assert {(step["id"], str(j)) for j in range(len(step["answers"]))} <= taken
    # Every text is bilingual and names only known facts.
    for step in steps:
        assert step["text_zh"].strip() and step["text_en"].strip()


def test_shipped_articles_exist_in_the_knowledge_starter_set():
    from kameng.knowledge.defaults import DEFAULT_ARTICLES

    slugs = {a["slug"] for a in DEFAULT_ARTICLES}
    used = {s["slug"] for steps in DEFAULT_WIZARDS.values() for s in steps if s["kind"] == "article"}
    assert used and used <= slugs


def test_default_install_is_idempotent_and_keeps_edits(operator):
    from kameng.knowledge.services import install_default_articles

    install_default_articles()
    assert services.install_default_wizards() == len(SUBTYPES)
    assert services.install_default_wizards() == 0
    edited = copy.deepcopy(DEFAULT_WIZARDS["charged_twice"])
    edited[0]["text_zh"] = "改过的问题"
    services.save_wizard(user=operator, subtype="charged_twice", steps=edited)
    assert services.install_default_wizards() == 0
    current = selfcheck.current_wizard("charged_twice")
    assert current.version == 2 and current.steps[0]["text_zh"] == "改过的问题"
    assert Wizard.objects.filter(subtype="charged_twice").count() == 2  # the old version is kept


# --- validation ------------------------------------------------------------------------------------


def _q(sid, *nexts):
    return {
        "id": sid,
        "kind": "question",
        "text_zh": "问",
        "answers": [{"label_zh": "答", "next": n} for n in nexts],
    }


def _end(sid, kind="solved"):
    return {"id": sid, "kind": kind, "text_zh": "好"}


BAD = {
    "cycle": ([_q("a", "b"), _q("b", "c", "a"), _end("c")], "b.next", "cycle"),
    "unknown_step": ([_q("a", "nowhere"), _end("c")], "a.answers[0].next", "nowhere"),
    "dead_end": ([_q("a", "b"), {"id": "b", "kind": "question", "text_zh": "问", "answers": []}], "b.answers", "b"),
    "unreachable": ([_q("a", "b"), _end("b"), _end("lost")], "lost.id", "lost"),
    "unknown_fact": (
        [{"id": "a", "kind": "fact", "fact": "moon_phase", "text_zh": "查", "yes": "b", "no": "b"}, _end("b")],
        "a.fact",
        "moon_phase",
    ),
    "unknown_kind": ([_q("a", "b"), {"id": "b", "kind": "essay", "text_zh": "x"}], "b.kind", "essay"),
    "fact_without_branch": (
        [{"id": "a", "kind": "fact", "fact": "delivered", "text_zh": "查", "yes": "b"}, _end("b")],
        "a.no",
        "a",
    ),
    "unknown_placeholder": ([{"id": "a", "kind": "solved", "text_zh": "等到 {moon}"}], "a.text_zh", "moon"),
    "bad_slug": ([{"id": "a", "kind": "article", "slug": "../etc", "text_zh": "看"}], "a.slug", "a"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_broken_wizard_is_refused_with_the_step_named(name):
    steps, field, mention = BAD[name]
    with pytest.raises(DomainError) as err:
        selfcheck.validate_steps(steps)
    assert err.value.code == "selfcheck.invalid_wizard" and err.value.status == 422
    assert field in err.value.fields, err.value.fields
    assert mention in err.value.fields[field] and mention in err.value.message


def test_the_cycle_error_shows_the_loop():
    with pytest.raises(DomainError) as err:
        selfcheck.validate_steps(BAD["cycle"][0])
    assert "a → b → a" in err.value.fields["b.next"]


@pytest.mark.parametrize("name", ["cycle", "dead_end", "unknown_step", "unreachable"])
def test_saving_a_broken_wizard_saves_nothing(agent, name):
    with pytest.raises(DomainError):
        services.save_wizard(user=agent, subtype="invalid_key", steps=BAD[name][0])
    assert not Wizard.objects.exists()


def test_an_article_end_must_name_a_published_article(agent):
    steps = [_q("a", "b"), {"id": "b", "kind": "article", "slug": "no-such-article", "text_zh": "看"}]
    with pytest.raises(DomainError) as err:
        services.save_wizard(user=agent, subtype="invalid_key", steps=steps)
    assert "b.slug" in err.value.fields
    assert not Wizard.objects.exists()


def test_buyers_and_merchants_may_not_edit(buyer, merchant, operator, agent):
    steps = [_q("a", "b"), _end("b")]
    for user in (buyer, merchant):
        with pytest.raises(DomainError) as err:
            services.save_wizard(user=user, subtype="no_response", steps=steps)
        assert err.value.status == 403
    assert not Wizard.objects.exists()
    assert services.save_wizard(user=agent, subtype="no_response", steps=steps).version == 1
    assert services.save_wizard(user=operator, subtype="no_response", steps=steps, base_version=1).version == 2
    with pytest.raises(DomainError) as err:
        services.save_wizard(user=agent, subtype="no_response", steps=steps, base_version=1)
    assert err.value.code == "selfcheck.version_conflict"
    assert Wizard.objects.filter(subtype="no_response").count() == 2


# --- fact steps on real orders ---------------------------------------------------------------------


@pytest.fixture
def wizards(operator):
    from kameng.knowledge.services import install_default_articles

    install_default_articles()
    services.install_default_wizards()


def _facts(order, now=None):
    return selfcheck.order_facts(order=order, now=now or timezone.now())


def test_a_topup_inside_the_suppliers_promised_time_says_wait_until(
    buyer, topup_product, supplier, wizards, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(buyer, topup_product, fields={"phone": "13800138008"})  # accepted, answers later
    request = SupplierRequest.objects.get(ref=f"order:{order.pk}:batch:1")
    assert request.status in ("pending", "sent", "unknown")
    soon = (request.sent_at or request.created_at) + timedelta(minutes=3)
    facts = _facts(order, soon)
    assert facts["facts"]["topup_within_promise"] and facts["facts"]["is_direct_topup"]
    assert facts["vars"]["sent_minutes_ago"] == "3"
    run = services.start_run(buyer=buyer, order_id=order.pk, subtype="not_delivered", now=soon)
    # Advice, not yet "solved": the buyer says whether waiting settles it.
    assert run.outcome == RunOutcome.IN_PROGRESS and run.step == "wait_topup"
    text = selfcheck.text_of(selfcheck.step_of(run), "text", run.facts["vars"], "zh")
    assert "3 分钟前" in text and timezone.localtime(request.give_up_at).strftime("%Y-%m-%d %H:%M") in text
    assert [a["step"] for a in run.answers] == ["topup", "failed", "within"]

    # Past the promise: the wizard asks the buyer to check the balance instead.
    late = request.give_up_at + timedelta(minutes=1)
    assert not _facts(order, late)["facts"]["topup_within_promise"]
    run = services.start_run(buyer=buyer, order_id=order.pk, subtype="not_delivered", now=late)
    assert run.outcome == RunOutcome.IN_PROGRESS and run.step == "balance"
    assert "13800138008" in selfcheck.text_of(selfcheck.step_of(run), "text", run.facts["vars"], "zh")


def test_a_never_revealed_key_is_sent_to_reveal_it_first(buyer, card_order, wizards):
    run = services.start_run(buyer=buyer, order_id=card_order.pk, subtype="invalid_key")
    assert run.outcome == RunOutcome.IN_PROGRESS and run.step == "reveal_first"
    assert f"#{card_order.pk}" in selfcheck.text_of(selfcheck.step_of(run), "text", run.facts["vars"], "zh")
    # Counted as solved only once the buyer says that settles it.
    done = services.answer_step(buyer=buyer, run_id=run.pk, step="reveal_first", answer=0)
    assert done.outcome == RunOutcome.SOLVED and done.step == "reveal_first_ok"
    okey = OrderKey.objects.get(batch__order=card_order)
    reveal_key(buyer=buyer, order_id=card_order.pk, order_key_id=okey.pk, ip="1.2.3.4", user_agent="t")
    run = services.start_run(buyer=buyer, order_id=card_order.pk, subtype="invalid_key")
    assert run.outcome == RunOutcome.IN_PROGRESS and run.step == "format"
    assert [a["step"] for a in run.answers] == ["card_key_order", "revealed"]
    assert all(a["kind"] == "fact" for a in run.answers)


# --- runs ------------------------------------------------------------------------------------------


@pytest.fixture
def revealed_order(buyer, card_order):
    okey = OrderKey.objects.get(batch__order=card_order)
    reveal_key(buyer=buyer, order_id=card_order.pk, order_key_id=okey.pk, ip="1.2.3.4", user_agent="t")
    return card_order


def _through_to_case(buyer, order):
    run = services.start_run(buyer=buyer, order_id=order.pk, subtype="invalid_key", description="卡密提示无效")
    run = services.answer_step(buyer=buyer, run_id=run.pk, step="format", answer=0)  # still invalid
    run = services.answer_step(buyer=buyer, run_id=run.pk, step="where", answer=0)  # region right → fact
    run = services.answer_step(buyer=buyer, run_id=run.pk, step="read", answer=0)  # read it → case
    return run


def test_answers_are_recorded_and_the_case_carries_them(buyer, revealed_order, wizards):
    run = _through_to_case(buyer, revealed_order)
    assert run.outcome == RunOutcome.OPEN_CASE and run.step == "case"
    assert [a["step"] for a in run.answers] == ["card_key_order", "revealed", "format", "where", "reported", "read"]
    assert run.answers[1]["answer"] and run.answers[1]["question"]
    case = cases.open_case(
        buyer=buyer,
        order_id=revealed_order.pk,
        subtype="invalid_key",
        demand="replace",
        description="卡密提示无效",
        self_check_run_id=run.pk,
    )
    run.refresh_from_db()
    assert run.case_id == case.pk and run.outcome == RunOutcome.OPEN_CASE
    assert case.self_check["run"] == run.pk and case.self_check["wizard_version"] == 1
    assert [a["step"] for a in case.self_check["answers"]] == [a["step"] for a in run.answers]
    assert case.description.startswith("卡密提示无效") and "【自查记录】" in case.description
    # The same run cannot open a second case.
    with pytest.raises(DomainError) as err:
        cases.open_case(
            buyer=buyer,
            order_id=revealed_order.pk,
            subtype="invalid_key",
            demand="replace",
            description="again",
            self_check_run_id=run.pk,
        )
    assert err.value.code == "selfcheck.run_finished"


def test_a_run_of_another_buyer_or_order_is_refused(buyer, other_buyer, card_product, revealed_order, wizards):
    run = _through_to_case(buyer, revealed_order)
    other_order = buy(other_buyer, card_product)
    with pytest.raises(DomainError) as err:
        cases.open_case(
            buyer=other_buyer,
            order_id=other_order.pk,
            subtype="invalid_key",
            demand="replace",
            description="x",
            self_check_run_id=run.pk,
        )
    assert err.value.code == "not_found"
    mine_too = buy(buyer, card_product)
    with pytest.raises(DomainError) as err:
        cases.open_case(
            buyer=buyer, order_id=mine_too.pk, subtype="invalid_key", demand="replace", description="x",
            self_check_run_id=run.pk,
        )  # fmt: skip
    assert err.value.code == "selfcheck.run_mismatch"
    assert not Case.objects.exists()
    with pytest.raises(DomainError) as err:
        services.answer_step(buyer=other_buyer, run_id=run.pk, step="case", answer=0)
    assert err.value.code == "not_found"
    with pytest.raises(DomainError) as err:
        services.start_run(buyer=other_buyer, order_id=revealed_order.pk, subtype="invalid_key")
    assert err.value.code == "not_found"


def test_bad_answers_change_nothing(buyer, revealed_order, wizards):
    run = services.start_run(buyer=buyer, order_id=revealed_order.pk, subtype="invalid_key")
    before = list(run.answers)
    for step, answer, code in (("format", 9, "invalid_input"), ("where", 0, "selfcheck.wrong_step")):
        with pytest.raises(DomainError) as err:
            services.answer_step(buyer=buyer, run_id=run.pk, step=step, answer=answer)
        assert err.value.code == code
    run.refresh_from_db()
    assert run.answers == before and run.step == "format"
    solved = services.answer_step(buyer=buyer, run_id=run.pk, step="format", answer=1)
    assert solved.outcome == RunOutcome.SOLVED
    with pytest.raises(DomainError) as err:
        services.answer_step(buyer=buyer, run_id=run.pk, step="solved_format", answer=0)
    assert err.value.code == "selfcheck.run_finished"


def test_no_wizard_for_the_subtype(buyer, card_order):
    with pytest.raises(DomainError) as err:
        services.start_run(buyer=buyer, order_id=card_order.pk, subtype="invalid_key")
    assert err.value.code == "selfcheck.no_wizard"
    assert not WizardRun.objects.exists()


def test_deflection_is_counted_per_subtype(buyer, agent, revealed_order, wizards):
    now = timezone.now()
    run = services.start_run(buyer=buyer, order_id=revealed_order.pk, subtype="invalid_key", now=now)
    services.answer_step(buyer=buyer, run_id=run.pk, step="format", answer=1, now=now)  # solved
    services.start_run(buyer=buyer, order_id=revealed_order.pk, subtype="invalid_key", now=now)  # in progress
    left = services.start_run(buyer=buyer, order_id=revealed_order.pk, subtype="invalid_key", now=now)
    services.abandon_run(buyer=buyer, run_id=left.pk, now=now)
    services.skip_self_check(buyer=buyer, order_id=revealed_order.pk, subtype="invalid_key", now=now)
    _through_to_case(buyer, revealed_order)
    rows = {r.subtype: r for r in selfcheck.deflection(user=agent, now=now)}
    row = rows["invalid_key"]
    assert (row.started, row.solved, row.in_progress, row.abandoned, row.skipped, row.open_case) == (4, 1, 1, 1, 1, 1)
    assert row.rate == 0.25 and row.version == 1
    assert rows["charged_twice"].started == 0 and rows["charged_twice"].rate is None
    # A day later the open run counts as abandoned.
    later = {r.subtype: r for r in selfcheck.deflection(user=agent, now=now + timedelta(days=2))}["invalid_key"]
    assert (later.in_progress, later.abandoned) == (0, 2)
    with pytest.raises(DomainError):
        selfcheck.deflection(user=buyer)


def test_the_prefilled_record_sent_back_by_a_browser_is_kept_once(buyer, revealed_order, wizards):
    # Seen in review: a textarea comes back with CRLF line ends, the record has LF — the case
    # description then carried the 【自查记录】 twice.
    from kameng.aftersales import selfcheck

    run = _through_to_case(buyer, revealed_order)
    prefilled = f"卡密提示无效\n\n{selfcheck.summary(run)}".replace("\n", "\r\n")
    case = cases.open_case(
        buyer=buyer,
        order_id=revealed_order.pk,
        subtype="invalid_key",
        demand="replace",
        description=prefilled,
        self_check_run_id=run.pk,
    )
    assert case.description.count("【自查记录】") == 1


def test_a_key_problem_on_an_order_without_keys_says_so_instead_of_inventing_a_key(buyer, manual_product, wizards):
    # Seen in review: on a manual-delivery order the 卡密无效 wizard recorded "was this key never
    # revealed? — no (platform records)", a key that does not exist, into the buyer's statement.

    order = buy(buyer, manual_product, fields={"role": "剑客"})
    run = services.start_run(buyer=buyer, order_id=order.pk, subtype="invalid_key")
    assert run.step == "not_key_order" and run.outcome == RunOutcome.OPEN_CASE
    assert [(a["step"], a["answer"]) for a in run.answers] == [("card_key_order", "否（平台记录）")]
