"""Self-check (自查), stage 1 of the ladder: editing and installing wizards, and a buyer's run through
one — each answer recorded, fact steps decided by the order's own records, the outcome kept. A run
that ends in "open a case" is linked to the case by ``opening.open_case(self_check_run_id=…)``.

Locks: a run row only (``select_for_update``), never together with another domain's rows, except in
``open_case`` where it comes after the order row (docs/concurrency.md: … order → self-check run).
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.aftersales import selfcheck
from kameng.aftersales.models import RunOutcome, Wizard, WizardRun
from kameng.core.errors import DomainError
from kameng.knowledge import selectors as knowledge
from kameng.orders import selectors as orders
from kameng.rulebook.problems import SUBTYPES

MAX_DESCRIPTION = 4000


# --- wizards -------------------------------------------------------------------------------------


def _missing_articles(steps: list[dict]) -> dict[str, str]:
    missing = {}
    for step in steps:
        if step["kind"] == selfcheck.ARTICLE:
            try:
                knowledge.article(step["slug"])
            except DomainError:
                missing[f"{step['id']}.slug"] = f"step {step['id']}: no published article {step['slug']!r}"
    return missing


def save_wizard(
    *, user: User, subtype: str, steps, base_version: int | None = None, note: str = "", now: datetime | None = None
) -> Wizard:
    """An operator or agent saves a new version of a subtype's wizard. Checked by
    ``selfcheck.validate_steps`` (plus: every article end names a published article); refused as a
    whole, nothing saved. ``base_version``: the version the editor started from; another save
    since is a conflict."""
    require_role(user, *selfcheck.EDITORS)
    now = now or timezone.now()
    if subtype not in SUBTYPES:
        raise DomainError("not_found")
    if not isinstance(note, str) or len(note) > 200:
        raise DomainError("invalid_input", fields={"note": "at most 200 characters"})
    cleaned = selfcheck.validate_steps(steps)
    missing = _missing_articles(cleaned)
    if missing:
        raise DomainError("selfcheck.invalid_wizard", fields=missing, reason=next(iter(missing.values())))
    current = selfcheck.current_wizard(subtype)
    version = current.version if current else 0
    if base_version is not None and base_version != version:
        raise DomainError("selfcheck.version_conflict", version=version)
    try:
        with transaction.atomic():
            return Wizard.objects.create(
                subtype=subtype, version=version + 1, steps=cleaned, note=note.strip(), updated_by=user, updated_at=now
            )
    except IntegrityError:  # someone saved the same next version a moment earlier
        raise DomainError("selfcheck.version_conflict", version=version + 1) from None


def install_default_wizards() -> int:
    """The shipped wizards (``aftersales.wizards``) for every subtype that has none yet; running it
    again changes nothing. Returns how many were installed."""
    from kameng.aftersales.wizards import DEFAULT_WIZARDS

    installed = 0
    for subtype, steps in DEFAULT_WIZARDS.items():
        cleaned = selfcheck.validate_steps(steps)
        if Wizard.objects.filter(subtype=subtype).exists():
            continue
        try:
            with transaction.atomic():
                Wizard.objects.create(subtype=subtype, version=1, steps=cleaned, note="default")
        except IntegrityError:  # installed concurrently
            continue
        installed += 1
    return installed


# --- runs ----------------------------------------------------------------------------------------


def _buyer(buyer: User) -> User:
    user = require_role(buyer, Role.BUYER)
    return user


def _description(value) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise DomainError("invalid_input", fields={"description": f"at most {MAX_DESCRIPTION} characters"})
    return value.strip()


def _order(buyer: User, order_id: int):
    order = orders.orders_among(ids=[order_id], buyer=buyer).first() if isinstance(order_id, int) else None
    if order is None:
        raise DomainError("not_found")
    return order


def _advance(run: WizardRun, *, order, now: datetime) -> None:
    """Follow fact steps by the order's records until a question or an end."""
    by_id = {s["id"]: s for s in run.wizard.steps}
    data = selfcheck.order_facts(order=order, now=now)
    run.facts = data
    for _hop in range(len(by_id) + 1):  # the tree has no cycle: at most one visit per step
        step = by_id[run.step]
        if step["kind"] == selfcheck.FACT:
            result = bool(data["facts"][step["fact"]])
            run.answers.append(
                {
                    "step": step["id"],
                    "kind": "fact",
                    "question": selfcheck.text_of(step, "text", data["vars"]),
                    "answer": _("Yes (platform records)") if result else _("No (platform records)"),
                    "at": now.isoformat(),
                }
            )
            run.step = step["yes" if result else "no"]
            continue
        if step["kind"] in selfcheck.END_KINDS:
            run.outcome = selfcheck.END_OUTCOME[step["kind"]]
            run.ended_at = now
        return


def start_run(
    *, buyer: User, order_id: int, subtype: str, description: str = "", now: datetime | None = None
) -> WizardRun:
    """The buyer starts the current wizard of ``subtype`` on one of their orders."""
    buyer = _buyer(buyer)
    now = now or timezone.now()
    if subtype not in SUBTYPES:
        raise DomainError("invalid_input", fields={"subtype": "unknown problem type"})
    text = _description(description)
    order = _order(buyer, order_id)
    wizard = selfcheck.current_wizard(subtype)
    if wizard is None:
        raise DomainError("selfcheck.no_wizard")
    run = WizardRun(
        buyer=buyer,
        order=order,
        subtype=str(subtype),
        wizard=wizard,
        wizard_version=wizard.version,
        step=wizard.steps[0]["id"],
        description=text,
        started_at=now,
        updated_at=now,
    )
    _advance(run, order=order, now=now)
    run.save()
    return run


