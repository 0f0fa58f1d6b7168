"""Request and response shapes of /api/v1/orders. Money is integer fen."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import field_validator

MAX_ID = 2**53  # larger ids cannot exist; refusing them keeps SQLite from overflowing
MAX_BUYER_FIELDS = 20


class OrderIn(Schema):
    product_id: Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
    quantity: Annotated[int, Field(strict=True, ge=1, le=100_000)]
    buyer_fields: dict[str, str] = {}

    @field_validator("buyer_fields")
    @classmethod
    def _small(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_BUYER_FIELDS:
            raise ValueError(f"at most {MAX_BUYER_FIELDS} fields")
        for key, text in value.items():
            if not key or len(key) > 50 or len(text) > 500:
                raise ValueError("keys 1–50 characters, values at most 500")
        return value


class NoteIn(Schema):
    note: Annotated[str, Field(min_length=1, max_length=2000)]


class RejectIn(Schema):
    note: Annotated[str, Field(min_length=1, max_length=300)]


class PayoutIn(Schema):
    amount_fen: Annotated[int, Field(strict=True, ge=1, le=10**12)]
    # Where the money goes: "alipay" (a mainland mobile number or an email address) or "bank" (a
    # card number). Checked by the service, which answers orders.payout_method_invalid,
    # orders.alipay_account_invalid or orders.bank_card_invalid.
    method: Annotated[str, Field(max_length=16)]
    account: Annotated[str, Field(max_length=80)]


class FundIn(Schema):
    amount_fen: Annotated[int, Field(strict=True, ge=1, le=10**12)]
    # "commission": from the platform's commission; "outside": new money from the platform's bank.
    origin: Annotated[str, Field(pattern="^(commission|outside)$")] = "commission"


class FundOut(Schema):
    guarantee_fund_fen: int
    platform_commission_fen: int


class BatchOut(Schema):
    seq: int
    quantity: int
    amount_fen: int
    state: str
    delivered_at: datetime | None
    confirm_due_at: datetime | None
    settled_at: datetime | None
    manual_note: str


class OrderOut(Schema):
    id: int
    state: str
    state_label: str
    shop_id: int
    product_id: int
    product_title: str
    delivery_kind: str
    quantity: int
    unit_price_fen: int
    total_fen: int
    refunded_fen: int
    buyer_fields: dict[str, Any]
    created_at: datetime
    payment_due_at: datetime
    paid_at: datetime | None
    delivery_due_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    closed_reason: str
    batches: list[BatchOut]

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_batches(obj) -> list:
        return list(obj.batches.all())


class ShopOrderOut(OrderOut):
    buyer_id: int


class TopupHint(Schema):
    method: str
    url: str
    body: dict[str, Any]


class PlaceOut(Schema):
    order: OrderOut
    paid: bool
    shortfall_fen: int
    topup: TopupHint | None = None


class OrderPageOut(Schema):
    items: list[OrderOut]
    page: int
    pages: int
    total: int


class ShopOrderPageOut(Schema):
    items: list[ShopOrderOut]
    page: int
    pages: int
    total: int


class OrderKeyOut(Schema):
    id: int
    batch: int
    fingerprint_prefix: str
    revealed: bool
    first_revealed_at: datetime | None
    reveal_count: int

    @staticmethod
    def resolve_batch(obj) -> int:
        return obj.batch.seq

    @staticmethod
    def resolve_fingerprint_prefix(obj) -> str:
        return obj.fingerprint[:8]

    @staticmethod
    def resolve_revealed(obj) -> bool:
        return obj.first_revealed_at is not None


class RevealOut(Schema):
    id: int
    code: str
    password: str | None


class EventOut(Schema):
    seq: int
    kind: str
    label: str
    actor_role: str
    created_at: datetime
    payload: dict[str, Any]
    hash: str


class BalanceOut(Schema):
    available_fen: int
    pending_fen: int  # held in escrow
    in_payout_fen: int
    deposit_fen: int
    debt_fen: int  # owed to the guarantee fund
    # Why payouts are frozen now ("shop_frozen", "shop_banned", "penalty", "debt"), or "" when they are not.
    payouts_frozen: str = Field("", alias="frozen_code")


class PayoutOut(Schema):
    id: int
    shop_id: int
    amount_fen: int
    method: str
    account: str = Field(..., alias="account_masked")  # masked: 6222 **** **** 1234, a***@example.com
    state: str
    note: str
    created_at: datetime
    decided_at: datetime | None


class DebtOut(Schema):
    id: int
    shop_id: int
    shop_name: str = Field(..., alias="shop.name")
    kind: str  # "advance" (先行赔付 the fund paid a buyer) or "penalty"
    source: str
    amount_fen: int
    recovered_fen: int
    outstanding_fen: int
    created_at: datetime
    cleared_at: datetime | None

    @staticmethod
    def resolve_kind(obj) -> str:
        return "advance" if obj.is_advance else "penalty"


class GuaranteeFundOut(Schema):
    balance_fen: int
    advances_paid_fen: int
    recovered_fen: int
    outstanding_fen: int
    debtors: int


class LedgerCheckOut(Schema):
    ok: bool
    accounts: int
    entries: int
    postings: int
    total_fen: int
    breaches: list[str]
