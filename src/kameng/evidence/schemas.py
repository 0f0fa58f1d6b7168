"""Request and response shapes of /api/v1/evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.urls import reverse
from ninja import Field, Schema

from kameng.evidence.models import EvidenceKind

MAX_ID = 2**53  # larger ids cannot exist; refusing them keeps SQLite from overflowing


class WithdrawIn(Schema):
    reason: Annotated[str, Field(max_length=300)] = ""


class EvidenceItemOut(Schema):
    id: int
    case_id: int
    kind: str
    kind_label: str
    caption: str
    uploader_role: str
    original_name: str
    content_type: str
    size: int
    sha256: str = Field(description="SHA-256 of the stored bytes (after re-encoding), as on the case timeline")
    created_at: datetime
    withdrawn_at: datetime | None
    withdraw_reason: str
    file_url: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(EvidenceKind(obj.kind).label)

    @staticmethod
    def resolve_file_url(obj) -> str:
        return reverse("api-v1:evidence_file", kwargs={"item_id": obj.pk})


class AttachedFileOut(Schema):
    """A file attached on the case form or in the conversation: evidence like the uploads."""

    id: int
    case_id: int
    message_id: int
    from_case_form: bool = Field(description="attached by the buyer when opening the case")
    author_role: str
    name: str = Field(description="the uploader's file name, for display only")
    content_type: str
    size: int
    sha256: str = Field(description="SHA-256 of the stored bytes, as on the case timeline (case.attachment)")
    created_at: datetime
    file_url: str

    @staticmethod
    def resolve_file_url(obj) -> str:
        return reverse("api-v1:case_attachment", kwargs={"case_id": obj.case_id, "attachment_id": obj.pk})
