"""What each case event is called on the case timeline, and how its payload reads (see
kameng.timeline.labels): states, remedies, demands and problem types through the same labels as
the rest of the case pages."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kameng.aftersales.models import CaseState, Demand, Remedy
from kameng.rulebook.problems import FAMILIES, SUBTYPES, Party

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


# Why a case qualified for 极速退款 (rule 8.3), as facts.fast_refund_reason names it.
FAST_REFUND_REASONS = {
    "supplier_failed": _("The supplier could not top up"),
    "key_never_revealed": _("The card key was never viewed"),
    "merchant_unreachable": _("The merchant could not be reached"),
}
# facts.suggest() stores its reason in English; the case page translates them (views._REASONS).
_SUGGESTED_REASONS = frozenset(
    {
        "more than one payment was captured for this order",
        "the platform recorded a single payment for this order",
        "the upstream supplier reported the top-up as failed",
        "the platform has no record of delivery for part of the order",
        "delivered, and the buyer revealed the keys",
        "the platform recorded the delivery",
        "delivered later than the shop promised",
        "delivered within the promised time",
        "the key was never shown to the buyer, so the buyer cannot have used it",
        "other buyers reported keys from the same import batch",
        "the listing states the face value; the shop answers for it",
        "the key was revealed; the records alone do not tell who is at fault",
        "the merchant has shown no activity within the rulebook's limit",
        "the merchant is active; the conversation will tell",
    }
)


def _labels_of(table) -> dict:
    return {code: item.label for code, item in table.items()}


def _step(value, payload):
    from kameng.timeline.labels import has_kind_label, kind_label

    kind = f"case.{value}"
    return kind_label(kind) if isinstance(value, str) and has_kind_label(kind) else None


def _suggested(value, payload):
    return gettext(value) if value in _SUGGESTED_REASONS else None


def register() -> None:
    from kameng.timeline.labels import (
        Field,
        batches,
        choice,
        count_of,
        money,
        ref,
        register_fields,
        register_kind_labels,
        text,
        when,
    )

    register_kind_labels(LABELS)
    case_kinds = [*LABELS, "case.step"]
    states = dict(CaseState.choices)
    register_fields(
        {
            "from": choice(_("Previous state"), states),
            "to": choice(_("New state"), states),
            "action": Field(_("Step"), _step),
            "title": None,  # the clause's title as stored (Chinese): the clause field reads it
            "remedy": choice(_("Remedy"), dict(Remedy.choices)),
            "demand": choice(_("Demand"), dict(Demand.choices)),
            "subtype": choice(_("Problem"), _labels_of(SUBTYPES)),
            "family": choice(_("Kind of problem"), _labels_of(FAMILIES)),
            "responsible": choice(_("Responsible"), Party.LABELS),
            "suggested_party": choice(_("Likely responsible"), Party.LABELS),
            "suggested_reason": Field(_("Why"), _suggested),
            "demand_fen": money(_("Amount asked")),
            "stake_fen": money(_("At stake")),
            "penalty_fen": money(_("Penalty")),
            "debt_fen": money(_("Owed by the shop")),
            "wanted_fen": money(_("Amount due")),
            "refundable_fen": money(_("Still refundable")),
            "owed_fen": money(_("Still owed")),
            "description": text(_("Buyer's description")),
            "question": text(_("Question")),
            "reason": text(_("Reason")),  # what the person gave as their reason
            "note": text(_("Note")),
            "text": text(),
            "channel": text(_("Channel")),
            "was_due": when(_("Was due")),
            "frozen_batches": batches(_("Frozen batches")),
            "keys": count_of(_("Card keys")),
            "new": count_of(_("New card keys")),
            "offer": ref(_("Offer #%(id)s")),
            "ruling": ref(_("Ruling #%(id)s")),
            "order": ref(_("Order #%(id)s")),
            "case": ref(_("After-sales case #%(id)s")),
            "agent": None,
            "facts": None,
            "self_check": None,
            "moves": None,
            "item": None,
        },
        kinds=case_kinds,
    )
    register_fields({"reason": choice(_("Reason"), FAST_REFUND_REASONS)}, kinds=["case.fast_refund"])
    # The ruling text of a rule-on-records step is the system's own English note: the label says it.
    register_fields({"text": None}, kinds=["case.rule_on_records"])
