"""What each order event is called on the order page's timeline."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "order.created": _("Order placed"),
    "order.paid": _("Paid into escrow"),
    "keys.allocated": _("Card keys allocated"),
    "batch.delivered": _("Delivered"),
    "delivery.awaiting_merchant": _("Waiting for the merchant to deliver"),
    "supplier.requested": _("Sent to the supplier"),
    "supplier.answered": _("Supplier answered"),
    "key.revealed": _("Card key viewed"),
    "batch.confirmed": _("Receipt confirmed"),
    "batch.auto_confirmed": _("Confirmed automatically"),
    "batch.settled": _("Settled to the merchant"),
    "batch.refunded": _("Batch refunded"),
    "order.refunded": _("Refunded to wallet"),
    "order.cancelled": _("Cancelled"),
    "order.completed": _("Completed"),
}


def register() -> None:
    from kameng.timeline.labels import register_kind_labels

    register_kind_labels(LABELS)
