"""Shop-figures benchmark (rule 10.4): the cost of one counter update at 10,000 and 1,000,000
orders, and the shop page with its trust card at 1,000,000 orders, on PostgreSQL.

    python bench/metrics.py [--sizes 10000,1000000] [--events 2000] [--requests 200] [--pg postgres://…]
    python bench/metrics.py --small          # --sizes 10000,100000 --events 1000 (a quick check)

For the smallest size it (re)creates ``kameng_metricsbench_<size>``, migrates it (throw-away
``KAMENG_DATA_DIR``) and seeds ONE real order and case through the services (``bench/sweep.py``'s
template: merchant, shop, card-key product, funded buyer, paid order, revealed key, ``open_case``)
plus one review; every other size's database is a copy of that one (``CREATE DATABASE … TEMPLATE``).
Each database is then loaded by SQL (``INSERT … SELECT`` from the template rows): 200 shops (one
merchant each; shop sizes ∝ 1/rank^0.8, so the biggest shop, the template's, has ~10 % of the
orders) of 20 products each (a shop's sales skewed towards its first products), one buyer per 50
orders, ``size`` paid card-key orders spread uniformly over 120 days, each with its delivered
batch; 3 % of them with a closed after-sales case whose merchant answered (``response_s`` set,
median ~2.5 h), 30 % with a review; then the ``MetricDay`` rows the records imply (one per shop,
product and day with activity, plus the shop totals under product 0), computed in SQL by the rules
of ``metrics.recompute``. Every table is written in time order (paid, opened, posted, day), as the
platform would have written it, so a shop's rows are spread over the heap as in production.

Aim 1: the rounds alternate between the databases (so machine load falls on both alike); in each
round the first ``--warmup`` events are not timed. An event is one real order (paid now, loaded
with the rest but not yet counted) told to ``metrics.on_orders_recorded`` as one PAID fact, in
autocommit: one ``INSERT … ON CONFLICT DO UPDATE``, its own transaction, as after a checkout's
commit. Printed: mean, p50, p95 µs per event at each size, the statements of one event
(``CaptureQueriesContext``), and the ratios largest/smallest. Aim: mean ratio ≤ 1.5.

Aim 2: ``GET /shops/<slug>/`` of the biggest shop through ``django.test.Client`` (whole Django
stack, no HTTP server), ``--requests`` times after 20 warm-up requests, at every size; the
aim is p95 < 50 ms at the largest size. If the page does not read the figures yet (no statement
on ``reputation_metricday``), the bench times page + ``shop_figures`` + ``reviews_of_shop`` as one
request and applies the aim to that. It also times the reviews fragment (``/shops/<slug>/reviews/``,
htmx) and ``shop_figures`` alone, and prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the page's slowest
statements at the largest size.

Last, ``metrics.check()`` on each database: the counters (loaded + every event added) must equal
what the records say. Exit status 1 if an aim or a check fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

DB_PREFIX = "kameng_metricsbench"
SHOPS = 200
PRODUCTS = 20  # per shop
HISTORY_DAYS = 120  # the window is 90
ORDERS_PER_BUYER = 50
CASE_PERMILLE = 30  # 3 % of orders
REVIEW_PERMILLE = 300  # 30 %
SHOP_SKEW = 0.8
PAGE_AIM_MS = 50.0
RATIO_AIM = 1.5
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from checkout import kameng_bin, run_kameng  # noqa: E402  (same set-up helpers as the other benches)

OPEN_STATES_SQL = (
    "('merchant', 'buyer_info', 'offer', 'no_agreement', 'evidence', 'review', 'ruled', 'appeal', 'fast_refunded')"
)


def db_name(size: int) -> str:
    return f"{DB_PREFIX}_{size}"


def admin(pg: str, *statements: str) -> None:
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        for s in statements:
            conn.execute(s)


def use(name: str) -> None:
    """Point Django's default connection at another of the bench's databases."""
    from django.db import connections

    conn = connections["default"]
    conn.close()
    conn.settings_dict["NAME"] = name


def pct(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


# --- seeding ---------------------------------------------------------------------------------------


def seed_template() -> dict:
    """One real order and case through the services (sweep's template), and one review."""
    from sweep import seed_template as sweep_template

    from kameng.reputation.models import Review
    from kameng.rulebook import selectors as rulebook

    case = sweep_template()
    order = case.order
    review = Review.objects.create(
        order=order,
        shop_id=order.shop_id,
        product_id=order.product_id,
        buyer_id=order.buyer_id,
        stars_described=5,
        stars_delivery=5,
        stars_service=5,
        text="秒到，卡密可用",
        rulebook_id=rulebook.in_force().id,
        counted=True,
    )
    return {
        "order": order.pk,
        "case": case.pk,
        "review": review.pk,
        "shop": order.shop_id,
        "product": order.product_id,
        "buyer": order.buyer_id,
        "merchant": order.shop.owner_id,
    }


def clone_sql(
    model, source: str, where: str, overrides: dict[str, str], returning: str = "", order_by: str = ""
) -> str:
    """INSERT INTO model's table every column copied from the template row ``tpl``, except
    ``overrides`` (column -> SQL expression), for each row of ``source``, in ``order_by`` order
    (rows land in the heap, and get their ids, in the order the platform would have written them)."""
    cols = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    unknown = set(overrides) - set(cols)
    assert not unknown, f"{model.__name__} has no column {unknown}"
    exprs = [overrides.get(c, f'tpl."{c}"') for c in cols]
    table = model._meta.db_table
    sql = (
        f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in cols)}) '
        f'SELECT {", ".join(exprs)} FROM "{table}" tpl, {source} WHERE {where}'
    )
    return sql + (f" ORDER BY {order_by}" if order_by else "") + (f" RETURNING {returning}" if returning else "")


