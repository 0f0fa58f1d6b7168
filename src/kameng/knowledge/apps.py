from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "kameng.knowledge"
    label = "knowledge"
