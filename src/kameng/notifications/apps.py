from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "kameng.notifications"
    label = "notifications"
