"""`kameng serve`: the production server (gunicorn, several workers), not Django's runserver."""

from __future__ import annotations

import gc
import multiprocessing

from django.core.management.base import BaseCommand


def _warm_and_freeze(worker) -> None:
    """After a worker has loaded the app: import the URL conf (and with it every API router) now
    rather than in the first request, then move everything loaded so far out of the garbage
    collector's reach. Django, ninja and pydantic leave ~100 000 long-lived objects; without the
    freeze every full collection walks them all (~50 ms on a small VM), a pause some unlucky
    request pays for. Objects created later are collected as usual."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URL conf and the routers)
    gc.collect()
    gc.freeze()


class Command(BaseCommand):
    help = "Serve Kameng with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=0, help="default: 2 × cores + 1, at most 9")
        parser.add_argument("--threads", type=int, default=4, help="per worker; 1 = the sync worker")

    def handle(self, *args, host: str, port: int, workers: int, threads: int, **options):
        from gunicorn.app.base import BaseApplication

        from kameng.wsgi import application

        workers = workers or min(2 * multiprocessing.cpu_count() + 1, 9)

        class App(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"{host}:{port}")
                self.cfg.set("workers", workers)
                self.cfg.set("threads", threads)
                # One thread: gunicorn's sync worker (one request at a time per process, no
                # keep-alive), for use behind a proxy that buffers; more: the threaded worker.
                self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
                self.cfg.set("accesslog", "-")
                self.cfg.set("timeout", 60)
                self.cfg.set("graceful_timeout", 10)
                self.cfg.set("post_worker_init", _warm_and_freeze)

            def load(self):
                return application

        self.stdout.write(f"Kameng serving on http://{host}:{port}/ with {workers} workers")
        App().run()
