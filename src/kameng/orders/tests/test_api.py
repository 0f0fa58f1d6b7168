"""/api/v1/orders: every endpoint, its bad input and who may call it."""

from __future__ import annotations

import pytest

from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of
from kameng.orders import funds, services
from kameng.orders.models import Order, OrderKey, Payout
from kameng.orders.tests.conftest import fund
from kameng.timeline.models import Event
from tests.factories import ShopFactory
from tests.helpers import ApiClient, assert_error

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orders"


def place(client, product, *, key="k-1", quantity=1, buyer_fields=None):
    body = {"product_id": product.pk, "quantity": quantity}
    if buyer_fields is not None:
        body["buyer_fields"] = buyer_fields
    return client.post(BASE, body, headers={"Idempotency-Key": key})


def paid_card_order(buyer, product, quantity=1) -> Order:
    fund(buyer, product.price_fen * quantity)
    return services.place_order(
        buyer=buyer, product_id=product.pk, quantity=quantity, buyer_fields={}, idempotency_key=f"pc-{quantity}"
    ).order


def manual_order(buyer, product) -> Order:
    fund(buyer, product.price_fen)
    return services.place_order(
        buyer=buyer, product_id=product.pk, quantity=1, buyer_fields={"role": "剑侠客"}, idempotency_key="m-1"
    ).order


@pytest.fixture
def other_merchant(other_shop):
    return other_shop.owner


# --- placing -------------------------------------------------------------------------------------


def test_place_order_pays_from_wallet_and_replays_with_the_same_body(buyer, card_product):
    fund(buyer, 5000)
    client = ApiClient(buyer)
    first = place(client, card_product, quantity=2)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["paid"] is True and body["shortfall_fen"] == 0 and body["topup"] is None
    assert body["order"]["state"] == "delivered" and body["order"]["total_fen"] == 2000
    assert body["order"]["batches"][0]["state"] == "delivered"
    again = place(client, card_product, quantity=2)
    assert again.status_code == 200
    assert again.json() == body
    assert Order.objects.count() == 1
    assert balance_of(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk) == 3000


def test_short_wallet_leaves_the_order_waiting_with_a_topup_hint(buyer, card_product):
    fund(buyer, 300)
    response = place(ApiClient(buyer), card_product, quantity=1)
    assert response.status_code == 201
    body = response.json()
    assert body["paid"] is False and body["shortfall_fen"] == 700
    assert body["order"]["state"] == "pending_payment"
    assert body["topup"] == {
        "method": "POST",
        "url": "/api/v1/payments/topups",
        "body": {"order_id": body["order"]["id"], "amount_fen": 700},
    }


def test_missing_idempotency_key_is_refused_and_writes_nothing(buyer, card_product):
    fund(buyer, 5000)
    client = ApiClient(buyer)
    response = client.post(BASE, {"product_id": card_product.pk, "quantity": 1})
    assert_error(response, 422, "orders.idempotency_key_required")
    assert_error(place(client, card_product, key="x" * 101), 422, "orders.idempotency_key_required")
    assert not Order.objects.exists()


def test_same_key_for_a_different_request_is_refused(buyer, card_product):
    fund(buyer, 5000)
    client = ApiClient(buyer)
    assert place(client, card_product, quantity=1).status_code == 201
    assert_error(place(client, card_product, quantity=2), 422, "orders.idempotency_mismatch")
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"quantity": 1}, "product_id"),
        ({"product_id": "abc", "quantity": 1}, "product_id"),
        ({"product_id": True, "quantity": 1}, "product_id"),
        ({"product_id": 2**60, "quantity": 1}, "product_id"),
        ({"product_id": 1}, "quantity"),
        ({"product_id": 1, "quantity": 0}, "quantity"),
        ({"product_id": 1, "quantity": "2"}, "quantity"),
        ({"product_id": 1, "quantity": 1, "buyer_fields": "phone"}, "buyer_fields"),
        ({"product_id": 1, "quantity": 1, "buyer_fields": {"phone": 123}}, "buyer_fields.phone"),
        ({"product_id": 1, "quantity": 1, "buyer_fields": {f"k{i}": "v" for i in range(21)}}, "buyer_fields"),
        ({"product_id": 1, "quantity": 1, "buyer_fields": {"phone": "1" * 501}}, "buyer_fields"),
    ],
)
def test_place_order_bad_input(buyer, body, field):
    response = ApiClient(buyer).post(BASE, body, headers={"Idempotency-Key": "bad"})
    error = assert_error(response, 422, "invalid_input")
    assert field in error["fields"], error
    assert not Order.objects.exists()


