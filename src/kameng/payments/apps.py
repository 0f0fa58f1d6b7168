from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "kameng.payments"
    label = "payments"

    def ready(self) -> None:
        from django.core import checks as django_checks

        from kameng.core import money_origins
        from kameng.payments import checks, selectors, timeline_labels

        django_checks.register(checks.payment_gateways, "payments")
        checks.warn_if_sandbox()
        money_origins.register("payments", selectors.money_in_by_gateway)
        timeline_labels.register()

        from kameng.core.periodic import register
        from kameng.payments.services import expire_stale_payments, retry_sandbox_notifications

        register("payments_expired", expire_stale_payments)
        register("sandbox_notifications_retried", retry_sandbox_notifications)
