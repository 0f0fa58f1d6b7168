"""The shop-application state machine as data (rule 10.1).

``TRANSITIONS[(state, action)] = (next_state, role)``: who may take each step. The deposit follows
the state: held while the application is open, the shop's deposit once approved, back in the
applicant's wallet once rejected or withdrawn (``kameng.orders.funds``).
"""

from __future__ import annotations

from kameng.accounts.models import Role
from kameng.core.errors import DomainError
from kameng.onboarding.models import ShopApplication

S = ShopApplication.State
APPLICANT, OPERATOR = "applicant", Role.OPERATOR

TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (S.SUBMITTED, "approve"): (S.APPROVED, OPERATOR),
    (S.SUBMITTED, "reject"): (S.REJECTED, OPERATOR),
    (S.SUBMITTED, "ask_more"): (S.MORE_INFO, OPERATOR),
    (S.MORE_INFO, "reject"): (S.REJECTED, OPERATOR),
    (S.MORE_INFO, "resubmit"): (S.SUBMITTED, APPLICANT),
    (S.SUBMITTED, "withdraw"): (S.WITHDRAWN, APPLICANT),
    (S.MORE_INFO, "withdraw"): (S.WITHDRAWN, APPLICANT),
}
OPERATOR_ACTIONS = ("approve", "reject", "ask_more")


def next_state(state: str, action: str, *, role: str) -> str:
    """The state ``action`` leads to, or DomainError with nothing changed."""
    step = TRANSITIONS.get((state, action))
    if step is None or step[1] != role:
        raise DomainError("onboarding.not_allowed", state=str(S(state).label), action=action)
    return step[0]
