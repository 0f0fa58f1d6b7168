from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kameng.demo"
    label = "demo"
