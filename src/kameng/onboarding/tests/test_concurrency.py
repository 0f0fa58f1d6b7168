"""Real races on PostgreSQL: one applicant sending two applications at once gets one (and pays
one deposit); two operators deciding one application at once make one decision."""

from __future__ import annotations

import pytest

from kameng.accounts.models import Role
from kameng.core.errors import DomainError
from kameng.ledger.selectors import check_ledger
from kameng.onboarding import services
from kameng.onboarding.models import ShopApplication
from kameng.onboarding.tests.test_services import doc, fund, wallet
from kameng.shops.models import Shop
from tests.factories import UserFactory
from tests.helpers import run_threads

FIELDS = {"description": "点卡与会员，自动发货。", "category": "game_card", "contact": "QQ 1"}


def _outcome(call):
    try:
        call()
        return "ok"
    except DomainError as exc:
        return exc.code


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_applications_at_once_make_one_and_hold_one_deposit():
    applicant = UserFactory(role=Role.BUYER, username="racer")
    fund(applicant, 200_000)
    results, errors = run_threads(
        2,
        lambda i: _outcome(
            lambda: services.submit_application(
                applicant=applicant, shop_name=f"并发小店{i}", documents=[doc()], **FIELDS
            )
        ),
    )
    assert errors == []
    assert sorted(results) == ["ok", "onboarding.already_open"]
    assert ShopApplication.objects.filter(applicant=applicant).count() == 1
    assert wallet(applicant) == 150_000
    assert check_ledger().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_operators_deciding_at_once_make_one_decision():
    applicant = UserFactory(role=Role.BUYER, username="waiting")
    fund(applicant, 50_000)
    application = services.submit_application(applicant=applicant, shop_name="一家店", documents=[doc()], **FIELDS)
    operators = [UserFactory(role=Role.OPERATOR, username=f"op{i}") for i in range(2)]
    actions = [("approve", ""), ("reject", "不符合")]
    results, errors = run_threads(
        2,
        lambda i: _outcome(
            lambda: services.decide_application(
                operator=operators[i], application_id=application.pk, action=actions[i][0], reason=actions[i][1]
            )
        ),
    )
    assert errors == []
    assert sorted(results) == ["ok", "onboarding.not_allowed"]
    application.refresh_from_db()
    if application.state == "approved":
        assert Shop.objects.filter(owner=applicant).count() == 1 and wallet(applicant) == 0
    else:
        assert not Shop.objects.filter(owner=applicant).exists() and wallet(applicant) == 50_000
    assert check_ledger().ok
