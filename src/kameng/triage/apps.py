from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "kameng.triage"
    label = "triage"
