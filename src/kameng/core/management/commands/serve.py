"""`kameng serve`: the production server (gunicorn, several workers), not Django's runserver."""

from __future__ import annotations

import multiprocessing

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Kameng with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=0, help="default: 2 × cores + 1, at most 9")
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, host: str, port: int, workers: int, threads: int, **options):
        from gunicorn.app.base import BaseApplication

        from kameng.wsgi import application

        workers = workers or min(2 * multiprocessing.cpu_count() + 1, 9)

        class App(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"{host}:{port}")
                self.cfg.set("workers", workers)
                self.cfg.set("threads", threads)
                self.cfg.set("worker_class", "kameng.core.gunicorn.Worker")  # errors in our shape
                self.cfg.set("accesslog", "-")
                self.cfg.set("timeout", 60)
                self.cfg.set("graceful_timeout", 10)

            def load(self):
                return application

        self.stdout.write(f"Kameng serving on http://{host}:{port}/ with {workers} workers")
        App().run()
