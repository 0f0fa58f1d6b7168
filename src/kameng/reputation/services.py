"""Writing reviews (rule 10.2): the buyer's review of a completed order and one follow-up after a
case on it ends, the merchant's one reply, and an operator hiding a review under a clause. Each is
checked first (nothing changes on a refusal) and leaves an event on the order's timeline.

Lock order: the order row (a review, a follow-up) or the review row (a reply, a hiding) → the
order's timeline head, last. The review's one-to-one key on the order backs up "once per order".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.aftersales.selectors import closed_cases_of_order
from kameng.core.errors import DomainError
from kameng.core.text import check_text
from kameng.notifications.services import notify
from kameng.orders.selectors import order_of_buyer
from kameng.orders.uow import locked_order
from kameng.reputation import metrics
from kameng.reputation.models import TAGS, FollowUp, Moderation, Review
from kameng.reputation.selectors import exclusion_at_posting
from kameng.rulebook import selectors as rulebook
from kameng.timeline.services import NewEvent, append_events

TEXT_MAX = 500


def _stars(value: object, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        raise DomainError("invalid_input", fields={field: "a whole number from 1 to 5"})
    return value


def _text(value: object, field: str, *, required: bool = False) -> str:
    text = value.strip() if isinstance(value, str) else None
    if text is None or len(text) > TEXT_MAX:
        raise DomainError("invalid_input", fields={field: f"text of at most {TEXT_MAX} characters"})
    if required and not text:
        raise DomainError("invalid_input", fields={field: "required"})
    return check_text(text, field)


def _tags(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or len(value) > len(TAGS) or not set(value) <= TAGS.keys():
        raise DomainError("invalid_input", fields={"tags": f"some of {', '.join(TAGS)}"})
    return sorted(set(value), key=list(TAGS).index)


def _window(book) -> timedelta:
    return timedelta(days=book.params["review_window_days"])


def post_review(
    *,
    buyer: User,
    order_id: int,
    stars_described: object,
    stars_delivery: object,
    stars_service: object,
    text: object = "",
    tags: object = None,
    now: datetime | None = None,
) -> Review:
    """The buyer reviews their own completed (confirmed or auto-confirmed) order, once, within
    the rulebook's review window."""
    require_role(buyer, Role.BUYER)
    now = now or timezone.now()
    fields = {
        "stars_described": _stars(stars_described, "stars_described"),
        "stars_delivery": _stars(stars_delivery, "stars_delivery"),
        "stars_service": _stars(stars_service, "stars_service"),
        "text": _text(text, "text"),
        "tags": _tags(tags),
    }
    order_of_buyer(buyer=buyer, order_id=order_id)  # not found for anyone else's order
    book = rulebook.in_force()
    try:
        with transaction.atomic():
            order = locked_order(order_id)  # the buyer's own: checked above
            if order.completed_at is None:
                raise DomainError("reviews.not_completed")
            if now > order.completed_at + _window(book):
                raise DomainError("reviews.window_over", days=book.params["review_window_days"])
            if Review.objects.filter(order_id=order.pk).exists():
                raise DomainError("reviews.already_reviewed")
            excluded = exclusion_at_posting(order_id=order.pk, buyer_id=buyer.pk, now=now, book=book)
            review = Review.objects.create(
                order=order,
                shop_id=order.shop_id,
                product_id=order.product_id,
                buyer=buyer,
                rulebook_id=book.id,
                created_at=now,
                excluded=excluded,
                counted=not excluded,
                **fields,
            )
            if review.counted:
                metrics.count_reviews([(review, 1)])
            append_events(
                stream=order.stream,
                events=[NewEvent("review.posted", {"review": review.pk, **fields}, buyer, Role.BUYER)],
            )
            stars = round((review.stars_described + review.stars_delivery + review.stars_service) / 3, 1)
            notify(
                user=order.shop.owner,
                kind="review.posted",
                params={"order": order.pk, "stars": str(stars)},
                url="/console/reviews/",
            )
    except IntegrityError as exc:  # the one-to-one key: a simultaneous second review
        raise DomainError("reviews.already_reviewed") from exc
    return review


