from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "kameng.payments"
    label = "payments"
