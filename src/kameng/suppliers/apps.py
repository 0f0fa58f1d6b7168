from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "kameng.suppliers"
    label = "suppliers"

    def ready(self) -> None:
        from kameng.core.periodic import register
        from kameng.suppliers.services import reconcile_pending

        # Before the orders sweep (INSTALLED_APPS order), which re-reads final supplier answers.
        register("suppliers", lambda now: reconcile_pending(now=now).as_dict())
