"""Flash-sale benchmark: Kameng's checkout over HTTP against the floor (the minimal SQL), on PostgreSQL.

    python bench/checkout.py [--clients 4,32] [--seconds 10] [--keys 20000] [--workers 5] [--threads 4]

One run: (re)creates the database ``kameng_bench``, migrates it, seeds one card-key product with
``--keys`` keys and one funded buyer (wallet top-up through the payment service) with an API token
per client, starts ``kameng serve`` on a free port, and for each client count runs that many
concurrent HTTP clients, each ``POST /api/v1/orders`` (quantity 1, a fresh Idempotency-Key) for
``--seconds``. Then the same workload as the FLOOR: the minimal transaction any correct
implementation needs, in psycopg against a scratch schema of the same database, one connection
per client thread. Prints orders/s, p50, p99 and the ratios; then checks that no key was sold
twice and that `kameng ledger check` passes, and stops the server.

Environment: PGHOST/PGPORT/PGUSER/PGPASSWORD-style settings through ``--pg`` (default
``postgres://postgres@127.0.0.1:5432``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

DB_NAME = "kameng_bench"
PRICE_FEN = 100
ROOT = Path(__file__).resolve().parent.parent


# --- set-up --------------------------------------------------------------------------------------


def recreate_database(pg: str) -> str:
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    return f"{pg}/{DB_NAME}"


def kameng_bin() -> str:
    candidate = Path(sys.executable).parent / "kameng"
    return str(candidate) if candidate.exists() else (shutil.which("kameng") or "kameng")


def run_kameng(env: dict, *args: str, quiet: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [kameng_bin(), *args], env=env, check=False, text=True, capture_output=quiet, cwd=env["KAMENG_DATA_DIR"]
    )


def seed(env: dict, *, keys: int, buyers: int) -> tuple[int, list[str]]:
    """Through the services, as a merchant and buyers would: shop, product, keys, top-ups, tokens."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kameng.settings")
    import django

    django.setup()
    from django.db import connection

    from kameng.accounts.models import Role
    from kameng.accounts.services import create_user, issue_api_token
    from kameng.catalog.services import create_product, publish_product
    from kameng.inventory.services import import_card_keys
    from kameng.payments.gateways.sandbox import sign
    from kameng.payments.services import handle_notification, start_topup
    from kameng.shops.services import create_shop

    merchant = create_user(username="bench-merchant", password="bench-Pass-9x!", role=Role.MERCHANT)
    create_shop(merchant=merchant, name="秒杀测试店")
    product = create_product(
        merchant=merchant,
        title_zh="秒杀点卡 1 元",
        category="game_card",
        delivery_kind="card_key",
        face_value_fen=PRICE_FEN,
        price_fen=PRICE_FEN,
        max_per_order=10,
    )
    publish_product(merchant=merchant, product_id=product.pk)
    run = secrets.token_hex(4)
    for start in range(0, keys, 5000):
        text = "\n".join(f"BENCH-{run}-{n:08d},PW{n}" for n in range(start, min(start + 5000, keys)))
        import_card_keys(user=merchant, product_id=product.pk, text=text)

    tokens = []
    per_buyer = PRICE_FEN * keys  # each buyer could buy the whole stock: the wallet never runs dry
    for n in range(buyers):
        buyer = create_user(username=f"bench-buyer-{n}", password="bench-Pass-9x!", role=Role.BUYER)
        payment = start_topup(buyer=buyer, amount_fen=min(per_buyer, 5_000_000), gateway="sandbox")
        params = {
            "event_id": f"BENCH-{payment.pk}:SUCCESS",
            "out_trade_no": payment.out_trade_no,
            "trade_no": f"BENCH-{payment.pk}",
            "amount_fen": str(payment.amount_fen),
            "currency": payment.currency,
            "status": "SUCCESS",
        }
        params["sign"] = sign(params)
        result = handle_notification(gateway="sandbox", params=params, remote_addr="127.0.0.1")
        assert result.accepted, result.outcome
        tokens.append(issue_api_token(user=buyer, name="bench")[1])
    connection.close()
    return product.pk, tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [kameng_bin(), "serve", "--port", str(port), "--workers", str(workers), "--threads", str(threads)],
        env=env,
        cwd=env["KAMENG_DATA_DIR"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stopped as one, by its id
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/docs")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise SystemExit("the server did not start")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- measuring -----------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # successful orders only, in seconds
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1] * 1000

    def line(self) -> str:
        errors = f"  errors {self.errors}" if self.errors else ""
        return (
            f"{self.name:<6} clients {self.clients:>3}: {self.rate:8.1f} orders/s   "
            f"p50 {self.pct(50):7.2f} ms   p99 {self.pct(99):7.2f} ms   ({len(self.latencies)} orders){errors}"
        )


