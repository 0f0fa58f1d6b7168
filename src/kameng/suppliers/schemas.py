from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

StatusFilter = Literal["pending", "sent", "unknown", "succeeded", "failed"]


class RequestFilter(Schema):
    status: StatusFilter | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class SupplierRequestOut(Schema):
    id: int
    request_id: str
    ref: str
    sku: str
    face_value_fen: int
    quantity: int
    status: str
    attempts: int
    supplier_ref: str
    reason: str
    last_answer: dict | None
    next_check_at: datetime | None
    give_up_at: datetime
    created_at: datetime
    sent_at: datetime | None
    finished_at: datetime | None


class SupplierRequestPage(Schema):
    count: int
    items: list[SupplierRequestOut]