def test_place_order_not_json(buyer):
    response = ApiClient(buyer).post(
        BASE, "{not json", content_type="application/json", headers={"Idempotency-Key": "a"}
    )
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)
    assert not Order.objects.exists()


def test_place_order_refusals_from_the_service(buyer, card_product, topup_product, other_shop):
    fund(buyer, 100_000)
    client = ApiClient(buyer)
    assert_error(place(client, card_product, quantity=101, key="q"), 422, "orders.quantity_out_of_range")
    assert_error(place(client, card_product, quantity=21, key="s"), 409, "inventory.out_of_stock")
    assert_error(
        client.post(BASE, {"product_id": 999999, "quantity": 1}, headers={"Idempotency-Key": "n"}),
        409,
        "catalog.product_not_available",
    )
    assert_error(
        place(client, topup_product, key="f", buyer_fields={"phone": "12"}), 422, "catalog.invalid_required_field"
    )
    assert_error(
        place(client, card_product, key="g", buyer_fields={"phone": "13800000000"}),
        422,
        "catalog.invalid_required_field",
    )
    assert not Order.objects.exists()


@pytest.mark.parametrize("who", ["merchant", "operator", "agent"])
def test_only_buyers_place_orders(request, who, card_product):
    user = request.getfixturevalue(who)
    assert_error(place(ApiClient(user), card_product), 403, "auth.role_required")
    assert not Order.objects.exists()


def test_anonymous_is_refused_everywhere(card_product):
    anon = ApiClient()
    assert_error(place(anon, card_product), 401, "not_authenticated")
    for path in (
        BASE,
        f"{BASE}/1",
        f"{BASE}/1/keys",
        f"{BASE}/1/timeline",
        f"{BASE}/shop",
        f"{BASE}/shop/1",
        f"{BASE}/balance",
        f"{BASE}/payouts",
        f"{BASE}/operator/payouts",
        f"{BASE}/operator/ledger-check",
    ):
        assert_error(anon.get(path), 401, "not_authenticated")
    for path in (
        "1/pay",
        "1/cancel",
        "1/confirm",
        "1/keys/1/reveal",
        "shop/1/deliver",
        "payouts",
        "operator/payouts/1/approve",
        "operator/payouts/1/reject",
    ):
        assert_error(anon.post(f"{BASE}/{path}", {}), 401, "not_authenticated")


# --- reading my orders ---------------------------------------------------------------------------


def test_my_orders_newest_first_filtered_and_paginated(buyer, other_buyer, card_product):
    fund(buyer, 1000)
    for n in range(3):
        services.place_order(
            buyer=buyer, product_id=card_product.pk, quantity=1, buyer_fields={}, idempotency_key=f"n{n}"
        )
    fund(other_buyer, 1000)
    services.place_order(
        buyer=other_buyer, product_id=card_product.pk, quantity=1, buyer_fields={}, idempotency_key="o"
    )
    client = ApiClient(buyer)
    body = client.get(BASE).json()
    assert body["total"] == 3 and body["page"] == 1 and body["pages"] == 1
    ids = [o["id"] for o in body["items"]]
    assert ids == sorted(ids, reverse=True)
    assert [o["state"] for o in client.get(BASE, {"state": "pending_payment"}).json()["items"]] == [
        "pending_payment"
    ] * 2
    assert client.get(BASE, {"state": "delivered"}).json()["total"] == 1
    assert_error(client.get(BASE, {"state": "nonsense"}), 422, "invalid_input")
    assert_error(client.get(BASE, {"page": "x"}), 422, "invalid_input")
    assert_error(client.get(BASE, {"page": 0}), 422, "invalid_input")


def test_one_order_is_visible_only_to_its_buyer(buyer, other_buyer, merchant, card_product):
    order = paid_card_order(buyer, card_product)
    assert ApiClient(buyer).get(f"{BASE}/{order.pk}").json()["id"] == order.pk
    assert_error(ApiClient(other_buyer).get(f"{BASE}/{order.pk}"), 404, "not_found")
    assert_error(ApiClient(merchant).get(f"{BASE}/{order.pk}"), 403, "auth.role_required")
    assert_error(ApiClient(buyer).get(f"{BASE}/999999"), 404, "not_found")
    assert_error(ApiClient(buyer).get(f"{BASE}/{2**60}"), 422, "invalid_input")
    assert_error(ApiClient(buyer).get(f"{BASE}/abc"), 422, "invalid_input")


