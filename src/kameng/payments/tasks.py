"""Background work. Every task is also covered by the periodic sweep (``sweep_payments``), so a
lost queued job only delays things."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_sandbox_notification(charge_id: int) -> bool:
    from kameng.payments.services import deliver_sandbox_charge

    return deliver_sandbox_charge(charge_id=charge_id)


def sweep_payments() -> dict[str, int]:
    """One pass of the payments sweep: close stale payments, re-send sandbox notifications."""
    from kameng.payments.services import expire_stale_payments, retry_sandbox_notifications

    return {"expired": expire_stale_payments(), "sandbox_redelivered": retry_sandbox_notifications()}


@task()
def sweep_payments_task() -> dict[str, int]:
    return sweep_payments()
