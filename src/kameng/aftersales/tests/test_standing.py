"""Buyer standing (rule 10.2): the claim history decides fast-refund eligibility (8.3) and flags
serial claimers to agents, never to merchants or other buyers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from kameng.aftersales import services
from kameng.aftersales.models import Case, CaseState, Remedy
from kameng.aftersales.standing import standing_of
from kameng.aftersales.tests.conftest import buy
from tests.factories import PASSWORD
from tests.helpers import ApiClient, publish_rules

pytestmark = pytest.mark.django_db


def _rejected_claims(buyer, product, n: int) -> None:
    """n closed cases whose claim was rejected (the state a final 驳回 leaves)."""
    for _ in range(n):
        order = buy(buyer, product)
        case = services.open_case(
            buyer=buyer, order_id=order.pk, subtype="invalid_key", demand="replace", description="不能用"
        )
        Case.objects.filter(pk=case.pk).update(
            state=CaseState.RESOLVED, outcome=Remedy.REJECT, closed_at=timezone.now()
        )


def _full_refund_case(buyer, product):
    order = buy(buyer, product)
    return services.open_case(
        buyer=buyer, order_id=order.pk, subtype="invalid_key", demand="full_refund", description="不能用"
    )


def test_standing_counts_the_claim_history(buyer, other_buyer, card_product):
    _rejected_claims(buyer, card_product, 2)
    standing = standing_of(buyer.pk, now=timezone.now(), flag_at=2)
    assert (standing.opened, standing.upheld, standing.unfounded, standing.flagged) == (2, 0, 2, True)
    assert not standing_of(other_buyer.pk, now=timezone.now(), flag_at=2).flagged


def test_a_flagged_buyer_gets_no_fast_refund(buyer, other_buyer, card_product):
    publish_rules(claim_abuse_flag_count=2)
    assert _full_refund_case(other_buyer, card_product).state == CaseState.FAST_REFUNDED  # in good standing
    _rejected_claims(buyer, card_product, 2)
    case = _full_refund_case(buyer, card_product)
    assert case.state == CaseState.MERCHANT and not case.fast_refunded  # the ladder, not 极速退款


def test_agents_see_the_flag_merchants_do_not(buyer, merchant, agent, card_product):
    publish_rules(claim_abuse_flag_count=2)
    _rejected_claims(buyer, card_product, 2)
    order = buy(buyer, card_product)
    case = services.open_case(
        buyer=buyer, order_id=order.pk, subtype="invalid_key", demand="replace", description="又不能用"
    )
    Case.objects.filter(pk=case.pk).update(state=CaseState.EVIDENCE)
    desk = Client()
    desk.login(username=agent.username, password=PASSWORD)
    queue = desk.get("/agent/cases/").content.decode()
    assert 'data-testid="buyer-flagged"' in queue
    page = desk.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="buyer-standing"' in page
    assert ApiClient(agent).get(f"/api/v1/cases/{case.pk}").json()["buyer_standing"]["flagged"] is True

    shop = Client()
    shop.login(username=merchant.username, password=PASSWORD)
    assert 'data-testid="buyer-standing"' not in shop.get(f"/cases/{case.pk}/").content.decode()
    assert ApiClient(merchant).get(f"/api/v1/cases/{case.pk}").json()["buyer_standing"] is None
    assert ApiClient(buyer).get(f"/api/v1/cases/{case.pk}").json()["buyer_standing"] is None
