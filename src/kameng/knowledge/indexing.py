"""The knowledge base in the search index (kameng.search): one document per article and language
that has text, visible while the article is published. Changes leave on commit, so a rolled-back
save never reaches the index.

kameng.search is being built beside this app; until its services exist these calls do nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module

from django.db import transaction
from django.urls import reverse

from kameng.core.markdown import plain
from kameng.knowledge.models import Article, ArticleState

KIND = "article"
LANGUAGES = ("zh", "en")


def _search():
    try:
        module = import_module("kameng.search.services")
    except ImportError:
        return None
    if not all(hasattr(module, name) for name in ("index_document", "remove_document")):
        return None
    return module


def documents_of(article) -> list[dict]:
    visible = article.state == ArticleState.PUBLISHED
    url = reverse("knowledge:article", args=[article.slug])
    docs = []
    for lang in LANGUAGES:
        title, body = getattr(article, f"title_{lang}"), getattr(article, f"body_{lang}")
        if title or body:
            docs.append(
                {
                    "kind": KIND,
                    "key": article.slug,
                    "language": lang,
                    "title": title or article.title_zh,
                    "body": plain(body),
                    "url": url,
                    "visible": visible,
                }
            )
    return docs


def sync(article) -> None:
    """Put the article's documents in the index now (or take out a language that lost its text)."""
    search = _search()
    if search is None:
        return
    docs = documents_of(article)
    languages = {d["language"] for d in docs}
    for lang in LANGUAGES:
        if lang not in languages:
            search.remove_document(kind=KIND, key=article.slug, language=lang)
    for doc in docs:
        search.index_document(**doc)


def on_commit_sync(article_id: int) -> None:
    def run():
        article = Article.objects.filter(pk=article_id).first()
        if article is not None:
            sync(article)

    if _search() is not None:
        transaction.on_commit(run)


def all_documents() -> Iterator[dict]:
    """Every article's documents, for a full re-index (registered in apps.py)."""
    for article in Article.objects.order_by("pk").iterator():
        yield from documents_of(article)
