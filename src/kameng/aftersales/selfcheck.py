"""Self-check wizards (自查), the reading side: the step language and its validation, the order facts
a wizard may branch on, text interpolation, and the reads (current wizard, a buyer's run, the
deflection figures). Writes live in ``services.selfcheck``.

A wizard is a list of steps; the first is the start. Every step has an ``id`` and ``text_zh`` /
``text_en`` (``{name}`` is replaced by an order fact, see ``VARIABLES``):

- ``question``: ``answers`` = [{"label_zh", "label_en", "next"}] (yes/no is two answers);
- ``fact``: ``fact`` = a name in ``FACTS``; ``yes`` / ``no`` = the next step for each result;
- ends: ``article`` (``slug`` of a 售后知识库 article), ``solved`` (a message), ``open_case``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.aftersales import facts as case_facts
from kameng.aftersales.models import RunOutcome, Wizard, WizardRun
from kameng.catalog.models import DeliveryKind
from kameng.core.errors import DomainError
from kameng.core.templatetags.money import format_fen
from kameng.orders.states import BatchState
from kameng.rulebook import selectors as rulebook
from kameng.rulebook.problems import SUBTYPES
from kameng.suppliers.models import OPEN_STATUSES, RequestStatus
from kameng.suppliers.selectors import request_for_ref

EDITORS = (Role.OPERATOR, Role.AGENT)
QUESTION, FACT, ARTICLE, SOLVED, OPEN_CASE = "question", "fact", "article", "solved", "open_case"
END_KINDS = (ARTICLE, SOLVED, OPEN_CASE)
KINDS = (QUESTION, FACT, *END_KINDS)
END_OUTCOME = {ARTICLE: RunOutcome.ARTICLE, SOLVED: RunOutcome.SOLVED, OPEN_CASE: RunOutcome.OPEN_CASE}
MAX_STEPS = 60
MAX_ANSWERS = 8
MAX_TEXT = 1000
MAX_LABEL = 120
STEP_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# A run still in progress after this long counts as abandoned in the figures.
STALE_AFTER = timedelta(hours=24)

# The order facts a fact step may branch on (each read from the platform's own records).
FACTS = {
    "is_card_key": "the order is delivered as card keys (卡密)",
    "is_direct_topup": "the order is a direct top-up (直充)",
    "is_manual": "the order is delivered by hand (人工发货)",
    "delivered": "every batch of the order is delivered",
    "partly_delivered": "some batches are delivered, some not yet",
    "key_revealed": "the buyer revealed at least one card key",
    "key_never_revealed": "the order has card keys and none was ever revealed",
    "topup_within_promise": "a top-up is still with the supplier, inside the supplier's promised time",
    "topup_failed": "the supplier reported a top-up as failed",
    "manual_within_promise": "a manual delivery is still inside the shop's promised time",
    "delivered_late": "the delivery came (or is) later than promised",
    "duplicate_payment": "more than one payment was captured for the order",
    "duplicate_returned": "a duplicate payment was already returned to the wallet",
    "reported_elsewhere": "other buyers reported keys from the same import batch",
    "merchant_unreachable": "the merchant has shown no activity within the rulebook's limit",
    "has_buyer_fields": "the buyer typed account / region details at checkout",
}
# What ``{name}`` in a step's text becomes.
VARIABLES = (
    "order_id",
    "product",
    "quantity",
    "paid_at",
    "delivered_at",
    "buyer_fields",
    "sent_minutes_ago",
    "promised_minutes",
    "wait_until",
    "manual_due_at",
    "late_minutes",
    "duplicate_returned",
    "merchant_last_seen",
    "keys",
    "first_revealed_at",
)


# --- validation ----------------------------------------------------------------------------------


def _text_errors(where: str, step: dict, errors: dict, *, names=("text_zh", "text_en"), limit=MAX_TEXT) -> None:
    for name in names:
        value = step.get(name)
        required = name.endswith("_zh")
        if value is None and not required:
            continue
        if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
            errors[f"{where}.{name}"] = f"text of 1–{limit} characters" if required else f"text of ≤{limit} characters"
            continue
        unknown = sorted(set(PLACEHOLDER.findall(value)) - set(VARIABLES))
        if unknown:
            errors[f"{where}.{name}"] = "unknown fact {" + unknown[0] + "}"


def _exits(step: dict) -> list[str]:
    kind = step.get("kind")
    if kind == QUESTION:
        return [a.get("next") for a in step.get("answers") or [] if isinstance(a, dict)]
    if kind == FACT:
        return [step.get("yes"), step.get("no")]
    return []


def validate_steps(steps) -> list[dict]:
    """The one check of a wizard (editor page, API, default install). Returns the steps as stored;
    refuses (``selfcheck.invalid_wizard``, 422, ``fields`` keyed by step) unknown kinds, facts and
    step references, a question without answers, a non-end step with no way out, a cycle, a step
    the start cannot reach, and a path that never ends."""
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise DomainError(
            "selfcheck.invalid_wizard", fields={"steps": f"a list of 1–{MAX_STEPS} steps"}, reason="steps"
        )
    errors: dict[str, str] = {}
    by_id: dict[str, dict] = {}
    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            errors[f"steps[{i}]"] = "a step is an object"
            continue
        sid = step.get("id")
        if not isinstance(sid, str) or not STEP_ID.match(sid):
            errors[f"steps[{i}].id"] = "a step id: lower-case letters, digits, _ (≤40)"
            continue
        if sid in by_id:
            errors[f"{sid}.id"] = f"step {sid} appears twice"
            continue
        by_id[sid] = step
    for sid, step in by_id.items():
        kind = step.get("kind")
        if kind not in KINDS:
            errors[f"{sid}.kind"] = f"step {sid}: unknown kind {kind!r} (one of {', '.join(KINDS)})"
            continue
        _text_errors(sid, step, errors)
        if kind == QUESTION:
            answers = step.get("answers")
            if not isinstance(answers, list) or not answers:
                errors[f"{sid}.answers"] = f"step {sid}: a question needs at least one answer (dead end)"
                continue
            if len(answers) > MAX_ANSWERS:
                errors[f"{sid}.answers"] = f"step {sid}: at most {MAX_ANSWERS} answers"
                continue
            for j, answer in enumerate(answers):
                where = f"{sid}.answers[{j}]"
                if not isinstance(answer, dict):
                    errors[where] = f"step {sid}: an answer is an object"
                    continue
                _text_errors(where, answer, errors, names=("label_zh", "label_en"), limit=MAX_LABEL)
                if answer.get("next") not in by_id:
                    errors[f"{where}.next"] = f"step {sid}: answer {j + 1} leads to unknown step {answer.get('next')!r}"
        elif kind == FACT:
            if step.get("fact") not in FACTS:
                errors[f"{sid}.fact"] = f"step {sid}: unknown fact {step.get('fact')!r}"
            for branch in ("yes", "no"):
                if step.get(branch) not in by_id:
                    errors[f"{sid}.{branch}"] = f"step {sid}: '{branch}' leads to unknown step {step.get(branch)!r}"
        elif kind == ARTICLE:
            if not isinstance(step.get("slug"), str) or not SLUG.match(step["slug"]):
                errors[f"{sid}.slug"] = f"step {sid}: an article slug (lower-case letters, digits, -)"
    if errors:
        raise DomainError("selfcheck.invalid_wizard", fields=errors, reason=next(iter(errors.values())))

    # The graph: no cycle, every step reachable from the start, every path ends (no dead end).
    start = steps[0]["id"]
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(sid: str, path: list[str]) -> None:
        state[sid] = 1
        for nxt in _exits(by_id[sid]):
            if state.get(nxt) == 1:
                loop = " → ".join([*path[path.index(nxt) :], sid, nxt]) if nxt in path else f"{sid} → {nxt}"
                raise DomainError(
                    "selfcheck.invalid_wizard", fields={f"{sid}.next": f"cycle: {loop}"}, reason=f"cycle: {loop}"
                )
            if state.get(nxt) is None:
                visit(nxt, [*path, sid])
        state[sid] = 2

    visit(start, [])
    unreachable = [sid for sid in by_id if sid not in state]
    if unreachable:
        fields = {f"{sid}.id": f"step {sid} cannot be reached from the start ({start})" for sid in unreachable}
        raise DomainError("selfcheck.invalid_wizard", fields=fields, reason=next(iter(fields.values())))
    return [dict(s) for s in steps]


def paths(steps: list[dict]) -> list[list[tuple[str, str]]]:
    """Every path from the start to an end, as [(step id, the branch taken)]; for tests and the
    editor's overview. Both branches of a fact step are followed."""
    by_id = {s["id"]: s for s in steps}
    out: list[list[tuple[str, str]]] = []

    def walk(sid: str, path: list[tuple[str, str]]) -> None:
        step = by_id[sid]
        if step["kind"] in END_KINDS:
            out.append([*path, (sid, step["kind"])])
            return
        if step["kind"] == FACT:
            walk(step["yes"], [*path, (sid, "yes")])
            walk(step["no"], [*path, (sid, "no")])
        else:
            for j, a in enumerate(step["answers"]):
                walk(a["next"], [*path, (sid, str(j))])

    walk(steps[0]["id"], [])
    return out


