from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kameng.search"
    label = "search"
