"""kameng search_reindex: rebuild the search documents from every registered source (the apps
that register one in their AppConfig.ready: knowledge, community). Safe to run again."""

from django.core.management.base import BaseCommand

from kameng.search import registry, services


class Command(BaseCommand):
    help = "Rebuild the search index from all registered sources (idempotent)."

    def handle(self, *args, **options):
        if not registry.sources():
            self.stdout.write("No search sources are registered; nothing to do.")
            return
        for kind, count in services.reindex().items():
            self.stdout.write(f"{kind}: {count} documents")
