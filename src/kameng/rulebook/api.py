"""Rulebook API: the version in force, every version, and publishing (operators).
Handlers only parse, call one service or selector, and shape the answer."""

from __future__ import annotations

from ninja import Path, Router

from kameng.accounts.auth import api_auth
from kameng.rulebook import selectors, services
from kameng.rulebook.schemas import PublishIn, RulebookOut, VersionOut
from kameng.rulebook.selectors import Rulebook

router = Router(tags=["rulebook"])
MAX_NUMBER = 2**31 - 1  # larger version numbers cannot exist; refusing them keeps the database out of it


def _out(rulebook: Rulebook) -> dict:
    return {
        "id": rulebook.id,
        "number": rulebook.number,
        "published_at": rulebook.published_at,
        "published_by": rulebook.published_by,
        "note": rulebook.note,
        "params": dict(rulebook.params),
        "parameters": selectors.parameter_rows(rulebook),
        "clauses": [
            {
                "code": c.code,
                "title": c.title,
                "body": c.body,
                "title_zh": c.title_zh,
                "title_en": c.title_en,
                "body_zh": c.body_zh,
                "body_en": c.body_en,
            }
            for c in rulebook.clauses
        ],
        "problems": selectors.taxonomy(),
    }


@router.get("", response=RulebookOut, summary="The rulebook in force")
def current(request):
    return _out(selectors.current())


@router.get("/versions", response=list[VersionOut], summary="Every published version, newest first")
def versions(request):
    selectors.current()  # the defaults count as version 1 even before anyone read them
    return [v._asdict() for v in selectors.versions()]


@router.get("/versions/{number}", response=RulebookOut, summary="One version by number")
def version(request, number: int = Path(..., ge=1, le=MAX_NUMBER)):
    selectors.current()
    return _out(selectors.version_by_number(number))


@router.post("/versions", auth=api_auth, response={201: RulebookOut}, summary="Publish a new version (operator)")
def publish(request, payload: PublishIn):
    rulebook = services.publish_version(
        operator=request.auth,
        params=payload.params,
        clauses=[c.dict(exclude_unset=True) for c in payload.clauses] if payload.clauses is not None else None,
        note=payload.note,
    )
    return 201, _out(rulebook)
