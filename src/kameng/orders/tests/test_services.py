from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.inventory.models import CardKey
from kameng.ledger.selectors import balance_of
from kameng.orders import funds, services
from kameng.orders.models import BatchState, Order, OrderState, Payout
from kameng.orders.tests.conftest import fund, load_keys
from kameng.timeline.selectors import events_of, verify_stream
from tests.helpers import publish_rules

pytestmark = pytest.mark.django_db


def buy(buyer, product, quantity=1, key="k1", fields=None, pay_now=True):
    return services.place_order(
        buyer=buyer, product_id=product.pk, quantity=quantity, buyer_fields=fields, idempotency_key=key, pay_now=pay_now
    )


def kinds(order):
    return [e.kind for e in events_of(stream=order.stream)]


def test_card_key_order_pays_into_escrow_and_delivers_at_once(buyer, card_product):
    fund(buyer, 5000)
    result = buy(buyer, card_product, quantity=2)
    order = result.order
    assert result.created and result.paid
    assert order.state == OrderState.DELIVERED
    assert balance_of(kind="buyer_wallet", owner_id=buyer.pk) == 3000
    assert balance_of(kind="order_escrow", owner_id=order.pk) == 2000
    assert balance_of(kind="merchant_available", owner_id=card_product.shop_id) == 0  # not on payment!
    keys = CardKey.objects.filter(sold_to=buyer)
    assert keys.count() == 2
    card_product.refresh_from_db()
    assert card_product.stock_available == 18
    assert kinds(order) == ["order.created", "order.paid", "keys.allocated", "batch.delivered"]
    assert verify_stream(order.stream) == []


def test_same_idempotency_key_returns_the_same_order_and_never_charges_twice(buyer, card_product):
    fund(buyer, 5000)
    first = buy(buyer, card_product, key="abc")
    again = buy(buyer, card_product, key="abc")
    assert again.order.pk == first.order.pk and not again.created
    assert Order.objects.count() == 1
    assert balance_of(kind="buyer_wallet", owner_id=buyer.pk) == 4000
    with pytest.raises(DomainError) as exc:
        buy(buyer, card_product, quantity=3, key="abc")
    assert exc.value.code == "orders.idempotency_mismatch"


@pytest.mark.parametrize("key", ["", "   ", None, "x" * 101, "bad\nkey"])
def test_idempotency_key_is_required(buyer, card_product, key):
    fund(buyer, 5000)
    with pytest.raises(DomainError) as exc:
        buy(buyer, card_product, key=key)
    assert exc.value.code == "orders.idempotency_key_required"
    assert not Order.objects.exists()


def test_short_wallet_leaves_the_order_waiting_with_the_shortfall(buyer, card_product):
    fund(buyer, 300)
    result = buy(buyer, card_product)
    assert not result.paid and result.shortfall_fen == 700
    assert result.order.state == OrderState.PENDING_PAYMENT
    assert not CardKey.objects.filter(sold_to=buyer).exists()
    fund(buyer, 700)
    order = services.pay_order(buyer=buyer, order_id=result.order.pk)
    assert order.state == OrderState.DELIVERED
    assert balance_of(kind="buyer_wallet", owner_id=buyer.pk) == 0


def test_out_of_stock_refuses_before_any_money_moves(buyer, card_product):
    fund(buyer, 100_000)
    with pytest.raises(DomainError) as exc:
        buy(buyer, card_product, quantity=21)
    assert exc.value.code == "inventory.out_of_stock"
    assert not Order.objects.exists()
    assert balance_of(kind="buyer_wallet", owner_id=buyer.pk) == 100_000


def test_stock_gone_between_page_and_payment_rolls_everything_back(buyer, other_buyer, card_product):
    fund(buyer, 100_000)
    waiting = buy(buyer, card_product, quantity=20, pay_now=False).order
    fund(other_buyer, 100_000)
    buy(other_buyer, card_product, quantity=1, key="other")
    with pytest.raises(DomainError) as exc:
        services.pay_order(buyer=buyer, order_id=waiting.pk)
    assert exc.value.code == "inventory.out_of_stock"
    waiting.refresh_from_db()
    assert waiting.state == OrderState.PENDING_PAYMENT
    assert balance_of(kind="buyer_wallet", owner_id=buyer.pk) == 100_000
    assert balance_of(kind="order_escrow", owner_id=waiting.pk) == 0


