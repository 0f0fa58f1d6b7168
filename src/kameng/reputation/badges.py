"""Badges by published rule (10.5): 金牌商家 while every threshold of the rulebook holds over the
window, and 平台认证商家 while an operator's approval of the shop's documents stands and its
deposit is at least the rulebook's amount. Pure functions of the figures: ``trust.evaluate_shop``
applies them, the dashboard and the trust card show each criterion with its figure."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kameng.reputation.selectors import Figures

GOLD = "gold"
CERTIFIED = "certified"
LABELS = {GOLD: _("Gold shop"), CERTIFIED: _("Certified shop")}


@dataclass(frozen=True)
class Criterion:
    code: str
    label: Promise
    param: str  # the rulebook parameter of its threshold
    unit: str  # how to show the figure and the threshold (a ``rulebook.params`` unit)
    value: int | Fraction | None  # the shop's figure (None: not enough data yet)
    threshold: int
    holds: bool

    def as_dict(self) -> dict:
        value = float(self.value) if isinstance(self.value, Fraction) else self.value
        return {"code": self.code, "value": value, "threshold": self.threshold, "holds": self.holds}


def _at_most(rate: Fraction | None, bps: int) -> bool:
    # No orders yet: nothing has gone wrong, but the order minimum fails the badge anyway.
    return rate is None or rate * 10_000 <= bps


def gold_criteria(figures: Figures, params: dict, *, open_penalties: int) -> list[Criterion]:
    p = params
    median = figures.median_response_s
    return [
        Criterion(
            "orders",
            _("Orders"),
            "gold_min_orders",
            "count",
            figures.orders,
            p["gold_min_orders"],
            figures.orders >= p["gold_min_orders"],
        ),
        Criterion(
            "score",
            _("Score"),
            "gold_min_score",
            "stars",
            figures.score_x100,
            p["gold_min_score"],
            figures.score is not None and figures.score * 100 >= p["gold_min_score"],
        ),
        Criterion(
            "aftersales_rate",
            _("After-sales rate"),
            "gold_max_aftersales_bps",
            "bps",
            Figures.bps(figures.aftersales_rate),
            p["gold_max_aftersales_bps"],
            _at_most(figures.aftersales_rate, p["gold_max_aftersales_bps"]),
        ),
        Criterion(
            "dispute_rate",
            _("Disputes lost"),
            "gold_max_dispute_bps",
            "bps",
            Figures.bps(figures.dispute_rate),
            p["gold_max_dispute_bps"],
            _at_most(figures.dispute_rate, p["gold_max_dispute_bps"]),
        ),
        Criterion(
            "invalid_key_rate",
            _("Invalid-key rate"),
            "gold_max_invalid_key_bps",
            "bps",
            Figures.bps(figures.invalid_key_rate),
            p["gold_max_invalid_key_bps"],
            _at_most(figures.invalid_key_rate, p["gold_max_invalid_key_bps"]),
        ),
        Criterion(
            "sla_breaches",
            _("Missed deadlines"),
            "gold_max_sla_breaches",
            "count",
            figures.sla_breaches,
            p["gold_max_sla_breaches"],
            figures.sla_breaches <= p["gold_max_sla_breaches"],
        ),
        Criterion(
            "response",
            _("Median first response"),
            "gold_max_response_minutes",
            "minutes",
            None if median is None else median // 60,
            p["gold_max_response_minutes"],
            # A shop no buyer has needed to ask holds this one.
            median is None or median <= p["gold_max_response_minutes"] * 60,
        ),
        Criterion(
            "months",
            _("Months selling"),
            "gold_min_months",
            "months",
            figures.months_selling,
            p["gold_min_months"],
            figures.months_selling >= p["gold_min_months"],
        ),
        Criterion(
            "penalties",
            _("Penalties in force"),
            "",
            "count",
            open_penalties,
            0,
            open_penalties == 0,
        ),
    ]


def is_gold(criteria: list[Criterion]) -> bool:
    return all(c.holds for c in criteria)


def certified_criteria(*, approved: bool, deposit_fen: int, params: dict) -> list[Criterion]:
    need = params["certified_min_deposit_fen"]
    return [
        Criterion("documents", _("Documents approved by an operator"), "", "count", int(approved), 1, approved),
        Criterion(
            "deposit", _("Deposit held"), "certified_min_deposit_fen", "fen", deposit_fen, need, deposit_fen >= need
        ),
    ]
