from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "kameng.community"
    label = "community"
