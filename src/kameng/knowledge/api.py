"""/api/v1/knowledge: the public self-check articles, and the operator's edit. Thin handlers."""

from __future__ import annotations

from django.urls import reverse
from ninja import Query, Router

from kameng.accounts.auth import api_auth
from kameng.knowledge import selectors, services
from kameng.knowledge.schemas import ArticleFilter, ArticleIn, ArticleOut

router = Router(tags=["knowledge"])


def _out(article) -> dict:
    return {
        "slug": article.slug,
        "subtype": article.subtype,
        "family": article.family,
        "title": article.title,
        "body": article.body,
        "title_zh": article.title_zh,
        "title_en": article.title_en,
        "body_zh": article.body_zh,
        "body_en": article.body_en,
        "published": article.published,
        "position": article.position,
        "updated_at": article.updated_at,
        "url": reverse("knowledge:article", args=[article.slug]),
    }


@router.get("/articles", response=list[ArticleOut], summary="Published self-check articles (?subtype=invalid_key)")
def list_articles(request, filters: Query[ArticleFilter]):
    return [_out(a) for a in selectors.published_articles(subtype=filters.subtype)]


@router.get("/articles/{slug}", response=ArticleOut, summary="One published article")
def get_article(request, slug: str):
    return _out(selectors.article(slug))


@router.put("/articles/{slug}", auth=api_auth, response=ArticleOut, summary="Create or replace an article (operator)")
def put_article(request, slug: str, payload: ArticleIn):
    return _out(services.upsert_article(operator=request.auth, slug=slug, **payload.dict()))
