from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "kameng.orders"
    label = "orders"

    def ready(self) -> None:
        from kameng.orders import receivers, timeline_labels

        receivers.connect()
        timeline_labels.register()
