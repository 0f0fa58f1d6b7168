from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kameng.accounts"
    label = "accounts"

    def ready(self) -> None:
        from kameng.accounts.services import prune_login_failures, prune_unconfirmed_signups
        from kameng.core.periodic import register

        register("login_failures_pruned", lambda now: prune_login_failures())
        register("unconfirmed_signups_pruned", lambda now: prune_unconfirmed_signups(now=now))
