from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "kameng.suppliers"
    label = "suppliers"
