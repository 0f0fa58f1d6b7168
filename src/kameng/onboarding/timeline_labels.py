"""How shop-application events read (kameng.timeline.labels): the application page and the
operator's review use the same labels."""

from django.utils.translation import gettext_lazy as _

from kameng.onboarding.models import ShopApplication

LABELS = {
    "application.submitted": _("Applied"),
    "application.more_info": _("More information asked for"),
    "application.resubmitted": _("Answered and sent back for review"),
    "application.approved": _("Approved: the shop is open"),
    "application.rejected": _("Rejected"),
    "application.withdrawn": _("Withdrawn"),
}


def register() -> None:
    from kameng.timeline.labels import choice, count_of, money, register_fields, register_kind_labels, text

    register_kind_labels(LABELS)
    register_fields(
        {
            "state": choice(_("State"), dict(ShopApplication.State.choices)),
            "shop_name": text(_("Shop name")),
            "deposit_fen": money(_("Deposit")),
            "deposit_returned_fen": money(_("Deposit returned")),
            "documents": count_of(_("Documents")),
            "reason": text(_("Reason")),
            "note": text(_("Note")),
            "shop": None,
        },
        kinds=list(LABELS),
    )
