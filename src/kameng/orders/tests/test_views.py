"""Order pages: checkout, my orders, the order page, the merchant console, operator pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of
from kameng.orders import funds, services
from kameng.orders.models import Order, OrderKey, Payout
from kameng.orders.tests.conftest import fund
from kameng.payments.gateways.sandbox import notification_params
from kameng.payments.models import Payment, SandboxCharge
from kameng.payments.services import handle_notification
from kameng.timeline.models import Event

pytestmark = pytest.mark.django_db


def login(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def english(user=None) -> Client:
    client = login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def checkout_url(product) -> str:
    return f"{reverse('orders:checkout')}?product={product.pk}"


def hidden_key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html).group(1)


def card_order(buyer, product, quantity=1) -> Order:
    fund(buyer, product.price_fen * quantity)
    return services.place_order(
        buyer=buyer, product_id=product.pk, quantity=quantity, buyer_fields={}, idempotency_key="v-1"
    ).order


def manual_order(buyer, product) -> Order:
    fund(buyer, product.price_fen)
    return services.place_order(
        buyer=buyer, product_id=product.pk, quantity=1, buyer_fields={"role": "剑侠客"}, idempotency_key="v-m"
    ).order


# --- who may open which page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, role, status",
    [
        ("orders:mine", "buyer", 200),
        ("orders:mine", "merchant", 403),
        ("orders:console_orders", "merchant", 200),
        ("orders:console_orders", "buyer", 403),
        ("orders:console_balance", "merchant", 200),
        ("orders:console_balance", "operator", 403),
        ("orders:operator_payouts", "operator", 200),
        ("orders:operator_payouts", "merchant", 403),
        ("orders:operator_ledger", "operator", 200),
        ("orders:operator_ledger", "buyer", 403),
    ],
)
def test_page_status_by_role(request, name, role, status):
    response = login(request.getfixturevalue(role)).get(reverse(name))
    assert response.status_code == status


@pytest.mark.parametrize(
    "name", ["orders:mine", "orders:console_orders", "orders:console_balance", "orders:operator_payouts"]
)
def test_anonymous_is_sent_to_login(db, name):
    response = login().get(reverse(name))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_checkout_and_order_pages_by_role(buyer, other_buyer, merchant, card_product):
    assert login(buyer).get(checkout_url(card_product)).status_code == 200
    assert login(merchant).get(checkout_url(card_product)).status_code == 403
    assert login().get(checkout_url(card_product)).status_code == 302
    assert login(buyer).get(reverse("orders:checkout")).status_code == 404
    assert login(buyer).get(f"{reverse('orders:checkout')}?product=abc").status_code == 404
    assert login(buyer).get(f"{reverse('orders:checkout')}?product=99999999999999999999").status_code == 404
    order = card_order(buyer, card_product)
    assert login(buyer).get(reverse("orders:detail", args=[order.pk])).status_code == 200
    assert login(other_buyer).get(reverse("orders:detail", args=[order.pk])).status_code == 404
    assert login(merchant).get(reverse("orders:detail", args=[order.pk])).status_code == 403
    assert login(buyer).get(f"/orders/{2**63}/").status_code == 404


# --- checkout ------------------------------------------------------------------------------------


def test_checkout_shows_the_product_and_wallet(buyer, topup_product):
    fund(buyer, 1234)
    response = login(buyer).get(checkout_url(topup_product))
    html = response.content.decode()
    assert "¥50.00" in html and "¥12.34" in html and 'name="field_phone"' in html
    assert 'data-testid="shortfall"' in html  # 50.00 > 12.34
    response = login(buyer).get(checkout_url(topup_product) + "&quantity=2")
    assert "¥100.00" in response.content.decode()


def test_resubmitting_the_checkout_form_never_buys_twice(buyer, card_product):
    fund(buyer, 5000)
    client = login(buyer)
    key = hidden_key(client.get(checkout_url(card_product)).content.decode())
    form = {"quantity": "2", "idempotency_key": key}
    first = client.post(checkout_url(card_product), form)
    second = client.post(checkout_url(card_product), form)
    order = Order.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("orders:detail", args=[order.pk])
    assert order.state == "delivered" and order.quantity == 2
    assert balance_of(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk) == 3000
    # A new page render is a new purchase.
    assert hidden_key(client.get(checkout_url(card_product)).content.decode()) != key


def test_checkout_bad_input_shows_the_error_and_buys_nothing(buyer, card_product, topup_product):
    fund(buyer, 100_000)
    client = login(buyer)
    for product, form in (
        (card_product, {"quantity": "abc", "idempotency_key": "k1"}),
        (card_product, {"quantity": "1000", "idempotency_key": "k2"}),
        (card_product, {"quantity": "1", "idempotency_key": ""}),
        (topup_product, {"quantity": "1", "idempotency_key": "k3", "field_phone": "12"}),
    ):
        response = client.post(checkout_url(product), form)
        assert response.status_code == 422, form
        assert 'data-testid="checkout-error"' in response.content.decode()
    assert not Order.objects.exists()


def test_short_wallet_tops_up_for_the_order_and_the_top_up_pays_it(
    buyer, card_product, django_capture_on_commit_callbacks
):
    fund(buyer, 300)
    client = login(buyer)
    key = hidden_key(client.get(checkout_url(card_product)).content.decode())
    response = client.post(checkout_url(card_product), {"quantity": "1", "idempotency_key": key})
    order = Order.objects.get()
    assert response["Location"] == reverse("orders:detail", args=[order.pk]) and order.state == "pending_payment"
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="shortfall"' in page and "¥7.00" in page and 'data-testid="topup-for-order"' in page
    response = client.post(reverse("orders:topup", args=[order.pk]))
    payment = Payment.objects.get()
    assert payment.order_id == order.pk and payment.amount_fen >= 700
    assert response.status_code == 302 and payment.out_trade_no in response["Location"]
    client.post(reverse("payments:sandbox_checkout", args=[payment.out_trade_no]), {"decision": "pay"})
    # The gateway's notification arrives; its on-commit signal pays the waiting order.
    charge = SandboxCharge.objects.get(out_trade_no=payment.out_trade_no)
    with django_capture_on_commit_callbacks(execute=True):
        handle_notification(gateway="sandbox", params=notification_params(charge), remote_addr="127.0.0.1")
    order.refresh_from_db()
    assert order.state == "delivered"


def test_pay_and_cancel_buttons(buyer, other_buyer, card_product):
    client = login(buyer)
    key = hidden_key(client.get(checkout_url(card_product)).content.decode())
    client.post(checkout_url(card_product), {"quantity": "1", "idempotency_key": key})
    order = Order.objects.get()
    response = client.post(reverse("orders:pay", args=[order.pk]), follow=True)
    assert response.status_code == 200 and 'class="alert alert-error"' in response.content.decode()
    assert login(other_buyer).post(reverse("orders:cancel", args=[order.pk])).status_code == 404
    fund(buyer, 1000)
    client.post(reverse("orders:pay", args=[order.pk]))
    order.refresh_from_db()
    assert order.state == "delivered"
    second = services.place_order(
        buyer=buyer, product_id=card_product.pk, quantity=1, buyer_fields={}, idempotency_key="c"
    ).order
    client.post(reverse("orders:cancel", args=[second.pk]))
    second.refresh_from_db()
    assert second.state == "cancelled"


# --- the order page ------------------------------------------------------------------------------


def test_reveal_in_place_with_htmx(buyer, card_product):
    order = card_order(buyer, card_product)
    okey = OrderKey.objects.get()
    client = login(buyer)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f'data-testid="reveal-{okey.pk}"' in page and 'data-testid="key-code"' not in page
    assert 'data-testid="confirm-receipt"' in page and 'data-testid="confirm-due"' in page
    response = client.post(
        reverse("orders:reveal", args=[order.pk, okey.pk]), headers={"HX-Request": "true", "User-Agent": "HtmxUA"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="key-code"' in html and "<html" not in html
    assert re.search(r'data-testid="key-code">K\d{12}<', html) and "P20" in html
    event = Event.objects.get(stream=order.stream, kind="key.revealed")
    assert event.payload["user_agent"] == "HtmxUA" and event.payload["ip"] == "127.0.0.1"


def test_reveal_with_a_plain_post(buyer, other_buyer, card_product):
    order = card_order(buyer, card_product)
    okey = OrderKey.objects.get()
    assert login(other_buyer).post(reverse("orders:reveal", args=[order.pk, okey.pk])).status_code == 404
    assert login(buyer).get(reverse("orders:reveal", args=[order.pk, okey.pk])).status_code == 405
    response = login(buyer).post(reverse("orders:reveal", args=[order.pk, okey.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and 'data-testid="key-code"' in html
    okey.refresh_from_db()
    assert okey.reveal_count == 1


def test_confirm_receipt_button(buyer, other_buyer, card_product, shop):
    order = card_order(buyer, card_product)
    assert login(other_buyer).post(reverse("orders:confirm", args=[order.pk])).status_code == 404
    response = login(buyer).post(reverse("orders:confirm", args=[order.pk]), follow=True)
    order.refresh_from_db()
    assert order.state == "completed"
    assert 'data-testid="confirm-receipt"' not in response.content.decode()
    assert balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop.pk) == 970
    again = login(buyer).post(reverse("orders:confirm", args=[order.pk]), follow=True)
    assert 'class="alert alert-error"' in again.content.decode()


def test_my_orders_filter(buyer, card_product):
    card_order(buyer, card_product)
    services.place_order(buyer=buyer, product_id=card_product.pk, quantity=1, buyer_fields={}, idempotency_key="w")
    client = login(buyer)
    assert client.get(reverse("orders:mine")).content.decode().count('data-testid="order-row"') == 2
    waiting = client.get(reverse("orders:mine"), {"state": "pending_payment"}).content.decode()
    assert waiting.count('data-testid="order-row"') == 1
    assert client.get(reverse("orders:mine"), {"state": "bogus", "page": "zz"}).status_code == 200


# --- merchant ------------------------------------------------------------------------------------


def test_manual_delivery_from_the_console(buyer, merchant, other_shop, manual_product):
    order = manual_order(buyer, manual_product)
    client = login(merchant)
    listing = client.get(reverse("orders:console_orders")).content.decode()
    assert 'data-testid="deliver-by"' in listing
    url = reverse("orders:console_order", args=[order.pk])
    page = client.get(url).content.decode()
    assert "剑侠客" in page and 'data-testid="deliver-note"' in page
    assert login(other_shop.owner).get(url).status_code == 404
    assert login(other_shop.owner).post(url, {"note": "x"}).status_code == 404
    assert client.post(url, {"note": "   "}).status_code == 422
    order.refresh_from_db()
    assert order.state == "delivering"
    response = client.post(url, {"note": "已通过游戏邮件发送 10000G"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == "delivered"
    buyer_page = login(buyer).get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "已通过游戏邮件发送 10000G" in buyer_page and 'data-testid="confirm-receipt"' in buyer_page


def test_balance_page_and_payout_request(buyer, merchant, card_product):
    order = card_order(buyer, card_product, quantity=2)
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    client = login(merchant)
    url = reverse("orders:console_balance")
    page = client.get(url).content.decode()
    assert re.search(r'data-testid="available-balance">¥19.40<', page)
    to = {"method": "bank", "account": "6222 0212 3456 7890 123"}
    assert client.post(url, {"amount": "abc", **to}).status_code == 422
    assert client.post(url, {"amount": "100", **to}).status_code == 409
    refused = client.post(url, {"amount": "10", "method": "bank", "account": "123"})
    assert refused.status_code == 422 and "银行卡号为 16 至 19 位数字" in refused.content.decode()
    assert not Payout.objects.exists()
    response = client.post(url, {"amount": "10", **to})
    assert response.status_code == 302
    payout = Payout.objects.get()
    assert (payout.amount_fen, payout.method, payout.account) == (1000, "bank", "6222021234567890123")
    page = client.get(url).content.decode()
    assert 'data-testid="payout-row"' in page and re.search(r'data-testid="available-balance">¥9.40<', page)
    assert "6222 **** **** 0123" in page and "6222021234567890123" not in page


# --- operator ------------------------------------------------------------------------------------


def test_operator_approves_and_rejects_payouts(operator, buyer, merchant, card_product, shop):
    order = card_order(buyer, card_product, quantity=2)
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    first = funds.request_payout(merchant=merchant, amount_fen=500, method="alipay", account="shop.owner@example.com")
    second = funds.request_payout(merchant=merchant, amount_fen=600, method="alipay", account="13800138000")
    client = login(operator)
    page = client.get(reverse("orders:operator_payouts")).content.decode()
    assert f'data-testid="approve-{first.pk}"' in page and f'data-testid="reject-{second.pk}"' in page
    assert "s***@example.com" in page and "138****8000" in page and "13800138000" not in page
    decide = reverse("orders:operator_payout_decide", args=[first.pk])
    assert login(merchant).post(decide, {"action": "approve"}).status_code == 403
    assert client.post(decide, {"action": "bogus"}).status_code == 422
    client.post(decide, {"action": "approve"})
    first.refresh_from_db()
    assert first.state == "paid"
    reject = reverse("orders:operator_payout_decide", args=[second.pk])
    client.post(reject, {"action": "reject", "note": ""})
    second.refresh_from_db()
    assert second.state == "requested"
    client.post(reject, {"action": "reject", "note": "账户信息不符"})
    second.refresh_from_db()
    assert second.state == "rejected" and second.note == "账户信息不符"
    assert balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop.pk) == 1940 - 500
    assert (
        client.post(reverse("orders:operator_payout_decide", args=[999999]), {"action": "approve"}).status_code == 404
    )


def test_ledger_page(operator, buyer, card_product):
    card_order(buyer, card_product)
    page = login(operator).get(reverse("orders:operator_ledger")).content.decode()
    assert 'data-testid="ledger-ok"' in page and 'data-testid="ledger-total">¥0.00<' in page


# --- languages -----------------------------------------------------------------------------------


def test_pages_are_chinese_by_default_and_english_on_request(buyer, card_product):
    order = card_order(buyer, card_product)
    url = reverse("orders:detail", args=[order.pk])
    chinese = login(buyer).get(url).content.decode()
    assert "确认收货" in chinese and "卡密" in chinese
    english_page = english(buyer).get(url).content.decode()
    assert "Confirm receipt" in english_page and "Card keys" in english_page and "确认收货" not in english_page
    assert "我的订单" in login(buyer).get(reverse("orders:mine")).content.decode()
    assert "My orders" in english(buyer).get(reverse("orders:mine")).content.decode()
    assert "下单并付款" in login(buyer).get(checkout_url(card_product)).content.decode()
    assert "Place order and pay" in english(buyer).get(checkout_url(card_product)).content.decode()


def test_operator_tops_up_the_guarantee_fund_once_per_form(client, operator, buyer):
    from kameng.ledger.services import get_or_create_account, transfer

    transfer(
        source="test:commission",
        from_account=get_or_create_account(kind="gateway_clearing"),
        to_account=get_or_create_account(kind="platform_commission"),
        amount_fen=10_000,
    )
    client.force_login(operator)
    form = {"amount": "60", "origin": "commission", "request_id": "form-1"}
    assert client.post("/operator/ledger/", form).status_code == 302
    assert client.post("/operator/ledger/", form).status_code == 302  # a double submit moves nothing more
    assert balance_of(kind="guarantee_fund") == 6000 and balance_of(kind="platform_commission") == 4000
    client.post("/operator/ledger/", {"amount": "100", "origin": "commission", "request_id": "form-2"})
    assert balance_of(kind="guarantee_fund") == 6000  # more than the commission holds: refused, nothing moved
    client.force_login(buyer)
    assert client.post("/operator/ledger/", {"amount": "1", "request_id": "x"}).status_code in (302, 403)
    assert balance_of(kind="guarantee_fund") == 6000
