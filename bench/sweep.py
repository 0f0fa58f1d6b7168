"""After-sales sweep benchmark: 1,000,000 cases of which 10,000 are due, on PostgreSQL.

    python bench/sweep.py [--totals 1000000,100000] [--due 10000] [--sweepers 1] [--pg postgres://…]

For each total: (re)creates the database ``kameng_sweepbench``, migrates it with a throw-away
``KAMENG_DATA_DIR``, opens ONE real case through the services (merchant, shop, card-key product,
a funded buyer, a paid order, a revealed key, ``open_case``), then clones that order, its delivery
batch and its case with ``INSERT … SELECT … generate_series`` until there are ``total`` cases, one
open case per order. ``due`` of them have a passed ``due_at`` in a mix of expiring states
(merchant 50 %, offer 20 %, evidence 15 %, ruled 15 %) with what the real code reads: the escrow
hold on their batch, their system tags, and a timeline head with one hash-chained event on the case
stream and on the order stream. The others are open merchant-stage cases due later, with a future
reminder. Then ``aftersales.services.sweep`` runs once (``--sweepers`` threads at once, each its
own connection) and the bench prints the seeding time, the sweep time, due/s, the claim query's
EXPLAIN ANALYZE and the case table's scan counters, and checks: exactly ``due`` cases moved, each
with exactly one expire event on its case stream and one on its order stream, one SLA breach per
silent merchant, and the chains of a sample of streams verify. Exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

DB_NAME = "kameng_sweepbench"
CHUNK = 500  # aftersales.services.sweep's default chunk
PROFILE: str | None = None  # --cprofile FILE: the first sweeper's calls, written with pstats
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from checkout import kameng_bin, run_kameng  # noqa: E402  (same set-up helpers as the checkout bench)

# Due cases, by mod(g, 20): which expiring state they sit in.
DUE_STATES_SQL = (
    "CASE WHEN mod(g, 20) < 10 THEN 'merchant' WHEN mod(g, 20) < 14 THEN 'offer' "
    "WHEN mod(g, 20) < 17 THEN 'evidence' ELSE 'ruled' END"
)
TAGS = {
    "merchant": ("after_sales", "awaiting_merchant"),
    "offer": ("after_sales", "awaiting_buyer"),
    "evidence": ("after_sales", "platform"),
    "ruled": ("after_sales", "platform"),
}


def recreate_database(pg: str) -> str:
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    return f"{pg}/{DB_NAME}"


# --- seeding ---------------------------------------------------------------------------------------


def seed_template():
    """One real case through the services: the row every clone copies."""
    from kameng.accounts.models import Role
    from kameng.accounts.services import create_user
    from kameng.aftersales.services import open_case
    from kameng.catalog.services import create_product, publish_product
    from kameng.inventory.services import import_card_keys
    from kameng.ledger.models import AccountKind
    from kameng.ledger.services import get_or_create_account, transfer
    from kameng.orders.models import OrderKey
    from kameng.orders.services import place_order, reveal_key
    from kameng.shops.services import create_shop

    # No email addresses: the bench measures the sweep, not the mail queue behind notify().
    merchant = create_user(username="sweep-merchant", password="bench-Pass-9x!", role=Role.MERCHANT)
    create_shop(merchant=merchant, name="售后压测店")
    product = create_product(
        merchant=merchant,
        title_zh="压测点卡 10 元",
        category="game_card",
        delivery_kind="card_key",
        face_value_fen=1000,
        price_fen=1000,
        max_per_order=10,
    )
    publish_product(merchant=merchant, product_id=product.pk)
    import_card_keys(user=merchant, product_id=product.pk, text="SWEEP-0001,PW1")
    buyer = create_user(username="sweep-buyer", password="bench-Pass-9x!", role=Role.BUYER)
    transfer(
        source="sweepbench-topup",
        from_account=get_or_create_account(kind=AccountKind.GATEWAY_CLEARING),
        to_account=get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk),
        amount_fen=1000,
    )
    order = place_order(buyer=buyer, product_id=product.pk, quantity=1, buyer_fields=None, idempotency_key="tpl")
    assert order.paid
    okey = OrderKey.objects.get(batch__order=order.order)
    reveal_key(buyer=buyer, order_id=order.order.pk, order_key_id=okey.pk, ip="127.0.0.1", user_agent="bench")
    case = open_case(buyer=buyer, order_id=order.order.pk, subtype="invalid_key", demand="replace", description="压测")
    return case


def _clone_sql(model, source: str, where: str, overrides: dict[str, str]) -> str:
    """INSERT INTO model's table every column copied from the template row ``tpl``, except
    ``overrides`` (column -> SQL expression), for each row of ``source``."""
    cols = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    exprs = [overrides.get(c, f'tpl."{c}"') for c in cols]
    table = model._meta.db_table
    return (
        f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in cols)}) '
        f'SELECT {", ".join(exprs)} FROM "{table}" tpl, {source} WHERE {where}'
    )


def seed_clones(case, *, total: int, due: int, now: datetime) -> None:
    """``total - 1`` more open cases on as many orders, by SQL; ``due`` of them past their clock."""
    from django.db import connection

    from kameng.aftersales.models import Case, OrderTag
    from kameng.orders.models import DeliveryBatch, Order

    n = total - 1  # the template is the first case
    order = case.order
    batch = DeliveryBatch.objects.get(order=order)
    with connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute(
            _clone_sql(
                Order,
                "generate_series(1, %s) g",
                "tpl.id = %s",
                {"idempotency_key": "'sweepbench-' || g"},
            ),
            [n, order.pk],
        )
        # g back from the key, once, for the batch and case clones.
        cur.execute(
            "CREATE TEMP TABLE bench_g AS SELECT id AS order_id, substr(idempotency_key, 12)::int AS g "
            "FROM orders_order WHERE idempotency_key LIKE 'sweepbench-%%'"
        )
        cur.execute(
            _clone_sql(
                DeliveryBatch,
                "bench_g b",
                "tpl.id = %s",
                {"order_id": "b.order_id", "held_by": "''"},
            ),
            [batch.pk],
        )
        due_at = (
            f"CASE WHEN g <= {due} THEN %(now)s - make_interval(secs => 1 + mod(g, 3600)) "
            "ELSE %(now)s + make_interval(secs => 3600 + mod(g, 86400)) END"
        )
        cur.execute(
            _clone_sql(
                Case,
                "bench_g b",
                "tpl.id = %(tpl)s",
                {
                    "order_id": "b.order_id",
                    "order_key_ids": "'[]'::jsonb",
                    "state": f"CASE WHEN g <= {due} THEN {DUE_STATES_SQL} ELSE 'merchant' END",
                    "due_at": due_at,
                    # Reminders: none due (the due cases are past theirs, the others an hour away).
                    "remind_at": f"CASE WHEN g <= {due} THEN NULL ELSE {due_at} - interval '1 hour' END",
                },
            ),
            {"now": now, "tpl": case.pk},
        )
        cur.execute(
            "CREATE TEMP TABLE bench_due AS SELECT c.id, c.order_id, c.state FROM aftersales_case c "
            "WHERE c.id <> %s AND c.due_at <= %s",
            [case.pk, now],
        )
        # The escrow hold a freezing case keeps on its batch (ruled cases have released theirs).
        cur.execute(
            "UPDATE orders_deliverybatch b SET held_by = 'case:' || d.id FROM bench_due d "
            "WHERE b.order_id = d.order_id AND d.state <> 'ruled'"
        )
        for state, names in TAGS.items():
            for name in names:
                cur.execute(
                    f'INSERT INTO "{OrderTag._meta.db_table}" (order_id, name, kind, owner, created_at) '
                    "SELECT order_id, %s, 'system', '', %s FROM bench_due WHERE state = %s",
                    [name, now, state],
                )
        cur.execute("SELECT id, order_id, state FROM bench_due ORDER BY id")
        due_rows = cur.fetchall()
    seed_timeline(due_rows, at=now - timedelta(days=1))


def seed_timeline(due_rows, *, at: datetime) -> None:
    """One genuine hash-chained event on each due case's case stream and order stream, and their
    heads, so the sweep appends to existing chains."""
    from kameng.core.db import insert_rows
    from kameng.timeline.canonical import ZERO_HASH, event_hash, field_digests
    from kameng.timeline.models import Event, StreamHead

    for start in range(0, len(due_rows), 2000):
        events, heads = [], []
        for case_id, order_id, state in due_rows[start : start + 2000]:
            for stream, kind, payload in (
                (f"case:{case_id}", "case.opened", {"bench": True, "state": state}),
                (f"order:{order_id}", "case.step", {"case": case_id, "action": "open", "to": "merchant"}),
            ):
                fields = {
                    "stream": stream,
                    "seq": 1,
                    "kind": kind,
                    "actor_id": None,
                    "actor_role": "system",
                    "payload": payload,
                    "created_at": at,
                    "prev_hash": ZERO_HASH,
                }
                event = Event(**fields, hash=event_hash(**fields), digests=field_digests(**fields))
                events.append(event)
                heads.append(StreamHead(stream=stream, seq=1, head_hash=event.hash, updated_at=at))
        insert_rows(events)
        insert_rows(heads)


# --- measuring -------------------------------------------------------------------------------------


def case_table_counters(cur) -> tuple[int, int, int]:
    """(seq scans, rows read by seq scans, rows fetched through indexes) of the case table."""
    try:
        cur.execute("SELECT pg_stat_force_next_flush()")  # PostgreSQL ≥ 15: this backend's counts now
    except Exception:
        time.sleep(1.5)
    cur.execute("SELECT pg_stat_clear_snapshot()")
    cur.execute(
        "SELECT seq_scan, seq_tup_read, coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables "
        "WHERE relname = 'aftersales_case'"
    )
    return cur.fetchone()


def explain_claim(now: datetime, limit: int) -> list[str]:
    """EXPLAIN ANALYZE of the sweep's claim query as Django writes it (rolled back: it locks)."""
    from django.db import connection, transaction

    from kameng.aftersales.services.sweeper import due_cases

    with transaction.atomic():
        qs = due_cases(now).select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)
        sql, params = qs[:limit].query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            lines = [row[0] for row in cur.fetchall()]
        transaction.set_rollback(True)
    return lines


