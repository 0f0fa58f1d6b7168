"""Upgrading a database whose rulebook predates the order parameters (rulebook 0002), and the
warning for the environment variables they replace."""

import importlib

import pytest
from django.apps import apps

from kameng.rulebook import checks, selectors
from kameng.rulebook.models import RulebookClause, RulebookVersion
from kameng.rulebook.params import PARAMS

pytestmark = pytest.mark.django_db

migration = importlib.import_module("kameng.rulebook.migrations.0002_order_parameters")

ORDER_PARAMS = set(migration.PARAMS)
OLD_VARIABLES = [variable for variable, _low, _high in migration.FROM_ENVIRONMENT.values()]


@pytest.fixture
def old_rulebook(monkeypatch):
    """Version 1 as published before the order parameters existed; none of their variables set."""
    for variable in OLD_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    row = RulebookVersion.objects.create(
        number=1,
        params={p.name: p.default for p in PARAMS if p.name not in ORDER_PARAMS} | {"merchant_answer_hours": 12},
    )
    RulebookClause.objects.create(
        version=row, code="3.6", title_zh="答复", title_en="Answer", body_zh="{merchant_answer_hours} 小时", body_en="x"
    )
    return row


def upgrade():
    migration.publish_order_parameters(apps, None)


def test_the_upgrade_publishes_a_version_with_the_order_parameters_and_keeps_the_rest(old_rulebook):
    upgrade()
    row = RulebookVersion.objects.get(number=2)
    assert row.published_by is None and "8.6–8.9" in row.note
    assert row.params == {**old_rulebook.params, **migration.PARAMS}
    assert row.params["merchant_answer_hours"] == 12  # what operators had published stays
    assert set(RulebookClause.objects.filter(version=row).values_list("code", flat=True)) == {
        "3.6",
        "8.6",
        "8.7",
        "8.8",
        "8.9",
    }
    upgrade()  # again (a re-run migration): nothing more
    assert RulebookVersion.objects.count() == 2
    assert selectors.current().params["commission_bps"] == 300


def test_the_upgrade_keeps_the_numbers_the_deployment_ran_with(old_rulebook, monkeypatch):
    monkeypatch.setenv("KAMENG_COMMISSION_BPS", "500")
    monkeypatch.setenv("KAMENG_PROTECTION_WINDOW_HOURS", " 24 ")
    monkeypatch.setenv("KAMENG_PAYOUT_MIN_FEN", "")  # empty: not set
    upgrade()
    params = RulebookVersion.objects.get(number=2).params
    assert (params["commission_bps"], params["protection_window_hours"]) == (500, 24)
    assert (params["payment_window_minutes"], params["batch_threshold_fen"], params["payout_min_fen"]) == (
        15,
        50_000,
        100,
    )


@pytest.mark.parametrize("value", ["3001", "-1", "2.5", "3%"])
def test_a_number_the_rulebook_would_refuse_stops_the_upgrade(old_rulebook, monkeypatch, value):
    monkeypatch.setenv("KAMENG_COMMISSION_BPS", value)
    with pytest.raises(ValueError, match=r"KAMENG_COMMISSION_BPS.*commission_bps.*0 to 3000"):
        upgrade()
    assert RulebookVersion.objects.count() == 1


def test_a_fresh_database_publishes_nothing_and_installs_the_defaults_on_first_use(monkeypatch):
    monkeypatch.setenv("KAMENG_COMMISSION_BPS", "500")
    upgrade()
    assert not RulebookVersion.objects.exists()
    assert selectors.current().params["commission_bps"] == 300


def test_a_retired_variable_still_set_is_warned_about():
    assert checks.retired_variables(environ={}) == []
    found = checks.retired_variables(environ={"KAMENG_COMMISSION_BPS": "500", "KAMENG_PAYOUT_MIN_FEN": " "})
    assert [(w.id, w.msg.split(" ")[0]) for w in found] == [("rulebook.W001", "KAMENG_COMMISSION_BPS")]
    assert "commission_bps" in found[0].msg and "/operator/rules/" in found[0].hint
    assert set(checks.RETIRED_VARIABLES) == set(OLD_VARIABLES)
