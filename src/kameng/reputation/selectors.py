"""Reads of reviews, and which of them count towards a shop's score (rule 10.2).

A review stays public but is excluded from scores when a ruling on its order found the buyer
responsible, or when its buyer is flagged for claim abuse (``aftersales.standing``: at least
``claim_abuse_flag_count`` claims ruled unfounded in 90 days). Worked out when read, so a later
ruling counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.aftersales.models import Ruling
from kameng.aftersales.selectors import closed_cases_of_order
from kameng.aftersales.standing import standings
from kameng.core.errors import DomainError
from kameng.reputation.models import Review
from kameng.rulebook import selectors as rulebook
from kameng.shops.models import Shop

BUYER_RESPONSIBLE = "buyer_responsible"
CLAIM_ABUSE = "claim_abuse"


@dataclass(frozen=True)
class ReviewRow:
    review: Review
    excluded: str | None  # None, BUYER_RESPONSIBLE or CLAIM_ABUSE


def _public(qs: QuerySet[Review]) -> QuerySet[Review]:
    return qs.select_related("buyer", "product", "follow_up").order_by("-created_at", "-pk")


def exclusions(reviews: list[Review]) -> dict[int, str]:
    """Review id → why it does not count, for the reviews that do not (two queries in all)."""
    if not reviews:
        return {}
    out: dict[int, str] = {}
    blamed = set(
        Ruling.objects.filter(case__order_id__in={r.order_id for r in reviews}, responsible="buyer").values_list(
            "case__order_id", flat=True
        )
    )
    flag_at = rulebook.in_force().params["claim_abuse_flag_count"]
    standing = standings({r.buyer_id for r in reviews}, now=timezone.now(), flag_at=flag_at)
    for review in reviews:
        if review.order_id in blamed:
            out[review.pk] = BUYER_RESPONSIBLE
        elif standing[review.buyer_id].flagged:
            out[review.pk] = CLAIM_ABUSE
    return out


def rows(reviews) -> list[ReviewRow]:
    reviews = list(reviews)
    marks = exclusions(reviews)
    return [ReviewRow(r, marks.get(r.pk)) for r in reviews]


def reviews_of_shop(*, shop: Shop, limit: int = 50) -> list[ReviewRow]:
    """The shop's reviews for its public page, newest first, hidden ones included (the page
    shows only the clause they were hidden under)."""
    return rows(_public(Review.objects.filter(shop=shop))[:limit])


def reviews_for_merchant(*, merchant: User, limit: int = 200) -> list[ReviewRow]:
    require_role(merchant, Role.MERCHANT)
    shop = getattr(merchant, "shop", None)
    if shop is None:
        raise DomainError("shop.no_shop")
    return rows(_public(Review.objects.filter(shop=shop))[:limit])


def reviews_for_operator(*, operator: User, limit: int = 200) -> list[ReviewRow]:
    require_role(operator, Role.OPERATOR)
    return rows(_public(Review.objects.select_related("shop"))[:limit])


def review_of_order(*, order) -> Review | None:
    return Review.objects.filter(order_id=order.pk).select_related("follow_up").first()


@dataclass(frozen=True)
class Reviewable:
    can_review: bool
    can_follow_up: bool
    review: Review | None


def reviewable(*, buyer: User, order, now=None) -> Reviewable:
    """What the order's own buyer may do now: review, follow up, or nothing."""
    if order.buyer_id != buyer.pk:
        return Reviewable(False, False, None)
    now = now or timezone.now()
    window = timedelta(days=rulebook.in_force().params["review_window_days"])
    review = review_of_order(order=order)
    can_review = review is None and order.completed_at is not None and now <= order.completed_at + window
    can_follow_up = False
    if review is not None and not hasattr(review, "follow_up"):
        case = closed_cases_of_order(order_id=order.pk).first()
        can_follow_up = case is not None and now <= case.closed_at + window
    return Reviewable(can_review, can_follow_up, review)
