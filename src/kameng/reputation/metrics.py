"""A shop's public figures (rule 10.4): counted as events happen, summed over the window, and
recomputed from the records by ``kameng metrics rebuild``.

Every figure is a counter on ``MetricDay`` (one row per shop, product and day; product 0 is the
whole shop). Three sources add to them, each once per business act and after its commit:

- orders (``orders.signals.orders_recorded``): an order paid (orders, sales), card keys handed
  over (keys sold);
- cases (``aftersales.signals.cases_changed``): the difference a step made to what the case adds
  (``aftersales.figures``: cases, invalid keys, disputes lost, SLA breaches);
- reviews (this app): a review counted or no longer counted (stars).

``add`` writes all of one act's rows in one ``INSERT … ON CONFLICT DO UPDATE`` that adds to what
is there, rows in key order, outside any other lock: concurrent acts never wait for each other's
transactions, and the cost of an event does not depend on how many orders exist.

``rebuild`` derives the same rows from the orders, batches, cases, rulings and reviews themselves;
``check`` compares them. The two must agree exactly (a Hypothesis test drives random histories
through both). A process that dies between an order's commit and its counter update leaves the
counter short: ``kameng metrics rebuild`` repairs it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate

from kameng.reputation.models import MetricDay

Key = tuple[int, int, date]  # shop, product, day
Rows = dict[Key, dict[str, int]]
COUNTERS = MetricDay.COUNTERS
SHOP = 0  # the product id of a shop's totals


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_of(at: datetime) -> date:
    """The platform's calendar day of an aware time."""
    return at.astimezone(zone()).date()


@dataclass
class Tally:
    """Counter differences being gathered for one ``add``."""

    rows: Rows = field(default_factory=lambda: defaultdict(lambda: dict.fromkeys(COUNTERS, 0)))

    def count(self, *, shop_id: int, product_id: int, at: datetime, **counters: int) -> None:
        row = self.rows[(shop_id, product_id, day_of(at))]
        for name, value in counters.items():
            row[name] += value


def with_shop_totals(rows: Rows) -> Rows:
    """Each product row again under product 0 (the whole shop)."""
    out: Rows = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for (shop, product, day), counters in rows.items():
        for key in {(shop, product, day), (shop, SHOP, day)}:
            for name, value in counters.items():
                out[key][name] += value
    return out


def add(rows: Rows) -> None:
    """Add the differences to the day rows, the shop totals too, in one statement."""
    rows = {k: v for k, v in with_shop_totals(rows).items() if any(v.values())}
    if not rows:
        return
    table = connection.ops.quote_name(MetricDay._meta.db_table)
    q = connection.ops.quote_name
    columns = ["shop_id", "product_id", "day", *COUNTERS]
    values, params = [], []
    for (shop, product, day), counters in sorted(rows.items()):
        values.append("(" + ", ".join(["%s"] * len(columns)) + ")")
        params += [shop, product, connection.ops.adapt_datefield_value(day), *(counters[c] for c in COUNTERS)]
    sets = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in COUNTERS)
    # Names are the model's own, quoted; every value is a parameter.
    sql = f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) VALUES {', '.join(values)} "  # noqa: S608
    sql += f"ON CONFLICT ({q('shop_id')}, {q('product_id')}, {q('day')}) DO UPDATE SET {sets}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def add_on_commit(tally: Tally) -> None:
    if tally.rows:
        rows = dict(tally.rows)
        transaction.on_commit(lambda: add(rows), robust=True)


# --- the three sources ---------------------------------------------------------------------------


def on_orders_recorded(sender, facts, **kwargs) -> None:
    """After an order's commit: paid orders and handed-over keys."""
    from kameng.orders.signals import KEYS_RELEASED, PAID

    tally = Tally()
    for fact in facts:
        if fact.kind == PAID:
            tally.count(
                shop_id=fact.shop_id, product_id=fact.product_id, at=fact.at, orders=1, sales_fen=fact.amount_fen
            )
        elif fact.kind == KEYS_RELEASED:
            tally.count(shop_id=fact.shop_id, product_id=fact.product_id, at=fact.at, keys_sold=fact.quantity)
    add(tally.rows)


CASE_COUNTERS = ("cases", "invalid_keys", "dispute_losses", "sla_breaches")


def count_cases(reports) -> None:
    """Inside a case step's transaction: the case figures it changed, added after the commit."""
    changed = [r for r in reports if any(r.delta.get(c) for c in CASE_COUNTERS)]
    if not changed:
        return
    from kameng.orders.selectors import products_of_orders

    products = products_of_orders({r.order_id for r in changed})
    tally = Tally()
    for r in changed:
        tally.count(
            shop_id=r.shop_id,
            product_id=products[r.order_id],
            at=r.opened_at,
            **{c: r.delta[c] for c in CASE_COUNTERS if c in r.delta},
        )
    add_on_commit(tally)


def review_counters(review, sign: int) -> dict[str, int]:
    return {
        "reviews": sign,
        "stars_described": sign * review.stars_described,
        "stars_delivery": sign * review.stars_delivery,
        "stars_service": sign * review.stars_service,
    }


def count_reviews(changes: Iterable[tuple[object, int]]) -> None:
    """Reviews that started (+1) or stopped (-1) counting, added after the commit."""
    tally = Tally()
    for review, sign in changes:
        tally.count(
            shop_id=review.shop_id, product_id=review.product_id, at=review.created_at, **review_counters(review, sign)
        )
    add_on_commit(tally)


