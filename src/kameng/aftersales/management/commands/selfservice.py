"""`kameng selfservice install`: the starter self-service content on a real install.

The demo seeds it by itself; a production install runs this once after `kameng migrate` (again
after an upgrade, to get new defaults). Each step only adds what is missing, by slug / subtype /
term, so an operator's edits, archived articles and deleted synonym groups stay as they are.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Install the starter knowledge base, self-check wizards and search synonyms (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["install"])

    def handle(self, *args, action: str, **options):
        from kameng.aftersales.services.selfcheck import install_default_wizards
        from kameng.knowledge.services import install_default_articles
        from kameng.search.services import install_default_synonyms

        articles = install_default_articles()
        wizards = install_default_wizards()
        synonyms = install_default_synonyms()
        self.stdout.write(
            f"articles added: {articles}, self-check wizards added: {wizards}, synonym groups added: {synonyms}"
        )
