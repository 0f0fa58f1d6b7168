"""The payment state machine, as data: (state, action) -> (next state, who may do it).

``services.apply_transition`` is the only code that changes ``Payment.status``.
Money is never lost: a capture that arrives after the payment failed or expired is still
credited, and the payment becomes ``paid_late``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kameng.payments.models import PaymentStatus as S


class Action:
    CAPTURE = "capture"  # the gateway says the money arrived
    FAIL = "fail"  # the gateway says the payment failed
    EXPIRE = "expire"  # the sweep closes a payment nobody paid in time


ACTIONS = (Action.CAPTURE, Action.FAIL, Action.EXPIRE)


@dataclass(frozen=True)
class Transition:
    next_state: S
    actor: str  # "gateway" or "system"


TRANSITIONS: dict[tuple[S, str], Transition] = {
    (S.PENDING, Action.CAPTURE): Transition(S.PAID, "gateway"),
    (S.PENDING, Action.FAIL): Transition(S.FAILED, "gateway"),
    (S.PENDING, Action.EXPIRE): Transition(S.EXPIRED, "system"),
    (S.EXPIRED, Action.CAPTURE): Transition(S.PAID_LATE, "gateway"),
    (S.FAILED, Action.CAPTURE): Transition(S.PAID_LATE, "gateway"),
}


def transition_for(state: str, action: str) -> Transition | None:
    return TRANSITIONS.get((S(state), action))
