from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "kameng.orders"
    label = "orders"

    def ready(self) -> None:
        from kameng.notifications.kinds import register_kind
        from kameng.orders import receivers, timeline_labels

        receivers.connect()
        timeline_labels.register()
        _register_periodic_jobs()
        register_kind(
            "order.duplicate_payment",
            title=_("Duplicate payment returned to your wallet"),
            body=_("Order #%(order)s was already paid; the second payment of %(amount_yuan)s yuan is in your wallet."),
        )


def _register_periodic_jobs() -> None:
    from kameng.accounts.services import prune_login_failures
    from kameng.core.periodic import register
    from kameng.orders.services import sweep
    from kameng.payments.services import expire_stale_payments, retry_sandbox_notifications
    from kameng.suppliers.services import reconcile_pending

    register("payments_expired", expire_stale_payments)
    register("sandbox_notifications_retried", retry_sandbox_notifications)
    register("suppliers", lambda now: str(reconcile_pending(now=now)))
    register("orders", lambda now: sweep(now=now))
    register("login_failures_pruned", lambda now: prune_login_failures())
