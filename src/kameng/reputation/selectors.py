"""Reads of reviews, and which of them count towards a shop's score (rule 10.2).

A review stays public but is excluded from scores when a ruling on its order found the buyer
responsible, or when its buyer is flagged for claim abuse (``aftersales.standing``: at least
``claim_abuse_flag_count`` claims ruled unfounded in 90 days). The mark is stored on the review:
set when it is posted, or later by the case step that blames the buyer or raises the flag
(``receivers``), so the shop's counted figures change exactly when the mark does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from django.db.models import QuerySet, Sum
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.aftersales.models import Case, Ruling
from kameng.aftersales.selectors import closed_cases_of_order
from kameng.aftersales.standing import standing_of
from kameng.core.errors import DomainError
from kameng.reputation.models import MetricDay, Review
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


def exclusion_at_posting(*, order_id: int, buyer_id: int, now, book) -> str:
    """Why a review about to be posted will not count ("" when it will): a ruling on its order
    found the buyer responsible, or the buyer is flagged for claim abuse now."""
    if Ruling.objects.filter(case__order_id=order_id, responsible="buyer").exists():
        return BUYER_RESPONSIBLE
    if standing_of(buyer_id, now=now, flag_at=book.params["claim_abuse_flag_count"]).flagged:
        return CLAIM_ABUSE
    return ""


def exclusions(reviews: list[Review]) -> dict[int, str]:
    """Review id → why it does not count, for the reviews that do not (the stored mark)."""
    return {r.pk: r.excluded for r in reviews if r.excluded}


def rows(reviews) -> list[ReviewRow]:
    reviews = list(reviews)
    marks = exclusions(reviews)
    return [ReviewRow(r, marks.get(r.pk)) for r in reviews]


@dataclass(frozen=True)
class ReviewPage:
    rows: list[ReviewRow]
    page: int
    has_next: bool


REVIEWS_PER_PAGE = 10


def _page(qs: QuerySet[Review], page: int, per_page: int) -> ReviewPage:
    """One page, newest first; one row more than a page is read to know whether another follows."""
    page = max(1, page)
    start = (page - 1) * per_page
    got = list(_public(qs)[start : start + per_page + 1])
    return ReviewPage(rows(got[:per_page]), page, len(got) > per_page)


def reviews_of_shop(*, shop: Shop, page: int = 1, per_page: int = REVIEWS_PER_PAGE) -> ReviewPage:
    """The shop's reviews for its public page, hidden ones included (the page shows only the
    clause they were hidden under)."""
    return _page(Review.objects.filter(shop=shop), page, per_page)


def reviews_for_merchant(*, merchant: User, page: int = 1, per_page: int = 20) -> ReviewPage:
    require_role(merchant, Role.MERCHANT)
    shop = getattr(merchant, "shop", None)
    if shop is None:
        raise DomainError("shop.no_shop")
    return _page(Review.objects.filter(shop=shop), page, per_page)


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


# --- shop figures (10.4) -------------------------------------------------------------------------


def _half_up(value: Fraction) -> int:
    return int((value * 2 + 1) // 2)


def months_between(start: datetime, end: datetime) -> int:
    """Whole calendar months from ``start`` to ``end`` (a shop opened on 15 March has sold for one
    month on 15 April)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if (end.day, end.time()) < (start.day, start.time()):
        months -= 1
    return max(months, 0)


@dataclass(frozen=True)
class Figures:
    """A shop's (or product's) figures over the window, and what follows from them. Rates and the
    score are exact fractions: thresholds compare exactly; pages round for display."""

    since: date
    until: date
    window_days: int
    orders: int = 0
    sales_fen: int = 0
    keys_sold: int = 0
    cases: int = 0
    invalid_keys: int = 0
    dispute_losses: int = 0
    sla_breaches: int = 0
    reviews: int = 0
    stars_described: int = 0
    stars_delivery: int = 0
    stars_service: int = 0
    responded: int = 0
    median_response_s: int | None = None
    months_selling: int = 0
    prior_stars: int = 450  # hundredths
    prior_reviews: int = 20

    @staticmethod
    def rate(num: int, den: int) -> Fraction | None:
        return Fraction(num, den) if den else None

    @property
    def aftersales_rate(self) -> Fraction | None:
        return self.rate(self.cases, self.orders)

    @property
    def dispute_rate(self) -> Fraction | None:
        return self.rate(self.dispute_losses, self.orders)

    @property
    def invalid_key_rate(self) -> Fraction | None:
        return self.rate(self.invalid_keys, self.keys_sold)

    def dimension(self, stars_sum: int) -> Fraction | None:
        """Bayesian average: as if the shop had ``prior_reviews`` more reviews of ``prior_stars``."""
        weight = self.prior_reviews + self.reviews
        if not weight:
            return None
        return Fraction(self.prior_reviews * self.prior_stars + 100 * stars_sum, 100 * weight)

    @property
    def dimensions(self) -> dict[str, Fraction | None]:
        return {
            "described": self.dimension(self.stars_described),
            "delivery": self.dimension(self.stars_delivery),
            "service": self.dimension(self.stars_service),
        }

    @property
    def score(self) -> Fraction | None:
        dims = list(self.dimensions.values())
        return None if None in dims else sum(dims) / 3

    @property
    def score_x100(self) -> int | None:
        return None if self.score is None else _half_up(self.score * 100)

    @staticmethod
    def bps(rate: Fraction | None) -> int | None:
        return None if rate is None else _half_up(rate * 10_000)


