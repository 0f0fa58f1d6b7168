"""`kameng ledger check`: verify every ledger invariant; exit non-zero on any breach."""

from django.core.management.base import BaseCommand, CommandError

from kameng.ledger.selectors import check_ledger


class Command(BaseCommand):
    help = "Ledger tools. `check` verifies every invariant of the books."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check"])

    def handle(self, *args, action: str, **options):
        report = check_ledger()
        for breach in report.breaches:
            self.stderr.write(breach)
        summary = f"{report.accounts} accounts, {report.entries} entries, {report.postings} postings"
        if not report.ok:
            raise CommandError(f"ledger check FAILED: {len(report.breaches)} breach(es); {summary}")
        self.stdout.write(f"ledger check ok: {summary}; balances sum to 0 fen")
