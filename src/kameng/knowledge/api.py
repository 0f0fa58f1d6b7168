"""/api/v1/knowledge: published articles for everyone; drafts, publishing, history and restore for
operators and support agents; votes for signed-in users. Thin handlers."""

from __future__ import annotations

from django.urls import reverse
from ninja import Query, Router

from kameng.accounts.auth import api_auth
from kameng.core.markdown import render
from kameng.knowledge import selectors, services
from kameng.knowledge.models import ArticleState
from kameng.knowledge.schemas import (
    ArticleCreateIn,
    ArticleFilter,
    ArticleIn,
    ArticleOut,
    ArticleVersionOut,
    ArticleVoteIn,
    ArticleVoteOut,
    EditorArticleOut,
    EditorFilter,
    RestoreIn,
)

router = Router(tags=["knowledge"])


def _name(user) -> str:
    return user.shown_name if user is not None else ""


def _out(article, *, editor: bool = False) -> dict:
    out = {
        "slug": article.slug,
        "subtype": article.subtype,
        "subtypes": article.subtype_codes,
        "categories": article.category_codes,
        "family": article.family,
        "title": article.title,
        "body": article.body,
        "html": render(article.body),
        "title_zh": article.title_zh,
        "title_en": article.title_en,
        "body_zh": article.body_zh,
        "body_en": article.body_en,
        "state": article.state,
        "published": article.state == ArticleState.PUBLISHED,
        "position": article.position,
        "version": article.version,
        "author": _name(article.author),
        "updated_at": article.updated_at,
        "url": reverse("knowledge:article", args=[article.slug]),
    }
    if editor:
        out |= {
            "helpful_count": article.helpful_count,
            "unhelpful_count": article.unhelpful_count,
            "helpful_ratio": article.helpful_ratio,
        }
    return out


def _version(v) -> dict:
    return {
        "number": v.number,
        "title_zh": v.title_zh,
        "title_en": v.title_en,
        "body_zh": v.body_zh,
        "body_en": v.body_en,
        "subtypes": v.subtypes,
        "categories": v.categories,
        "author": _name(v.author),
        "note": v.note,
        "created_at": v.created_at,
    }


# --- public ----------------------------------------------------------------------------------------
@router.get("/articles", response=list[ArticleOut], summary="Published articles (?subtype=&category=)")
def list_articles(request, filters: Query[ArticleFilter]):
    return [_out(a) for a in selectors.published_articles(subtype=filters.subtype, category=filters.category)]


@router.get("/articles/{slug}", response=ArticleOut, summary="One published article")
def get_article(request, slug: str):
    return _out(selectors.article(slug))


@router.post(
    "/articles/{slug}/vote", auth=api_auth, response=ArticleVoteOut, summary="Was it helpful? (one vote per user)"
)
def vote(request, slug: str, payload: ArticleVoteIn):
    article = services.vote(slug=slug, helpful=payload.helpful, user=request.auth)
    return {
        "slug": article.slug,
        "helpful": payload.helpful,
        "helpful_count": article.helpful_count,
        "unhelpful_count": article.unhelpful_count,
    }


# --- editors (operators and support agents) ------------------------------------------------------------
@router.get("/manage/articles", auth=api_auth, response=list[EditorArticleOut], summary="Every article (editors)")
def manage_list(request, filters: Query[EditorFilter]):
    articles = selectors.editor_articles(user=request.auth, state=filters.state, sort=filters.sort)
    return [_out(a, editor=True) for a in articles]


@router.get("/manage/articles/{slug}", auth=api_auth, response=EditorArticleOut, summary="One article, any state")
def manage_get(request, slug: str):
    return _out(selectors.editable_article(user=request.auth, slug=slug), editor=True)


@router.post("/manage/articles", auth=api_auth, response={201: EditorArticleOut}, summary="Create a draft")
def manage_create(request, payload: ArticleCreateIn):
    values = payload.dict()
    values.pop("base_version")
    if values["position"] is None:
        values["position"] = 0
    return 201, _out(services.create_article(author=request.auth, **values), editor=True)


@router.put("/articles/{slug}", auth=api_auth, response=EditorArticleOut, summary="Create or save a new version")
def put_article(request, slug: str, payload: ArticleIn):
    return _out(services.save_article(author=request.auth, slug=slug, **payload.dict()), editor=True)


@router.post("/manage/articles/{slug}/publish", auth=api_auth, response=EditorArticleOut, summary="Publish")
def publish(request, slug: str):
    return _out(services.publish_article(actor=request.auth, slug=slug), editor=True)


@router.post("/manage/articles/{slug}/archive", auth=api_auth, response=EditorArticleOut, summary="Archive")
def archive(request, slug: str):
    return _out(services.archive_article(actor=request.auth, slug=slug), editor=True)


@router.get(
    "/manage/articles/{slug}/versions", auth=api_auth, response=list[ArticleVersionOut], summary="Version history"
)
def versions(request, slug: str):
    return [_version(v) for v in selectors.versions_of(user=request.auth, slug=slug)]


@router.get(
    "/manage/articles/{slug}/versions/{number}", auth=api_auth, response=ArticleVersionOut, summary="One version"
)
def version(request, slug: str, number: int):
    return _version(selectors.version_of(user=request.auth, slug=slug, number=number))


@router.post(
    "/manage/articles/{slug}/versions/{number}/restore",
    auth=api_auth,
    response=EditorArticleOut,
    summary="Restore an old version as the newest",
)
def restore(request, slug: str, number: int, payload: RestoreIn):
    return _out(services.restore_version(author=request.auth, slug=slug, number=number, note=payload.note), editor=True)
