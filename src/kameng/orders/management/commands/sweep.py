"""`kameng sweep`: one pass of every periodic job, then exit.

Deadlines live on rows; this is what moves them. It is safe to run from several workers or cron
entries at once (each job claims its rows with SKIP LOCKED and re-checks under lock), and an
operator or a test under a shifted clock (libfaketime, time-machine) can drive time by hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from kameng.accounts.services import prune_login_failures
from kameng.orders.services import sweep
from kameng.payments.services import expire_stale_payments, retry_sandbox_notifications
from kameng.suppliers.services import reconcile_pending


def run_all(now=None) -> dict:
    now = now or timezone.now()
    results: dict = {}
    results["payments_expired"] = expire_stale_payments(now)
    results["sandbox_notifications_retried"] = retry_sandbox_notifications(now)
    results["suppliers"] = str(reconcile_pending(now=now))
    report = sweep(now=now)
    results["orders"] = report.__dict__
    results["login_failures_pruned"] = prune_login_failures()
    return results


class Command(BaseCommand):
    help = "Run one pass of every periodic job (deadlines, reconciliation) and exit."

    def handle(self, *args, **options):
        for name, value in run_all().items():
            self.stdout.write(f"{name}: {value}")
