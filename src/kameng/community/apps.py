from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "kameng.community"
    label = "community"

    def ready(self) -> None:
        from kameng.community import search_hooks

        # A full re-index of the search reads every question through this source.
        search_hooks.register()
