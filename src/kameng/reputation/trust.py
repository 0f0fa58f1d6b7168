"""Evaluating a shop's trust (rules 10.4–10.6): its figures, its badges, its penalties, and the
snapshot search reads (``Shop.trust_score``, ``is_gold``, ``shows_certified``).

``evaluate_shop`` is the one place badges change; ``reputation.penalties.evaluate`` the one place
penalties do. The periodic job ``reputation.trust`` evaluates shops that sold or were reviewed
lately (at most every ``REFRESH``) and every shop at least once a day, because the window rolls
even when nothing happens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of
from kameng.notifications.services import notify
from kameng.reputation import badges, penalties
from kameng.reputation.metrics import day_of
from kameng.reputation.models import OPEN_PENALTY_STATES, BadgeChange, MetricDay, Penalty
from kameng.reputation.selectors import Figures, product_figures, shop_figures
from kameng.rulebook import selectors as rulebook
from kameng.shops.models import Shop

log = logging.getLogger(__name__)

REFRESH = timedelta(minutes=10)
DAILY = timedelta(days=1)


@dataclass(frozen=True)
class Evaluation:
    figures: Figures
    gold: list[badges.Criterion]
    certified: list[badges.Criterion]
    penalties: list[Penalty]

    @property
    def is_gold(self) -> bool:
        return badges.is_gold(self.gold)

    @property
    def shows_certified(self) -> bool:
        return badges.is_gold(self.certified)


def deposit_of(shop: Shop) -> int:
    return balance_of(kind=AccountKind.MERCHANT_DEPOSIT, owner_id=shop.pk)


def read(shop: Shop, *, now: datetime | None = None, open_penalties: list[Penalty] | None = None) -> Evaluation:
    """The shop's figures and what the badges' rules say of them, without changing anything."""
    now = now or timezone.now()
    params = rulebook.in_force().params
    figures = shop_figures(shop=shop, now=now)
    if open_penalties is None:
        open_penalties = list(Penalty.objects.filter(shop=shop, state__in=OPEN_PENALTY_STATES))
    return Evaluation(
        figures=figures,
        gold=badges.gold_criteria(figures, params, open_penalties=len(open_penalties)),
        certified=badges.certified_criteria(approved=shop.certified, deposit_fen=deposit_of(shop), params=params),
        penalties=open_penalties,
    )


def evaluate_shop(*, shop_id: int, now: datetime | None = None) -> Evaluation:
    """Penalties first (a penalty in force denies the gold badge), then the badges, then the
    snapshot search reads. A badge earned or lost is recorded with the figures and told to the
    merchant."""
    now = now or timezone.now()
    with transaction.atomic():
        # The shop row first: evaluations of one shop take turns (lock order in ``penalties``).
        shop = Shop.objects.select_for_update().select_related("owner").get(pk=shop_id)
        return _evaluate_locked(shop, now)


def _evaluate_locked(shop: Shop, now: datetime) -> Evaluation:
    from kameng.shops.services import set_trust

    figures = shop_figures(shop=shop, now=now)
    open_penalties = penalties.evaluate(
        shop=shop,
        figures=figures,
        products=product_figures(shop=shop, now=now),
        sla_30d=penalties.sla_breaches_30d([shop.pk], now=now).get(shop.pk, 0),
        now=now,
    )
    evaluation = read(shop, now=now, open_penalties=open_penalties)
    for badge, earned, criteria, was in (
        (badges.GOLD, evaluation.is_gold, evaluation.gold, shop.is_gold),
        (badges.CERTIFIED, evaluation.shows_certified, evaluation.certified, shop.shows_certified),
    ):
        if earned != was:
            BadgeChange.objects.create(
                shop=shop, badge=badge, earned=earned, figures={c.code: c.as_dict() for c in criteria}, at=now
            )
            notify(
                user=shop.owner,
                kind="badge.earned" if earned else "badge.lost",
                params={"badge": badges.LABELS[badge]},
                url="/console/",
                subject=f"shop:{shop.pk}",
            )
    set_trust(
        shop_id=shop.pk,
        trust_score=figures.score_x100,
        trust_reviews=figures.reviews,
        is_gold=evaluation.is_gold,
        shows_certified=evaluation.shows_certified,
        at=now,
    )
    return evaluation


def due_shops(now: datetime, limit: int) -> list[int]:
    """Shops with figures of today not evaluated in ``REFRESH``, and any not evaluated in a day."""
    active = MetricDay.objects.filter(day=day_of(now), product_id=0).values("shop_id")
    qs = Shop.objects.filter(
        Q(trust_updated_at__isnull=True)
        | Q(trust_updated_at__lt=now - DAILY)
        | Q(pk__in=active, trust_updated_at__lt=now - REFRESH)
    )
    return list(qs.order_by("trust_updated_at", "pk").values_list("pk", flat=True)[:limit])


def evaluate_due(now: datetime, *, limit: int = 500) -> int:
    """The periodic job: each due shop in its own transaction; one failing shop is logged and
    retried on the next run."""
    done = 0
    for shop_id in due_shops(now, limit):
        try:
            evaluate_shop(shop_id=shop_id, now=now)
            done += 1
        except Exception:
            log.exception("trust evaluation failed for shop %s", shop_id)
    return done
