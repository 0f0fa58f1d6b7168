from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictInt

MAX_ID = 2**53


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class ReviewIn(In):
    stars_described: StrictInt = Field(..., ge=1, le=5, description="描述相符, 1–5")
    stars_delivery: StrictInt = Field(..., ge=1, le=5, description="发货速度 (how fast it arrived), 1–5")
    stars_service: StrictInt = Field(..., ge=1, le=5, description="售后服务, 1–5")
    text: str = Field("", max_length=500)
    tags: list[str] = Field(default_factory=list, max_length=10)


class TextIn(In):
    text: str = Field(..., min_length=1, max_length=500)


class HideIn(In):
    clause: str = Field(..., min_length=1, max_length=16)
    reason: str = Field(..., min_length=1, max_length=500)


class FollowUpOut(Schema):
    text: str
    case_id: int
    created_at: datetime


class ReviewOut(Schema):
    id: int
    order_id: int
    shop_id: int
    product_id: int
    hidden: bool
    hidden_clause: str
    # A hidden review shows only the clause it was hidden under: no stars, no text.
    stars_described: int | None
    stars_delivery: int | None
    stars_service: int | None
    text: str
    tags: list[str]
    created_at: datetime
    reply: str
    replied_at: datetime | None
    follow_up: FollowUpOut | None
    counted: bool = Field(description="whether it counts towards the shop's score (rule 10.2)")
    excluded_because: str | None


class CriterionOut(Schema):
    code: str
    value: float | None = Field(description="the shop's figure (rates in basis points, score in hundredths)")
    threshold: int = Field(description="the rulebook's threshold, in the same unit")
    holds: bool


class TrustOut(Schema):
    """A shop's trust card (10.4, 10.5): figures over the rulebook's window."""

    shop_id: int
    window_days: int
    since: str
    until: str
    score: int | None = Field(description="hundredths of a star, Bayesian-smoothed (10.4)")
    score_described: int | None
    score_delivery: int | None
    score_service: int | None
    reviews: int
    orders: int
    keys_sold: int
    cases: int
    aftersales_rate_bps: int | None
    dispute_rate_bps: int | None
    invalid_key_rate_bps: int | None
    median_first_response_s: int | None
    sla_breaches: int
    months_selling: int
    gold: bool
    certified: bool
    open_penalties: list[str] = Field(description="kinds of the penalties in force")


class DashboardOut(TrustOut):
    """The merchant's view: every badge criterion and the day-by-day counters."""

    sales_fen: int
    invalid_keys: int
    dispute_losses: int
    gold_criteria: list[CriterionOut]
    certified_criteria: list[CriterionOut]
    days: list[dict] = Field(description="one object per day, oldest first: day and every counter")


class PenaltyOut(Schema):
    id: int
    shop_id: int
    product_id: int | None
    rule: str
    kind: str
    clause: str
    figures: dict
    state: str
    started_at: datetime
    ended_at: datetime | None
    end_figures: dict
    appeal_text: str
    appealed_at: datetime | None
    decision_note: str
    decided_at: datetime | None


class AppealDecisionIn(In):
    uphold: StrictBool  # true or false, not "yes" or 1
    note: str = Field(..., min_length=1, max_length=500)
