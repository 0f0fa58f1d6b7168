"""What each order event is called on the order page's timeline, and how its payload reads
(see kameng.timeline.labels). Also the one map of why an order or batch was refunded or closed."""

import re

from django.utils.translation import gettext_lazy as _

from kameng.orders.models import BatchState, OrderState

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


# Why money went back or an order closed, as stored (a code or a fixed English phrase of ours).
REASONS = {
    "supplier_failed": _("The supplier could not top up"),
    "merchant_missed_deadline": _("The merchant did not deliver in time"),
    "cancelled by the buyer": _("Cancelled by the buyer"),
    "payment window passed": _("Not paid in time"),
    "buyer debt repaid from the wallet": _("Buyer's debt repaid from the wallet"),
    "key_never_revealed": _("The card key was never viewed"),
}
_CASE_REASON = re.compile(r"^(?:after-sales case|case|penalty, case) (\d+)$")


def reason_label(reason: str) -> str:
    """A stored reason in the reader's language; "" when it is not one of ours (the technical view
    still has it)."""
    reason = (reason or "").strip()
    if reason in REASONS:
        return str(REASONS[reason])
    match = _CASE_REASON.match(reason)
    if match:
        return str(_("After-sales case #%(id)s") % {"id": match.group(1)})
    return ""


def _reason(value, payload):
    return reason_label(value) if isinstance(value, str) else None


def _supplier_reason(value, payload):
    from kameng.suppliers.labels import reason_label as supplier_reason

    return supplier_reason(value) if isinstance(value, str) and not payload.get("succeeded") else None


def closed_reason_label(reason: str) -> str:
    """An order's closed_reason (a code of ours, or a supplier's failure) in the reader's language."""
    return reason_label(reason)


def _place(value, payload):
    return str(PLACES[value]) if value in PLACES else None


PLACES = {
    "wallet": _("Wallet"),
    "stock": _("Back in stock"),
    "reported_invalid": _("Marked invalid"),
}


# How the ledger entries the orders domain posts read on the wallet and balance pages (the
# sources are written in services, money and funds; case refunds post under "case:<id>:").
ENTRY_LABELS = [
    (r"^order:(?P<order>\d+):paid$", _("Order #%(order)s paid into escrow")),
    (r"^order:(?P<order>\d+):batch:(?P<batch>\d+):settled$", _("Order #%(order)s batch %(batch)s settled")),
    (r"^order:(?P<order>\d+):batch:(?P<batch>\d+):refunded$", _("Order #%(order)s batch %(batch)s refunded")),
    (r"^order:(?P<order>\d+):", _("Order #%(order)s")),
    (r"^case:(?P<case>\d+):ruling:\d+:penalty$", _("Penalty, after-sales case #%(case)s")),
    (r"^case:(?P<case>\d+):.*:recover:", _("Refund taken back, after-sales case #%(case)s")),
    (r"^case:(?P<case>\d+):", _("Refund, after-sales case #%(case)s")),
    (r"^payout:(?P<payout>\d+):requested$", _("Payout #%(payout)s requested")),
    (r"^payout:(?P<payout>\d+):", _("Payout #%(payout)s")),
    (r"^deposit:", _("Deposit paid")),
    (r"^application:\d+:deposit$", _("Shop application deposit held")),
    (r"^application:\d+:to_shop$", _("Application deposit moved to the shop's deposit")),
    (r"^application:\d+:returned$", _("Application deposit returned")),
    (r"^fund:", _("Guarantee fund top-up")),
    (r"^buyerdebt:", _("Debt repaid from the wallet")),
    (r"^debt:\d+:repaid:", _("Debt repaid to the guarantee fund")),
]


def register() -> None:
    from kameng.ledger.labels import register_entry_labels
    from kameng.timeline.labels import (
        Field,
        batches,
        choice,
        count_of,
        flag,
        money,
        number,
        ref,
        register_fields,
        register_kind_labels,
        text,
        when,
    )

    register_kind_labels(LABELS)
    register_entry_labels(ENTRY_LABELS)
    states = {**dict(BatchState.choices), **dict(OrderState.choices)}
    register_fields(
        {
            "order": ref(_("Order #%(id)s")),
            "case": ref(_("After-sales case #%(id)s")),
            "payment": ref(_("Payment #%(id)s")),
            "review": ref(_("Review #%(id)s")),
            "title": text(_("Product")),
            "unit_price_fen": money(_("Unit price")),
            "total_fen": money(_("Total")),
            "commission_fen": money(_("Commission")),
            "wanted_fen": money(_("Amount due")),
            "short_fen": money(_("Still owed")),
            "owed_fen": money(_("Still owed")),
            "refundable_fen": money(_("Still refundable")),
            "from_escrow_fen": money(_("From escrow")),
            "from_available_fen": money(_("From the shop's balance")),
            "from_deposit_fen": money(_("From the shop's deposit")),
            "from_fund_fen": money(_("Advanced by the guarantee fund")),
            "to_fund_fen": money(_("To the guarantee fund")),
            "to_shop_fen": money(_("To the shop")),
            "to_escrow_fen": money(_("Back into escrow")),
            "restored_batches": batches(_("Batches restored")),
            "confirm_due_at": when(_("Confirm by")),
            "due_at": when(_("Deliver by")),
            "reason": Field(_("Reason"), _reason),
            "from": Field(_("Paid from"), _place),
            "to": Field(_("Returned to"), _place),
            "state": choice(_("State"), states),
            "succeeded": flag(_("Result"), _("Topped up"), _("Top-up failed")),
            "count": number(_("Times viewed")),
            "replaced": count_of(_("Card keys replaced")),
            "new": count_of(_("New card keys")),
            "buyer_fields": None,
            "refund": None,
            "by": None,
            "supplier_ref": None,
            "moves": None,
            "rule": None,
        }
    )
    # The supplier's own words stay in the payload for agents; people read them as our reason.
    register_fields({"reason": Field(_("Reason"), _supplier_reason)}, kinds=["supplier.answered"])
    # A batch list of keys.allocated is a list of quantities, not batch numbers.
    register_fields({"batches": None}, kinds=["keys.allocated", "order.created"])
