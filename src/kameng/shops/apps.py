from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "kameng.shops"
    label = "shops"
