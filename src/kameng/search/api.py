"""/api/v1/search: public search over the visible documents, the operator's synonym groups.
Thin: parse, call one service or selector, shape."""

from __future__ import annotations

from ninja import Path, Query, Router

from kameng.accounts.auth import api_auth
from kameng.accounts.models import Role
from kameng.accounts.permissions import require_role
from kameng.search import selectors, services
from kameng.search.schemas import SearchOut, SynonymIn, SynonymOut

router = Router(tags=["search"])

PER_PAGE = 20
PAGE_MAX = selectors.OFFSET_MAX // PER_PAGE


def _hit(h: selectors.Hit) -> dict:
    return {
        "kind": h.kind,
        "key": h.key,
        "language": h.language,
        "url": h.url,
        "title_html": h.title_html,
        "snippet_html": h.snippet_html,
        "score": h.score,
        "title_match": h.title_hit,
    }


def _group(g) -> dict:
    return {"id": g.id, "terms": g.terms, "default": bool(g.default_key), "updated_at": g.updated_at}


@router.get("", response=SearchOut, summary="Search articles and community Q&A (public, visible only)")
def search(
    request,
    q: str = Query(..., description="1 to 200 characters"),
    kind: str | None = Query(None, pattern="^(article|question)$"),
    lang: str | None = Query(None, pattern="^(zh|en)$", description="Only this language"),
    page: int = Query(1, ge=1, le=PAGE_MAX),
):
    found = selectors.search(
        q, kinds=[kind] if kind else None, language=lang, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    return {
        "total": found.total,
        "total_capped": found.total_capped,
        "page": page,
        "per_page": PER_PAGE,
        "terms": found.terms,
        "hits": [_hit(h) for h in found.hits],
    }


@router.get("/synonyms", auth=api_auth, response=list[SynonymOut], summary="Synonym groups (operator)")
def list_synonyms(request):
    require_role(request.auth, Role.OPERATOR)
    return [_group(g) for g in selectors.synonym_groups()]


@router.post(
    "/synonyms",
    auth=api_auth,
    response={200: SynonymOut, 201: SynonymOut},
    summary="Create or replace a synonym group (operator)",
)
def save_synonyms(request, payload: SynonymIn):
    group = services.save_synonyms(operator=request.auth, terms=payload.terms, group_id=payload.id)
    return (200 if payload.id else 201), _group(selectors.synonym_group(group.pk))


@router.delete("/synonyms/{group_id}", auth=api_auth, response={204: None}, summary="Delete a synonym group (operator)")
def delete_synonyms(request, group_id: int = Path(..., ge=1, le=2**31 - 1)):
    services.delete_synonyms(operator=request.auth, group_id=group_id)
    return 204, None
