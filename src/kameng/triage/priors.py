"""The order's facts as likelihood factors on the text model's probabilities.

One small table: each line is a condition on the facts that kameng.aftersales.facts.collect
gathers from the platform's own records, and the factor it applies to some subtypes (>1 more
likely, <1 less likely; a subtype a line does not name keeps factor 1). Every line whose
condition holds multiplies in; the result is renormalised, so confidences still sum to 1.
The factors are judgement, written down where anyone can read and change them; the records
only ever shift the ranking, the buyer still chooses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

_KEY = ("invalid_key", "key_already_used")
_PRODUCT = ("invalid_key", "key_already_used", "face_value_mismatch", "wrong_region", "activation_failed")
_OPEN_SUPPLIER = ("pending", "sent", "unknown")


@dataclass(frozen=True)
class Factor:
    name: str
    why: str
    holds: Callable[[dict], bool]
    factors: dict[str, float]


def _topup(f: dict) -> bool:
    return f.get("delivery_kind") == "direct_topup"


def _no_card_key(f: dict) -> bool:
    return f.get("delivery_kind") in ("direct_topup", "manual")


def _supplier_waiting(f: dict) -> bool:
    answers = f.get("supplier_answers") or []
    return _topup(f) and not f.get("delivered") and (not answers or any(a["status"] in _OPEN_SUPPLIER for a in answers))


def _nothing_delivered(f: dict) -> bool:
    return "delivered_batches" in f and not f["delivered_batches"]


def _part_delivered(f: dict) -> bool:
    return bool(f.get("delivered_batches")) and bool(f.get("undelivered_batches"))


def _card_key_revealed(f: dict) -> bool:
    return f.get("delivery_kind") == "card_key" and bool(f.get("revealed"))


TABLE: tuple[Factor, ...] = (
    Factor("no_card_key", "a 直充 or manual delivery has no card key", _no_card_key, dict.fromkeys(_KEY, 0.05)),
    Factor(
        "supplier_waiting",
        "a 直充 the supplier has not answered yet: most likely still on its way, and nothing to be wrong yet",
        _supplier_waiting,
        {**dict.fromkeys(_PRODUCT, 0.3), "late_delivery": 5.0, "not_delivered": 1.5, "partly_delivered": 0.5},
    ),
    Factor(
        "supplier_failed",
        "the supplier reported the top-up failed",
        lambda f: bool(f.get("supplier_failed")),
        {"not_delivered": 4.0, "late_delivery": 0.5},
    ),
    Factor(
        "nothing_delivered",
        "nothing was delivered (and no supplier is still working on it): no code or top-up to be wrong",
        lambda f: _nothing_delivered(f) and not _supplier_waiting(f),
        {**dict.fromkeys(_PRODUCT, 0.3), "not_delivered": 2.0, "partly_delivered": 0.5},
    ),
    Factor("part_delivered", "some batches delivered, others not", _part_delivered, {"partly_delivered": 4.0}),
    Factor(
        "all_delivered",
        "every batch was delivered",
        lambda f: bool(f.get("delivered")),
        {"not_delivered": 0.4, "partly_delivered": 0.5},
    ),
    Factor(
        "key_never_revealed",
        "card keys delivered but never shown to the buyer",
        lambda f: bool(f.get("never_revealed")),
        dict.fromkeys(_PRODUCT, 0.3),
    ),
    Factor(
        "key_revealed",
        "the buyer has seen the card keys: key problems are what follows",
        _card_key_revealed,
        {
            "invalid_key": 2.5,
            "key_already_used": 2.5,
            "activation_failed": 2.0,
            "not_delivered": 0.3,
            "late_delivery": 0.3,
        },
    ),
    Factor(
        "reported_elsewhere",
        "other buyers reported keys of the same import batch",
        lambda f: bool(f.get("reported_elsewhere")),
        {"invalid_key": 2.0, "key_already_used": 2.0},
    ),
    Factor(
        "late",
        "delivered (or due) later than promised",
        lambda f: bool(f.get("delivery_late_by_s")),
        {"late_delivery": 2.5},
    ),
    Factor(
        "duplicate_payments",
        "more than one payment captured",
        lambda f: bool(f.get("duplicate_payments")),
        {"charged_twice": 5.0},
    ),
    Factor("single_payment", "one payment captured", lambda f: f.get("payments_captured") == 1, {"charged_twice": 0.5}),
    Factor(
        "merchant_unreachable",
        "the merchant has shown no activity within the rulebook's limit",
        lambda f: bool(f.get("merchant_unreachable")),
        {"no_response": 3.0},
    ),
)


def applying(facts: dict) -> list[Factor]:
    return [line for line in TABLE if line.holds(facts)]


def combine(probabilities: dict[str, float], facts: dict | None) -> dict[str, float]:
    """The text's probabilities times every applying factor, renormalised to sum to 1."""
    if not facts:
        return dict(probabilities)
    out = dict(probabilities)
    for line in applying(facts):
        for subtype, factor in line.factors.items():
            if subtype in out:
                out[subtype] *= factor
    total = sum(out.values()) or 1.0
    return {s: p / total for s, p in out.items()}
