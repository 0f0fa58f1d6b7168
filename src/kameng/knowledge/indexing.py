"""The knowledge base in the search index (kameng.search): one document per article and language
that has text, visible while the article is published. The services call ``sync`` inside their
own transaction (search's index follows its document table in the same transaction), so a
rolled-back save never reaches the index; ``all_documents`` is the source of a full re-index,
registered in apps.py."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from kameng.knowledge.models import Article, ArticleState
from kameng.search import services as search

KIND = "article"
LANGUAGES = ("zh", "en")


def documents_of(article: Article) -> list[dict]:
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
                    "body": body,  # Markdown; search indexes and shows it as plain text
                    "url": url,
                    "visible": visible,
                }
            )
    return docs


def sync(article: Article) -> None:
    """Put the article's documents in the index (and take out a language that lost its text)."""
    docs = documents_of(article)
    languages = {d["language"] for d in docs}
    for lang in LANGUAGES:
        if lang not in languages:
            search.remove_document(kind=KIND, key=article.slug, language=lang)
    for doc in docs:
        search.index_document(**doc)


def all_documents() -> Iterator[dict]:
    """Every article's documents (drafts and archived ones too, as invisible), for a re-index."""
    for article in Article.objects.order_by("pk").iterator():
        yield from documents_of(article)
