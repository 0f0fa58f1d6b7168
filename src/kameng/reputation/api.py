"""/api/v1/reviews: reviews (评价), follow-ups (追评), the shop's reply, operator hiding (10.2).
Thin: parse, call one service or selector, shape."""

from __future__ import annotations

from ninja import Path, Query, Router

from kameng.accounts.auth import api_auth
from kameng.reputation import selectors, services
from kameng.reputation.schemas import (
    MAX_ID,
    AppealDecisionIn,
    DashboardOut,
    HideIn,
    PenaltyOut,
    ReviewIn,
    ReviewOut,
    TextIn,
    TrustOut,
)
from kameng.shops.selectors import shop_by_slug

router = Router(tags=["reviews"])


def _id():
    return Path(..., ge=1, le=MAX_ID)


_PAGE = Query(1, ge=1, le=10_000, description="page number, from 1")


def _out(row: selectors.ReviewRow) -> dict:
    r = row.review
    hidden = r.hidden_at is not None
    follow_up = getattr(r, "follow_up", None)
    return {
        "id": r.pk,
        "order_id": r.order_id,
        "shop_id": r.shop_id,
        "product_id": r.product_id,
        "hidden": hidden,
        "hidden_clause": r.hidden_clause,
        "stars_described": None if hidden else r.stars_described,
        "stars_delivery": None if hidden else r.stars_delivery,
        "stars_service": None if hidden else r.stars_service,
        "text": "" if hidden else r.text,
        "tags": [] if hidden else r.tags,
        "created_at": r.created_at,
        "reply": "" if hidden else r.reply,
        "replied_at": r.replied_at,
        "follow_up": None
        if hidden or follow_up is None
        else {"text": follow_up.text, "case_id": follow_up.case_id, "created_at": follow_up.created_at},
        "counted": not hidden and row.excluded is None,
        "excluded_because": row.excluded,
    }


def _one(review) -> dict:
    return _out(selectors.rows([review])[0])


@router.get("/shops/{slug}", response=list[ReviewOut], summary="A shop's reviews, newest first (public), 20 a page")
def of_shop(request, slug: str, page: int = _PAGE):
    found = selectors.reviews_of_shop(shop=shop_by_slug(slug=slug), page=page, per_page=20)
    return [_out(row) for row in found.rows]


@router.post("/orders/{order_id}", auth=api_auth, response={201: ReviewOut}, summary="Review my completed order")
def post(request, payload: ReviewIn, order_id: int = _id()):
    return 201, _one(services.post_review(buyer=request.auth, order_id=order_id, **payload.dict()))


@router.post(
    "/{review_id}/follow-up", auth=api_auth, response={201: ReviewOut}, summary="Follow-up review (追评) after a case"
)
def follow_up(request, payload: TextIn, review_id: int = _id()):
    item = services.post_follow_up(buyer=request.auth, review_id=review_id, text=payload.text)
    return 201, _one(item.review)


@router.get("/mine", auth=api_auth, response=list[ReviewOut], summary="Reviews of my shop (merchant), 20 a page")
def of_my_shop(request, page: int = _PAGE):
    return [_out(row) for row in selectors.reviews_for_merchant(merchant=request.auth, page=page).rows]


@router.post("/{review_id}/reply", auth=api_auth, response=ReviewOut, summary="The shop's one reply (merchant)")
def reply(request, payload: TextIn, review_id: int = _id()):
    return _one(services.reply_to_review(merchant=request.auth, review_id=review_id, text=payload.text))


@router.post("/{review_id}/hide", auth=api_auth, response=ReviewOut, summary="Hide a review under a clause (operators)")
def hide(request, payload: HideIn, review_id: int = _id()):
    return _one(
        services.hide_review(operator=request.auth, review_id=review_id, clause=payload.clause, reason=payload.reason)
    )


# --- trust (10.4–10.6) ------------------------------------------------------------------------------


def _trust(shop, evaluation) -> dict:
    from kameng.reputation.selectors import Figures

    f = evaluation.figures
    dims = {k: None if v is None else round(v * 100) for k, v in f.dimensions.items()}
    return {
        "shop_id": shop.pk,
        "window_days": f.window_days,
        "since": f.since.isoformat(),
        "until": f.until.isoformat(),
        "score": f.score_x100,
        "score_described": dims["described"],
        "score_delivery": dims["delivery"],
        "score_service": dims["service"],
        "reviews": f.reviews,
        "orders": f.orders,
        "keys_sold": f.keys_sold,
        "cases": f.cases,
        "aftersales_rate_bps": Figures.bps(f.aftersales_rate),
        "dispute_rate_bps": Figures.bps(f.dispute_rate),
        "invalid_key_rate_bps": Figures.bps(f.invalid_key_rate),
        "median_first_response_s": f.median_response_s,
        "sla_breaches": f.sla_breaches,
        "months_selling": f.months_selling,
        "gold": evaluation.is_gold,
        "certified": evaluation.shows_certified,
        "open_penalties": [p.kind for p in evaluation.penalties],
        "sales_fen": f.sales_fen,
        "invalid_keys": f.invalid_keys,
        "dispute_losses": f.dispute_losses,
    }


@router.get("/shops/{slug}/trust", response=TrustOut, summary="A shop's trust card: figures and badges (public)")
def shop_trust(request, slug: str):
    from kameng.reputation import trust

    shop = shop_by_slug(slug=slug)
    return _trust(shop, trust.read(shop))


@router.get("/mine/dashboard", auth=api_auth, response=DashboardOut, summary="My shop's figures and badges (merchant)")
def my_dashboard(request):
    from kameng.reputation import trust

    shop = _my_shop(request.auth)
    evaluation = trust.read(shop)
    days = selectors.daily_figures(shop=shop, days=30)
    return {
        **_trust(shop, evaluation),
        "gold_criteria": [c.as_dict() for c in evaluation.gold],
        "certified_criteria": [c.as_dict() for c in evaluation.certified],
        "days": [{"day": d.isoformat(), **row} for d, row in days],
    }


def _my_shop(user):
    from kameng.accounts.models import Role
    from kameng.accounts.permissions import require_role
    from kameng.core.errors import DomainError
    from kameng.shops.selectors import shop_of_merchant

    require_role(user, Role.MERCHANT)
    shop = shop_of_merchant(user=user)
    if shop is None:
        raise DomainError("shop.no_shop")
    return shop


@router.get("/penalties", auth=api_auth, response=list[PenaltyOut], summary="Penalties: my shop's, or all (operators)")
def penalty_list(request):
    from kameng.accounts.models import Role
    from kameng.reputation.models import Penalty

    if request.auth.role == Role.OPERATOR:
        return list(Penalty.objects.order_by("-started_at")[:200])
    return list(Penalty.objects.filter(shop=_my_shop(request.auth)).order_by("-started_at")[:200])


@router.post("/penalties/{penalty_id}/appeal", auth=api_auth, response=PenaltyOut, summary="Appeal a penalty, once")
def penalty_appeal(request, payload: TextIn, penalty_id: int = _id()):
    from kameng.reputation import penalties

    return penalties.appeal_penalty(merchant=request.auth, penalty_id=penalty_id, text=payload.text)


@router.post("/penalties/{penalty_id}/decide", auth=api_auth, response=PenaltyOut, summary="Decide an appeal")
def penalty_decide(request, payload: AppealDecisionIn, penalty_id: int = _id()):
    from kameng.reputation import penalties

    return penalties.decide_appeal(
        operator=request.auth, penalty_id=penalty_id, uphold=payload.uphold, note=payload.note
    )