def window_of(book, now: datetime) -> tuple[date, date]:
    from kameng.reputation.metrics import day_of

    until = day_of(now)
    return until - timedelta(days=book.params["metrics_window_days"] - 1), until


def _start_of(day: date) -> datetime:
    from kameng.reputation.metrics import zone

    return datetime.combine(day, time.min, tzinfo=zone())


def median_response(*, shop_id: int, since: date) -> tuple[int, int | None]:
    """How many cases opened since ``since`` the merchant answered, and the median time to the
    first answer in whole seconds (the mean of the two middle ones, rounded down, for an even count)."""
    qs = Case.objects.filter(shop_id=shop_id, opened_at__gte=_start_of(since), response_s__isnull=False)
    n = qs.count()
    if not n:
        return 0, None
    middle = list(qs.order_by("response_s").values_list("response_s", flat=True)[(n - 1) // 2 : n // 2 + 1])
    return n, sum(middle) // len(middle)


def shop_figures(*, shop: Shop, now: datetime | None = None) -> Figures:
    """The shop's figures over the rulebook's window: one sum over at most one row per day, and
    the median of its answered cases."""
    now = now or timezone.now()
    book = rulebook.in_force()
    since, until = window_of(book, now)
    sums = MetricDay.objects.filter(shop_id=shop.pk, product_id=0, day__gte=since, day__lte=until).aggregate(
        **{c: Sum(c) for c in MetricDay.COUNTERS}
    )
    responded, median = median_response(shop_id=shop.pk, since=since)
    return Figures(
        since=since,
        until=until,
        window_days=book.params["metrics_window_days"],
        **{c: int(v or 0) for c, v in sums.items()},
        responded=responded,
        median_response_s=median,
        months_selling=months_between(shop.created_at, now),
        prior_stars=book.params["score_prior_stars"],
        prior_reviews=book.params["score_prior_reviews"],
    )


def product_figures(*, shop: Shop, now: datetime | None = None) -> dict[int, Figures]:
    """Product id → its figures over the window (keys and invalid keys are what 10.6 reads)."""
    now = now or timezone.now()
    book = rulebook.in_force()
    since, until = window_of(book, now)
    rows = (
        MetricDay.objects.filter(shop_id=shop.pk, day__gte=since, day__lte=until)
        .exclude(product_id=0)
        .values("product_id")
        .annotate(**{c: Sum(c) for c in MetricDay.COUNTERS})
        .order_by("product_id")
    )
    window = book.params["metrics_window_days"]
    return {
        r["product_id"]: Figures(
            since=since, until=until, window_days=window, **{c: int(r[c]) for c in MetricDay.COUNTERS}
        )
        for r in rows
    }


def daily_figures(*, shop: Shop, days: int, now: datetime | None = None) -> list[tuple[date, dict[str, int]]]:
    """The shop's counters day by day (zeros on quiet days), oldest first: the dashboard's charts."""
    from kameng.reputation.metrics import day_of

    until = day_of(now or timezone.now())
    since = until - timedelta(days=days - 1)
    rows = {
        r["day"]: r
        for r in MetricDay.objects.filter(shop_id=shop.pk, product_id=0, day__gte=since, day__lte=until).values(
            "day", *MetricDay.COUNTERS
        )
    }
    out = []
    for i in range(days):
        day = since + timedelta(days=i)
        row = rows.get(day, {})
        out.append((day, {c: int(row.get(c, 0)) for c in MetricDay.COUNTERS}))
    return out


def daily_response(*, shop: Shop, days: int, now: datetime | None = None) -> dict[date, int]:
    """Day a case was opened → the median seconds to the merchant's first answer on that day's cases."""
    from kameng.reputation.metrics import day_of

    until = day_of(now or timezone.now())
    since = until - timedelta(days=days - 1)
    by_day: dict[date, list[int]] = {}
    for opened_at, seconds in Case.objects.filter(
        shop_id=shop.pk, opened_at__gte=_start_of(since), response_s__isnull=False
    ).values_list("opened_at", "response_s"):
        by_day.setdefault(day_of(opened_at), []).append(seconds)
    out = {}
    for day, values in by_day.items():
        values.sort()
        n = len(values)
        out[day] = sum(values[(n - 1) // 2 : n // 2 + 1]) // len(values[(n - 1) // 2 : n // 2 + 1])
    return out
