from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "kameng.aftersales"
    label = "aftersales"

    def ready(self) -> None:
        from kameng.aftersales import notices, timeline_labels

        notices.register()
        timeline_labels.register()
        from kameng.aftersales.services import sweep
        from kameng.core.periodic import register

        register("aftersales", lambda now: sweep(now=now))
