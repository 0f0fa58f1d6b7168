"""`kameng ledger check`: verify every ledger invariant; exit non-zero on any breach. It also says
how much money entered through each gateway, and loudly how much of it was the sandbox's test money."""

from django.core.management.base import BaseCommand, CommandError

from kameng.core import money_origins
from kameng.core.templatetags.money import format_fen
from kameng.ledger.selectors import check_ledger


class Command(BaseCommand):
    help = "Ledger tools. `check` verifies every invariant of the books."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check"])

    def handle(self, *args, action: str, **options):
        report = check_ledger()
        for breach in report.breaches:
            self.stderr.write(breach)
        for origin in money_origins.origins():
            line = f"entered through {origin.name}: {format_fen(origin.amount_fen)} in {origin.count} payment(s)"
            if origin.real:
                self.stdout.write(line)
            elif origin.amount_fen:
                self.stdout.write(self.style.WARNING(f"{line} — TEST MONEY from the sandbox gateway, not real"))
            else:
                self.stdout.write(f"{line} (test money)")
        summary = f"{report.accounts} accounts, {report.entries} entries, {report.postings} postings"
        if not report.ok:
            raise CommandError(f"ledger check FAILED: {len(report.breaches)} breach(es); {summary}")
        self.stdout.write(f"ledger check ok: {summary}; balances sum to 0 fen")
