from django.apps import AppConfig


class RulebookConfig(AppConfig):
    name = "kameng.rulebook"
    label = "rulebook"