def count_paths(steps: list[dict]) -> int:
    """How many start-to-end paths a (valid) wizard has, counted without listing them (an editor's
    tree of 60 steps could have very many)."""
    by_id = {s["id"]: s for s in steps}
    memo: dict[str, int] = {}

    def count(sid: str) -> int:
        if sid not in memo:
            step = by_id[sid]
            if step["kind"] in END_KINDS:
                memo[sid] = 1
            elif step["kind"] == FACT:
                memo[sid] = count(step["yes"]) + count(step["no"])
            else:
                memo[sid] = sum(count(a["next"]) for a in step["answers"])
        return memo[sid]

    return count(steps[0]["id"])


# --- order facts ---------------------------------------------------------------------------------


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def order_facts(*, order, now: datetime) -> dict:
    """What the platform's own records say about the order, as the wizard reads it: the booleans of
    ``FACTS`` under "facts" and the texts of ``VARIABLES`` under "vars" (zh / en where they differ).

    A 直充's promised time is its supplier request's ``give_up_at`` (the supplier configuration's
    give-up time after submission: by then the supplier answers or the top-up counts as failed)."""
    book = rulebook.current()
    batches = list(order.batches.exclude(state=BatchState.REFUNDED).order_by("seq"))
    seqs = [b.seq for b in batches]
    collected = case_facts.collect(
        order=order,
        batch_seqs=seqs,
        order_key_ids=[],
        now=now,
        unreachable_days=book.params["merchant_unreachable_days"],
    )
    kind = order.delivery_kind
    delivered_n = len(collected["delivered_batches"])
    open_requests = []
    if kind == DeliveryKind.DIRECT_TOPUP:
        for b in batches:
            req = request_for_ref(ref=f"order:{order.pk}:batch:{b.seq}")
            if req is not None and req.status in OPEN_STATUSES:
                open_requests.append(req)
    within = [r for r in open_requests if now < r.give_up_at]
    sent = min((r.sent_at or r.created_at for r in within), default=None)
    promised_until = max((r.give_up_at for r in within), default=None)
    manual_open = kind == DeliveryKind.MANUAL and delivered_n < len(batches)
    manual_within = bool(manual_open and order.delivery_due_at and now < order.delivery_due_at)
    supplier_failed = collected["supplier_failed"] or any(
        a["status"] == RequestStatus.FAILED for a in collected["supplier_answers"]
    )
    flags = {
        "is_card_key": kind == DeliveryKind.CARD_KEY,
        "is_direct_topup": kind == DeliveryKind.DIRECT_TOPUP,
        "is_manual": kind == DeliveryKind.MANUAL,
        "delivered": bool(collected["delivered"]),
        "partly_delivered": 0 < delivered_n < len(batches),
        "key_revealed": bool(collected["revealed"]),
        "key_never_revealed": bool(collected["never_revealed"]),
        "topup_within_promise": bool(within),
        "topup_failed": bool(supplier_failed),
        "manual_within_promise": manual_within,
        "delivered_late": bool(collected["delivery_late_by_s"]),
        "duplicate_payment": bool(collected["duplicate_payments"]),
        "duplicate_returned": bool(collected["duplicate_returned_fen"]),
        "reported_elsewhere": bool(collected["reported_elsewhere"]),
        "merchant_unreachable": bool(collected["merchant_unreachable"]),
        "has_buyer_fields": bool(order.buyer_fields),
    }
    labels = {f.get("key"): f for f in (order.product.required_fields or []) if isinstance(f, dict)}

    def fields_text(lang: str) -> str:
        parts = []
        for key, value in (order.buyer_fields or {}).items():
            label = labels.get(key, {}).get(f"label_{lang}") or labels.get(key, {}).get("label_zh") or key
            parts.append(f"{label}: {value}")
        return "; ".join(parts) or "—"

    variables = {
        "order_id": str(order.pk),
        "product": order.product_title,
        "quantity": str(order.quantity),
        "paid_at": _local(order.paid_at),
        "delivered_at": _local(_from_iso(collected["delivered_at"])),
        "buyer_fields": {"zh": fields_text("zh"), "en": fields_text("en")},
        "sent_minutes_ago": str(int((now - sent).total_seconds() // 60)) if sent else "—",
        "promised_minutes": str(int((promised_until - sent).total_seconds() // 60)) if sent and promised_until else "—",
        "wait_until": _local(promised_until or (order.delivery_due_at if manual_within else None)),
        "manual_due_at": _local(order.delivery_due_at),
        "late_minutes": str(collected["delivery_late_by_s"] // 60),
        "duplicate_returned": format_fen(collected["duplicate_returned_fen"]),
        "merchant_last_seen": _local(_from_iso(collected["merchant_last_seen"])),
        "keys": str(collected["keys"]),
        "first_revealed_at": _local(_from_iso(collected["first_revealed_at"])),
    }
    return {"facts": flags, "vars": variables}


def lang() -> str:
    return "en" if (get_language() or "zh").startswith("en") else "zh"


def fill(text: str, variables: dict, language: str | None = None) -> str:
    """``{name}`` → the order's fact, in the reader's language; unknown names stay as typed."""
    language = language or lang()

    def one(match: re.Match) -> str:
        value = variables.get(match.group(1))
        if value is None:
            return match.group(0)
        if isinstance(value, dict):
            return value.get(language) or value.get("zh", "")
        return str(value)

    return PLACEHOLDER.sub(one, text or "")


def text_of(item: dict, name: str, variables: dict, language: str | None = None) -> str:
    language = language or lang()
    raw = item.get(f"{name}_{language}") or item.get(f"{name}_zh") or ""
    return fill(raw, variables, language)


# --- reads ---------------------------------------------------------------------------------------


def current_wizard(subtype: str) -> Wizard | None:
    """The version buyers get: the highest saved for the subtype (None: no wizard)."""
    if not isinstance(subtype, str) or subtype not in SUBTYPES:
        return None
    return Wizard.objects.filter(subtype=subtype).order_by("-version").first()


def wizard_for_editor(*, user: User, subtype: str) -> Wizard:
    require_role(user, *EDITORS)
    if subtype not in SUBTYPES:
        raise DomainError("not_found")
    wizard = current_wizard(subtype)
    if wizard is None:
        raise DomainError("selfcheck.no_wizard")
    return wizard


def run_of_buyer(*, buyer: User, run_id: int) -> WizardRun:
    """The buyer's own run; anyone else's is not found."""
    run = (
        WizardRun.objects.select_related("wizard", "order").filter(pk=run_id, buyer=buyer).first()
        if buyer is not None and getattr(buyer, "is_authenticated", False)
        else None
    )
    if run is None:
        raise DomainError("not_found")
    return run


def step_of(run: WizardRun) -> dict | None:
    if run.wizard is None:
        return None
    return next((s for s in run.wizard.steps if s["id"] == run.step), None)


def summary(run: WizardRun, language: str | None = None) -> str:
    """The answers as a few readable lines, for the case form and the case."""
    language = language or lang()
    head = "【自查记录】" if language == "zh" else "[Self-check]"
    lines = [f"{head} {SUBTYPES[run.subtype].label} (v{run.wizard_version})"]
    for a in run.answers:
        lines.append(f"- {a['question']} → {a['answer']}")
    return "\n".join(lines)


@dataclass
class DeflectionRow:
    subtype: str
    label: str
    version: int | None
    started: int
    in_progress: int
    solved: int
    article: int
    open_case: int
    abandoned: int
    skipped: int

    @property
    def deflected(self) -> int:
        return self.solved + self.article

    @property
    def rate(self) -> float | None:
        """Share of the started runs that ended without a case (solved or an article)."""
        return round(self.deflected / self.started, 3) if self.started else None


def deflection(*, user: User, now: datetime | None = None) -> list[DeflectionRow]:
    """Per subtype: runs started (a skip is not a start), how each ended, and the deflection rate.
    A run left in progress for a day counts as abandoned."""
    require_role(user, *EDITORS)
    now = now or timezone.now()
    stale = Q(outcome=RunOutcome.IN_PROGRESS, updated_at__lt=now - STALE_AFTER)
    counts = {
        r["subtype"]: r
        for r in WizardRun.objects.values("subtype").annotate(
            total=Count("pk"),
            skipped=Count("pk", filter=Q(outcome=RunOutcome.SKIPPED)),
            solved=Count("pk", filter=Q(outcome=RunOutcome.SOLVED)),
            article=Count("pk", filter=Q(outcome=RunOutcome.ARTICLE)),
            open_case=Count("pk", filter=Q(outcome=RunOutcome.OPEN_CASE)),
            abandoned=Count("pk", filter=Q(outcome=RunOutcome.ABANDONED) | stale),
            in_progress=Count("pk", filter=Q(outcome=RunOutcome.IN_PROGRESS) & ~stale),
        )
    }
    latest = {}
    for w in Wizard.objects.order_by("subtype", "version").only("subtype", "version"):
        latest[w.subtype] = w  # ordered by version: the last one per subtype stays
    rows = []
    for code, sub in SUBTYPES.items():
        c = counts.get(code, {})
        rows.append(
            DeflectionRow(
                subtype=code,
                label=str(sub.label),
                version=latest[code].version if latest.get(code) else None,
                started=c.get("total", 0) - c.get("skipped", 0),
                in_progress=c.get("in_progress", 0),
                solved=c.get("solved", 0),
                article=c.get("article", 0),
                open_case=c.get("open_case", 0),
                abandoned=c.get("abandoned", 0),
                skipped=c.get("skipped", 0),
            )
        )
    return rows
