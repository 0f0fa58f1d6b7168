"""Each app registers its own periodic jobs in its AppConfig.ready() (kameng.core.periodic): a
lower app never has to know the jobs of its neighbours, and the sweep's order follows
INSTALLED_APPS."""

import pytest
from django.apps import apps

from kameng.core import periodic


@pytest.fixture
def empty_registry(monkeypatch):
    monkeypatch.setattr(periodic, "_JOBS", {})
    return periodic._JOBS


@pytest.mark.parametrize(
    ("app", "own"),
    [
        ("accounts", {"login_failures_pruned"}),
        ("suppliers", {"suppliers"}),
        ("aftersales", {"aftersales"}),
    ],
)
def test_an_app_registers_its_own_jobs(empty_registry, app, own):
    apps.get_app_config(app).ready()
    assert own <= set(empty_registry)


def test_orders_registers_no_job_of_suppliers_or_accounts(empty_registry):
    apps.get_app_config("orders").ready()
    assert "orders" in empty_registry
    assert not {"suppliers", "login_failures_pruned"} & set(empty_registry)


def test_the_sweep_runs_every_job_once_in_app_order():
    names = [name for name, _job in periodic.jobs()]
    assert len(names) == len(set(names))
    # Supplier answers are reconciled before the orders sweep re-reads them; cases come after orders.
    assert names.index("suppliers") < names.index("orders") < names.index("aftersales")
    assert {"payments_expired", "sandbox_notifications_retried", "login_failures_pruned"} <= set(names)
