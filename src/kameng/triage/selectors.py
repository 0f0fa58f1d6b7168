"""The likeliest problem subtypes for a buyer's own words (problem type from the buyer's words).

``suggest`` scores the text with the shipped model (scoring.py, pure Python) and, given an
order's facts (kameng.aftersales.facts.collect), multiplies in the fact table of priors.py and
renormalises. ``suggest_for_order`` first checks the order is the buyer's own. A suggestion
never decides anything: the case form shows it, the buyer picks the subtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from kameng.accounts.models import User
from kameng.aftersales import facts as case_facts
from kameng.core.errors import DomainError
from kameng.core.text import check_text
from kameng.orders import selectors as orders
from kameng.rulebook import selectors as rulebook
from kameng.rulebook.problems import SUBTYPES
from kameng.triage import priors, scoring

MAX_DESCRIPTION = 1000
MAX_LIMIT = len(SUBTYPES)


@dataclass(frozen=True)
class Suggestion:
    subtype: str
    label: str
    family: str
    confidence: float  # 0–1; over all subtypes they sum to 1


def clean_description(text: str, field: str = "description") -> str:
    if not isinstance(text, str):
        raise DomainError("invalid_input", fields={field: "text"})
    check_text(text, field)
    text = text.strip()
    if not text:
        raise DomainError("triage.description_empty", fields={field: "required"})
    if len(text) > MAX_DESCRIPTION:
        raise DomainError("triage.description_too_long", fields={field: "too long"}, max=MAX_DESCRIPTION)
    return text


def model_info() -> dict:
    model = scoring.load()
    return {"version": model.version, "dataset_sha256": model.dataset_sha256}


def probabilities(*, text: str, facts: dict | None = None) -> dict[str, float]:
    """Every subtype's confidence for ``text`` (and the order's ``facts``), summing to 1."""
    text = clean_description(text)
    scores = scoring.load().probabilities(text)
    return priors.combine({code: scores.get(code, 0.0) for code in SUBTYPES}, facts)


def suggest(*, text: str, facts: dict | None = None, limit: int = 3) -> list[Suggestion]:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise DomainError("invalid_input", fields={"limit": f"1 to {MAX_LIMIT}"})
    probs = probabilities(text=text, facts=facts)
    order = list(SUBTYPES)
    ranked = sorted(order, key=lambda code: (-probs[code], order.index(code)))[:limit]
    return [
        Suggestion(code, str(SUBTYPES[code].label), SUBTYPES[code].family, round(probs[code], 4)) for code in ranked
    ]


def order_facts(*, order, now: datetime | None = None) -> dict:
    """The facts a case on the whole order would record now (every batch, every current key)."""
    return case_facts.collect(
        order=order,
        batch_seqs=[b.seq for b in order.batches.all()],
        order_key_ids=[],
        now=now or timezone.now(),
        unreachable_days=rulebook.current().params["merchant_unreachable_days"],
    )


def suggest_for_order(
    *, user: User, order_id: int, text: str, limit: int = 3, now: datetime | None = None
) -> list[Suggestion]:
    """Suggestions for the buyer's own order; another buyer's order is not found."""
    order = orders.order_of_buyer(buyer=user, order_id=order_id)
    text = clean_description(text)
    return suggest(text=text, facts=order_facts(order=order, now=now), limit=limit)
