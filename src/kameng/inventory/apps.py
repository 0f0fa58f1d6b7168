from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "kameng.inventory"
    label = "inventory"