# --- pay / cancel / confirm ----------------------------------------------------------------------


def test_pay_a_waiting_order_after_funding(buyer, other_buyer, card_product):
    client = ApiClient(buyer)
    order_id = place(client, card_product).json()["order"]["id"]
    assert_error(client.post(f"{BASE}/{order_id}/pay"), 409, "ledger.insufficient_funds")
    assert_error(ApiClient(other_buyer).post(f"{BASE}/{order_id}/pay"), 404, "not_found")
    assert Order.objects.get().state == "pending_payment"
    fund(buyer, 1000)
    response = client.post(f"{BASE}/{order_id}/pay")
    assert response.status_code == 200 and response.json()["state"] == "delivered"
    assert_error(client.post(f"{BASE}/{order_id}/pay"), 409, "orders.invalid_transition")
    assert balance_of(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk) == 0


def test_cancel_an_unpaid_order_only(buyer, other_buyer, merchant, card_product):
    client = ApiClient(buyer)
    order_id = place(client, card_product).json()["order"]["id"]
    assert_error(ApiClient(other_buyer).post(f"{BASE}/{order_id}/cancel"), 404, "not_found")
    assert_error(ApiClient(merchant).post(f"{BASE}/{order_id}/cancel"), 403, "auth.role_required")
    response = client.post(f"{BASE}/{order_id}/cancel")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert_error(client.post(f"{BASE}/{order_id}/cancel"), 409, "orders.invalid_transition")
    paid = paid_card_order(buyer, card_product)
    assert_error(client.post(f"{BASE}/{paid.pk}/cancel"), 409, "orders.invalid_transition")


def test_confirm_settles_to_the_merchant(buyer, other_buyer, card_product, shop):
    order = paid_card_order(buyer, card_product)
    assert_error(ApiClient(other_buyer).post(f"{BASE}/{order.pk}/confirm"), 404, "not_found")
    response = ApiClient(buyer).post(f"{BASE}/{order.pk}/confirm")
    assert response.status_code == 200
    assert response.json()["state"] == "completed"
    assert balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop.pk) == 970
    assert_error(ApiClient(buyer).post(f"{BASE}/{order.pk}/confirm"), 409, "orders.nothing_to_confirm")


# --- keys, reveal, timeline ----------------------------------------------------------------------


