from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReputationConfig(AppConfig):
    name = "kameng.reputation"
    label = "reputation"

    def ready(self) -> None:
        from kameng.core.periodic import register
        from kameng.notifications.kinds import register_kind
        from kameng.reputation import receivers
        from kameng.reputation.trust import evaluate_due
        from kameng.timeline.labels import register_kind_labels

        receivers.connect()
        # Badges, penalties and the search snapshot follow the figures (10.4–10.6).
        register("reputation.trust", lambda now: evaluate_due(now))

        register_kind(
            "review.posted",
            title=_("New review of order %(order)s"),
            body=_("%(stars)s stars. You may reply once."),
        )
        register_kind(
            "review.hidden",
            title=_("Your review of order %(order)s was hidden"),
            body=_("Hidden under clause %(clause)s: %(reason)s"),
        )
        register_kind(
            "penalty.applied",
            title=_("Penalty: %(kind)s (clause %(clause)s)"),
            body=_("Your shop's figures crossed a rulebook threshold; your dashboard shows them. You may appeal once."),
        )
        register_kind(
            "penalty.lifted",
            title=_("Penalty lifted: %(kind)s"),
            body=_("The figures behind it recovered (clause %(clause)s)."),
        )
        register_kind(
            "penalty.decided",
            title=_("Your appeal was decided: %(kind)s"),
            body=_("See the decision on your dashboard (clause %(clause)s)."),
        )
        register_kind(
            "badge.earned", title=_("Badge earned: %(badge)s"), body=_("Every threshold of clause 10.5 holds.")
        )
        register_kind(
            "badge.lost",
            title=_("Badge lost: %(badge)s"),
            body=_("A figure fell short of clause 10.5; your dashboard shows which."),
        )
        register_kind_labels(
            {
                "penalty.applied": _("Penalty applied by rule"),
                "penalty.lift": _("Penalty lifted: the figures recovered"),
                "penalty.appeal": _("The merchant appealed"),
                "penalty.uphold": _("Appeal decided: penalty upheld"),
                "penalty.overturn": _("Appeal decided: penalty overturned"),
                "review.posted": _("Reviewed"),
                "review.follow_up": _("Follow-up review"),
                "review.replied": _("The merchant replied to the review"),
                "review.hidden": _("Review hidden under a rulebook clause"),
            }
        )
        _register_timeline_fields()


def _register_timeline_fields() -> None:
    """How review and penalty payloads read (kameng.timeline.labels)."""
    from kameng.reputation.models import PenaltyState
    from kameng.timeline.labels import choice, number, ref, register_fields, text

    review_kinds = ["review.posted", "review.follow_up", "review.replied", "review.hidden"]
    register_fields(
        {
            "review": None,
            "case": ref(_("After-sales case #%(id)s")),
            "stars_described": number(_("As described")),
            "stars_delivery": number(_("Delivery speed")),
            "stars_service": number(_("Service attitude")),
            "tags": None,
            "text": text(),
            "reason": text(_("Reason")),
        },
        kinds=review_kinds,
    )
    states = dict(PenaltyState.choices)
    register_fields(
        {
            "from": choice(_("Previous state"), states),
            "to": choice(_("New state"), states),
            "text": text(),
            "note": text(_("Note")),
            # The figures behind a penalty are on the merchant's dashboard, labelled there.
            **dict.fromkeys(
                (
                    "rule",
                    "value",
                    "threshold",
                    "unit",
                    "invalid_keys",
                    "keys_sold",
                    "minimum",
                    "dispute_losses",
                    "orders",
                    "days",
                ),
                None,
            ),
        },
        kinds=["penalty.applied", "penalty.lift", "penalty.appeal", "penalty.uphold", "penalty.overturn"],
    )
