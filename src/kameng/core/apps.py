from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kameng.core"
    label = "core"