def clone_into(
    cur, model, source: str, where: str, overrides: dict, *, returning: str, then: str, params, order_by: str = ""
) -> None:
    """``clone_sql`` … RETURNING ``returning``, fed to ``then`` (a statement reading ``ins``)."""
    cur.execute(f"WITH ins AS ({clone_sql(model, source, where, overrides, returning, order_by)}) {then}", params)


def shop_sizes(total: int) -> list[int]:
    weights = [1 / (rank**SHOP_SKEW) for rank in range(1, SHOPS + 1)]
    scale = total / sum(weights)
    sizes = [int(w * scale) for w in weights]
    sizes[0] += total - sum(sizes)
    return sizes


def load(tpl: dict, *, size: int, events: int, now: datetime) -> dict:
    """Everything but the template by SQL. Returns the biggest shop's slug and the event orders."""
    from django.conf import settings
    from django.db import connection, transaction

    from kameng.accounts.models import User
    from kameng.aftersales.models import Case
    from kameng.catalog.models import Product
    from kameng.orders.models import DeliveryBatch, Order
    from kameng.reputation.models import MetricDay, Review
    from kameng.shops.models import Shop

    sizes = shop_sizes(size - 1)  # the template order is the first
    buyers = max(100, size // ORDERS_PER_BUYER)
    tz = settings.TIME_ZONE
    p = {"now": now, "tz": tz, "days": HISTORY_DAYS}
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SELECT setseed(0.42)")
        # People: 199 more merchants with a shop each, and the buyers.
        cur.execute("CREATE TEMP TABLE mb_merchant (idx int, user_id bigint)")
        cur.execute("INSERT INTO mb_merchant VALUES (1, %s)", [tpl["merchant"]])
        clone_into(
            cur,
            User,
            "generate_series(2, %(n)s) g",
            "tpl.id = %(tpl)s",
            {"username": "'mb-merchant-' || g", "email": "''"},
            returning="id, username",
            then="INSERT INTO mb_merchant SELECT substr(username, 13)::int, id FROM ins",
            params={"n": SHOPS, "tpl": tpl["merchant"]},
        )
        cur.execute("CREATE TEMP TABLE mb_buyer (idx int, user_id bigint)")
        cur.execute("INSERT INTO mb_buyer VALUES (1, %s)", [tpl["buyer"]])
        clone_into(
            cur,
            User,
            "generate_series(2, %(n)s) g",
            "tpl.id = %(tpl)s",
            {"username": "'mb-buyer-' || g", "email": "''"},
            returning="id, username",
            then="INSERT INTO mb_buyer SELECT substr(username, 10)::int, id FROM ins",
            params={"n": buyers, "tpl": tpl["buyer"]},
        )
        cur.execute("UPDATE shops_shop SET created_at = %s WHERE id = %s", [now - timedelta(days=400), tpl["shop"]])
        cur.execute("CREATE TEMP TABLE mb_shop (idx int, shop_id bigint, n int, first_g bigint)")
        cur.execute("INSERT INTO mb_shop VALUES (1, %s, 0, 0)", [tpl["shop"]])
        clone_into(
            cur,
            Shop,
            "mb_merchant m",
            "tpl.id = %(tpl)s AND m.idx > 1",
            {"owner_id": "m.user_id", "name": "'压测店 ' || m.idx", "slug": "'mb-shop-' || m.idx"},
            returning="id, slug",
            then="INSERT INTO mb_shop SELECT substr(slug, 9)::int, id, 0, 0 FROM ins",
            params={"tpl": tpl["shop"]},
        )
        first = 2  # g of each shop's first order (the template order is g = 1)
        counts = []
        for idx, n in enumerate(sizes, start=1):
            counts.append((idx, n, first))
            first += n
        cur.executemany("UPDATE mb_shop SET n = %s, first_g = %s WHERE idx = %s", [(n, f, i) for i, n, f in counts])
        cur.execute("CREATE TEMP TABLE mb_product (shop_id bigint, idx int, product_id bigint)")
        cur.execute("INSERT INTO mb_product VALUES (%s, 0, %s)", [tpl["shop"], tpl["product"]])
        clone_into(
            cur,
            Product,
            "mb_shop s, generate_series(0, %(last)s) i",
            "tpl.id = %(tpl)s AND (s.idx > 1 OR i > 0)",
            {"shop_id": "s.shop_id", "title_zh": "'压测点卡 #' || i", "title_en": "'Bench card #' || i"},
            returning="id, shop_id, title_en",
            then="INSERT INTO mb_product SELECT shop_id, substr(title_en, 13)::int, id FROM ins",
            params={"last": PRODUCTS - 1, "tpl": tpl["product"]},
        )
        cur.execute("UPDATE catalog_product SET stock_available = 1000 WHERE shop_id IN (SELECT shop_id FROM mb_shop)")
        # The orders: per shop, skewed towards its first products; paid uniformly over the history.
        cur.execute(
            "CREATE TEMP TABLE mb_plan AS SELECT x.g, x.shop_id, pr.product_id, b.user_id AS buyer_id, x.paid_at "
            "FROM (SELECT s.first_g + i AS g, s.shop_id, floor(%(products)s * power(random(), 2))::int AS pidx, "
            "      1 + floor(random() * %(buyers)s)::int AS bidx, "
            "      %(now)s - make_interval(secs => random() * %(days)s * 86400) AS paid_at "
            "      FROM mb_shop s, generate_series(0, s.n - 1) i) x "
            "JOIN mb_product pr ON pr.shop_id = x.shop_id AND pr.idx = x.pidx JOIN mb_buyer b ON b.idx = x.bidx",
            {**p, "products": PRODUCTS, "buyers": buyers},
        )
        # The event orders: paid now, not counted yet (no delivered batch, so no keys either).
        cur.execute(
            "INSERT INTO mb_plan SELECT %(first)s + e.i, pr.shop_id, pr.product_id, b.user_id, %(now)s "
            "FROM (SELECT i, 2 + floor(random() * %(hist)s)::bigint AS pick FROM generate_series(0, %(k)s - 1) i) e "
            "JOIN mb_plan pr ON pr.g = e.pick JOIN mb_buyer b ON b.idx = 1 + mod(e.i, %(buyers)s)",
            {"first": first, "k": events, "buyers": buyers, "now": now, "hist": size - 1},
        )
        order_cols = {
            "idempotency_key": "'mb-' || x.g",
            "shop_id": "x.shop_id",
            "product_id": "x.product_id",
            "buyer_id": "x.buyer_id",
            "created_at": "x.paid_at - interval '5 seconds'",
            "payment_due_at": "x.paid_at + interval '10 minutes'",
            "paid_at": "x.paid_at",
            "delivered_at": "x.paid_at",
            "completed_at": "least(x.paid_at + interval '1 day', %(now)s)",
        }
        cur.execute(
            "CREATE TEMP TABLE mb_g (g bigint, order_id bigint, shop_id bigint, paid_at timestamptz, event boolean)"
        )
        clone_into(
            cur,
            Order,
            "mb_plan x",
            "tpl.id = %(tpl)s",
            order_cols,
            returning="id, idempotency_key, shop_id, paid_at",
            then="INSERT INTO mb_g SELECT substr(idempotency_key, 4)::bigint, id, shop_id, paid_at, "
            "substr(idempotency_key, 4)::bigint >= %(first)s FROM ins",
            params={"tpl": tpl["order"], "now": now, "first": first},
            order_by="x.paid_at, x.g",  # in the order they were paid
        )
        batch_tpl = DeliveryBatch.objects.filter(order_id=tpl["order"]).values_list("pk", flat=True).get()
        cur.execute(
            clone_sql(
                DeliveryBatch,
                "mb_g b",
                "tpl.id = %(tpl)s AND NOT b.event",
                {
                    "order_id": "b.order_id",
                    "held_by": "''",
                    "delivered_at": "b.paid_at",
                    "confirm_due_at": "b.paid_at + interval '3 days'",
                },
                order_by="b.paid_at, b.g",
            ),
            {"tpl": batch_tpl},
        )
        response = "60 + floor(36000 * power(random(), 2))::int"  # median ~2.5 h
        cur.execute(
            "CREATE TEMP TABLE mb_case AS SELECT b.g, b.order_id, b.shop_id, "
            "b.paid_at + least(interval '2 hours', (%(now)s - b.paid_at) / 2) AS opened_at, "
            f"{response} AS response_s, "
            "CASE WHEN mod(b.g * 7, 10) < 7 THEN 'full_refund' ELSE 'reject' END AS outcome "
            "FROM mb_g b WHERE NOT b.event AND mod(b.g * 7919, 1000) < %(permille)s AND b.g > 1",
            {"permille": CASE_PERMILLE, "now": now},
        )
        cur.execute(
            clone_sql(
                Case,
                "mb_case c JOIN orders_order o ON o.id = c.order_id",
                "tpl.id = %(tpl)s",
                {
                    "order_id": "c.order_id",
                    "shop_id": "c.shop_id",
                    "buyer_id": "o.buyer_id",
                    "order_key_ids": "'[]'::jsonb",
                    "state": "'resolved'",
                    "outcome": "c.outcome",
                    "due_at": "NULL",
                    "remind_at": "NULL",
                    "merchant_clock_left_s": "NULL",
                    "opened_at": "c.opened_at",
                    "first_response_at": "least(c.opened_at + make_interval(secs => c.response_s), %(now)s)",
                    "response_s": "c.response_s",
                    "closed_at": "least(c.opened_at + interval '1 day', %(now)s)",
                    "updated_at": "least(c.opened_at + interval '1 day', %(now)s)",
                    "sla_breached": "false",
                    "responsible": "''",
                    # what the case adds (aftersales.figures.FIELDS): cases, invalid keys, …, unfounded
                    "counted": "CASE WHEN c.outcome = 'reject' THEN '1,0,0,0,0,1' ELSE '1,1,0,0,0,0' END",
                },
                order_by="c.opened_at, c.g",
            ),
            {"tpl": tpl["case"], "now": now},
        )
        stars = (
            "CASE WHEN {r} < 0.80 THEN 5 WHEN {r} < 0.95 THEN 4 WHEN {r} < 0.98 THEN 3 "
            "WHEN {r} < 0.99 THEN 2 ELSE 1 END"
        )
        cur.execute(
            clone_sql(
                Review,
                "(SELECT b.*, o.product_id, o.buyer_id, random() AS r1, random() AS r2, random() AS r3 "
                " FROM mb_g b JOIN orders_order o ON o.id = b.order_id"
                " WHERE NOT b.event AND b.g > 1 AND mod(b.g * 7, 1000) < %(permille)s) x",
                "tpl.id = %(tpl)s",
                {
                    "order_id": "x.order_id",
                    "shop_id": "x.shop_id",
                    "product_id": "x.product_id",
                    "buyer_id": "x.buyer_id",
                    "stars_described": stars.format(r="x.r1"),
                    "stars_delivery": stars.format(r="x.r2"),
                    "stars_service": stars.format(r="x.r3"),
                    "text": "(ARRAY['秒到，卡密可用', '充值成功，下次还来', '客服回复很快', '一张卡密无效，已补发'])"
                    "[1 + mod(x.g, 4)::int]",
                    "created_at": "x.paid_at + least(interval '1 day', (%(now)s - x.paid_at) / 2)",
                },
                order_by="x.paid_at, x.g",
            ),
            {"tpl": tpl["review"], "permille": REVIEW_PERMILLE, "now": now},
        )
        # The counters the records imply, by the rules of metrics.recompute (days in settings.TIME_ZONE).
        cur.execute("DELETE FROM reputation_metricday")
        counters = MetricDay.COUNTERS
        zeros = dict.fromkeys(counters, "0")

        def part(source: str, **values: str) -> str:
            cols = ", ".join(f"{values.get(c, zeros[c])} AS {c}" for c in counters)
            return f"SELECT shop_id, product_id, day, {cols} FROM ({source}) s"

        parts = [
            part(
                "SELECT o.shop_id, o.product_id, (o.paid_at AT TIME ZONE %(tz)s)::date AS day, o.total_fen "
                "FROM orders_order o WHERE o.paid_at IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM mb_g e WHERE e.order_id = o.id AND e.event)",
                orders="1",
                sales_fen="total_fen",
            ),
            part(
                "SELECT o.shop_id, o.product_id, (b.delivered_at AT TIME ZONE %(tz)s)::date AS day, b.quantity "
                "FROM orders_deliverybatch b JOIN orders_order o ON o.id = b.order_id "
                "WHERE b.delivered_at IS NOT NULL AND o.delivery_kind = 'card_key'",
                keys_sold="quantity",
            ),
            part(
                "SELECT c.shop_id, o.product_id, (c.opened_at AT TIME ZONE %(tz)s)::date AS day, c.subtype, c.state, "
                "c.outcome, c.sla_breached, c.order_key_ids, coalesce((SELECT r.responsible FROM aftersales_ruling r "
                "WHERE r.case_id = c.id ORDER BY r.created_at DESC, r.id DESC LIMIT 1), '') AS responsible "
                "FROM aftersales_case c JOIN orders_order o ON o.id = c.order_id",
                cases="1",
                invalid_keys=(
                    "CASE WHEN subtype IN ('invalid_key', 'key_already_used') AND state NOT IN "
                    f"{OPEN_STATES_SQL} AND outcome NOT IN ('', 'reject') "
                    "THEN greatest(jsonb_array_length(order_key_ids), 1) ELSE 0 END"
                ),
                dispute_losses="CASE WHEN responsible = 'merchant' THEN 1 ELSE 0 END",
                sla_breaches="CASE WHEN sla_breached THEN 1 ELSE 0 END",
            ),
            part(
                "SELECT shop_id, product_id, (created_at AT TIME ZONE %(tz)s)::date AS day, stars_described AS d, "
                "stars_delivery AS v, stars_service AS e FROM reputation_review "
                "WHERE hidden_clause = '' AND excluded = ''",
                reviews="1",
                stars_described="d",
                stars_delivery="v",
                stars_service="e",
            ),
        ]
        sums = ", ".join(f"sum({c}) AS {c}" for c in counters)
        cur.execute(
            f"CREATE TEMP TABLE mb_rows AS SELECT shop_id, product_id, day, {sums} "
            f"FROM ({' UNION ALL '.join(parts)}) u GROUP BY shop_id, product_id, day",
            {"tz": tz},
        )
        cols = ", ".join(counters)
        cur.execute(
            f"INSERT INTO reputation_metricday (shop_id, product_id, day, {cols}) "
            f"SELECT * FROM (SELECT shop_id, product_id, day, {cols} FROM mb_rows "
            f"UNION ALL SELECT shop_id, 0, day, {sums} FROM mb_rows GROUP BY shop_id, day) t "
            "ORDER BY day, shop_id, product_id"  # as written day after day
        )
        cur.execute(
            "SELECT g.order_id, g.shop_id, o.product_id, g.paid_at, o.quantity, o.total_fen FROM mb_g g "
            "JOIN orders_order o ON o.id = g.order_id WHERE g.event ORDER BY g.g"
        )
        event_orders = cur.fetchall()
        cur.execute("SELECT slug FROM shops_shop WHERE id = %s", [tpl["shop"]])
        slug = cur.fetchone()[0]
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
        # Write the load's dirty pages out now, not while the events' commits wait on the WAL.
        cur.execute("CHECKPOINT")
    return {"slug": slug, "events": event_orders, "biggest_orders": sizes[0] + 1}


def table_counts() -> dict[str, int]:
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for table in (
            "orders_order",
            "orders_deliverybatch",
            "aftersales_case",
            "reputation_review",
            "reputation_metricday",
            "shops_shop",
            "catalog_product",
            "accounts_user",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")
            out[table] = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        out["size"] = cur.fetchone()[0]
    return out


# --- aim 1: one counter update per event -----------------------------------------------------------


def fact_of(row):
    from kameng.orders.signals import PAID, OrderFact

    order_id, shop_id, product_id, paid_at, quantity, total_fen = row
    return OrderFact(PAID, order_id, shop_id, product_id, paid_at, quantity, total_fen)


def time_events(rows) -> list[float]:
    """Each row one PAID fact through the receiver, in autocommit; seconds per event."""
    from kameng.reputation import metrics

    out = []
    for row in rows:
        fact = fact_of(row)
        t0 = time.perf_counter()
        metrics.on_orders_recorded(sender=None, facts=[fact])
        out.append(time.perf_counter() - t0)
    return out


def statements_of_one_event(row) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kameng.reputation import metrics

    with CaptureQueriesContext(connection) as ctx:
        metrics.on_orders_recorded(sender=None, facts=[fact_of(row)])
    return [q["sql"] for q in ctx.captured_queries]


def explain_add(row) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of one event's statement, as Django sent it (rolled back)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from kameng.reputation import metrics

    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            metrics.on_orders_recorded(sender=None, facts=[fact_of(row)])
        transaction.set_rollback(True)
    with transaction.atomic():
        lines = explain(ctx.captured_queries[0]["sql"])
        transaction.set_rollback(True)
    return lines


# --- aim 2: the shop page --------------------------------------------------------------------------


def time_requests(fn, n: int, warmup: int = 20) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def page_statements(client, url: str, **headers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    return response, ctx.captured_queries


def explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [r[0] for r in cur.fetchall()]


def measure_page(slug: str, requests: int, *, explain_slowest: int) -> dict:
    from django.test import Client

    from kameng.reputation.selectors import reviews_of_shop, shop_figures
    from kameng.shops.models import Shop

    client = Client(raise_request_exception=False)
    url, reviews_url = f"/shops/{slug}/", f"/shops/{slug}/reviews/"
    response, statements = page_statements(client, url)
    if response.status_code != 200:
        return {"error": f"GET {url} answered {response.status_code}"}
    reviews_response, reviews_statements = page_statements(client, reviews_url, **{"HX-Request": "true"})
    body = response.content.decode()
    has_card = any("reputation_metricday" in q["sql"] for q in statements)
    shop = Shop.objects.get(slug=slug)

    def page():
        r = client.get(url)
        assert r.status_code == 200, r.status_code

    def fragment():
        r = client.get(reviews_url, headers={"HX-Request": "true"})
        assert r.status_code == 200, r.status_code

    def card():
        shop_figures(shop=shop)
        list(reviews_of_shop(shop=shop, limit=5))

    def page_and_card():
        page()
        card()

    out = {
        "has_card": has_card,
        "statements": len(statements),
        "bytes": len(body),
        "reviews_statements": len(reviews_statements),
        "reviews_status": reviews_response.status_code,
        "page": time_requests(page, requests),
        "fragment": time_requests(fragment, requests),
        "figures": time_requests(lambda: shop_figures(shop=shop), requests),
    }
    if not has_card:
        out["page+card"] = time_requests(page_and_card, requests)
    out["explains"] = []
    if explain_slowest:
        # The page's statements again, timed one by one: the slowest few, explained.
        selects = [q for q in statements + reviews_statements if q["sql"].lstrip().upper().startswith("SELECT")]
        for q in sorted(selects, key=lambda q: -float(q["time"]))[:explain_slowest]:
            out["explains"].append((q["time"], q["sql"], explain(q["sql"])))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            shop_figures(shop=shop)
        with_figures = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
        out["figure_explains"] = [(sql, explain(sql)) for sql in with_figures if "rulebook" not in sql]
    return out


def ms(values: list[float], p: int | None = None) -> float:
    return 1000 * (statistics.fmean(values) if p is None else pct(values, p))


# --- main ------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,1000000", help="comma-separated order counts, smallest first")
    parser.add_argument("--events", type=int, default=2000, help="timed events per size")
    parser.add_argument("--rounds", type=int, default=4, help="alternations between the databases")
    parser.add_argument("--warmup", type=int, default=50, help="untimed events at the start of each round")
    parser.add_argument("--requests", type=int, default=200, help="timed page requests")
    parser.add_argument("--small", action="store_true", help="quick check: --sizes 10000,100000 --events 1000")
    parser.add_argument("--no-check", action="store_true", help="skip metrics.check() at the end")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    args = parser.parse_args()
    if args.small:
        args.sizes, args.events = "10000,100000", min(args.events, 1000)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    per_round = -(-args.events // args.rounds)
    needed = args.rounds * (args.warmup + per_round) + 2  # + the counted statement and the EXPLAIN'd one
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()}; kameng: {kameng_bin()}")
    data_dir = tempfile.mkdtemp(prefix="kameng-metricsbench-")
    try:
        return run(args, sizes, per_round, needed, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(args, sizes: list[int], per_round: int, needed: int, data_dir: str) -> int:
    base = db_name(sizes[0])
    for size in sizes:
        admin(args.pg, f"DROP DATABASE IF EXISTS {db_name(size)} WITH (FORCE)")
    admin(args.pg, f"CREATE DATABASE {base}")
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.pg}/{base}",
        "KAMENG_DATA_DIR": data_dir,
        "DJANGO_SETTINGS_MODULE": "kameng.settings",
        "KAMENG_TASK_BACKEND": "immediate",
        "KAMENG_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    }
    t0 = time.perf_counter()
    migrated = run_kameng(env, "migrate", "--no-input")
    if migrated.returncode:
        raise SystemExit(f"migrate failed:\n{migrated.stdout}\n{migrated.stderr}")
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connections

    tpl = seed_template()
    connections.close_all()
    for size in sizes[1:]:
        admin(args.pg, f"CREATE DATABASE {db_name(size)} TEMPLATE {base}")
    print(f"migrated and seeded the template in {time.perf_counter() - t0:.1f} s")

    now = datetime.now(UTC).replace(microsecond=0)
    loaded: dict[int, dict] = {}
    for size in sizes:
        use(db_name(size))
        t0 = time.perf_counter()
        loaded[size] = load(tpl, size=size, events=needed, now=now)
        counts = table_counts()
        print(
            f"\n=== {size:,} orders: loaded in {time.perf_counter() - t0:.1f} s ({counts['size']}) ===\n"
            f"  {counts['orders_order']:,} orders ({needed:,} of them the bench's events, paid now, not yet counted), "
            f"{counts['orders_deliverybatch']:,} batches, {counts['aftersales_case']:,} cases, "
            f"{counts['reputation_review']:,} reviews, {counts['reputation_metricday']:,} MetricDay rows; "
            f"{counts['shops_shop']} shops, {counts['catalog_product']:,} products, {counts['accounts_user']:,} users; "
            f"biggest shop {loaded[size]['slug']}: {loaded[size]['biggest_orders']:,} orders",
            flush=True,
        )

    # Aim 1: rounds alternate between the databases.
    failures: list[str] = []
    times: dict[int, list[float]] = {s: [] for s in sizes}
    statements: dict[int, list[str]] = {}
    cursor_of = dict.fromkeys(sizes, 0)
    load_at_start = os.getloadavg()[0]
    for _round in range(args.rounds):
        for size in sizes:
            use(db_name(size))
            rows = loaded[size]["events"]
            i = cursor_of[size]
            time_events(rows[i : i + args.warmup])
            times[size] += time_events(rows[i + args.warmup : i + args.warmup + per_round])
            cursor_of[size] = i + args.warmup + per_round
    print(f"\n=== aim 1: one counter update per event (load average {load_at_start:.2f} at start) ===")
    for size in sizes:
        use(db_name(size))
        rows = loaded[size]["events"]
        statements[size] = statements_of_one_event(rows[cursor_of[size]])
        cursor_of[size] += 1
        t = times[size]
        print(
            f"  {size:>9,} orders: mean {1e6 * statistics.fmean(t):7.0f} µs   p50 {1e6 * pct(t, 50):7.0f} µs   "
            f"p95 {1e6 * pct(t, 95):7.0f} µs   ({len(t)} events)   statements per event: {len(statements[size])}"
        )
        if len(statements[size]) != 1:
            failures.append(f"{size:,} orders: one event costs {len(statements[size])} statements, expected 1")
    small, large = times[sizes[0]], times[sizes[-1]]
    ratio = statistics.fmean(large) / statistics.fmean(small)
    ratio95 = pct(large, 95) / pct(small, 95)
    ratio50 = pct(large, 50) / pct(small, 50)
    ok = ratio <= RATIO_AIM
    print(
        f"  ratio {sizes[-1]:,}/{sizes[0]:,}: mean {ratio:.2f}   p50 {ratio50:.2f}   p95 {ratio95:.2f}   "
        f"aim mean ≤ {RATIO_AIM}: {'met' if ok else 'MISSED'}"
    )
    if not ok:
        failures.append(f"event cost ratio {ratio:.2f} > {RATIO_AIM}")
    print(f"  the statement: {statements[sizes[-1]][0][:160]}…")
    use(db_name(sizes[-1]))
    rows = loaded[sizes[-1]]["events"]
    print(f"  EXPLAIN (ANALYZE, BUFFERS) of one event at {sizes[-1]:,} (rolled back):")
    for line in explain_add(rows[cursor_of[sizes[-1]]]):
        print(f"    {line}")

    # Aim 2: the shop page, at every size; the aim at the largest.
    print(f"\n=== aim 2: GET /shops/<slug>/ of the biggest shop, {args.requests} requests after 20 warm-up ===")
    page_of: dict[int, dict] = {}
    for size in sizes:
        use(db_name(size))
        res = measure_page(loaded[size]["slug"], args.requests, explain_slowest=3 if size == sizes[-1] else 0)
        page_of[size] = res
        if "error" in res:
            print(f"  {size:>9,} orders: {res['error']}: not timed")
            failures.append(f"{size:,} orders: {res['error']}")
            continue
        card = "the page reads the figures" if res["has_card"] else "no trust card on the page yet"
        print(
            f"  {size:>9,} orders: page p50 {ms(res['page'], 50):6.1f} ms  p95 {ms(res['page'], 95):6.1f} ms  "
            f"mean {ms(res['page']):6.1f} ms   ({res['statements']} statements, {res['bytes']:,} bytes; {card})"
        )
        if "page+card" in res:
            print(
                f"  {'':>9}         page + shop_figures + 5 review rows: p50 {ms(res['page+card'], 50):6.1f} ms  "
                f"p95 {ms(res['page+card'], 95):6.1f} ms"
            )
        print(
            f"  {'':>9}         reviews fragment (htmx): p50 {ms(res['fragment'], 50):6.1f} ms  "
            f"p95 {ms(res['fragment'], 95):6.1f} ms ({res['reviews_statements']} statements);   "
            f"shop_figures alone: p50 {ms(res['figures'], 50):6.2f} ms  p95 {ms(res['figures'], 95):6.2f} ms"
        )
    res = page_of[sizes[-1]]
    if "error" not in res:
        key = "page" if res["has_card"] else "page+card"
        p95 = ms(res[key], 95)
        ok = p95 < PAGE_AIM_MS
        what = "the page" if res["has_card"] else "page + shop_figures + review rows (the card is not on the page yet)"
        print(
            f"  aim at {sizes[-1]:,} orders: p95 of {what} < {PAGE_AIM_MS:.0f} ms: "
            f"{'met' if ok else 'MISSED'} ({p95:.1f} ms)"
        )
        if sizes[-1] < 1_000_000:
            print("  (the aim is stated for 1,000,000 orders; this run's largest size is smaller)")
        if not ok:
            failures.append(f"shop page p95 {p95:.1f} ms ≥ {PAGE_AIM_MS:.0f} ms at {sizes[-1]:,} orders")
        for t, sql, lines in res["explains"]:
            print(f"  slowest page statement ({float(t) * 1000:.1f} ms when captured): {sql[:200]}")
            for line in lines:
                print(f"    {line}")
        for sql, lines in res.get("figure_explains", []):
            print(f"  shop_figures statement: {sql[:200]}")
            for line in lines:
                print(f"    {line}")

    # Counters against the records.
    if not args.no_check:
        from kameng.reputation import metrics

        print()
        for size in sizes:
            use(db_name(size))
            # The events not yet told (the remaining rows) are told now, so every order is counted.
            rows = loaded[size]["events"]
            for row in rows[cursor_of[size] :]:
                metrics.on_orders_recorded(sender=None, facts=[fact_of(row)])
            t0 = time.perf_counter()
            differences = metrics.check()
            print(
                f"metrics.check() at {size:,} orders: {len(differences)} differences "
                f"({time.perf_counter() - t0:.1f} s)" + (f", e.g. {differences[:3]}" if differences else "")
            )
            if differences:
                failures.append(f"{size:,} orders: {len(differences)} counters differ from the records")
    connections.close_all()
    print("\nCHECKS:", "all passed" if not failures else "FAILED")
    for failure in failures:
        print("  -", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