def test_quantity_limits_and_unavailable_products(buyer, card_product):
    fund(buyer, 100_000)
    for quantity in (0, 101, -1):
        with pytest.raises(DomainError) as exc:
            buy(buyer, card_product, quantity=quantity, key=f"q{quantity}")
        assert exc.value.code == "orders.quantity_out_of_range"
    card_product.published = False
    card_product.save()
    with pytest.raises(DomainError) as exc:
        buy(buyer, card_product, key="unpublished")
    assert exc.value.code == "catalog.product_not_available"
    assert not Order.objects.exists()


def test_merchants_cannot_buy(merchant, card_product):
    with pytest.raises(DomainError) as exc:
        buy(merchant, card_product)
    assert exc.value.code == "auth.role_required"


def test_confirm_receipt_settles_escrow_minus_commission(buyer, card_product, settings):
    fund(buyer, 5000)
    order = buy(buyer, card_product, quantity=3).order
    order = services.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert order.state == OrderState.COMPLETED
    assert balance_of(kind="order_escrow", owner_id=order.pk) == 0
    assert balance_of(kind="merchant_available", owner_id=card_product.shop_id) == 3000 - 90  # 3 %
    assert balance_of(kind="platform_commission") == 90
    with pytest.raises(DomainError) as exc:
        services.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert exc.value.code == "orders.nothing_to_confirm"


def test_another_buyer_cannot_touch_the_order(buyer, other_buyer, card_product):
    fund(buyer, 5000)
    order = buy(buyer, card_product).order
    key = order.batches.get().keys.get()
    for call in (
        lambda: services.confirm_receipt(buyer=other_buyer, order_id=order.pk),
        lambda: services.pay_order(buyer=other_buyer, order_id=order.pk),
        lambda: services.reveal_key(buyer=other_buyer, order_id=order.pk, order_key_id=key.pk, ip=None, user_agent=""),
        lambda: services.cancel_order(buyer=other_buyer, order_id=order.pk),
    ):
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == "not_found"


def test_auto_confirm_after_the_protection_window(buyer, card_product):
    fund(buyer, 5000)
    order = buy(buyer, card_product).order
    assert services.sweep().auto_confirmed == 0
    with time_machine.travel(timezone.now() + timedelta(hours=72, minutes=1)):
        report = services.sweep()
        assert report.auto_confirmed == 1
        assert services.sweep().auto_confirmed == 0  # idempotent
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED
    assert "batch.auto_confirmed" in kinds(order)
    assert balance_of(kind="merchant_available", owner_id=card_product.shop_id) == 970


def test_reveal_shows_the_key_and_records_every_reveal(buyer, card_product, merchant):
    fund(buyer, 5000)
    order = buy(buyer, card_product).order
    okey = order.batches.get().keys.get()
    code, password = services.reveal_key(
        buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip="1.2.3.4", user_agent="UA"
    )
    assert code.startswith("K") and password == "P20"
    services.reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip="5.6.7.8", user_agent="UA2")
    reveals = [e for e in events_of(stream=order.stream) if e.kind == "key.revealed"]
    assert [e.payload["ip"] for e in reveals] == ["1.2.3.4", "5.6.7.8"]
    assert all(code not in str(e.payload) for e in events_of(stream=order.stream))
    okey.refresh_from_db()
    assert okey.reveal_count == 2 and okey.first_revealed_at
    with pytest.raises(DomainError):
        services.reveal_key(buyer=merchant, order_id=order.pk, order_key_id=okey.pk, ip=None, user_agent="")


def test_large_orders_are_delivered_in_batches_each_settled_on_its_own(buyer, card_product):
    publish_rules(batch_threshold_fen=4000)  # 4 keys of 10 yuan per batch
    fund(buyer, 20_000)
    order = buy(buyer, card_product, quantity=10).order
    batches = list(order.batches.all())
    assert [b.quantity for b in batches] == [4, 4, 2]
    assert [b.state for b in batches] == [BatchState.DELIVERED, BatchState.WAITING, BatchState.WAITING]
    hidden = batches[1].keys.first()
    with pytest.raises(DomainError) as exc:
        services.reveal_key(buyer=buyer, order_id=order.pk, order_key_id=hidden.pk, ip=None, user_agent="")
    assert exc.value.code == "orders.not_revealable"

    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    assert balance_of(kind="order_escrow", owner_id=order.pk) == 6000
    assert balance_of(kind="merchant_available", owner_id=card_product.shop_id) == 4000 - 120
    assert [b.state for b in order.batches.all()] == [BatchState.SETTLED, BatchState.DELIVERED, BatchState.WAITING]
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        services.sweep()
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED
    assert balance_of(kind="order_escrow", owner_id=order.pk) == 0
    assert balance_of(kind="merchant_available", owner_id=card_product.shop_id) == 10_000 - 300


