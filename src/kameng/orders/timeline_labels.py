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
    "payment.duplicate_refunded": _("Duplicate payment returned to the wallet"),
    "escrow.frozen": _("Escrow frozen by an after-sales case"),
    "escrow.released": _("Escrow released by the after-sales case"),
    "keys.replaced": _("Card key replaced"),
    "shop.debt_recorded": _("Advance compensation recorded as the shop's debt"),
    "refund.recovered": _("Refund taken back from the wallet"),
    "key.disposed": _("Refunded card key returned to stock or marked invalid"),
    "buyer.debt_recorded": _("Buyer owes what the wallet could not cover"),
    "buyer.debt_forgiven": _("Buyer's debt cancelled"),
    "refund.recovery_failed": _("Refund could not be taken back"),
    "case.opened": _("After-sales case opened"),
    "case.step": _("After-sales case step"),
}


def register() -> None:
    from kameng.timeline.labels import register_kind_labels

    register_kind_labels(LABELS)
