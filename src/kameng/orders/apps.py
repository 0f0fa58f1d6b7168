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
        _register_order_payer_check()
        register_kind(
            "order.duplicate_payment",
            title=_("Duplicate payment returned to your wallet"),
            body=_("Order #%(order)s was already paid; the second payment of %(amount)s is in your wallet."),
        )
        register_kind(
            "order.refunded_automatically",
            title=_("Order #%(order)s refunded to your wallet"),
            body=_("%(amount)s is back in your wallet: %(reason)s."),
        )
        register_kind(
            "order.buyer_debt",
            title=_("You owe %(amount)s on order #%(order)s"),
            body=_(
                "A refund on this order was taken back, and your wallet could not cover %(amount)s. "
                "It will be taken from your next top-up."
            ),
        )


def _register_periodic_jobs() -> None:
    """The orders sweep. Every app registers its own jobs (kameng.core.periodic)."""
    from kameng.core.periodic import register
    from kameng.orders.services import sweep

    register("orders", lambda now: sweep(now=now))


def _register_order_payer_check() -> None:
    """Payments sits below orders and cannot read orders: a top-up that names an order asks this
    check whether the buyer may pay for it (only the order's own buyer may: issue 14, M1)."""
    from kameng.orders.models import Order
    from kameng.payments.services import register_order_payer_check

    register_order_payer_check(lambda *, buyer, order_id: Order.objects.filter(pk=order_id, buyer=buyer).exists())
