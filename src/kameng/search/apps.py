from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_defaults(using="default", **kwargs) -> None:
    # A fresh install (and every migrate after) gets the default synonym groups it lacks; the
    # install skips groups an operator deleted, so running it on every migrate is harmless.
    from kameng.search.services import install_default_synonyms

    install_default_synonyms()


class SearchConfig(AppConfig):
    name = "kameng.search"
    label = "search"

    def ready(self) -> None:
        post_migrate.connect(_install_defaults, sender=self, dispatch_uid="search_install_default_synonyms")
