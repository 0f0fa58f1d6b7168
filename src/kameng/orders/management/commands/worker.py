"""`kameng worker`: run queued jobs (django-tasks database backend) and the periodic sweep.

Several workers may run at once: jobs are claimed by the task backend, and every sweep job claims
its rows with SKIP LOCKED. The sweep alone is enough to move every deadline; queued jobs only make
things happen sooner."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

log = logging.getLogger("kameng.worker")


class Command(BaseCommand):
    help = "Run background jobs and the periodic sweep until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--sweep-seconds", type=int, default=None)
        parser.add_argument("--no-sweep", action="store_true")

    def handle(self, *args, sweep_seconds, no_sweep, **options):
        interval = sweep_seconds or settings.KAMENG_SWEEP_SECONDS
        stop = threading.Event()
        if not no_sweep:
            threading.Thread(target=self._sweep_loop, args=(interval, stop), daemon=True, name="sweep").start()
        try:
            if settings.KAMENG_TASK_BACKEND == "database":
                call_command("db_worker", interval=1.0, no_startup_delay=True)
            else:
                stop.wait()
        finally:
            stop.set()

    def _sweep_loop(self, interval: int, stop: threading.Event) -> None:
        from kameng.orders.management.commands.sweep import run_all, summarize

        while not stop.is_set():
            try:
                summary = summarize(run_all())
                if summary:
                    log.info("sweep: %s", summary)
            except Exception:  # keep sweeping; the next pass retries whatever failed
                log.exception("sweep pass failed")
            finally:
                close_old_connections()
            stop.wait(interval)