def test_keys_list_and_reveal_records_address_and_browser(buyer, other_buyer, card_product):
    order = paid_card_order(buyer, card_product, quantity=2)
    client = ApiClient(buyer)
    keys = client.get(f"{BASE}/{order.pk}/keys").json()
    assert len(keys) == 2 and keys[0]["batch"] == 1 and keys[0]["revealed"] is False
    assert len(keys[0]["fingerprint_prefix"]) == 8
    assert "code" not in keys[0]
    key_id = keys[0]["id"]
    response = client.post(
        f"{BASE}/{order.pk}/keys/{key_id}/reveal", headers={"User-Agent": "TestBrowser/1"}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == key_id and body["code"].startswith("K") and body["password"] == "P20"
    assert client.get(f"{BASE}/{order.pk}/keys").json()[0]["revealed"] is True
    event = Event.objects.filter(stream=order.stream, kind="key.revealed").get()
    assert event.payload["ip"] == "10.1.2.3" and event.payload["user_agent"] == "TestBrowser/1"
    assert body["code"] not in str(event.payload)


def test_reveal_and_keys_refuse_others_and_unknown_ids(buyer, other_buyer, merchant, card_product):
    order = paid_card_order(buyer, card_product)
    key_id = OrderKey.objects.get().pk
    assert_error(ApiClient(other_buyer).get(f"{BASE}/{order.pk}/keys"), 404, "not_found")
    assert_error(ApiClient(other_buyer).post(f"{BASE}/{order.pk}/keys/{key_id}/reveal"), 404, "not_found")
    assert_error(ApiClient(merchant).post(f"{BASE}/{order.pk}/keys/{key_id}/reveal"), 403, "auth.role_required")
    assert_error(ApiClient(buyer).post(f"{BASE}/{order.pk}/keys/999999/reveal"), 404, "not_found")
    assert_error(ApiClient(buyer).post(f"{BASE}/{order.pk}/keys/0/reveal"), 422, "invalid_input")
    assert not OrderKey.objects.filter(first_revealed_at__isnull=False).exists()
    assert not Event.objects.filter(kind="key.revealed").exists()


def test_undelivered_batches_keys_are_not_listed(buyer, shop):
    from kameng.orders.tests.conftest import load_keys
    from tests.factories import ProductFactory

    product = ProductFactory(shop=shop, price_fen=30_000, max_per_order=10)
    load_keys(product, 3)
    order = paid_card_order(buyer, product, quantity=3)  # 90 000 fen: three batches, one released
    assert order.batches.count() == 3
    keys = ApiClient(buyer).get(f"{BASE}/{order.pk}/keys").json()
    assert [k["batch"] for k in keys] == [1]
    hidden = OrderKey.objects.exclude(pk=keys[0]["id"]).first()
    assert_error(ApiClient(buyer).post(f"{BASE}/{order.pk}/keys/{hidden.pk}/reveal"), 409, "orders.not_revealable")


def test_timeline_lists_events_without_secrets(buyer, other_buyer, card_product):
    order = paid_card_order(buyer, card_product)
    client = ApiClient(buyer)
    key_id = OrderKey.objects.get().pk
    code = client.post(f"{BASE}/{order.pk}/keys/{key_id}/reveal").json()["code"]
    events = client.get(f"{BASE}/{order.pk}/timeline").json()
    kinds = [e["kind"] for e in events]
    assert kinds[:2] == ["order.created", "order.paid"] and "key.revealed" in kinds
    assert all(e["hash"] and e["label"] for e in events)
    assert events[1]["label"] != "order.paid"
    assert code not in str(events)
    assert_error(ApiClient(other_buyer).get(f"{BASE}/{order.pk}/timeline"), 404, "not_found")


# --- merchant ------------------------------------------------------------------------------------


def test_shop_orders_list_and_one(buyer, merchant, other_merchant, card_product, manual_product):
    card = paid_card_order(buyer, card_product)
    manual = manual_order(buyer, manual_product)
    client = ApiClient(merchant)
    body = client.get(f"{BASE}/shop").json()
    assert [o["id"] for o in body["items"]] == [manual.pk, card.pk]  # 人工发货 waiting first
    assert body["items"][0]["buyer_fields"] == {"role": "剑侠客"} and body["items"][0]["buyer_id"] == buyer.pk
    assert [o["id"] for o in client.get(f"{BASE}/shop", {"state": "delivered"}).json()["items"]] == [card.pk]
    assert_error(client.get(f"{BASE}/shop", {"state": "x"}), 422, "invalid_input")
    assert client.get(f"{BASE}/shop/{card.pk}").json()["id"] == card.pk
    assert ApiClient(other_merchant).get(f"{BASE}/shop").json()["total"] == 0
    assert_error(ApiClient(other_merchant).get(f"{BASE}/shop/{card.pk}"), 404, "not_found")
    assert_error(ApiClient(buyer).get(f"{BASE}/shop"), 403, "auth.role_required")
    assert_error(client.get(f"{BASE}/shop/999999"), 404, "not_found")


def test_merchant_without_shop(db):
    from tests.factories import MerchantFactory

    client = ApiClient(MerchantFactory())
    assert_error(client.get(f"{BASE}/shop"), 409, "shop.no_shop")
    assert_error(client.get(f"{BASE}/balance"), 409, "shop.no_shop")


def test_deliver_manually(buyer, merchant, other_merchant, manual_product, card_product):
    order = manual_order(buyer, manual_product)
    url = f"{BASE}/shop/{order.pk}/deliver"
    assert_error(ApiClient(merchant).post(url, {}), 422, "invalid_input")
    assert_error(ApiClient(merchant).post(url, {"note": ""}), 422, "invalid_input")
    assert_error(ApiClient(merchant).post(url, {"note": "x" * 2001}), 422, "invalid_input")
    assert_error(ApiClient(merchant).post(url, {"note": 5}), 422, "invalid_input")
    assert_error(ApiClient(other_merchant).post(url, {"note": "done"}), 404, "not_found")
    assert_error(ApiClient(buyer).post(url, {"note": "done"}), 403, "auth.role_required")
    order.refresh_from_db()
    assert order.state == "delivering"
    response = ApiClient(merchant).post(url, {"note": "已通过游戏邮件发送 10000G"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "delivered" and body["batches"][0]["manual_note"] == "已通过游戏邮件发送 10000G"
    assert_error(ApiClient(merchant).post(url, {"note": "again"}), 409, "orders.invalid_transition")
    card = paid_card_order(buyer, card_product)
    assert_error(ApiClient(merchant).post(f"{BASE}/shop/{card.pk}/deliver", {"note": "x"}), 409, "orders.not_manual")


def test_balance_and_payouts(buyer, merchant, other_merchant, card_product, shop):
    order = paid_card_order(buyer, card_product, quantity=2)
    client = ApiClient(merchant)
    zero = {"in_payout_fen": 0, "deposit_fen": 0, "debt_fen": 0, "payouts_frozen": ""}
    assert client.get(f"{BASE}/balance").json() == {"available_fen": 0, "pending_fen": 2000, **zero}
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert client.get(f"{BASE}/balance").json() == {"available_fen": 1940, "pending_fen": 0, **zero}
    to = {"method": "alipay", "account": "merchant@Example.COM"}
    for bad in ({}, to, {"amount_fen": "100", **to}, {"amount_fen": 1.5, **to}, {"amount_fen": 0, **to}):
        assert_error(client.post(f"{BASE}/payouts", bad), 422, "invalid_input")
    assert_error(client.post(f"{BASE}/payouts", {"amount_fen": 1000}), 422, "invalid_input")  # where to?
    assert_error(client.post(f"{BASE}/payouts", {"amount_fen": 99, **to}), 422, "orders.payout_too_small")
    assert_error(client.post(f"{BASE}/payouts", {"amount_fen": 5000, **to}), 409, "ledger.insufficient_funds")
    assert not Payout.objects.exists()
    response = client.post(f"{BASE}/payouts", {"amount_fen": 1000, **to})
    assert response.status_code == 201 and response.json()["state"] == "requested"
    assert response.json()["method"] == "alipay" and response.json()["account"] == "m***@example.com"
    assert Payout.objects.get().account == "merchant@example.com"  # recorded whole, shown masked
    assert client.get(f"{BASE}/balance").json() == {
        "available_fen": 940,
        "pending_fen": 0,
        **{**zero, "in_payout_fen": 1000},
    }
    mine = client.get(f"{BASE}/payouts").json()
    assert [(p["amount_fen"], p["account"]) for p in mine] == [(1000, "m***@example.com")]
    assert "merchant@" not in client.get(f"{BASE}/payouts").content.decode()
    assert ApiClient(other_merchant).get(f"{BASE}/payouts").json() == []
    assert_error(ApiClient(buyer).post(f"{BASE}/payouts", {"amount_fen": 1000, **to}), 403, "auth.role_required")
    assert_error(ApiClient(buyer).get(f"{BASE}/balance"), 403, "auth.role_required")


@pytest.mark.parametrize(
    ("method", "account", "code"),
    [
        ("wechat", "13800138000", "orders.payout_method_invalid"),
        ("", "13800138000", "orders.payout_method_invalid"),
        ("alipay", "", "orders.alipay_account_invalid"),
        ("alipay", "1380013800", "orders.alipay_account_invalid"),
        ("alipay", "not-an-email@", "orders.alipay_account_invalid"),
        ("bank", "6222 0212 3456", "orders.bank_card_invalid"),
        ("bank", "6222x21234567890123", "orders.bank_card_invalid"),
    ],
)
def test_a_payout_destination_is_checked(buyer, merchant, card_product, method, account, code):
    order = paid_card_order(buyer, card_product, quantity=2)
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    body = {"amount_fen": 1000, "method": method, "account": account}
    assert_error(ApiClient(merchant).post(f"{BASE}/payouts", body), 422, code)
    assert not Payout.objects.exists()


def test_a_bank_card_payout_is_shown_masked(buyer, merchant, card_product):
    order = paid_card_order(buyer, card_product, quantity=2)
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    body = {"amount_fen": 1000, "method": "bank", "account": "6222 0212 3456 7890"}
    response = ApiClient(merchant).post(f"{BASE}/payouts", body)
    assert response.status_code == 201, response.content
    assert response.json()["account"] == "6222 **** **** 7890"
    assert Payout.objects.get().account == "6222021234567890"


def test_frozen_shop_cannot_request_payouts(db):
    from kameng.shops.models import ShopStatus

    shop = ShopFactory(status=ShopStatus.FROZEN)
    body = {"amount_fen": 1000, "method": "alipay", "account": "13800138000"}
    assert_error(ApiClient(shop.owner).post(f"{BASE}/payouts", body), 409, "orders.payouts_frozen")
    assert ApiClient(shop.owner).get(f"{BASE}/balance").json()["payouts_frozen"] == "shop_frozen"


# --- operator ------------------------------------------------------------------------------------


@pytest.fixture
def requested_payout(buyer, merchant, card_product):
    order = paid_card_order(buyer, card_product, quantity=2)
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    return funds.request_payout(merchant=merchant, amount_fen=1000, method="bank", account="6222021234567890123")


def test_operator_approves_a_payout(operator, merchant, buyer, requested_payout, shop):
    client = ApiClient(operator)
    queue = client.get(f"{BASE}/operator/payouts").json()
    assert [(p["id"], p["method"], p["account"]) for p in queue] == [
        (requested_payout.pk, "bank", "6222 **** **** 0123")
    ]
    assert_error(client.get(f"{BASE}/operator/payouts", {"state": "x"}), 422, "invalid_input")
    for who in (merchant, buyer):
        assert_error(ApiClient(who).get(f"{BASE}/operator/payouts"), 403, "auth.role_required")
        assert_error(
            ApiClient(who).post(f"{BASE}/operator/payouts/{requested_payout.pk}/approve"), 403, "auth.role_required"
        )
    response = client.post(f"{BASE}/operator/payouts/{requested_payout.pk}/approve")
    assert response.status_code == 200 and response.json()["state"] == "paid"
    assert balance_of(kind=AccountKind.MERCHANT_PAYOUT, owner_id=shop.pk) == 0
    already = "orders.payout_already_decided"
    assert_error(client.post(f"{BASE}/operator/payouts/{requested_payout.pk}/approve"), 409, already)
    assert_error(client.post(f"{BASE}/operator/payouts/{requested_payout.pk}/reject", {"note": "x"}), 409, already)
    assert client.get(f"{BASE}/operator/payouts", {"state": "paid"}).json()[0]["id"] == requested_payout.pk
    assert_error(client.post(f"{BASE}/operator/payouts/999999/approve"), 404, "not_found")


def test_operator_rejects_a_payout_with_a_note(operator, requested_payout, shop):
    client = ApiClient(operator)
    url = f"{BASE}/operator/payouts/{requested_payout.pk}/reject"
    for bad in ({}, {"note": ""}, {"note": "x" * 301}, {"note": 3}):
        assert_error(client.post(url, bad), 422, "invalid_input")
    requested_payout.refresh_from_db()
    assert requested_payout.state == "requested"
    response = client.post(url, {"note": "银行账户信息有误"})
    assert response.status_code == 200
    assert response.json()["state"] == "rejected" and response.json()["note"] == "银行账户信息有误"
    assert balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop.pk) == 1940


def test_ledger_check(operator, buyer, merchant, card_product):
    paid_card_order(buyer, card_product)
    body = ApiClient(operator).get(f"{BASE}/operator/ledger-check").json()
    assert body["ok"] is True and body["breaches"] == [] and body["total_fen"] == 0 and body["entries"] >= 2
    assert_error(ApiClient(merchant).get(f"{BASE}/operator/ledger-check"), 403, "auth.role_required")
    assert_error(ApiClient(buyer).get(f"{BASE}/operator/ledger-check"), 403, "auth.role_required")


def test_operator_tops_up_the_guarantee_fund_once_per_idempotency_key(operator, merchant):
    from kameng.ledger.services import get_or_create_account, transfer

    transfer(
        source="test:commission-api",
        from_account=get_or_create_account(kind=AccountKind.GATEWAY_CLEARING),
        to_account=get_or_create_account(kind=AccountKind.PLATFORM_COMMISSION),
        amount_fen=5000,
    )
    client, url = ApiClient(operator), f"{BASE}/operator/guarantee-fund"
    body = {"amount_fen": 3000, "origin": "commission"}
    assert_error(client.post(url, body), 422, "orders.idempotency_key_required")
    for _ in range(2):  # a retry moves nothing more
        response = client.post(url, body, headers={"Idempotency-Key": "fund-1"})
        assert response.json() == {"guarantee_fund_fen": 3000, "platform_commission_fen": 2000}
    assert_error(client.post(url, {**body, "amount_fen": 9000}, headers={"Idempotency-Key": "fund-2"}), 409)
    outside = client.post(url, {"amount_fen": 10_000, "origin": "outside"}, headers={"Idempotency-Key": "fund-3"})
    assert outside.json()["guarantee_fund_fen"] == 13_000
    assert_error(client.post(url, {**body, "origin": "bank"}, headers={"Idempotency-Key": "x"}), 422, "invalid_input")
    assert_error(ApiClient(merchant).post(url, body, headers={"Idempotency-Key": "m"}), 403, "auth.role_required")
    assert balance_of(kind=AccountKind.GUARANTEE_FUND) == 13_000