def skip_self_check(
    *, buyer: User, order_id: int, subtype: str, description: str = "", now: datetime | None = None
) -> WizardRun:
    """The buyer goes straight to the case form: recorded as a skipped run (no wizard needed)."""
    buyer = _buyer(buyer)
    now = now or timezone.now()
    if subtype not in SUBTYPES:
        raise DomainError("invalid_input", fields={"subtype": "unknown problem type"})
    text = _description(description)
    order = _order(buyer, order_id)
    wizard = selfcheck.current_wizard(subtype)
    return WizardRun.objects.create(
        buyer=buyer,
        order=order,
        subtype=str(subtype),
        wizard=wizard,
        wizard_version=wizard.version if wizard else 0,
        description=text,
        outcome=RunOutcome.SKIPPED,
        started_at=now,
        updated_at=now,
        ended_at=now,
    )


def _locked_run(buyer: User, run_id: int) -> WizardRun:
    run = (
        WizardRun.objects.select_for_update(of=("self",))
        .select_related("wizard")
        .filter(pk=run_id, buyer=buyer)
        .first()
        if isinstance(run_id, int)
        else None
    )
    if run is None:
        raise DomainError("not_found")
    return run


def answer_step(*, buyer: User, run_id: int, step: str, answer: int, now: datetime | None = None) -> WizardRun:
    """One answer to the run's current question (``answer``: the answer's index); recorded with the
    question's and the answer's text as shown, then the run moves on."""
    buyer = _buyer(buyer)
    now = now or timezone.now()
    if not isinstance(answer, int) or isinstance(answer, bool) or answer < 0:
        raise DomainError("invalid_input", fields={"answer": "the number of an answer"})
    with transaction.atomic():
        run = _locked_run(buyer, run_id)
        if run.outcome != RunOutcome.IN_PROGRESS:
            raise DomainError("selfcheck.run_finished")
        if step != run.step:
            raise DomainError("selfcheck.wrong_step")
        current = selfcheck.step_of(run)
        if current is None or current["kind"] != selfcheck.QUESTION:
            raise DomainError("selfcheck.wrong_step")
        if answer >= len(current["answers"]):
            raise DomainError("invalid_input", fields={"answer": f"0–{len(current['answers']) - 1}"})
        chosen = current["answers"][answer]
        variables = (run.facts or {}).get("vars", {})
        run.answers.append(
            {
                "step": current["id"],
                "kind": "question",
                "question": selfcheck.text_of(current, "text", variables),
                "answer": selfcheck.text_of(chosen, "label", variables),
                "at": now.isoformat(),
            }
        )
        run.step = chosen["next"]
        _advance(run, order=run.order, now=now)
        run.updated_at = now
        run.save()
    return run


def abandon_run(*, buyer: User, run_id: int, now: datetime | None = None) -> WizardRun:
    """The buyer leaves the wizard for the case form; a run that already ended keeps its outcome."""
    buyer = _buyer(buyer)
    now = now or timezone.now()
    with transaction.atomic():
        run = _locked_run(buyer, run_id)
        if run.outcome == RunOutcome.IN_PROGRESS:
            run.outcome = RunOutcome.ABANDONED
            run.ended_at = run.updated_at = now
            run.save(update_fields=["outcome", "ended_at", "updated_at"])
    return run


def run_for_case(*, buyer: User, run_id: int, order_id: int, subtype: str) -> WizardRun:
    """The run a case is about to be opened with: the buyer's own, on this order and subtype, not yet
    linked to a case."""
    run = WizardRun.objects.filter(pk=run_id, buyer=buyer).first() if isinstance(run_id, int) else None
    if run is None:
        raise DomainError("not_found")
    if run.order_id != order_id or run.subtype != subtype:
        raise DomainError("selfcheck.run_mismatch")
    if run.case_id is not None:
        raise DomainError("selfcheck.run_finished")
    return run


def statement(run: WizardRun) -> dict:
    """What a case keeps of the run (``Case.self_check``)."""
    return {
        "run": run.pk,
        "wizard_version": run.wizard_version,
        "outcome": str(run.outcome),
        "answers": [{k: a.get(k) for k in ("step", "kind", "question", "answer")} for a in run.answers],
    }


def link_to_case(run: WizardRun, case, *, now: datetime) -> None:
    """Inside ``open_case``'s transaction, after the order lock: the run now led to this case."""
    locked = WizardRun.objects.select_for_update().get(pk=run.pk)
    if locked.case_id is not None:
        raise DomainError("selfcheck.run_finished")
    locked.case = case
    if locked.outcome != RunOutcome.SKIPPED:  # a skip stays a skip in the figures
        locked.outcome = RunOutcome.OPEN_CASE
    locked.ended_at = locked.ended_at or now
    locked.updated_at = now
    locked.save(update_fields=["case", "outcome", "ended_at", "updated_at"])
