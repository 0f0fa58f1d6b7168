"""What one case adds to its shop's public figures (rule 10.4), and the difference a step makes.

A case contributes, on the day it was opened: one case (售后率); the keys it claims, when it is a
卡密无效 / 已被使用 case closed in the buyer's favour (invalid-key rate); one dispute lost, when the
latest ruling found the merchant responsible; one SLA breach, when the merchant let the answer
clock run out (3.6). Two more entries are not shop figures but tell the reviews what happened:
the latest ruling found the buyer responsible, or the claim was closed as unfounded (10.2).

``Case.counted`` keeps what the case last reported, so every step reports only its difference and
the sums stay exact however often a case is reopened, appealed or re-ruled. ``report`` runs at the
end of every step (``steps.flush``; the sweep calls it once per chunk) and sends
``signals.cases_changed`` inside the transaction. ``kameng metrics rebuild`` recomputes the same
entries from the cases and rulings themselves and must agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kameng.aftersales.models import OPEN_STATES, Case, Remedy
from kameng.rulebook.problems import Party

# The subtypes whose upheld claims count as invalid keys the shop sold.
INVALID_KEY_SUBTYPES = frozenset({"invalid_key", "key_already_used"})
# The entries of a contribution, in the order ``Case.counted`` stores them.
FIELDS = ("cases", "invalid_keys", "dispute_losses", "sla_breaches", "buyer_blamed", "unfounded")
ZERO = (0,) * len(FIELDS)


@dataclass(frozen=True)
class CaseReport:
    case: Case
    shop_id: int
    order_id: int
    opened_at: datetime
    delta: dict[str, int]  # field → difference (only the fields that changed)


def upheld(case: Case) -> bool:
    return case.state not in OPEN_STATES and case.outcome not in ("", Remedy.REJECT)


def contribution(*, subtype: str, state: str, outcome: str, responsible: str, sla_breached: bool, keys: int) -> tuple:
    """The pure rule: the same function serves a case in memory and the rebuild from the records."""
    closed = state not in OPEN_STATES
    return (
        1,
        max(keys, 1) if subtype in INVALID_KEY_SUBTYPES and closed and outcome not in ("", Remedy.REJECT) else 0,
        1 if responsible == Party.MERCHANT else 0,
        1 if sla_breached else 0,
        1 if responsible == Party.BUYER else 0,
        1 if closed and outcome == Remedy.REJECT else 0,
    )


def of_case(case: Case) -> tuple:
    return contribution(
        subtype=case.subtype,
        state=case.state,
        outcome=case.outcome,
        responsible=case.responsible,
        sla_breached=case.sla_breached,
        keys=len(case.order_key_ids or ()),
    )


def parse(counted: str) -> tuple:
    return tuple(int(x) for x in counted.split(",")) if counted else ZERO


def take(cases: list[Case]) -> list[CaseReport]:
    """Work out each case's difference and set ``counted`` in memory (the caller saves the row)."""
    reports = []
    for case in cases:
        now, before = of_case(case), parse(case.counted)
        if now == before:
            continue
        case.counted = ",".join(map(str, now))
        delta = {f: n - b for f, n, b in zip(FIELDS, now, before, strict=True) if n != b}
        reports.append(CaseReport(case, case.shop_id, case.order_id, case.opened_at, delta))
    return reports


def send(reports: list[CaseReport]) -> None:
    if reports:
        from kameng.aftersales.signals import cases_changed

        cases_changed.send(sender=Case, reports=reports)


def report(case: Case) -> None:
    """After a (non-deferred) step: save the case's new contribution and tell the listeners."""
    reports = take([case])
    if reports:
        Case.objects.filter(pk=case.pk).update(counted=case.counted)
        send(reports)
