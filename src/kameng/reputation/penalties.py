"""Automatic penalties (rules 4.5 and 10.6): the rules as data, and every write to a penalty.

``RULES`` lists each rule: what it reads, its thresholds (rulebook parameters), the penalty it
imposes and the clause it cites. ``evaluate`` reads a shop's figures against every rule: a rule
that breaches opens a penalty (one open penalty per rule and target) with the figures that
triggered it; an open penalty whose figures recovered is lifted, with the figures at that moment.
What the open penalties mean for the shop is then derived in one place (``_apply_effects``):
its status (warned / frozen, through ``shops.services.set_status_by_rule``), demotion in search,
frozen payouts, delisted products. An operator may overturn an appealed penalty; the same rule
then leaves that target alone for the window.

Lock order: the shop row → penalty rows of the shop (``select_for_update``) → product rows
(delisting). Rule 4.5 runs inside the sweep's case transaction, after the case locks (where the
shop row was always taken for its warning).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.aftersales.models import SlaBreach
from kameng.core.errors import DomainError
from kameng.core.text import check_text
from kameng.notifications.services import notify
from kameng.reputation.models import OPEN_PENALTY_STATES, Penalty, PenaltyKind, PenaltyState
from kameng.reputation.selectors import Figures
from kameng.reputation.transitions import SYSTEM, next_penalty_state
from kameng.rulebook import selectors as rulebook
from kameng.shops.models import Shop, ShopStatus
from kameng.timeline.services import NewEvent, append_events

SLA_DAYS = 30  # rule 4.5 counts missed deadlines over 30 days


@dataclass(frozen=True)
class Reading:
    """What a rule read: its figure, the threshold, the counts behind them, and the verdict."""

    value: int  # basis points for a rate, a count otherwise
    threshold: int
    unit: str  # "bps" or "count"
    counts: dict[str, int]
    breached: bool

    def as_figures(self) -> dict:
        return {"value": self.value, "threshold": self.threshold, "unit": self.unit, **self.counts}


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str
    clause: str
    scope: str  # "shop" or "product"
    label: object
    read: Callable[[Figures, dict, int], Reading]


def _rate(num: str, den: str, minimum: str, threshold: str) -> Callable[[Figures, dict, int], Reading]:
    def read(figures: Figures, params: dict, sla_30d: int) -> Reading:
        n, d = getattr(figures, num), getattr(figures, den)
        enough = d >= params[minimum]
        breached = enough and n * 10_000 >= params[threshold] * d
        return Reading(
            Figures.bps(Figures.rate(n, d)) or 0,
            params[threshold],
            "bps",
            {num: n, den: d, "minimum": params[minimum]},
            bool(breached),
        )

    return read


def _sla(figures: Figures, params: dict, sla_30d: int) -> Reading:
    limit = params["sla_breaches_to_warn_shop"]
    return Reading(sla_30d, limit, "count", {"days": SLA_DAYS}, sla_30d >= limit)


RULES: tuple[Rule, ...] = (
    Rule("sla_breaches", PenaltyKind.WARNING, "4.5", "shop", _("Missed deadlines in 30 days"), _sla),
    Rule(
        "invalid_keys_warning",
        PenaltyKind.WARNING,
        "10.6",
        "shop",
        _("Invalid-key rate"),
        _rate("invalid_keys", "keys_sold", "penalty_min_keys", "warn_invalid_key_bps"),
    ),
    Rule(
        "disputes_demotion",
        PenaltyKind.DEMOTION,
        "10.6",
        "shop",
        _("Disputes lost"),
        _rate("dispute_losses", "orders", "penalty_min_orders", "demote_dispute_bps"),
    ),
    Rule(
        "product_invalid_keys",
        PenaltyKind.DELISTING,
        "10.6",
        "product",
        _("The product's invalid-key rate"),
        _rate("invalid_keys", "keys_sold", "penalty_min_keys", "delist_invalid_key_bps"),
    ),
    Rule(
        "disputes_payout_freeze",
        PenaltyKind.PAYOUT_FREEZE,
        "10.6",
        "shop",
        _("Disputes lost"),
        _rate("dispute_losses", "orders", "penalty_min_orders", "freeze_payouts_dispute_bps"),
    ),
    Rule(
        "invalid_keys_shop_freeze",
        PenaltyKind.SHOP_FREEZE,
        "10.6",
        "shop",
        _("Invalid-key rate"),
        _rate("invalid_keys", "keys_sold", "penalty_min_keys", "freeze_shop_invalid_key_bps"),
    ),
)
RULE_BY_CODE = {r.code: r for r in RULES}


def sla_breaches_30d(shop_ids, *, now: datetime) -> dict[int, int]:
    from django.db.models import Count

    rows = (
        SlaBreach.objects.filter(shop_id__in=list(shop_ids), created_at__gt=now - timedelta(days=SLA_DAYS))
        .values("shop_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("shop_id", "n")
    )
    return dict(rows)


# --- the one place a penalty moves ---------------------------------------------------------------


def move(penalty: Penalty, action: str, *, role: str, actor: User | None, now: datetime, payload: dict) -> None:
    """Apply the transition table to the locked penalty and record it on its timeline."""
    before = penalty.state
    penalty.state = next_penalty_state(before, action, role)
    if penalty.state not in OPEN_PENALTY_STATES:
        penalty.ended_at = now
    penalty.save()
    append_events(
        stream=penalty.stream,
        events=[
            NewEvent(
                f"penalty.{action}",
                {"from": str(before), "to": str(penalty.state), "clause": penalty.clause, **payload},
                actor,
                None if actor else SYSTEM,
            )
        ],
    )


def _notify_merchant(penalty: Penalty, kind: str) -> None:
    notify(
        user=penalty.shop.owner,
        kind=kind,
        params={"kind": PenaltyKind(penalty.kind).label, "clause": penalty.clause},
        url="/console/",
        subject=penalty.stream,
    )


def _open(shop: Shop, rule: Rule, product_id: int | None, reading: Reading, *, book, now: datetime) -> Penalty | None:
    try:
        with transaction.atomic():
            penalty = Penalty.objects.create(
                shop=shop,
                product_id=product_id,
                rule=rule.code,
                kind=rule.kind,
                clause=rule.clause,
                figures=reading.as_figures(),
                rulebook_id=book.id,
                started_at=now,
            )
    except IntegrityError:  # another evaluation opened it at the same moment
        return None
    append_events(
        stream=penalty.stream,
        events=[
            NewEvent("penalty.applied", {"rule": rule.code, "clause": rule.clause, **penalty.figures}, None, SYSTEM)
        ],
        new_stream=True,
    )
    _notify_merchant(penalty, "penalty.applied")
    return penalty


def evaluate(
    *,
    shop: Shop,
    figures: Figures,
    products: dict[int, Figures],
    sla_30d: int,
    now: datetime | None = None,
    only: tuple[str, ...] | None = None,
) -> list[Penalty]:
    """Open what breaches, lift what recovered, then apply what the open penalties mean. Returns
    the shop's open penalties. ``only``: the codes of the rules to read (rule 4.5 alone, from the
    sweep); the others are left as they are."""
    now = now or timezone.now()
    book = rulebook.in_force()
    params = book.params
    rules = [r for r in RULES if only is None or r.code in only]
    with transaction.atomic():
        Shop.objects.select_for_update().filter(pk=shop.pk).first()  # the first lock (see above)
        current = {
            (p.rule, p.product_id): p
            for p in Penalty.objects.select_for_update().filter(shop=shop, state__in=OPEN_PENALTY_STATES)
        }
        since = now - timedelta(days=params["metrics_window_days"])
        immune = set(
            Penalty.objects.filter(shop=shop, state=PenaltyState.OVERTURNED, decided_at__gte=since).values_list(
                "rule", "product_id"
            )
        )
        empty = Figures(since=figures.since, until=figures.until, window_days=figures.window_days)
        for rule in rules:
            if rule.scope == "shop":
                targets = {None: figures}
            else:
                targets = dict(products)
                for code, product_id in current:
                    if code == rule.code:
                        targets.setdefault(product_id, empty)  # nothing sold lately: it recovered
            for product_id, target in sorted(targets.items(), key=lambda t: t[0] or 0):
                reading = rule.read(target, params, sla_30d)
                penalty = current.get((rule.code, product_id))
                if reading.breached and penalty is None and (rule.code, product_id) not in immune:
                    opened = _open(shop, rule, product_id, reading, book=book, now=now)
                    if opened is not None:
                        current[(rule.code, product_id)] = opened
                elif not reading.breached and penalty is not None:
                    penalty.end_figures = reading.as_figures()
                    move(penalty, "lift", role=SYSTEM, actor=None, now=now, payload=penalty.end_figures)
                    _notify_merchant(penalty, "penalty.lifted")
                    del current[(rule.code, product_id)]
        _apply_effects(shop, list(current.values()))
    return list(current.values())


def _reason(penalties: list[Penalty], kind: str) -> str:
    parts = []
    for p in penalties:
        if p.kind == kind:
            f = p.figures
            value = f"{f['value'] / 100:g}%" if f.get("unit") == "bps" else str(f.get("value"))
            parts.append(f"rule {p.clause}: {RULE_BY_CODE[p.rule].label} {value} (threshold {f.get('threshold')})")
    return "; ".join(parts)[:500]


def _apply_effects(shop: Shop, open_penalties: list[Penalty]) -> None:
    """What the open penalties mean, derived from them alone: the status a rule wants for the shop,
    search demotion and frozen payouts, and which products are off sale."""
    from kameng.catalog.services import delist_by_rule
    from kameng.shops.services import set_penalty_flags, set_status_by_rule

    kinds = {p.kind for p in open_penalties}
    if PenaltyKind.SHOP_FREEZE in kinds:
        set_status_by_rule(
            shop_id=shop.pk, to_status=ShopStatus.FROZEN, reason=_reason(open_penalties, PenaltyKind.SHOP_FREEZE)
        )
    elif PenaltyKind.WARNING in kinds:
        set_status_by_rule(
            shop_id=shop.pk, to_status=ShopStatus.WARNED, reason=_reason(open_penalties, PenaltyKind.WARNING)
        )
    else:
        set_status_by_rule(shop_id=shop.pk, to_status=ShopStatus.ACTIVE, reason="penalties lifted: figures recovered")
    set_penalty_flags(
        shop_id=shop.pk,
        demoted=PenaltyKind.DEMOTION in kinds,
        payouts_frozen=PenaltyKind.PAYOUT_FREEZE in kinds,
    )
    delisted = {p.product_id: p.clause for p in open_penalties if p.kind == PenaltyKind.DELISTING}
    from kameng.catalog.models import Product

    on_rule = Product.objects.filter(shop_id=shop.pk).filter(Q(pk__in=list(delisted)) | ~Q(delisted_clause=""))
    for product_id in sorted(on_rule.values_list("pk", flat=True)):
        delist_by_rule(product_id=product_id, clause=delisted.get(product_id, ""), listed=product_id not in delisted)


def apply_sla_rule(*, shop_ids, now: datetime) -> None:
    """Rule 4.5, as the sweep records missed deadlines (inside its transaction): the other
    figures are read by the periodic evaluation."""
    from kameng.reputation.selectors import shop_figures

    counts = sla_breaches_30d(shop_ids, now=now)
    for shop in Shop.objects.filter(pk__in=sorted(shop_ids)).order_by("pk"):
        evaluate(
            shop=shop,
            figures=shop_figures(shop=shop, now=now),
            products={},
            sla_30d=counts.get(shop.pk, 0),
            now=now,
            only=("sla_breaches",),
        )


# --- appeals -------------------------------------------------------------------------------------


def _text(value: object, name: str, *, limit: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > limit:
        raise DomainError("invalid_input", fields={name: f"text of 1 to {limit} characters"})
    return check_text(text, name)


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 2**53


def appeal_penalty(*, merchant: User, penalty_id: int, text: object, now: datetime | None = None) -> Penalty:
    """The merchant appeals a penalty of their own shop, once; it stays in force until decided."""
    require_role(merchant, Role.MERCHANT)
    now = now or timezone.now()
    text = _text(text, "text", limit=2000)
    if not _is_id(penalty_id):
        raise DomainError("not_found")
    with transaction.atomic():
        penalty = Penalty.objects.select_for_update().filter(pk=penalty_id, shop__owner=merchant).first()
        if penalty is None:
            raise DomainError("not_found")
        if penalty.appealed_at is not None:
            raise DomainError("penalties.already_appealed")
        penalty.appeal_text, penalty.appealed_at = text, now
        move(penalty, "appeal", role=Role.MERCHANT, actor=merchant, now=now, payload={"text": text})
    return penalty


def decide_appeal(
    *, operator: User, penalty_id: int, uphold: object, note: object, now: datetime | None = None
) -> Penalty:
    """An operator upholds the appealed penalty or overturns it (its effects end at once)."""
    require_role(operator, Role.OPERATOR)
    now = now or timezone.now()
    if not isinstance(uphold, bool):
        raise DomainError("invalid_input", fields={"uphold": "true or false"})
    note = _text(note, "note", limit=500)
    if not _is_id(penalty_id):
        raise DomainError("not_found")
    with transaction.atomic():
        penalty = Penalty.objects.select_for_update().filter(pk=penalty_id).select_related("shop").first()
        if penalty is None:
            raise DomainError("not_found")
        penalty.decided_by, penalty.decision_note, penalty.decided_at = operator, note, now
        move(
            penalty,
            "uphold" if uphold else "overturn",
            role=Role.OPERATOR,
            actor=operator,
            now=now,
            payload={"note": note},
        )
        _notify_merchant(penalty, "penalty.decided")
        _apply_effects(penalty.shop, list(Penalty.objects.filter(shop=penalty.shop, state__in=OPEN_PENALTY_STATES)))
    return penalty