def test_unpaid_orders_are_cancelled_when_the_payment_window_passes(buyer, card_product):
    order = buy(buyer, card_product, pay_now=False).order
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert services.sweep().cancelled == 1
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    fund(buyer, 5000)
    with pytest.raises(DomainError) as exc:
        services.pay_order(buyer=buyer, order_id=order.pk)
    assert exc.value.code == "orders.invalid_transition"
    assert balance_of(kind="buyer_wallet", owner_id=buyer.pk) == 5000


def test_a_top_up_for_an_expired_order_stays_in_the_wallet(buyer, card_product):
    order = buy(buyer, card_product, pay_now=False).order
    services.cancel_order(buyer=buyer, order_id=order.pk)
    fund(buyer, 1000)
    assert services.pay_waiting_order_after_topup(order_id=order.pk) is False
    assert balance_of(kind="buyer_wallet", owner_id=buyer.pk) == 1000


def test_manual_delivery_by_the_merchant(buyer, manual_product, merchant, other_shop):
    fund(buyer, 5000)
    order = buy(buyer, manual_product, fields={"role": "白银之手-小鹿"}).order
    assert order.state == OrderState.DELIVERING and order.delivery_due_at
    with pytest.raises(DomainError) as exc:
        services.deliver_manually(merchant=other_shop.owner, order_id=order.pk, note="x")
    assert exc.value.code == "not_found"
    services.deliver_manually(merchant=merchant, order_id=order.pk, note="已通过游戏邮件发送")
    order.refresh_from_db()
    assert order.state == OrderState.DELIVERED
    assert order.batches.get().manual_note == "已通过游戏邮件发送"


def test_manual_delivery_missed_deadline_refunds_the_buyer(buyer, manual_product):
    fund(buyer, 5000)
    order = buy(buyer, manual_product, fields={"role": "角色名"}).order
    with time_machine.travel(timezone.now() + timedelta(hours=6, minutes=1)):
        assert services.sweep().manual_refunded == 1
        assert services.sweep().manual_refunded == 0
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED and order.refunded_fen == 2000
    assert balance_of(kind="buyer_wallet", owner_id=buyer.pk) == 5000


def test_direct_topup_succeeds_through_the_supplier(buyer, topup_product, supplier, django_capture_on_commit_callbacks):
    fund(buyer, 10_000)
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(buyer, topup_product, fields={"phone": "13800138001"}).order
    order.refresh_from_db()
    assert order.state == OrderState.DELIVERED
    assert supplier.topup_count.get("13800138001") == 1
    assert {"supplier.requested", "supplier.answered", "batch.delivered"} <= set(kinds(order))


def test_direct_topup_failure_refunds_the_buyer_automatically(
    buyer, topup_product, supplier, django_capture_on_commit_callbacks
):
    fund(buyer, 10_000)
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(buyer, topup_product, fields={"phone": "13800138000"[:-1] + "0"}).order
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert balance_of(kind="buyer_wallet", owner_id=buyer.pk) == 10_000
    assert balance_of(kind="order_escrow", owner_id=order.pk) == 0


def test_direct_topup_bad_fields_are_refused_before_paying(buyer, topup_product):
    fund(buyer, 10_000)
    with pytest.raises(DomainError) as exc:
        buy(buyer, topup_product, fields={"phone": "12"})
    assert exc.value.code == "catalog.invalid_required_field"
    assert not Order.objects.exists()


