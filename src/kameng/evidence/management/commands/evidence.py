"""`kameng evidence seal | verify BUNDLE.zip | audit`.

``seal`` seals the changed chain heads now (the periodic job does it every KAMENG_SEAL_MINUTES).
``verify`` checks a bundle offline (it reads no database; ``python -m kameng.evidence.verify`` does
the same without Django at all). Its seals are checked against ``--trusted-key`` / ``--tsa-ca``
files, by default this installation's own seal key and KAMENG_TSA_CERT_FILE (never the keys the
bundle carries). ``audit`` re-hashes stored files, chains and seals. Both exit non-zero when
anything fails.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Evidence tools: seal chain heads now, verify an evidence bundle offline, audit stored evidence."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("seal", help="seal every chain head that changed since the last seal")
        from kameng.evidence.verify import add_arguments

        verify = sub.add_parser(
            "verify", help="verify an evidence bundle (ZIP) offline, against this platform's keys by default"
        )
        add_arguments(verify)
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

    def _verify(self, *, bundles: list[str], trusted_key: list[str], tsa_ca: list[str], **options):
        from kameng.evidence import tsa
        from kameng.evidence.verify import read_anchors, run

        try:
            if trusted_key or tsa_ca:
                keys, cas = read_anchors(trusted_key, tsa_ca)
            else:  # on the platform host: the anchors it publishes at /evidence/keys/
                keys, cas = tsa.configured_trust()
        except (OSError, ValueError) as exc:
            raise CommandError(f"evidence verify: {exc}") from exc
        if run(bundles, trusted_keys=keys, tsa_ca=cas, out=self.stdout):
            raise CommandError("evidence verify FAILED")

    def _audit(self, **options):
        from kameng.evidence.audit import main

        if main():
            raise CommandError("evidence audit FAILED")
