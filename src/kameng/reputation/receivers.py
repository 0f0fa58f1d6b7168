"""Reputation listens to orders and after-sales (the apps below it). Each receiver is safe to run
again for the same facts only where noted: the figures are counters, and the orders' facts are
sent exactly once per commit."""

from __future__ import annotations

from datetime import timedelta

from kameng.reputation import metrics


def on_orders_recorded(sender, facts, **kwargs) -> None:
    metrics.on_orders_recorded(sender, facts)


def on_cases_changed(sender, reports, **kwargs) -> None:
    """Inside the case step's transaction: the case figures (added on commit), the reviews rule
    10.2 now excludes, and rule 4.5 for shops that just missed a deadline."""
    from kameng.aftersales.standing import WINDOW, standings
    from kameng.reputation.models import Review
    from kameng.reputation.penalties import apply_sla_rule
    from kameng.reputation.selectors import BUYER_RESPONSIBLE, CLAIM_ABUSE
    from kameng.reputation.services import exclude_reviews
    from kameng.rulebook import selectors as rulebook

    metrics.count_cases(reports)
    now = max(r.case.updated_at for r in reports)  # the step's own time (the sweep's ``now``)
    blamed = {r.order_id for r in reports if r.delta.get("buyer_blamed", 0) > 0}
    if blamed:
        exclude_reviews(reviews=list(Review.objects.filter(order_id__in=blamed)), reason=BUYER_RESPONSIBLE)
    claimants = {r.case.buyer_id for r in reports if r.delta.get("unfounded", 0) > 0}
    if claimants:
        flag_at = rulebook.in_force().params["claim_abuse_flag_count"]
        flagged = [b for b, s in standings(claimants, now=now, flag_at=flag_at).items() if s.flagged]
        if flagged:
            recent = Review.objects.filter(buyer_id__in=flagged, created_at__gte=now - WINDOW - timedelta(days=1))
            exclude_reviews(reviews=list(recent), reason=CLAIM_ABUSE)
    breached = {r.shop_id for r in reports if r.delta.get("sla_breaches", 0) > 0}
    if breached:
        apply_sla_rule(shop_ids=breached, now=now)


def connect() -> None:
    from kameng.aftersales.signals import cases_changed
    from kameng.orders.signals import orders_recorded

    orders_recorded.connect(on_orders_recorded, dispatch_uid="reputation.orders_recorded")
    cases_changed.connect(on_cases_changed, dispatch_uid="reputation.cases_changed")
