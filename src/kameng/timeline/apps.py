from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "kameng.timeline"
    label = "timeline"
