"""`kameng metrics rebuild` recomputes every shop's day counters (rule 10.4) from the records;
`kameng metrics check` only compares them and exits 1 when they disagree."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kameng.reputation import metrics


class Command(BaseCommand):
    help = "Shop figures (10.4): 'check' compares the counters with the records; 'rebuild' recomputes them."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "rebuild"])

    def handle(self, *args, action: str, **options):
        if action == "check":
            differences = metrics.check()
            for d in differences[:50]:
                shop, product, day = d.key
                where = f"shop {shop} product {product or '-'} {day} {d.counter}"
                self.stdout.write(f"{where}: counted {d.stored}, records {d.recomputed}")
            if differences:
                raise CommandError(
                    f"{len(differences)} counters disagree with the records; run `kameng metrics rebuild`"
                )
            self.stdout.write("The counters agree with the records.")
            return
        wrong = metrics.rebuild()
        self.stdout.write(
            f"Rebuilt from the records ({wrong} counters were wrong); they agree now: {not metrics.check()}"
        )
