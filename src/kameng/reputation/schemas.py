from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict, StrictInt

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
