"""`kameng cardkeys rotate [--retire]` and `kameng cardkeys check`.

rotate   add a new AES key, make it active and re-encrypt every card key under it (in batches,
         each its own transaction); old keys stay in the keyring. --retire then removes every key
         no row uses any more. Run --retire only once every server process has seen the new
         keyring (they re-read the file when it changes).
check    every product's stock counter equals its number of available keys; exits 1 otherwise.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kameng.core.errors import DomainError
from kameng.inventory.selectors import stock_mismatches
from kameng.inventory.services import rotate_keyring


class Command(BaseCommand):
    help = "Card-key maintenance: rotate the encryption key, check stock counters."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rotate = sub.add_parser("rotate", help="add a new active AES key and re-encrypt every card key")
        rotate.add_argument("--retire", action="store_true", help="then drop keys that no card key uses")
        rotate.add_argument("--batch-size", type=int, default=500)
        sub.add_parser("check", help="stock counters equal available keys (exit 1 on mismatch)")

    def handle(self, *args, action: str, **options):
        if action == "rotate":
            try:
                result = rotate_keyring(batch_size=max(1, options["batch_size"]), retire=options["retire"])
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"active key: {result.active_key_id}; re-encrypted {result.reencrypted} card keys")
            if options["retire"]:
                self.stdout.write(f"retired keys: {', '.join(result.retired) or 'none'}")
            return
        mismatches = stock_mismatches()
        for m in mismatches:
            self.stderr.write(f"product {m.product_id}: counter {m.counter}, available keys {m.available}")
        if mismatches:
            raise CommandError(f"{len(mismatches)} product(s) with a wrong stock counter", returncode=1)
        self.stdout.write("stock counters OK")
