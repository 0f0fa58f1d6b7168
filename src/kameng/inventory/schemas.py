from datetime import datetime
from typing import Annotated

from ninja import Field, Schema

from kameng.inventory.models import CardKeyStatus

# A database id: anything above a bigint is a client mistake (422), never a query.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ImportTextIn(Schema):
    product_id: Id
    # Characters, not bytes: the service enforces KAMENG_IMPORT_MAX_BYTES on the UTF-8 size.
    text: str = Field(..., min_length=1)


class DuplicateInFileOut(Schema):
    line: int
    first_line: int


class LineOut(Schema):
    line: int


class MalformedOut(Schema):
    line: int
    reason: str = Field(
        ...,
        description="empty_code, empty_password, inner_whitespace, control_character, too_many_separators or too_long",
    )


class ReportOut(Schema):
    accepted: int
    accepted_lines: list[int]
    duplicates_in_file: list[DuplicateInFileOut]
    duplicates_in_shop: list[LineOut] = Field([], description="lines whose code this shop already holds")
    duplicates_elsewhere: int = Field(0, description="how many codes another shop already holds (no lines)")
    malformed: list[MalformedOut]
    header_skipped: bool
    total_lines: int


class BatchSummaryOut(Schema):
    id: int
    product_id: int
    source: str
    filename: str
    size_bytes: int
    total_lines: int
    accepted_count: int
    duplicate_in_file_count: int
    duplicate_on_platform_count: int
    malformed_count: int
    created_at: datetime


class ImportBatchOut(BatchSummaryOut):
    report: ReportOut


class CardKeyOut(Schema):
    """Metadata only: a key's plaintext and ciphertext never leave the server here."""

    id: int
    product_id: int
    batch_id: int
    status: CardKeyStatus
    fingerprint_prefix: str
    created_at: datetime
    reserved_at: datetime | None
    sold_at: datetime | None
    revoked_at: datetime | None
    reported_at: datetime | None


class RevokeIn(Schema):
    key_ids: list[Id] = Field(..., min_length=1, max_length=1000)


class RevokeOut(Schema):
    revoked: int


class LookupIn(Schema):
    code: str = Field(..., min_length=1, max_length=256)


class LookupOut(Schema):
    fingerprint: str
    found: bool
    card_key_id: int | None
    shop_id: int | None
    shop_name: str
    product_id: int | None
    product_title: str
    status: str
    created_at: datetime | None
    sold_at: datetime | None


class StatusCountsOut(Schema):
    available: int
    reserved: int
    sold: int
    revoked: int
    reported_invalid: int
