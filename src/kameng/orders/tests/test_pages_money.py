"""Merchant money pages: the balance page (deposit, debt, why payouts are frozen) and the
operators' debt list and guarantee-fund page, in Chinese by default and in English."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kameng.orders import funds
from kameng.shops.models import Shop, ShopStatus

pytestmark = pytest.mark.django_db


def login(user, lang: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if lang:
        client.post("/i18n/setlang/", {"language": lang, "next": "/"})
    return client


@pytest.mark.parametrize(
    ("name", "role", "status"),
    [
        ("orders:operator_debts", "operator", 200),
        ("orders:operator_debts", "merchant", 403),
        ("orders:operator_debts", "buyer", 403),
        ("orders:operator_debts", "agent", 403),
        ("orders:operator_fund", "operator", 200),
        ("orders:operator_fund", "merchant", 403),
        ("orders:operator_fund", "buyer", 403),
        ("orders:operator_fund", "agent", 403),
    ],
)
def test_operator_money_pages_are_for_operators_only(request, name, role, status):
    user = request.getfixturevalue(role)
    assert login(user).get(reverse(name)).status_code == status


@pytest.mark.parametrize("name", ["orders:operator_debts", "orders:operator_fund"])
def test_operator_money_pages_send_strangers_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_balance_page_says_why_payouts_are_frozen(merchant, shop):
    funds.record_debt(shop_id=shop.pk, source="test:penalty", amount_fen=250)
    page = login(merchant).get(reverse("orders:console_balance")).content.decode()
    assert 'data-testid="debt-balance">¥2.50<' in page and 'data-testid="deposit-balance">¥0.00<' in page
    assert 'data-reason="debt"' in page and "提现已冻结" in page and 'data-testid="debt-row"' in page
    assert "处罚" in page
    english = login(merchant, "en").get(reverse("orders:console_balance")).content.decode()
    assert "Payouts are frozen." in english and "Owed to the platform" in english
    Shop.objects.filter(pk=shop.pk).update(status=ShopStatus.FROZEN)
    page = login(merchant).get(reverse("orders:console_balance")).content.decode()
    assert 'data-reason="shop_frozen"' in page


def test_the_balance_page_has_no_freeze_when_payouts_are_open(merchant):
    page = login(merchant).get(reverse("orders:console_balance")).content.decode()
    assert 'data-testid="payouts-frozen"' not in page and 'data-testid="payout-account"' in page
    assert 'hx-post="/console/balance/"' in page  # htmx swaps the page in place; plain POST works too


def test_operator_sees_debts_and_the_guarantee_fund(operator, shop):
    funds.record_debt(shop_id=shop.pk, source="test:penalty", amount_fen=250)
    paid = funds.record_debt(shop_id=shop.pk, source="test:paid", amount_fen=100)
    funds.pay_debt(paid, 100)
    client = login(operator)
    page = client.get(reverse("orders:operator_debts")).content.decode()
    assert shop.name in page and "¥2.50" in page and f'data-testid="debt-row-{paid.pk}"' not in page
    everything = client.get(reverse("orders:operator_debts") + "?all=1").content.decode()
    assert f'data-testid="debt-row-{paid.pk}"' in everything
    fund_page = client.get(reverse("orders:operator_fund")).content.decode()
    assert 'data-testid="fund-outstanding">¥2.50<' in fund_page and 'data-testid="fund-recovered">¥1.00<' in fund_page
    assert "保障基金" in fund_page
    english = login(operator, "en").get(reverse("orders:operator_fund")).content.decode()
    assert "Advances paid" in english and "1 shop owes the fund." in english
