"""What orders tell the apps above them (reputation's shop figures), after the commit.

``orders_recorded``: ``facts`` is a list of ``OrderFact``: an order was paid, or a batch of card
keys was handed over. Sent once per unit of work, on commit and robustly (a failing receiver is
logged, never the buyer's error): the figures are counters beside the records, and
``kameng metrics rebuild`` recomputes them from the orders if a process died in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.dispatch import Signal

orders_recorded = Signal()

PAID = "paid"
KEYS_RELEASED = "keys_released"


@dataclass(frozen=True)
class OrderFact:
    kind: str  # PAID or KEYS_RELEASED
    order_id: int
    shop_id: int
    product_id: int
    at: datetime
    quantity: int  # keys handed over (KEYS_RELEASED); the order's quantity (PAID)
    amount_fen: int  # what the buyer paid (PAID); 0 otherwise
