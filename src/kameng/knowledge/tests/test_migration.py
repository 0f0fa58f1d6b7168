"""0002 keeps existing articles: the one subtype becomes a link, ``published`` a state, and the
content version 1 of the history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

OLD = [("knowledge", "0001_initial")]
NEW = [("knowledge", "0002_markdown_versions_votes")]


@pytest.mark.django_db(transaction=True)
def test_old_articles_survive_the_migration():
    executor = MigrationExecutor(connection)
    executor.migrate(OLD)
    old_apps = executor.loader.project_state(OLD).apps
    Old = old_apps.get_model("knowledge", "Article")
    when = timezone.now()
    Old.objects.create(slug="kept", subtype="invalid_key", title_zh="旧文章", body_zh="旧正文", updated_at=when)
    Old.objects.create(slug="hidden", subtype="wrong_region", title_zh="草稿", body_zh="x", published=False)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(NEW)
    new_apps = executor.loader.project_state(NEW).apps
    Article = new_apps.get_model("knowledge", "Article")
    Version = new_apps.get_model("knowledge", "ArticleVersion")
    Link = new_apps.get_model("knowledge", "ArticleSubtype")
    kept = Article.objects.get(slug="kept")
    assert (kept.state, kept.version, kept.title_zh, kept.body_zh) == ("published", 1, "旧文章", "旧正文")
    assert list(Link.objects.filter(article=kept).values_list("code", flat=True)) == ["invalid_key"]
    v = Version.objects.get(article=kept)
    assert (v.number, v.title_zh, v.subtypes) == (1, "旧文章", ["invalid_key"])
    assert Article.objects.get(slug="hidden").state == "draft"

    # And back again: the first subtype and the published flag return.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(OLD)
    Old = executor.loader.project_state(OLD).apps.get_model("knowledge", "Article")
    assert {(a.slug, a.subtype, a.published) for a in Old.objects.all()} == {
        ("kept", "invalid_key", True),
        ("hidden", "wrong_region", False),
    }
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