def post_follow_up(*, buyer: User, review_id: int, text: object, now: datetime | None = None) -> FollowUp:
    """追评: once, after an after-sales case on the reviewed order has ended, within the window."""
    require_role(buyer, Role.BUYER)
    now = now or timezone.now()
    text = _text(text, "text", required=True)
    review = Review.objects.filter(pk=review_id, buyer=buyer).first()
    if review is None:
        raise DomainError("not_found")
    book = rulebook.in_force()
    try:
        with transaction.atomic():
            order = locked_order(review.order_id)
            if FollowUp.objects.filter(review=review).exists():
                raise DomainError("reviews.already_followed_up")
            case = closed_cases_of_order(order_id=order.pk).first()
            if case is None:
                raise DomainError("reviews.no_closed_case")
            if now > case.closed_at + _window(book):
                raise DomainError("reviews.window_over", days=book.params["review_window_days"])
            follow_up = FollowUp.objects.create(review=review, case=case, text=text, created_at=now)
            append_events(
                stream=order.stream,
                events=[NewEvent("review.follow_up", {"review": review.pk, "case": case.pk, "text": text}, buyer)],
            )
    except IntegrityError as exc:
        raise DomainError("reviews.already_followed_up") from exc
    return follow_up


def _locked_review(review_id: int) -> Review:
    review = Review.objects.select_for_update().filter(pk=review_id).select_related("shop").first()
    if review is None:
        raise DomainError("not_found")
    return review


def exclude_reviews(*, reviews, reason: str) -> int:
    """Rule 10.2 marks reviews that must not count (a ruling blamed the buyer; the buyer was
    flagged for claim abuse). A mark is set once and never cleared; the review stays public.
    Runs inside the transaction of the case step that caused it; returns how many were marked."""
    marked = [r for r in Review.objects.select_for_update().filter(pk__in=[r.pk for r in reviews], excluded="")]
    if not marked:
        return 0
    metrics.count_reviews([(r, -1) for r in marked if r.counted])
    Review.objects.filter(pk__in=[r.pk for r in marked]).update(excluded=reason, counted=False)
    return len(marked)


def reply_to_review(*, merchant: User, review_id: int, text: object, now: datetime | None = None) -> Review:
    """The shop's one public reply to a review of its own order."""
    require_role(merchant, Role.MERCHANT)
    now = now or timezone.now()
    text = _text(text, "text", required=True)
    with transaction.atomic():
        review = _locked_review(review_id)
        if review.shop.owner_id != merchant.pk:
            raise DomainError("not_found")
        if review.replied_at is not None:
            raise DomainError("reviews.already_replied")
        review.reply, review.replied_at = text, now
        review.save(update_fields=["reply", "replied_at"])
        append_events(
            stream=review.stream,
            events=[NewEvent("review.replied", {"review": review.pk, "text": text}, merchant)],
        )
    return review


def hide_review(
    *, operator: User, review_id: int, clause: object, reason: object, now: datetime | None = None
) -> Review:
    """An operator hides a review only under a clause of the rulebook in force; the hiding is
    recorded (who, clause, why) and the page says "hidden under clause N"."""
    require_role(operator, Role.OPERATOR)
    now = now or timezone.now()
    reason = _text(reason, "reason", required=True)
    book = rulebook.in_force()
    if not isinstance(clause, str) or clause not in {c.code for c in book.clauses}:
        raise DomainError("reviews.unknown_clause", fields={"clause": "a clause of the rulebook in force"})
    with transaction.atomic():
        review = _locked_review(review_id)
        if review.hidden_at is not None:
            raise DomainError("reviews.already_hidden")
        review.hidden_clause, review.hidden_at = clause, now
        if review.counted:
            metrics.count_reviews([(review, -1)])
        review.counted = False
        review.save(update_fields=["hidden_clause", "hidden_at", "counted"])
        Moderation.objects.create(review=review, operator=operator, clause=clause, reason=reason, at=now)
        append_events(
            stream=review.stream,
            events=[NewEvent("review.hidden", {"review": review.pk, "clause": clause, "reason": reason}, operator)],
        )
        notify(
            user=review.buyer,
            kind="review.hidden",
            params={"order": review.order_id, "clause": clause, "reason": reason},
            url=f"/orders/{review.order_id}/",
        )
    return review
