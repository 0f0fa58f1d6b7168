from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "kameng.onboarding"
    label = "onboarding"

    def ready(self) -> None:
        from kameng.notifications.kinds import register_kind
        from kameng.onboarding import timeline_labels

        timeline_labels.register()

        register_kind(
            "application.submitted",
            title=_("Shop application %(name)s waits for review"),
            body=_("%(applicant)s applied to open a shop."),
        )
        register_kind(
            "application.more_info",
            title=_("Your shop application needs more"),
            body=_("The operator asks: %(reason)s"),
        )
        register_kind(
            "application.approved",
            title=_("Your shop %(name)s is open"),
            body=_("Your application was approved; your deposit is now the shop's deposit."),
        )
        register_kind(
            "application.rejected",
            title=_("Your shop application was rejected"),
            body=_("Reason: %(reason)s. Your deposit is back in your wallet."),
        )
