"""/api/v1/triage: the likeliest problem subtypes for a buyer's description (and their order).
A suggestion only: the buyer chooses the subtype when opening the case. Thin handlers."""

from __future__ import annotations

from dataclasses import asdict

from ninja import Router

from kameng.accounts.auth import api_auth
from kameng.triage import selectors
from kameng.triage.schemas import SuggestIn, SuggestOut, SuggestTextIn

router = Router(tags=["triage"])


def _out(suggestions) -> dict:
    return {"suggestions": [asdict(s) for s in suggestions], "model": selectors.model_info()}


@router.post("/suggest", auth=api_auth, response=SuggestOut, summary="Likeliest subtypes for the buyer's own order")
def suggest(request, payload: SuggestIn):
    return _out(selectors.suggest_for_order(user=request.auth, order_id=payload.order_id, text=payload.description))


@router.post("/suggest-text", auth=api_auth, response=SuggestOut, summary="Likeliest subtypes for a description alone")
def suggest_text(request, payload: SuggestTextIn):
    return _out(selectors.suggest(text=payload.description))