def test_payouts_move_available_balance_out_after_approval(buyer, card_product, merchant, operator):
    fund(buyer, 5000)
    order = buy(buyer, card_product, quantity=5).order
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    available = balance_of(kind="merchant_available", owner_id=card_product.shop_id)
    assert available == 4850
    with pytest.raises(DomainError) as exc:
        funds.request_payout(merchant=merchant, amount_fen=available + 1, method="alipay", account="13800138000")
    assert exc.value.code == "ledger.insufficient_funds"
    assert not Payout.objects.exists()
    payout = funds.request_payout(merchant=merchant, amount_fen=4000, method="alipay", account="13800138000")
    assert balance_of(kind="merchant_available", owner_id=card_product.shop_id) == 850
    rejected = funds.request_payout(merchant=merchant, amount_fen=850, method="alipay", account="13800138000")
    funds.decide_payout(operator=operator, payout_id=rejected.pk, approve=False)
    funds.decide_payout(operator=operator, payout_id=payout.pk, approve=True)
    assert balance_of(kind="merchant_available", owner_id=card_product.shop_id) == 850
    assert balance_of(kind="merchant_payout", owner_id=card_product.shop_id) == 0
    with pytest.raises(DomainError):
        funds.decide_payout(operator=operator, payout_id=payout.pk, approve=True)
    with pytest.raises(DomainError):
        funds.decide_payout(operator=merchant, payout_id=rejected.pk, approve=True)


def test_more_keys_can_be_loaded_and_sold(buyer, card_product):
    fund(buyer, 100_000)
    load_keys(card_product, 5)
    assert buy(buyer, card_product, quantity=25).order.state == OrderState.DELIVERED


def test_a_later_manual_batch_has_its_own_deadline(buyer, manual_product, merchant):
    publish_rules(batch_threshold_fen=2000)  # one unit per batch
    fund(buyer, 10_000)
    order = buy(buyer, manual_product, quantity=2, fields={"role": "角色名"}).order
    services.deliver_manually(merchant=merchant, order_id=order.pk, note="第一批已发")
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    order.refresh_from_db()
    assert [b.state for b in order.batches.all()] == [BatchState.SETTLED, BatchState.DELIVERING]
    with time_machine.travel(timezone.now() + timedelta(hours=6, minutes=1)):
        assert services.sweep().manual_refunded == 1
    order.refresh_from_db()
    assert order.state == OrderState.PARTIALLY_REFUNDED
    assert order.refunded_fen == 2000
    assert balance_of(kind="buyer_wallet", owner_id=buyer.pk) == 10_000 - 2000


def test_a_second_payment_for_a_paid_order_is_a_duplicate_returned_to_the_wallet_without_a_case(
    buyer, card_product, django_capture_on_commit_callbacks
):
    """重复扣款 (rule 8.4): the buyer paid the same order twice at the gateway. The first payment pays
    the order; the second stays in the wallet, is recorded on the order and the buyer is told."""
    from kameng.notifications.models import Notification
    from kameng.payments.gateways.sandbox import notification_params
    from kameng.payments.services import handle_notification, sandbox_decide, start_topup

    order = buy(buyer, card_product, pay_now=False).order
    payments = [start_topup(buyer=buyer, amount_fen=1000, gateway="sandbox", order_id=order.pk) for _ in range(2)]
    for payment in payments:
        charge = sandbox_decide(out_trade_no=payment.out_trade_no, succeeded=True)
        with django_capture_on_commit_callbacks(execute=True):  # the capture signal leaves on commit
            handle_notification(gateway="sandbox", params=notification_params(charge), remote_addr="127.0.0.1")
    order.refresh_from_db()
    assert order.state == OrderState.DELIVERED
    assert balance_of(kind="order_escrow", owner_id=order.pk) == 1000  # charged once
    assert balance_of(kind="buyer_wallet", owner_id=buyer.pk) == 1000  # the duplicate, back in the wallet
    duplicate = [e for e in events_of(stream=order.stream) if e.kind == "payment.duplicate_refunded"]
    assert [e.payload["payment"] for e in duplicate] == [payments[1].pk]
    assert Notification.objects.filter(user=buyer, kind="order.duplicate_payment").count() == 1
    # The same notification again changes nothing.
    charge = sandbox_decide(out_trade_no=payments[1].out_trade_no, succeeded=True)
    with django_capture_on_commit_callbacks(execute=True):
        handle_notification(gateway="sandbox", params=notification_params(charge), remote_addr="127.0.0.1")
    assert balance_of(kind="buyer_wallet", owner_id=buyer.pk) == 1000
    assert verify_stream(order.stream) == []
