"""The notifications a case sends, registered with the inbox (titles and bodies via gettext)."""

from django.utils.translation import gettext_lazy as _

from kameng.notifications.kinds import register_kind

KINDS = {
    "case.awaiting_merchant": (
        _("After-sales case #%(case)s needs your answer"),
        _("Order #%(order)s: please accept, offer or refuse by %(due)s, or the platform steps in."),
    ),
    "case.buyer_info": (
        _("Case #%(case)s: the merchant asks for information"),
        _("Please answer by %(due)s, or the case closes."),
    ),
    "case.offer": (
        _("Case #%(case)s: the merchant made an offer"),
        _("Accept or decline it by %(due)s, or the case closes."),
    ),
    "case.no_agreement": (
        _("Case #%(case)s: no agreement with the merchant"),
        _("You may ask the platform to step in until %(due)s."),
    ),
    "case.evidence": (
        _("Case #%(case)s: the platform is stepping in"),
        _("Add your evidence to the case by %(due)s; then a support agent rules."),
    ),
    "case.ruled": (
        _("Case #%(case)s has been ruled"),
        _("Read the ruling. Each side may appeal once until %(due)s."),
    ),
    "case.appeal": (
        _("Case #%(case)s is under appeal"),
        _("A different support agent will decide."),
    ),
    "case.fast_refunded": (
        _("Case #%(case)s: fast refund paid"),
        _("The buyer was refunded at once. The merchant may contest until %(due)s."),
    ),
    "case.resolved": (_("Case #%(case)s is resolved"), _("See the outcome on the case page.")),
    "case.ruling_overdue": (
        _("Case #%(case)s: the ruling is overdue"),
        _("It was due %(due)s and is back in the queue: a support agent should take it now."),
    ),
    "case.closed_silent": (
        _("Case #%(case)s closed"),
        _("The buyer did not answer in time. The buyer may reopen it once."),
    ),
    "case.withdrawn": (_("Case #%(case)s withdrawn"), _("The buyer withdrew the case.")),
    "case.reminder": (
        _("Reminder: case #%(case)s is waiting for you"),
        _("The deadline is %(due)s."),
    ),
    "case.message": (_("New message on case #%(case)s"), _("Order #%(order)s.")),
}


def register() -> None:
    for kind, (title, body) in KINDS.items():
        register_kind(kind, title=title, body=body)
