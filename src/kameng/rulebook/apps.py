from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _forget_versions(**kwargs) -> None:
    # After a migrate or a flush (each test with a real transaction ends with one) the versions
    # this process cached may name rows that are gone, or ids reused by other rows.
    from kameng.rulebook import selectors

    selectors.clear_cache()


class RulebookConfig(AppConfig):
    name = "kameng.rulebook"
    label = "rulebook"

    def ready(self) -> None:
        from django.core import checks as django_checks

        from kameng.rulebook import checks, timeline_labels

        timeline_labels.register()
        django_checks.register(checks.retired_variables, "rulebook")
        post_migrate.connect(_forget_versions, sender=self, dispatch_uid="rulebook_forget_versions")
