"""The worker logs one short line per sweep pass, and nothing for an idle one."""

import pytest

from kameng.orders.management.commands.sweep import run_all, summarize


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_idle_pass_logs_nothing():
    assert summarize(run_all()) == ""


def test_busy_pass_is_one_short_line():
    results = {
        "payments_expired": 0,
        "suppliers": {"checked": 2, "succeeded": 1},
        "orders": {"cancelled": 0, "auto_confirmed": 3},
        "evidence_seal": "not due",
        "reputation.trust": 1,
    }
    line = summarize(results)
    assert line == "suppliers checked 2, suppliers succeeded 1, orders auto confirmed 3, reputation.trust 1"
    assert "{" not in line and "\n" not in line