def run_sweepers(now: datetime, sweepers: int, limit: int):
    from django.db import connection

    from kameng.aftersales.services import SweepReport, sweep

    reports: list[SweepReport] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            global PROFILE
            if PROFILE:
                import cProfile

                path, PROFILE = PROFILE, None  # the first sweep only
                profiler = cProfile.Profile()
                report = profiler.runcall(sweep, now=now, limit=limit)
                profiler.dump_stats(path)
            else:
                report = sweep(now=now, limit=limit)
            with lock:
                reports.append(report)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(sweepers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, reports, errors


def check(template_id: int, due: int, now: datetime, sample: int) -> list[str]:
    from django.db import connection

    from kameng.aftersales.models import SlaBreach
    from kameng.timeline.selectors import verify_stream

    failures = []
    with connection.cursor() as cur:
        cur.execute("SELECT id, order_id, state FROM bench_due_after ORDER BY id")
        rows = cur.fetchall()
        cur.execute(
            "SELECT count(*) FROM aftersales_case WHERE id <> %s AND updated_at = %s",
            [template_id, now],
        )
        moved = cur.fetchone()[0]
        cur.execute(
            "SELECT stream, count(*) FROM timeline_event WHERE kind = 'case.expire' GROUP BY stream "
            "HAVING count(*) <> 1"
        )
        twice = cur.fetchall()
        cur.execute("SELECT count(DISTINCT stream) FROM timeline_event WHERE kind = 'case.expire'")
        expired_streams = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM timeline_event WHERE kind = 'case.step' AND payload->>'action' = 'expire'")
        order_steps = cur.fetchone()[0]
        cur.execute(
            "SELECT state, count(*) FROM aftersales_case WHERE id = ANY(%s) GROUP BY state", [[r[0] for r in rows]]
        )
        states = dict(cur.fetchall())
    merchant_due = sum(1 for r in rows if r[2] == "merchant")
    breaches = SlaBreach.objects.count()
    print(f"  after: states of the due cases {states}")
    print(f"  after: moved {moved}, expire events on {expired_streams} case streams, {order_steps} on order streams")
    print(f"  after: {breaches} SLA breaches (silent merchants: {merchant_due})")
    if moved != due:
        failures.append(f"{moved} cases moved, expected {due}")
    if twice:
        failures.append(f"{len(twice)} case streams without exactly one expire event, e.g. {twice[:3]}")
    if expired_streams != due or order_steps != due:
        failures.append(f"expire events: {expired_streams} case streams, {order_steps} order steps, expected {due}")
    if breaches != merchant_due:
        failures.append(f"{breaches} SLA breaches, expected {merchant_due}")
    picked = random.Random(7).sample(rows, min(sample, len(rows)))
    broken = [s for _id, order_id, _ in picked for s in (f"case:{_id}", f"order:{order_id}") if verify_stream(s)]
    print(f"  after: {2 * len(picked)} sampled chains verified, {len(broken)} broken")
    if broken:
        failures.append(f"broken chains: {broken[:5]}")
    return failures


def one_run(pg: str, data_dir: str, *, total: int, due: int, sweepers: int, sample: int) -> list[str]:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()  # the database is about to be dropped
    dsn = recreate_database(pg)
    env = {**os.environ, "DATABASE_URL": dsn, "KAMENG_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "kameng.settings"}
    migrated = run_kameng(env, "migrate", "--no-input")
    if migrated.returncode:
        raise SystemExit(f"migrate failed:\n{migrated.stdout}\n{migrated.stderr}")
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection, transaction

    print(f"\n=== {total:,} cases, {due:,} due, {sweepers} sweeper(s) ===")
    t0 = time.perf_counter()
    template = seed_template()
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    with transaction.atomic():
        seed_clones(template, total=total, due=due, now=now)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE aftersales_case")
        cur.execute("ANALYZE")
        cur.execute(
            "CREATE TABLE bench_due_after AS SELECT id, order_id, state FROM aftersales_case WHERE due_at <= %s", [now]
        )
        cur.execute("SELECT count(*) FROM aftersales_case")
        cases = cur.fetchone()[0]
    seeded = time.perf_counter() - t0
    print(f"  seeded {cases:,} cases on as many orders in {seeded:.1f} s")

    for limit, what in ((CHUNK, "one chunk, as the sweep claims it"), (2 * due, "every due case at once")):
        print(f"  claim query, {what} (LIMIT {limit}), EXPLAIN (ANALYZE, BUFFERS):")
        for line in explain_claim(now, limit=limit):
            print(f"    {line}")
    with connection.cursor() as cur:
        before = case_table_counters(cur)
    connection.close()
    load = os.getloadavg()[0]
    elapsed, reports, errors = run_sweepers(now, sweepers, limit=2 * due)
    with connection.cursor() as cur:
        after = case_table_counters(cur)
    expired = sum(r.expired for r in reports)
    examined = sum(r.examined for r in reports)
    print(
        f"  SWEEP: {expired:,} expired ({sum(r.escalated for r in reports):,} escalated) in {elapsed:.2f} s "
        f"= {expired / elapsed:,.0f} due/s   (examined {examined:,}; load average {load:.2f} at start)"
    )
    print(
        f"  case table during the sweep: {after[0] - before[0]} seq scans ({after[1] - before[1]:,} rows), "
        f"{after[2] - before[2]:,} rows fetched by index"
    )
    failures = [f"sweeper raised {e!r}" for e in errors]
    again = run_sweepers(now, 1, limit=2 * due)[1]
    if again and again[0].expired:
        failures.append(f"a second sweep expired {again[0].expired} more")
    failures += check(template.pk, due, now, sample)
    connection.close()
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--totals", default="1000000,100000", help="comma-separated total case counts")
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--sweepers", type=int, default=1, help="concurrent sweep() calls")
    parser.add_argument("--sample", type=int, default=200, help="due cases whose two chains are verified")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--cprofile", metavar="FILE", help="profile the first sweep (pstats file; inflates its time)")
    args = parser.parse_args()
    global PROFILE
    PROFILE = args.cprofile
    print(f"kameng: {kameng_bin()}; load average {os.getloadavg()}")
    failures = []
    data_dir = tempfile.mkdtemp(prefix="kameng-sweepbench-")  # settings read it once per process
    for total in [int(t) for t in args.totals.split(",")]:
        failures += one_run(args.pg, data_dir, total=total, due=args.due, sweepers=args.sweepers, sample=args.sample)
    print("\nCHECKS:", "all passed" if not failures else "FAILED")
    for failure in failures:
        print("  -", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
