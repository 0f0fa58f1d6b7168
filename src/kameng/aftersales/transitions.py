"""The after-sales ladder as data: ``(state, action, actor role) -> Step(next state, clause, guard)``.

Nothing else assigns ``Case.state``: ``services.steps.check_step`` and ``apply_step`` look the step
up here, check its guard, and write the timeline event with the actor and the clause. Anything not
in the table is refused (``aftersales.not_allowed``), except the one refusal the rulebook names: a
buyer asking the platform to step in during the merchant stage gets ``aftersales.out_of_order``
citing clause 4.1.

Guards are conditions on the case that the table cannot express by state alone:
- ``early_intervention``: the merchant is unreachable or the case qualifies for fast refund (4.2);
- ``not_appealed``: this side has not used its one appeal (6.1);
- ``other_agent``: the appeal is decided by an agent other than the one who ruled (6.1);
- ``reopenable``: not reopened before, and within the reopen window (7.1);
- ``after_ruling``: the case ended with a platform ruling (9.1).
"""

from __future__ import annotations

from dataclasses import dataclass

from kameng.aftersales.models import CaseState as S
from kameng.aftersales.models import Offer
from kameng.core.errors import DomainError

BUYER, MERCHANT, AGENT, SYSTEM = "buyer", "merchant", "agent", "system"
ROLES = (BUYER, MERCHANT, AGENT, SYSTEM)


@dataclass(frozen=True)
class Step:
    to: str
    clause: str
    guard: str | None = None


_MERCHANT_STAGE = (S.MERCHANT, S.BUYER_INFO, S.OFFER)
_BEFORE_RULING = (S.MERCHANT, S.BUYER_INFO, S.OFFER, S.NO_AGREEMENT, S.EVIDENCE, S.REVIEW)

TRANSITIONS: dict[tuple[str, str, str], Step] = {
    # Merchant stage (商家处理).
    (S.MERCHANT, "accept", MERCHANT): Step(S.RESOLVED, "3.2"),
    (S.MERCHANT, "offer", MERCHANT): Step(S.OFFER, "3.3"),
    (S.MERCHANT, "refuse", MERCHANT): Step(S.NO_AGREEMENT, "3.4"),
    (S.MERCHANT, "ask_info", MERCHANT): Step(S.BUYER_INFO, "3.5"),
    (S.MERCHANT, "expire", SYSTEM): Step(S.EVIDENCE, "3.6"),  # silent merchant: escalates, SLA breach
    (S.MERCHANT, "fast_refund", SYSTEM): Step(S.FAST_REFUNDED, "8.3"),
    (S.BUYER_INFO, "provide_info", BUYER): Step(S.MERCHANT, "3.5"),
    (S.BUYER_INFO, "expire", SYSTEM): Step(S.CLOSED_SILENT, "7.1"),
    (S.BUYER_INFO, "accept", MERCHANT): Step(S.RESOLVED, "3.2"),
    (S.OFFER, "accept_offer", BUYER): Step(S.RESOLVED, "3.3"),
    (S.OFFER, "decline_offer", BUYER): Step(S.NO_AGREEMENT, "3.3"),
    (S.OFFER, "expire", SYSTEM): Step(S.CLOSED_SILENT, "7.1"),
    (S.OFFER, "accept", MERCHANT): Step(S.RESOLVED, "3.2"),
    (S.NO_AGREEMENT, "escalate", BUYER): Step(S.EVIDENCE, "4.1"),
    (S.NO_AGREEMENT, "expire", SYSTEM): Step(S.CLOSED_SILENT, "7.1"),
    (S.NO_AGREEMENT, "accept", MERCHANT): Step(S.RESOLVED, "3.2"),
    # Platform intervention (平台介入).
    (S.EVIDENCE, "expire", SYSTEM): Step(S.REVIEW, "4.3"),
    (S.EVIDENCE, "accept", MERCHANT): Step(S.RESOLVED, "3.2"),
    (S.REVIEW, "rule", AGENT): Step(S.RULED, "4.4"),
    (S.REVIEW, "accept", MERCHANT): Step(S.RESOLVED, "3.2"),
    # The ruling deadline passed (4.4): back to the queue, everyone told; a case the silent merchant
    # left without a word is ruled on the records by rule (4.3).
    (S.REVIEW, "overdue", SYSTEM): Step(S.REVIEW, "4.4"),
    (S.REVIEW, "rule_on_records", SYSTEM): Step(S.RULED, "4.3"),
    (S.RULED, "appeal", BUYER): Step(S.APPEAL, "6.1", "not_appealed"),
    (S.RULED, "appeal", MERCHANT): Step(S.APPEAL, "6.1", "not_appealed"),
    (S.RULED, "expire", SYSTEM): Step(S.RESOLVED, "6.1"),  # appeal window passed: the ruling is final
    (S.APPEAL, "appeal", BUYER): Step(S.APPEAL, "6.1", "not_appealed"),  # the other side joins the appeal
    (S.APPEAL, "appeal", MERCHANT): Step(S.APPEAL, "6.1", "not_appealed"),
    (S.APPEAL, "rule_appeal", AGENT): Step(S.RESOLVED, "6.1", "other_agent"),
    (S.APPEAL, "overdue", SYSTEM): Step(S.APPEAL, "6.1"),
    # 极速退款: paid at once; the merchant may contest, then the platform rules.
    (S.FAST_REFUNDED, "contest", MERCHANT): Step(S.EVIDENCE, "8.3"),
    (S.FAST_REFUNDED, "expire", SYSTEM): Step(S.RESOLVED, "8.3"),
    # Buyer silence closes in the merchant's favour, reopenable once (7.1).
    (S.CLOSED_SILENT, "reopen", BUYER): Step(S.MERCHANT, "7.1", "reopenable"),
    # After a final ruling: 外部维权 is recorded (the package comes with the evidence work).
    (S.RESOLVED, "escalate_external", BUYER): Step(S.RESOLVED, "9.1", "after_ruling"),
}

# The buyer may withdraw any case that has not been ruled yet (7.2).
for _state in _BEFORE_RULING:
    TRANSITIONS[(_state, "withdraw", BUYER)] = Step(S.WITHDRAWN, "7.2")
# Early intervention (4.2): only when the merchant is unreachable or fast refund applies.
for _state in _MERCHANT_STAGE:
    TRANSITIONS[(_state, "escalate", BUYER)] = Step(S.EVIDENCE, "4.2", "early_intervention")

ACTIONS = sorted({action for (_s, action, _r) in TRANSITIONS})

# Asking the platform too early is not merely "not allowed": the rulebook says why (4.1).
OUT_OF_ORDER = {(state, "escalate", BUYER) for state in _MERCHANT_STAGE}


def step_for(state: str, action: str, role: str) -> Step | None:
    return TRANSITIONS.get((state, action, role))


# The merchant's offer (方案, 3.3), as data: ``(offer state, action) -> next state``. Nothing else
# assigns ``Offer.state``. The buyer accepts or declines an open offer; an offer the buyer never
# answered lapses when the case moves past it (the merchant grants the demand after all, 3.2).
OS = Offer.State
OFFER_TRANSITIONS: dict[tuple[str, str], str] = {
    (OS.OPEN, "accept"): OS.ACCEPTED,
    (OS.OPEN, "decline"): OS.DECLINED,
    (OS.OPEN, "lapse"): OS.LAPSED,
}


def next_offer_state(state: str, action: str) -> str:
    try:
        return OFFER_TRANSITIONS[(state, action)]
    except KeyError:
        raise DomainError("aftersales.not_allowed", state=str(OS(state).label), action=f"offer:{action}") from None
