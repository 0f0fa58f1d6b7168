"""The order parameters of the after-sales rulebook (售后处理规范), as named settings for now.

Each can be overridden by an environment variable of the same name; the after-sales issue moves
them into the versioned, operator-editable rulebook. Code reads them only through ``current()``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


@dataclass(frozen=True)
class OrderRules:
    payment_window: timedelta  # an unpaid order is cancelled after this
    protection_window: timedelta  # 自动确认: a delivered batch settles this long after delivery
    commission_bps: int  # platform commission at settlement, in basis points of the batch amount
    batch_threshold_fen: int  # 分批到账: orders above this are delivered in batches of at most this value
    payout_min_fen: int


def current() -> OrderRules:
    return OrderRules(
        payment_window=timedelta(minutes=_int("KAMENG_PAYMENT_WINDOW_MINUTES", 15)),
        protection_window=timedelta(hours=_int("KAMENG_PROTECTION_WINDOW_HOURS", 72)),
        commission_bps=_int("KAMENG_COMMISSION_BPS", 300),
        batch_threshold_fen=_int("KAMENG_BATCH_THRESHOLD_FEN", 50_000),
        payout_min_fen=_int("KAMENG_PAYOUT_MIN_FEN", 100),
    )


def split_into_batches(*, quantity: int, unit_price_fen: int, threshold_fen: int) -> list[int]:
    """Units per batch: each batch is worth at most the threshold (but at least one unit)."""
    per_batch = max(1, threshold_fen // unit_price_fen)
    full, rest = divmod(quantity, per_batch)
    return [per_batch] * full + ([rest] if rest else [])


def commission_of(amount_fen: int, bps: int) -> int:
    # Floor: the platform never takes a fractional fen from the merchant.
    return amount_fen * bps // 10_000
