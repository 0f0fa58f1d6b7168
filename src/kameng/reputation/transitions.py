"""The penalty state machine as data (rules 4.5 and 10.6).

``PENALTY_TRANSITIONS[(state, action, role)] = next state``. ``penalties.move`` applies it under
the penalty's row lock and writes the event on the penalty's timeline; nothing else assigns
``Penalty.state``. A merchant appeals once; the penalty stays in force until an operator upholds or
overturns it; the system lifts it when the figures recover (also while it is appealed).
"""

from __future__ import annotations

from kameng.accounts.models import Role
from kameng.core.errors import DomainError
from kameng.reputation.models import PenaltyState

A, AP, LIFTED, OVER = PenaltyState.ACTIVE, PenaltyState.APPEALED, PenaltyState.LIFTED, PenaltyState.OVERTURNED
SYSTEM = "system"

PENALTY_TRANSITIONS: dict[tuple[str, str, str], str] = {
    (A, "appeal", Role.MERCHANT): AP,
    (AP, "uphold", Role.OPERATOR): A,
    (AP, "overturn", Role.OPERATOR): OVER,
    (A, "lift", SYSTEM): LIFTED,
    (AP, "lift", SYSTEM): LIFTED,
}


def next_penalty_state(state: str, action: str, role: str) -> str:
    try:
        return PENALTY_TRANSITIONS[(state, action, role)]
    except KeyError:
        raise DomainError("penalties.not_allowed", state=str(PenaltyState(state).label)) from None
