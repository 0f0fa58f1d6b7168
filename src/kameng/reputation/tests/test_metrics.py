"""Shop figures (10.4) on constructed histories, with exact expected values; the smoothing of the
score; `kameng metrics check / rebuild`."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from django.core.management import CommandError, call_command

from kameng.aftersales import services as cases
from kameng.aftersales.models import CaseState
from kameng.aftersales.tests.test_scenarios import revealed_order
from kameng.orders import services as orders
from kameng.reputation import metrics, selectors, services
from kameng.reputation.models import MetricDay
from kameng.reputation.selectors import Figures, months_between
from kameng.reputation.tests.conftest import run_on_commit_callbacks
from tests.helpers import publish_rules

pytestmark = pytest.mark.django_db
SEC = timedelta(seconds=1)


def review(buyer, order, stars):
    return services.post_review(
        buyer=buyer, order_id=order.pk, stars_described=stars[0], stars_delivery=stars[1], stars_service=stars[2]
    )


def test_the_figures_of_a_constructed_history(buyer, merchant, agent, card_product):
    from django.utils import timezone

    t0 = timezone.now()
    o1, o2, o3, o4 = (revealed_order(buyer, card_product) for _ in range(4))
    # 1: 卡密无效, the merchant answers after a minute and replaces the key (upheld).
    c1 = cases.open_case(buyer=buyer, order_id=o1.pk, subtype="invalid_key", demand="replace", description="x", now=t0)
    cases.accept_case(merchant=merchant, case_id=c1.pk, now=t0 + 60 * SEC)
    # 2: 已被使用, the merchant stays silent (an SLA breach); the agent rules against the shop; the
    # appeal window passes and the case closes in the buyer's favour.
    c2 = cases.open_case(
        buyer=buyer, order_id=o2.pk, subtype="key_already_used", demand="full_refund", description="x", now=t0
    )
    c2.refresh_from_db()
    cases.sweep(now=c2.due_at + SEC)
    c2.refresh_from_db()
    cases.sweep(now=c2.due_at + SEC)
    c2.refresh_from_db()
    assert c2.state == CaseState.REVIEW
    ruled_at = c2.due_at - SEC
    cases.rule(
        agent=agent,
        case_id=c2.pk,
        remedy="full_refund",
        clause="5.1",
        text="退款",
        responsible="merchant",
        now=ruled_at,
    )
    c2.refresh_from_db()
    cases.sweep(now=c2.due_at + SEC)
    c2.refresh_from_db()
    assert c2.state not in (CaseState.RULED, CaseState.REVIEW)
    # 3: the merchant refuses after two minutes; the ruling finds the buyer responsible.
    c3 = cases.open_case(buyer=buyer, order_id=o3.pk, subtype="invalid_key", demand="replace", description="x", now=t0)
    cases.refuse_case(merchant=merchant, case_id=c3.pk, reason="卡密有效", now=t0 + 120 * SEC)
    cases.request_intervention(buyer=buyer, case_id=c3.pk, reason="请介入", now=t0 + 121 * SEC)
    c3.refresh_from_db()
    cases.sweep(now=c3.due_at + SEC)
    c3.refresh_from_db()
    cases.rule(
        agent=agent,
        case_id=c3.pk,
        remedy="reject",
        clause="5.1",
        text="买家已使用",
        responsible="buyer",
        now=c3.due_at - SEC,
    )
    for order in (o1, o3, o4):
        orders.confirm_receipt(buyer=buyer, order_id=order.pk)
    review(buyer, o4, (5, 4, 3))
    review(buyer, o1, (4, 4, 4))
    blamed = review(buyer, o3, (1, 1, 1))  # counted nowhere: the ruling blamed the buyer (10.2)
    assert blamed.excluded == selectors.BUYER_RESPONSIBLE
    run_on_commit_callbacks()

    f = selectors.shop_figures(shop=card_product.shop)
    assert (f.orders, f.sales_fen, f.keys_sold) == (4, 4 * card_product.price_fen, 4)
    assert (f.cases, f.invalid_keys, f.dispute_losses, f.sla_breaches) == (3, 2, 1, 1)
    assert (f.reviews, f.stars_described, f.stars_delivery, f.stars_service) == (2, 9, 8, 7)
    assert (f.responded, f.median_response_s) == (2, 90)  # 60 s and 120 s; case 2 never answered
    assert (f.aftersales_rate, f.dispute_rate, f.invalid_key_rate) == (Fraction(3, 4), Fraction(1, 4), Fraction(1, 2))
    # As if 20 more reviews of 4.50 stars: (9000 + 900) / 2200, (9000 + 800) / 2200, (9000 + 700) / 2200.
    assert f.dimensions == {
        "described": Fraction(9900, 2200),
        "delivery": Fraction(9800, 2200),
        "service": Fraction(9700, 2200),
    }
    assert f.score == Fraction(29400, 6600) and f.score_x100 == 445
    assert metrics.check() == []  # the counters are what the records say


def test_the_window_drops_what_is_older(buyer, card_product):
    from django.utils import timezone

    revealed_order(buyer, card_product)
    run_on_commit_callbacks()
    assert selectors.shop_figures(shop=card_product.shop).orders == 1
    later = timezone.now() + timedelta(days=90)
    assert selectors.shop_figures(shop=card_product.shop, now=later).orders == 0
    publish_rules(metrics_window_days=120)
    assert selectors.shop_figures(shop=card_product.shop, now=later).orders == 1


def test_few_five_star_reviews_do_not_outrank_thousands_at_four_point_nine():
    common = {"since": None, "until": None, "window_days": 90, "prior_stars": 450, "prior_reviews": 20}
    few = Figures(reviews=3, stars_described=15, stars_delivery=15, stars_service=15, **common)
    many = Figures(reviews=3000, stars_described=14_700, stars_delivery=14_700, stars_service=14_700, **common)
    assert few.score == Fraction(20 * 450 + 1500, 2300) and many.score == Fraction(20 * 450 + 1_470_000, 302_000)
    assert many.score > few.score and few.score_x100 == 457 and many.score_x100 == 490
    # With no prior the plain average would rank them the other way round.
    raw = {**common, "prior_reviews": 0}
    assert Figures(reviews=3, stars_described=15, stars_delivery=15, stars_service=15, **raw).score == 5
    assert Figures(reviews=0, **raw).score is None


def test_months_selling_counts_whole_months():
    from datetime import UTC, datetime

    start = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
    assert months_between(start, datetime(2026, 4, 15, 11, 59, tzinfo=UTC)) == 0
    assert months_between(start, datetime(2026, 4, 15, 12, 0, tzinfo=UTC)) == 1
    assert months_between(start, datetime(2027, 3, 14, tzinfo=UTC)) == 11


def test_check_finds_a_lost_update_and_rebuild_repairs_it(buyer, card_product, capsys):
    revealed_order(buyer, card_product)
    revealed_order(buyer, card_product)
    run_on_commit_callbacks()
    call_command("metrics", "check")
    # A process died between an order's commit and its counter update.
    MetricDay.objects.filter(product_id=0).update(orders=1)
    with pytest.raises(CommandError, match="1 counters disagree"):
        call_command("metrics", "check")
    assert "orders: counted 1, records 2" in capsys.readouterr().out
    call_command("metrics", "rebuild")
    assert "1 counters were wrong" in capsys.readouterr().out
    assert metrics.check() == [] and selectors.shop_figures(shop=card_product.shop).orders == 2


def test_one_event_is_one_statement(buyer, card_product, django_assert_num_queries):
    from django.utils import timezone

    from kameng.orders.signals import PAID, OrderFact

    fact = OrderFact(PAID, 1, card_product.shop_id, card_product.pk, timezone.now(), 1, 1000)
    with django_assert_num_queries(1):
        metrics.on_orders_recorded(None, [fact])
    with django_assert_num_queries(1):
        metrics.on_orders_recorded(None, [fact, fact])
    shop_row = MetricDay.objects.get(product_id=0)
    assert (shop_row.orders, shop_row.sales_fen) == (3, 3000)
    assert MetricDay.objects.get(product_id=card_product.pk).orders == 3


def test_a_case_counts_as_soon_as_it_opens(buyer, card_product):
    order = revealed_order(buyer, card_product)
    cases.open_case(buyer=buyer, order_id=order.pk, subtype="invalid_key", demand="replace", description="x")
    run_on_commit_callbacks()
    assert selectors.shop_figures(shop=card_product.shop).cases == 1
    assert metrics.check() == []


def test_keys_handed_over_by_a_recovery_count_as_sold(buyer, card_product):
    """Found by the Hypothesis machine: a refund closed a batch that was never released, a
    recovery gave it back to the buyer (delivered now) and its keys were not counted as sold, so
    the invalid-key rate's denominator fell short of what `metrics rebuild` counts."""
    from kameng.orders import money
    from kameng.orders.models import BatchState
    from kameng.orders.tests.conftest import fund

    publish_rules(batch_threshold_fen=1000)
    fund(buyer, 100_000)
    order = orders.place_order(
        buyer=buyer, product_id=card_product.pk, quantity=2, buyer_fields=None, idempotency_key="r"
    ).order
    assert list(order.batches.order_by("seq").values_list("state", flat=True)) == ["delivered", "waiting"]
    price = order.batches.get(seq=2).amount_fen
    money.refund(order_id=order.pk, seqs=[2], amount_fen=price, source="t:r", reason="test")  # never released
    money.recover(order_id=order.pk, refund_source="t:r", amount_fen=price, source="t:r:back", reason="test")
    assert order.batches.get(seq=2).state == BatchState.DELIVERED
    run_on_commit_callbacks()
    assert metrics.check() == []
    day = MetricDay.objects.get(shop_id=order.shop_id, product_id=0)
    assert day.keys_sold == 2
