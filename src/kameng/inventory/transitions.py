"""The card-key state machine as data, and the one function that moves keys along it.

Nothing else assigns ``CardKey.status``. ``stock_delta`` is the change to the product's
available-stock counter each key moving along that edge causes; callers pass it to
``catalog.services.adjust_stock`` in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.inventory.models import CardKey, CardKeyStatus

S = CardKeyStatus


@dataclass(frozen=True)
class Transition:
    to: CardKeyStatus
    stock_delta: int
    stamp: str  # the timestamp column this edge sets


# Edges that undo an earlier one: they clear its stamp instead of setting their own.
CLEARING = frozenset({"release", "return", "clear_report"})

# (from_status, action) -> Transition. Keys are created "available" by import (not an edge here).
TRANSITIONS: dict[tuple[CardKeyStatus, str], Transition] = {
    (S.AVAILABLE, "reserve"): Transition(S.RESERVED, -1, "reserved_at"),  # held for an unpaid order
    (S.RESERVED, "release"): Transition(S.AVAILABLE, +1, "reserved_at"),  # order cancelled or expired
    (S.AVAILABLE, "sell"): Transition(S.SOLD, -1, "sold_at"),
    (S.RESERVED, "sell"): Transition(S.SOLD, 0, "sold_at"),  # already left the counter at reserve
    (S.AVAILABLE, "revoke"): Transition(S.REVOKED, -1, "revoked_at"),  # merchant withdraws an unsold key
    (S.SOLD, "report_invalid"): Transition(S.REPORTED_INVALID, 0, "reported_at"),  # buyer says it fails
    # Refunded in full and never revealed: nobody has seen it, so it is sold again.
    (S.SOLD, "return"): Transition(S.AVAILABLE, +1, "sold_at"),
    # The refund that upheld the report was recovered (the merchant won): the key was good.
    (S.REPORTED_INVALID, "clear_report"): Transition(S.SOLD, 0, "reported_at"),
}

ACTIONS = sorted({action for _state, action in TRANSITIONS})


def transition_for(from_status: str, action: str) -> Transition:
    try:
        return TRANSITIONS[(CardKeyStatus(from_status), action)]
    except (KeyError, ValueError) as exc:
        raise DomainError("conflict") from exc


def apply_transition(
    *, key_ids: Iterable[int], from_status: str, action: str, now: datetime | None = None, **fields
) -> Transition:
    """Move every key in key_ids from from_status along action, with one guarded UPDATE
    (``WHERE status = from_status``). If any key was not in from_status (changed under us), raise
    ``conflict``; inside the caller's atomic block that rolls every change back."""
    ids = sorted(set(key_ids))
    edge = transition_for(from_status, action)
    now = now or timezone.now()
    values = {"status": edge.to, **fields}
    # The undoing edges clear their stamp (the reservation, the sale, the report) instead of setting it.
    values[edge.stamp] = None if action in CLEARING else now
    updated = CardKey.objects.filter(pk__in=ids, status=from_status).update(**values)
    if updated != len(ids):
        raise DomainError("conflict")
    return edge
