"""What each case event is called on the case timeline."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "case.opened": _("Case opened"),
    "case.message": _("Message"),
    "case.attachment": _("Attachment added"),
    "case.accept": _("Merchant accepted the demand"),
    "case.offer": _("Merchant made an offer"),
    "case.accept_offer": _("Buyer accepted the offer"),
    "case.decline_offer": _("Buyer declined the offer"),
    "case.refuse": _("Merchant refused"),
    "case.ask_info": _("Merchant asked for information"),
    "case.provide_info": _("Buyer provided information"),
    "case.escalate": _("Buyer asked the platform to step in"),
    "case.expire": _("Deadline passed"),
    "case.fast_refund": _("Fast refund"),
    "case.contest": _("Merchant contested the fast refund"),
    "case.rule": _("Ruling"),
    "case.appeal": _("Appeal"),
    "case.rule_appeal": _("Appeal decided"),
    "case.withdraw": _("Buyer withdrew the case"),
    "case.reopen": _("Buyer reopened the case"),
    "case.escalate_external": _("External escalation recorded"),
    "case.assigned": _("Taken by a support agent"),
    "case.refunded": _("Refunded to the buyer's wallet"),
    "case.recovered": _("Refund taken back from the buyer's wallet"),
    "case.keys_replaced": _("Card key replaced"),
    "case.redelivered": _("Redelivered"),
    "case.penalty": _("Penalty charged to the shop"),
    "case.already_refunded": _("Already refunded by the order"),
    "case.overdue": _("Ruling overdue: back in the queue"),
    "case.rule_on_records": _("Ruled on the records (rule 4.3)"),
    "case.kept_by_buyer": _("Kept by the buyer: the order refunded that batch itself"),
    "case.buyer_debt_forgiven": _("The buyer's debt is cancelled"),
}


def register() -> None:
    from kameng.timeline.labels import register_kind_labels

    register_kind_labels(LABELS)
