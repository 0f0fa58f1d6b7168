"""Real races on PostgreSQL: the same review sent twice at once is posted once; two replies at
once, one."""

from __future__ import annotations

import pytest

from kameng.aftersales.tests.conftest import buy
from kameng.core.errors import DomainError
from kameng.orders import services as orders
from kameng.reputation import services
from kameng.reputation.models import Review
from kameng.timeline.selectors import events_of
from tests.helpers import run_threads

STARS = {"stars_described": 5, "stars_delivery": 5, "stars_service": 5}


def _outcome(call):
    try:
        call()
        return "ok"
    except DomainError as exc:
        return exc.code


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_review_sent_twice_at_once_is_posted_once(buyer, merchant, card_product):
    order = orders.confirm_receipt(buyer=buyer, order_id=buy(buyer, card_product).pk)
    results, errors = run_threads(
        2, lambda i: _outcome(lambda: services.post_review(buyer=buyer, order_id=order.pk, **STARS))
    )
    assert errors == [] and sorted(results) == ["ok", "reviews.already_reviewed"]
    assert Review.objects.filter(order=order).count() == 1
    assert [e.kind for e in events_of(stream=order.stream)].count("review.posted") == 1
    review = Review.objects.get(order=order)
    results, errors = run_threads(
        2, lambda i: _outcome(lambda: services.reply_to_review(merchant=merchant, review_id=review.pk, text=f"谢{i}"))
    )
    assert errors == [] and sorted(results) == ["ok", "reviews.already_replied"]
