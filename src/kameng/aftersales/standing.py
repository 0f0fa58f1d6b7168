"""A buyer's standing (rule 10.2): their claim history over the last 90 days. It decides fast-refund
eligibility (8.3) and flags serial claimers to agents on the workbench; it is never shown to other
buyers or merchants. Reviews by a flagged buyer do not count towards shop scores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q

from kameng.aftersales.models import OPEN_STATES, Case, Remedy

WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class Standing:
    opened: int  # cases opened in the window
    upheld: int  # closed with a remedy for the buyer
    unfounded: int  # closed with the claim rejected (驳回)
    fast_refunds_lost: int  # fast refunds the merchant contested and won
    flag_at: int  # the rulebook's claim_abuse_flag_count

    @property
    def flagged(self) -> bool:
        return self.unfounded >= self.flag_at


def standings(buyer_ids, *, now: datetime, flag_at: int) -> dict[int, Standing]:
    """Every buyer's standing in one query."""
    ids = {int(i) for i in buyer_ids}
    if not ids:
        return {}
    closed = ~Q(state__in=OPEN_STATES)
    rows = (
        Case.objects.filter(buyer_id__in=ids, opened_at__gte=now - WINDOW, opened_at__lte=now)
        .values("buyer_id")
        .annotate(
            opened=Count("pk"),
            upheld=Count("pk", filter=closed & ~Q(outcome__in=["", Remedy.REJECT])),
            unfounded=Count("pk", filter=closed & Q(outcome=Remedy.REJECT)),
            lost=Count("pk", filter=Q(fast_refunded=True, outcome=Remedy.REJECT)),
        )
    )
    found = {r["buyer_id"]: Standing(r["opened"], r["upheld"], r["unfounded"], r["lost"], flag_at) for r in rows}
    return {i: found.get(i, Standing(0, 0, 0, 0, flag_at)) for i in ids}


def standing_of(buyer_id: int, *, now: datetime, flag_at: int) -> Standing:
    return standings([buyer_id], now=now, flag_at=flag_at)[int(buyer_id)]
