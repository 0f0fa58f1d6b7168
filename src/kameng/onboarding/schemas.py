from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict

MAX_ID = 2**53


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class DocumentOut(Schema):
    id: int
    kind: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class ApplicationEventOut(Schema):
    seq: int
    kind: str
    payload: dict
    actor_role: str
    created_at: datetime


class ApplicationOut(Schema):
    id: int
    applicant_id: int
    shop_name: str
    slug: str
    description: str
    category: str
    contact: str
    state: str
    deposit_fen: int
    decision_reason: str
    shop_id: int | None
    created_at: datetime
    updated_at: datetime
    documents: list[DocumentOut]

    @staticmethod
    def resolve_documents(obj) -> list:
        return list(obj.documents.all())


class ApplicationDetailOut(ApplicationOut):
    applicant_username: str
    timeline: list[ApplicationEventOut]


class DecisionIn(In):
    action: str = Field(..., description="approve, reject or ask_more")
    reason: str = Field("", max_length=500)


class WithdrawOut(Schema):
    id: int
    state: str
