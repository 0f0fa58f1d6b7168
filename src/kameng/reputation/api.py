"""/api/v1/reviews: reviews (评价), follow-ups (追评), the shop's reply, operator hiding (10.2).
Thin: parse, call one service or selector, shape."""

from __future__ import annotations

from ninja import Path, Router

from kameng.accounts.auth import api_auth
from kameng.reputation import selectors, services
from kameng.reputation.schemas import MAX_ID, HideIn, ReviewIn, ReviewOut, TextIn
from kameng.shops.selectors import shop_by_slug

router = Router(tags=["reviews"])


def _id():
    return Path(..., ge=1, le=MAX_ID)


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


@router.get("/shops/{slug}", response=list[ReviewOut], summary="A shop's reviews, newest first (public)")
def of_shop(request, slug: str):
    return [_out(row) for row in selectors.reviews_of_shop(shop=shop_by_slug(slug=slug))]


@router.post("/orders/{order_id}", auth=api_auth, response={201: ReviewOut}, summary="Review my completed order")
def post(request, payload: ReviewIn, order_id: int = _id()):
    return 201, _one(services.post_review(buyer=request.auth, order_id=order_id, **payload.dict()))


@router.post(
    "/{review_id}/follow-up", auth=api_auth, response={201: ReviewOut}, summary="Follow-up review (追评) after a case"
)
def follow_up(request, payload: TextIn, review_id: int = _id()):
    item = services.post_follow_up(buyer=request.auth, review_id=review_id, text=payload.text)
    return 201, _one(item.review)


@router.get("/mine", auth=api_auth, response=list[ReviewOut], summary="Reviews of my shop (merchant)")
def of_my_shop(request):
    return [_out(row) for row in selectors.reviews_for_merchant(merchant=request.auth)]


@router.post("/{review_id}/reply", auth=api_auth, response=ReviewOut, summary="The shop's one reply (merchant)")
def reply(request, payload: TextIn, review_id: int = _id()):
    return _one(services.reply_to_review(merchant=request.auth, review_id=review_id, text=payload.text))


@router.post("/{review_id}/hide", auth=api_auth, response=ReviewOut, summary="Hide a review under a clause (operators)")
def hide(request, payload: HideIn, review_id: int = _id()):
    return _one(
        services.hide_review(operator=request.auth, review_id=review_id, clause=payload.clause, reason=payload.reason)
    )
