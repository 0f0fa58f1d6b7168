"""In-process profile of one checkout (POST /api/v1/orders) against the database the benchmark
leaves behind (``kameng_bench``): the whole Django stack through the test client, no HTTP server.

    .venv/bin/python bench/profile_checkout.py [--orders 300] [--cprofile | --sample] [--queries]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/kameng_bench")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--queries", action="store_true")
    parser.add_argument(
        "--sample",
        action="store_true",
        help="statistical CPU profile (SIGPROF every 1 ms of CPU): own and inclusive share per function",
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.db
    data_dir = tempfile.TemporaryDirectory(prefix="kameng-profile-")  # removed when the run ends
    os.environ.setdefault("KAMENG_DATA_DIR", data_dir.name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kameng.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kameng.accounts.models import User
    from kameng.accounts.services import issue_api_token
    from kameng.catalog.models import Product

    buyer = User.objects.get(username="bench-buyer-0")
    token = issue_api_token(user=buyer, name="profile")[1]
    product = Product.objects.get(title_zh="秒杀点卡 1 元")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    body = {"product_id": product.pk, "quantity": 1}

    def one():
        close_old_connections()  # what request_started does under gunicorn (the test client skips it)
        r = client.post(
            "/api/v1/orders", body, content_type="application/json", headers={"Idempotency-Key": uuid.uuid4().hex}
        )
        assert r.status_code == 201, (r.status_code, r.content)

    for _ in range(20):  # warm-up: imports, prepared statements, connection
        one()
    if args.queries:
        with CaptureQueriesContext(connection) as ctx:
            one()
        for q in ctx.captured_queries:
            print(q["sql"][:200])
        print(len(ctx.captured_queries), "statements")
    prof = cProfile.Profile() if args.cprofile else None
    sampler = _Sampler() if args.sample else None
    if sampler:
        sampler.start()
    t0, c0 = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    for _ in range(args.orders):
        one()
    if prof:
        prof.disable()
    if sampler:
        sampler.stop()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"{args.orders} orders in {elapsed:.2f}s: {1000 * elapsed / args.orders:.2f} ms per order, "
        f"{1000 * cpu / args.orders:.2f} ms of it Python CPU in this process"
    )
    if prof:
        prof.dump_stats(str(Path(tempfile.gettempdir()) / "checkout.prof"))
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
    if sampler:
        sampler.report()
    return 0


class _Sampler:
    """A tiny statistical profiler (py-spy is not installed): on every millisecond of CPU this
    process burns, note the functions on the stack. Low overhead, so the shares are realistic."""

    def __init__(self) -> None:
        self.own: Counter[str] = Counter()
        self.inclusive: Counter[str] = Counter()
        self.samples = 0

    def _tick(self, _signum, frame) -> None:
        self.samples += 1
        seen = set()
        top = True
        while frame is not None:
            code = frame.f_code
            name = f"{code.co_filename.split('site-packages/')[-1].split('src/')[-1]}:{code.co_name}"
            if top:
                self.own[name] += 1
                top = False
            if name not in seen:
                self.inclusive[name] += 1
                seen.add(name)
            frame = frame.f_back

    def start(self) -> None:
        signal.signal(signal.SIGPROF, self._tick)
        signal.setitimer(signal.ITIMER_PROF, 0.001, 0.001)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)

    def report(self) -> None:
        n = max(self.samples, 1)
        print(f"{self.samples} samples")
        print("inclusive:")
        for name, count in self.inclusive.most_common(70):
            print(f"  {100 * count / n:5.1f}%  {name}")
        print("own:")
        for name, count in self.own.most_common(30):
            print(f"  {100 * count / n:5.1f}%  {name}")


if __name__ == "__main__":
    raise SystemExit(main())