def drive(name: str, clients: int, seconds: float, warmup: float, make_worker) -> Result:
    """Run ``clients`` threads; each calls its ``one()`` in a loop. Only calls that start after the
    warm-up and before the end are counted."""
    result = Result(name, clients)
    lock = threading.Lock()
    start_at = time.perf_counter() + 0.5
    measure_from, stop_at = start_at + warmup, start_at + warmup + seconds
    ready = threading.Barrier(clients + 1)

    def run(i: int) -> None:
        one = make_worker(i)
        local, errs = [], {}
        ready.wait()
        while time.perf_counter() < start_at:
            time.sleep(0.001)
        while True:
            t0 = time.perf_counter()
            if t0 >= stop_at:
                break
            err = one()
            t1 = time.perf_counter()
            if t0 >= measure_from:
                if err is None:
                    local.append(t1 - t0)
                else:
                    errs[err] = errs.get(err, 0) + 1
        with lock:
            result.latencies.extend(local)
            for k, v in errs.items():
                result.errors[k] = result.errors.get(k, 0) + v

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    for t in threads:
        t.join()
    result.seconds = seconds
    return result


def http_worker(port: int, product_id: int, tokens: list[str]):
    body = json.dumps({"product_id": product_id, "quantity": 1}).encode()

    def make(i: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {tokens[i]}", "Content-Type": "application/json"}

        def one() -> str | None:
            nonlocal conn
            try:
                conn.request(
                    "POST", "/api/v1/orders", body=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
                )
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                return type(exc).__name__
            if response.status != 201:
                try:
                    return f"{response.status} {json.loads(data)['error']['code']}"
                except (ValueError, KeyError, TypeError):
                    return str(response.status)
            return None

        return one

    return make


# --- the floor -----------------------------------------------------------------------------------

FLOOR_SCHEMA = """
DROP SCHEMA IF EXISTS floor CASCADE;
CREATE SCHEMA floor;
CREATE TABLE floor.idempotency (buyer_id int NOT NULL, key text NOT NULL, order_id bigint,
    PRIMARY KEY (buyer_id, key));
CREATE TABLE floor.account (id bigserial PRIMARY KEY, key text UNIQUE NOT NULL,
    balance bigint NOT NULL CHECK (balance >= 0));
CREATE TABLE floor.card_key (id bigserial PRIMARY KEY, product_id int NOT NULL, status text NOT NULL,
    sold_to int, order_id bigint);
CREATE INDEX ON floor.card_key (product_id, id) WHERE status = 'available';
CREATE TABLE floor.orders (id bigserial PRIMARY KEY, buyer_id int NOT NULL, product_id int NOT NULL,
    total_fen bigint NOT NULL, state text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE floor.order_item (id bigserial PRIMARY KEY, order_id bigint NOT NULL REFERENCES floor.orders,
    card_key_id bigint UNIQUE NOT NULL);
CREATE TABLE floor.journal_entry (id bigserial PRIMARY KEY, source text UNIQUE NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE floor.posting (id bigserial PRIMARY KEY, entry_id bigint NOT NULL REFERENCES floor.journal_entry,
    account_key text NOT NULL, amount_fen bigint NOT NULL);
CREATE TABLE floor.event (id bigserial PRIMARY KEY, stream text NOT NULL, seq int NOT NULL, kind text NOT NULL,
    payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream, seq));
"""


def setup_floor(dsn: str, *, buyers: int, keys: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(FLOOR_SCHEMA)
        conn.execute(
            "INSERT INTO floor.account (key, balance) SELECT 'buyer_wallet:' || g, %s FROM generate_series(0, %s) g",
            (10**12, buyers - 1),
        )
        conn.execute(
            "INSERT INTO floor.card_key (product_id, status) SELECT 1, 'available' FROM generate_series(1, %s)",
            (keys,),
        )
        conn.execute("VACUUM ANALYZE floor.card_key")


def floor_worker(dsn: str):
    def make(i: int):
        conn = psycopg.connect(dsn)
        wallet = f"buyer_wallet:{i}"

        def one() -> str | None:
            key = uuid.uuid4().hex
            try:
                with conn.transaction():
                    cur = conn.cursor()
                    cur.execute("INSERT INTO floor.idempotency (buyer_id, key) VALUES (%s, %s)", (i, key))
                    cur.execute(
                        "UPDATE floor.account SET balance = balance - %s WHERE key = %s AND balance >= %s",
                        (PRICE_FEN, wallet, PRICE_FEN),
                    )
                    if cur.rowcount != 1:
                        raise LookupError("insufficient_funds")
                    cur.execute(
                        "SELECT id FROM floor.card_key WHERE product_id = 1 AND status = 'available' "
                        "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
                    )
                    row = cur.fetchone()
                    if row is None:
                        raise LookupError("out_of_stock")
                    card_key_id = row[0]
                    cur.execute(
                        "INSERT INTO floor.orders (buyer_id, product_id, total_fen, state) "
                        "VALUES (%s, 1, %s, 'delivered') RETURNING id",
                        (i, PRICE_FEN),
                    )
                    order_id = cur.fetchone()[0]
                    cur.execute(
                        "UPDATE floor.card_key SET status = 'sold', sold_to = %s, order_id = %s "
                        "WHERE id = %s AND status = 'available'",
                        (i, order_id, card_key_id),
                    )
                    if cur.rowcount != 1:
                        raise LookupError("key_taken")
                    cur.execute(
                        "INSERT INTO floor.order_item (order_id, card_key_id) VALUES (%s, %s)", (order_id, card_key_id)
                    )
                    cur.execute(
                        "UPDATE floor.idempotency SET order_id = %s WHERE buyer_id = %s AND key = %s",
                        (order_id, i, key),
                    )
                    cur.execute(
                        "INSERT INTO floor.journal_entry (source) VALUES (%s) RETURNING id", (f"order:{order_id}:paid",)
                    )
                    entry_id = cur.fetchone()[0]
                    cur.execute(
                        "INSERT INTO floor.posting (entry_id, account_key, amount_fen) "
                        "VALUES (%s, %s, %s), (%s, %s, %s)",
                        (entry_id, wallet, -PRICE_FEN, entry_id, f"order_escrow:{order_id}", PRICE_FEN),
                    )
                    cur.execute(
                        "INSERT INTO floor.event (stream, seq, kind, payload) VALUES (%s, 1, 'order.paid', %s)",
                        (f"order:{order_id}", json.dumps({"card_key_id": card_key_id, "amount_fen": PRICE_FEN})),
                    )
            except LookupError as exc:
                return str(exc)
            except psycopg.Error as exc:
                return type(exc).__name__
            return None

        return one

    return make


# --- checks after the run ------------------------------------------------------------------------


def verify(dsn: str, env: dict) -> list[str]:
    problems = []
    with psycopg.connect(dsn) as conn:
        twice = conn.execute(
            "SELECT count(*) FROM (SELECT card_key_id FROM orders_orderkey GROUP BY card_key_id HAVING count(*) > 1) d"
        ).fetchone()[0]
        if twice:
            problems.append(f"{twice} card keys were sold to more than one order")
        sold = conn.execute("SELECT count(*) FROM inventory_cardkey WHERE status = 'sold'").fetchone()[0]
        order_keys = conn.execute("SELECT count(*) FROM orders_orderkey").fetchone()[0]
        paid = conn.execute("SELECT coalesce(sum(quantity), 0) FROM orders_order WHERE paid_at IS NOT NULL").fetchone()[
            0
        ]
        if not sold == order_keys == paid:
            problems.append(f"sold keys {sold}, order keys {order_keys}, paid units {paid} differ")
        has_floor = conn.execute("SELECT to_regclass('floor.order_item') IS NOT NULL").fetchone()[0]
        floor_twice = (
            has_floor
            and conn.execute(
                "SELECT count(*) FROM (SELECT card_key_id FROM floor.order_item "
                "GROUP BY card_key_id HAVING count(*) > 1) d"
            ).fetchone()[0]
        )
        if floor_twice:
            problems.append(f"floor: {floor_twice} keys sold twice")
        print(f"checks: {sold} keys sold in {paid} paid units, none twice")
    ledger = run_kameng(env, "ledger", "check")
    print("kameng ledger check:", "ok" if ledger.returncode == 0 else "FAILED", (ledger.stdout or "").strip()[-300:])
    if ledger.returncode != 0:
        problems.append("kameng ledger check failed: " + (ledger.stdout + ledger.stderr)[-500:])
    timeline = run_kameng(env, "timeline", "verify")
    print("kameng timeline verify:", "ok" if timeline.returncode == 0 else "FAILED")
    if timeline.returncode != 0:
        problems.append("kameng timeline verify failed: " + (timeline.stdout + timeline.stderr)[-500:])
    return problems


# --- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="4,32", help="comma-separated client counts (default 4,32)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds run but not counted, per phase")
    parser.add_argument("--keys", type=int, default=20000, help="card keys in stock for the HTTP run")
    parser.add_argument("--floor-keys", type=int, default=400_000, help="rows in the floor's key table")
    parser.add_argument("--workers", type=int, default=min(2 * (os.cpu_count() or 1) + 1, 9))
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--no-floor", action="store_true")
    args = parser.parse_args()
    client_counts = [int(c) for c in args.clients.split(",") if c.strip()]

    dsn = recreate_database(args.pg)
    data_dir = tempfile.mkdtemp(prefix="kameng-bench-")
    try:
        return run(args, client_counts, dsn, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(args, client_counts: list[int], dsn: str, data_dir: str) -> int:
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "KAMENG_DATA_DIR": data_dir,
        "KAMENG_TASK_BACKEND": "immediate",
        # The buyers' wallets are topped up through the sandbox gateway: opted in, as the demo does.
        "KAMENG_PAYMENT_GATEWAYS": "sandbox",
        "KAMENG_IMPORT_MAX_LINES": "20000",
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    print(
        f"machine: {os.cpu_count()} cores; database {DB_NAME}; gunicorn {args.workers} workers × {args.threads} threads"
    )
    migrated = run_kameng(env, "migrate", "--noinput")
    if migrated.returncode != 0:
        print(migrated.stdout, migrated.stderr)
        return 1
    t0 = time.time()
    product_id, tokens = seed(env, keys=args.keys, buyers=max(client_counts))
    print(f"seeded {args.keys} keys and {len(tokens)} funded buyers in {time.time() - t0:.1f}s")

    port = free_port()
    server = start_server(env, port, args.workers, args.threads)
    ours: dict[int, Result] = {}
    try:
        for clients in client_counts:
            ours[clients] = drive("ours", clients, args.seconds, args.warmup, http_worker(port, product_id, tokens))
            print(ours[clients].line(), flush=True)
    finally:
        stop_server(server)

    floor: dict[int, Result] = {}
    if not args.no_floor:
        setup_floor(dsn, buyers=max(client_counts), keys=args.floor_keys)
        for clients in client_counts:
            floor[clients] = drive("floor", clients, args.seconds, args.warmup, floor_worker(dsn))
            print(floor[clients].line(), flush=True)
        print()
        for clients in client_counts:
            o, f = ours[clients], floor[clients]
            print(
                f"clients {clients:>3}: throughput ours/floor {o.rate / f.rate:6.3f}   "
                f"p99 ours/floor {o.pct(99) / f.pct(99):6.2f}   p50 ours/floor {o.pct(50) / f.pct(50):6.2f}"
            )
        if 32 in client_counts:
            ok = ours[32].rate >= floor[32].rate / 4
            print(f"aim at 32 clients: throughput ≥ 1/4 of the floor: {'met' if ok else 'MISSED'}")
        if 4 in client_counts:
            ok = ours[4].pct(99) <= 4 * floor[4].pct(99)
            print(f"aim at 4 clients: p99 ≤ 4 × the floor's: {'met' if ok else 'MISSED'}")
    problems = verify(dsn, env)
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
