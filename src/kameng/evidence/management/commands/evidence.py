"""`kameng evidence seal | verify BUNDLE.zip | audit`.

``seal`` seals the changed chain heads now (the periodic job does it every KAMENG_SEAL_MINUTES).
``verify`` checks a bundle offline (it reads no database; ``python -m kameng.evidence.verify`` does
the same without Django at all); ``audit`` re-hashes stored files, chains and seals. Both exit
non-zero when anything fails.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Evidence tools: seal chain heads now, verify an evidence bundle offline, audit stored evidence."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("seal", help="seal every chain head that changed since the last seal")
        verify = sub.add_parser("verify", help="verify an evidence bundle (ZIP) offline")
        verify.add_argument("bundle", help="path to the bundle ZIP")
        sub.add_parser("audit", help="re-check stored files, chains and seals")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _seal(self, **options):
        from kameng.evidence.sealing import seal_now

        seal = seal_now()
        if seal is None:
            self.stdout.write("evidence seal: nothing changed since the last seal")
            return
        self.stdout.write(
            f"evidence seal {seal.pk}: {seal.leaf_count} head(s), root {seal.root}, "
            f"{seal.method} at {seal.stamped_at.isoformat()}"
        )

    def _verify(self, *, bundle: str, **options):
        from kameng.evidence.verify import main

        if main([bundle]):
            raise CommandError("evidence verify FAILED")

    def _audit(self, **options):
        from kameng.evidence.audit import main

        if main():
            raise CommandError("evidence audit FAILED")
