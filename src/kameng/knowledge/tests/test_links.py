"""The knowledge base is linked from the header, the buyer's order page and every case stage."""

from __future__ import annotations

import pytest
from django.test import Client

from kameng.aftersales import services as aftersales
from kameng.aftersales.models import Case, CaseState
from kameng.aftersales.tests.conftest import buy
from kameng.knowledge.selectors import STAGE_ARTICLES
from kameng.orders.models import OrderKey
from kameng.orders.services import reveal_key
from kameng.orders.tests.conftest import card_product, load_keys  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def login(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def order(buyer, card_product):  # noqa: F811
    return buy(buyer, card_product)


@pytest.fixture
def case(buyer, order):
    key = OrderKey.objects.get(batch__order=order)
    reveal_key(buyer=buyer, order_id=order.pk, order_key_id=key.pk, ip="1.2.3.4", user_agent="t")  # no fast refund
    return aftersales.open_case(
        buyer=buyer, order_id=order.pk, subtype="invalid_key", demand="full_refund", description="卡密无效"
    )


def test_header_links_the_help_centre_for_everyone(buyer, agent):
    for client in (login(), login(buyer)):
        page = client.get("/help/").content.decode()
        assert '<a href="/help/" data-testid="nav-help">售后知识库</a>' in page
        assert 'data-testid="nav-help-console"' not in page
    assert 'href="/console/help/" data-testid="nav-help-console"' in login(agent).get("/").content.decode()


def test_order_page_shows_the_category_articles(defaults, buyer, order):
    page = login(buyer).get(f"/orders/{order.pk}/").content.decode()
    block = page.split('data-testid="order-help"', 1)[1].split("</section>", 1)[0]
    assert 'href="/help/invalid-key/"' in block  # a game card's article
    assert 'href="/help/top-up-not-credited/"' in block  # linked to game cards too
    assert 'href="/help/charged-twice/"' not in block  # no category
    assert 'data-testid="order-help-centre"' in block and 'href="/help/"' in block


@pytest.mark.parametrize("state", CaseState.values)
def test_every_case_stage_has_its_help(defaults, buyer, case, state):
    Case.objects.filter(pk=case.pk).update(state=state)
    r = login(buyer).get(f"/cases/{case.pk}/")
    assert r.status_code == 200
    block = r.content.decode().split('data-testid="case-help"', 1)[1].split("</section>", 1)[0]
    assert f'href="/help/{STAGE_ARTICLES[state]}/" data-testid="case-help-stage"' in block
    assert 'href="/help/invalid-key/"' in block  # the case's subtype


def test_case_help_for_the_merchant_too(defaults, case, merchant):
    for user in (merchant,):
        page = login(user).get(f"/cases/{case.pk}/").content.decode()
        assert 'data-testid="case-help"' in page and "/help/when-to-ask-for-platform-intervention/" in page
