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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_count_every_order_once(buyer, other_buyer, card_product):
    """Real orders, real commits: each thread's on-commit upsert adds to the same day rows."""
    from kameng.reputation import metrics, selectors
    from kameng.reputation.models import MetricDay

    buyers = [buyer, other_buyer]
    results, errors = run_threads(6, lambda i: buy(buyers[i % 2], card_product).pk)
    assert errors == [] and len(set(results)) == 6
    assert selectors.shop_figures(shop=card_product.shop).orders == 6
    assert MetricDay.objects.get(product_id=card_product.pk).keys_sold == 6
    assert metrics.check() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_evaluations_at_once_open_one_penalty(buyer, merchant, card_product):
    from kameng.aftersales import services as cases
    from kameng.reputation import trust
    from kameng.reputation.models import BadgeChange, Penalty
    from tests.helpers import publish_rules

    publish_rules(penalty_min_keys=2, warn_invalid_key_bps=3000)
    o1 = buy(buyer, card_product)
    buy(buyer, card_product)
    for okey in o1.batches.get().keys.all():
        orders.reveal_key(buyer=buyer, order_id=o1.pk, order_key_id=okey.pk, ip="1.2.3.4", user_agent="t")
    case = cases.open_case(buyer=buyer, order_id=o1.pk, subtype="invalid_key", demand="replace", description="x")
    cases.accept_case(merchant=merchant, case_id=case.pk)
    _results, errors = run_threads(3, lambda i: trust.evaluate_shop(shop_id=card_product.shop_id) and i)
    assert errors == []
    assert Penalty.objects.filter(shop=card_product.shop, rule="invalid_keys_warning").count() == 1
    assert BadgeChange.objects.filter(shop=card_product.shop).count() <= 1
