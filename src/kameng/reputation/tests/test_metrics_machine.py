"""Incremental shop figures equal ``kameng metrics rebuild`` after any history (rule 10.4).

Extends the after-sales money machine (orders paid by wallet and gateway, deliveries of every kind,
the whole case ladder with rulings, appeals, fast refunds, reopenings and time jumps) with reviews
posted and hidden. After every step the on-commit counter updates run, and the counters must equal
what the records say, exactly, for every shop, product and day.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule, run_state_machine_as_test

from kameng.aftersales.tests.test_money_with_cases import CaseMoneyMachine, case_world  # noqa: F401
from kameng.core.errors import DomainError
from kameng.orders.models import Order
from kameng.orders.tests.conftest import manual_product, supplier, topup_product  # noqa: F401  (fixtures)
from kameng.orders.tests.test_money_state_machine import world  # noqa: F401  (fixture)
from kameng.reputation import metrics, services
from kameng.reputation.models import MetricDay, Review
from kameng.reputation.tests.conftest import run_on_commit_callbacks

pytestmark = pytest.mark.django_db

STARS = st.integers(1, 5)


class MetricsMachine(CaseMoneyMachine):
    def _notify(self, params: dict):
        """The parent runs the payment's on-commit callbacks itself (``captureOnCommitCallbacks``),
        which leaves them queued: drop those, or the invariant below would run them a second time."""
        run_on_commit_callbacks()
        result = super()._notify(params)
        connection.run_on_commit[:] = []
        return result

    @rule(pick=st.integers(0, 50), described=STARS, delivery=STARS, service=STARS)
    @precondition(lambda self: Order.objects.filter(completed_at__isnull=False, review__isnull=True).exists())
    def buyer_reviews(self, pick, described, delivery, service):
        done = list(Order.objects.filter(completed_at__isnull=False, review__isnull=True).order_by("pk"))
        order = done[pick % len(done)]
        try:
            services.post_review(
                buyer=order.buyer,
                order_id=order.pk,
                stars_described=described,
                stars_delivery=delivery,
                stars_service=service,
                text="好",
            )
        except DomainError as exc:  # the review window passed (time jumps)
            assert exc.code == "reviews.window_over", exc.code

    @rule(pick=st.integers(0, 50))
    @precondition(lambda self: Review.objects.filter(hidden_at__isnull=True).exists())
    def operator_hides_a_review(self, pick):
        shown = list(Review.objects.filter(hidden_at__isnull=True).order_by("pk"))
        services.hide_review(
            operator=self.operator, review_id=shown[pick % len(shown)].pk, clause="10.2", reason="站外引流"
        )

    @invariant()
    def counters_equal_the_records(self):
        run_on_commit_callbacks()
        assert metrics.check() == []


def test_incremental_figures_equal_the_rebuild_after_any_history(case_world):  # noqa: F811
    MetricsMachine.world = case_world
    run_state_machine_as_test(
        MetricsMachine,
        settings=settings(
            max_examples=int(os.environ.get("SM_EXAMPLES", 15)),
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
        ),
    )
    assert not MetricDay.objects.exists()  # every example rolled back: the machine saw its own counters
