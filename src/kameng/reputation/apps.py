from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReputationConfig(AppConfig):
    name = "kameng.reputation"
    label = "reputation"

    def ready(self) -> None:
        from kameng.notifications.kinds import register_kind
        from kameng.timeline.labels import register_kind_labels

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
        register_kind_labels(
            {
                "review.posted": _("Reviewed"),
                "review.follow_up": _("Follow-up review"),
                "review.replied": _("The merchant replied to the review"),
                "review.hidden": _("Review hidden under a rulebook clause"),
            }
        )
