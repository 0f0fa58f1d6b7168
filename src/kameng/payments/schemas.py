from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema


class TopupIn(Schema):
    amount_fen: Annotated[int, Field(strict=True, description="whole fen, e.g. 1000 = ¥10.00")]
    gateway: Annotated[str | None, Field(min_length=1, max_length=32, description="default: the first enabled")] = None
    order_id: Annotated[int | None, Field(strict=True, ge=1, le=2**63 - 1)] = None


class PaymentOut(Schema):
    out_trade_no: str
    amount_fen: int
    currency: str
    gateway: str
    status: str
    provider_trade_no: str
    order_id: int | None
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None


class TopupOut(PaymentOut):
    checkout_url: str | None = None


class HistoryLineOut(Schema):
    source: str
    memo: str
    amount_fen: int
    created_at: datetime


class WalletOut(Schema):
    balance_fen: int
    history: list[HistoryLineOut]
