"""`kameng supplier-sim`: run the sandbox upstream supplier (PROTOCOL.md) until interrupted."""

from django.core.management.base import BaseCommand

from kameng.suppliers.conf import supplier_config
from kameng.suppliers.simulator import SupplierSimulator


class Command(BaseCommand):
    help = "Run the local supplier simulator for 直充 top-ups (accounts ending 0 fail, 7/8 answer late, 9 hang)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8766)
        parser.add_argument("--secret", default=None, help="shared secret (default: KAMENG_SUPPLIER_SECRET)")
        parser.add_argument("--late-seconds", type=float, default=10.0, help="delay of the late answers (7, 8)")
        parser.add_argument("--hang-seconds", type=float, default=120.0, help="how long silent requests (9) hang")

    def handle(self, *args, host, port, secret, late_seconds, hang_seconds, **options):
        sim = SupplierSimulator(
            host=host,
            port=port,
            secret=secret or supplier_config().secret,
            late_seconds=late_seconds,
            hang_seconds=hang_seconds,
        )
        sim.start()
        self.stdout.write(f"supplier simulator listening on {sim.url} (Ctrl-C to stop)")
        try:
            sim.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            sim.stop()