# --- recomputing from the records ----------------------------------------------------------------


def recompute() -> Rows:
    """Every product row, from the records alone (not from ``Case.counted`` nor ``Review.counted``)."""
    from kameng.aftersales.figures import FIELDS, contribution
    from kameng.aftersales.models import Case, Ruling
    from kameng.catalog.models import DeliveryKind
    from kameng.orders.models import DeliveryBatch, Order
    from kameng.reputation.models import Review

    tz = zone()
    rows: Rows = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    paid = (
        Order.objects.filter(paid_at__isnull=False)
        .annotate(day=TruncDate("paid_at", tzinfo=tz))
        .values("shop_id", "product_id", "day")
        .annotate(n=Count("pk"), fen=Sum("total_fen"))
        .order_by()
    )
    for r in paid:
        row = rows[(r["shop_id"], r["product_id"], r["day"])]
        row["orders"] += r["n"]
        row["sales_fen"] += r["fen"]
    keys = (
        DeliveryBatch.objects.filter(delivered_at__isnull=False, order__delivery_kind=DeliveryKind.CARD_KEY)
        .annotate(
            day=TruncDate("delivered_at", tzinfo=tz), shop_id=F("order__shop_id"), product_id=F("order__product_id")
        )
        .values("shop_id", "product_id", "day")
        .annotate(n=Sum("quantity"))
        .order_by()
    )
    for r in keys:
        rows[(r["shop_id"], r["product_id"], r["day"])]["keys_sold"] += r["n"]
    latest: dict[int, str] = {}
    for case_id, responsible in Ruling.objects.order_by("case_id", "created_at", "pk").values_list(
        "case_id", "responsible"
    ):
        latest[case_id] = responsible
    cases = Case.objects.values_list(
        "pk",
        "shop_id",
        "order__product_id",
        "opened_at",
        "subtype",
        "state",
        "outcome",
        "sla_breached",
        "order_key_ids",
    )
    for pk, shop_id, product_id, opened_at, subtype, state, outcome, breached, key_ids in cases.iterator(2000):
        vector = dict(
            zip(
                FIELDS,
                contribution(
                    subtype=subtype,
                    state=state,
                    outcome=outcome,
                    responsible=latest.get(pk, ""),
                    sla_breached=breached,
                    keys=len(key_ids or ()),
                ),
                strict=True,
            )
        )
        row = rows[(shop_id, product_id, opened_at.astimezone(tz).date())]
        for name in CASE_COUNTERS:
            row[name] += vector[name]
    for review in Review.objects.filter(hidden_clause="", excluded="").only(
        "shop_id", "product_id", "created_at", "stars_described", "stars_delivery", "stars_service"
    ):
        row = rows[(review.shop_id, review.product_id, review.created_at.astimezone(tz).date())]
        for name, value in review_counters(review, 1).items():
            row[name] += value
    return rows


def stored() -> Rows:
    return {
        (r["shop_id"], r["product_id"], r["day"]): {c: r[c] for c in COUNTERS}
        for r in MetricDay.objects.values("shop_id", "product_id", "day", *COUNTERS)
    }


@dataclass(frozen=True)
class Difference:
    key: Key
    counter: str
    stored: int
    recomputed: int


def check() -> list[Difference]:
    """Where the counters disagree with the records (empty: they agree exactly)."""
    want = {k: v for k, v in with_shop_totals(recompute()).items() if any(v.values())}
    have = stored()
    out = []
    for key in sorted(set(want) | set(have)):
        w = want.get(key, dict.fromkeys(COUNTERS, 0))
        h = have.get(key, dict.fromkeys(COUNTERS, 0))
        out += [Difference(key, c, h[c], w[c]) for c in COUNTERS if h[c] != w[c]]
    return out


def rebuild() -> int:
    """Replace every counter row by what the records say, and bring each case's and review's
    record of what it last counted into line (so later steps add the right differences).
    Returns how many counters were wrong. Run while the platform is quiet: events that commit
    during a rebuild may be counted twice or not at all (run it again)."""
    from kameng.aftersales.figures import of_case
    from kameng.aftersales.models import Case, Ruling
    from kameng.reputation.models import Review

    wrong = len(check())
    want = {k: v for k, v in with_shop_totals(recompute()).items() if any(v.values())}
    with transaction.atomic():
        latest: dict[int, str] = {}
        for case_id, responsible in Ruling.objects.order_by("case_id", "created_at", "pk").values_list(
            "case_id", "responsible"
        ):
            latest[case_id] = responsible
        for case in Case.objects.only(
            "pk", "subtype", "state", "outcome", "responsible", "sla_breached", "order_key_ids", "counted"
        ).iterator(2000):
            case.responsible = latest.get(case.pk, "")
            counted = ",".join(map(str, of_case(case)))
            if counted != case.counted:
                Case.objects.filter(pk=case.pk).update(counted=counted, responsible=case.responsible)
        Review.objects.filter(hidden_clause="", excluded="").exclude(counted=True).update(counted=True)
        Review.objects.exclude(hidden_clause="", excluded="").exclude(counted=False).update(counted=False)
        MetricDay.objects.all().delete()
        MetricDay.objects.bulk_create(
            [MetricDay(shop_id=s, product_id=p, day=d, **counters) for (s, p, d), counters in sorted(want.items())],
            batch_size=2000,
        )
    return wrong
