"""`kameng sweep`: one pass of every periodic job, then exit.

Deadlines live on rows; this is what moves them. It is safe to run from several workers or cron
entries at once (each job claims its rows with SKIP LOCKED and re-checks under lock), and an
operator or a test under a shifted clock (libfaketime, time-machine) can drive time by hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from kameng.core.periodic import jobs


def run_all(now=None) -> dict:
    """One pass of every registered job (kameng.core.periodic), in registration order."""
    now = now or timezone.now()
    results: dict = {}
    for name, job in jobs():
        value = job(now)
        results[name] = value.__dict__ if hasattr(value, "__dict__") else value
    return results


# Job answers that mean "nothing happened" (the evidence seal says so in words).
QUIET_TEXTS = {"", "not due", "nothing changed"}


def summarize(results: dict) -> str:
    """One short line of what a pass did ("orders auto confirmed 2, evidence_seal seal 4: 3 head(s)"),
    empty when nothing happened: a console that logs every idle pass's dict is unreadable."""
    parts = []
    for name, value in results.items():
        if isinstance(value, dict):
            parts += [f"{name} {key.replace('_', ' ')} {n}" for key, n in value.items() if isinstance(n, int) and n]
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if value:
                parts.append(f"{name.replace('_', ' ')} {value}")
        elif str(value) not in QUIET_TEXTS:
            parts.append(f"{name} {value}")
    return ", ".join(parts)


class Command(BaseCommand):
    help = "Run one pass of every periodic job (deadlines, reconciliation) and exit."

    def handle(self, *args, **options):
        for name, value in run_all().items():
            self.stdout.write(f"{name}: {value}")
