"""The order parameters of the after-sales rulebook (售后处理规范, clauses 8.6–8.9).

They live in the versioned rulebook with the other parameters, so operators change them by
publishing a version. An order records the version it was placed under (``Order.rulebook``) and
reads its protection window and commission from that version through ``for_order()``, so a
version published later never changes an order already placed (its payment window and 分批到账
batches are fixed when it is placed). ``current()`` is for what has no order yet: placing one, a
payout. These were environment variables before; ``rulebook.checks`` warns if one is still set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from kameng.rulebook import selectors as rulebook

if TYPE_CHECKING:
    from kameng.orders.models import Order


@dataclass(frozen=True)
class OrderRules:
    rulebook_id: int  # the version these come from: what a new order records
    rulebook_number: int
    payment_window: timedelta  # an unpaid order is cancelled after this
    protection_window: timedelta  # 自动确认: a delivered batch settles this long after delivery
    commission_bps: int  # platform commission at settlement, in basis points of the batch amount
    batch_threshold_fen: int  # 分批到账: orders above this are delivered in batches of at most this value
    payout_min_fen: int  # a merchant's payout request is at least this
    new_account_age: timedelta  # 10.3: an account younger than this is new
    new_account_order_max_fen: int  # 10.3: ... and its orders are at most this
    new_shop_age: timedelta  # 10.3: a buyer's first order from a shop younger than this is warned


def _of(version: rulebook.Rulebook) -> OrderRules:
    params = version.params
    return OrderRules(
        rulebook_id=version.id,
        rulebook_number=version.number,
        payment_window=timedelta(minutes=params["payment_window_minutes"]),
        protection_window=timedelta(hours=params["protection_window_hours"]),
        commission_bps=params["commission_bps"],
        batch_threshold_fen=params["batch_threshold_fen"],
        payout_min_fen=params["payout_min_fen"],
        # Versions published before clause 10.3 existed have no such numbers: no limit, no warning.
        new_account_age=timedelta(days=params.get("new_account_days", 0)),
        new_account_order_max_fen=params.get("new_account_order_max_fen", 0),
        new_shop_age=timedelta(days=params.get("new_shop_days", 0)),
    )


def current() -> OrderRules:
    """The rules in force now (checkout: no query while this process's copy is fresh)."""
    return _of(rulebook.in_force())


def for_order(order: Order) -> OrderRules:
    """The rules an order was placed under. Orders from before versions were recorded (null)
    follow the version in force."""
    if order.rulebook_id is None:
        return current()
    return _of(rulebook.version(order.rulebook_id))


def new_account_limit_fen(buyer, r: OrderRules, *, now) -> int | None:
    """The largest order ``buyer`` may place now (10.3), or None when the account is not new."""
    joined = getattr(buyer, "date_joined", None)
    if joined is None or not r.new_account_order_max_fen or now - joined >= r.new_account_age:
        return None
    return r.new_account_order_max_fen


def split_into_batches(*, quantity: int, unit_price_fen: int, threshold_fen: int) -> list[int]:
    """Units per batch: each batch is worth at most the threshold (but at least one unit)."""
    per_batch = max(1, threshold_fen // unit_price_fen)
    full, rest = divmod(quantity, per_batch)
    return [per_batch] * full + ([rest] if rest else [])


def commission_of(amount_fen: int, bps: int) -> int:
    # Floor: the platform never takes a fractional fen from the merchant.
    return amount_fen * bps // 10_000
