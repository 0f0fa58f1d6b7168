"""Community fixtures: the after-sales ones (funded buyers, a card-key product with real stock),
a published article, and ended / open cases to share."""

from __future__ import annotations

import pytest

from kameng.aftersales import services as aftersales
from kameng.aftersales.tests.conftest import buy
from kameng.knowledge.models import Article
from kameng.orders.models import OrderKey
from kameng.orders.services import reveal_key
from kameng.orders.tests.conftest import _books_balance, card_product, load_keys  # noqa: F401


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.KAMENG_COMMUNITY_POSTS_PER_HOUR = 20
    settings.KAMENG_COMMUNITY_NEW_ACCOUNT_POSTS_PER_HOUR = 3
    settings.KAMENG_COMMUNITY_REPORTS_PER_HOUR = 10


@pytest.fixture
def article(db):
    return Article.objects.create(
        slug="key-check", subtype="invalid_key", title_zh="卡密无效如何自查", body_zh="先检查全角字符。"
    )


def open_case_for(buyer, product):
    order = buy(buyer, product)
    okey = OrderKey.objects.get(batch__order=order)
    reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip="10.0.0.9", user_agent="test")
    return aftersales.open_case(
        buyer=buyer,
        order_id=order.pk,
        subtype="invalid_key",
        demand="full_refund",
        description="卡密提示无效，买家张三",
    )


@pytest.fixture
def open_case(buyer, card_product):  # noqa: F811
    return open_case_for(buyer, card_product)


@pytest.fixture
def closed_case(buyer, merchant, card_product):  # noqa: F811
    case = open_case_for(buyer, card_product)
    return aftersales.accept_case(merchant=merchant, case_id=case.pk, note="已退款")
