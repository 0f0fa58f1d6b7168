"""Merchant money (orders.funds): the payout table, payout destinations, checks under the lock."""

from __future__ import annotations

import pytest

from kameng.core.errors import DomainError
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of
from kameng.orders import funds, selectors, services
from kameng.orders.models import MerchantDebt, Payout, mask_account
from kameng.orders.tests.conftest import fund
from kameng.shops.models import Shop, ShopStatus

pytestmark = pytest.mark.django_db
P = Payout.State
TO = {"method": "alipay", "account": "13800138000"}


@pytest.fixture
def earned(buyer, merchant, card_product):
    """The shop has 19.40 available."""
    fund(buyer, 2000)
    order = services.place_order(
        buyer=buyer, product_id=card_product.pk, quantity=2, buyer_fields=None, idempotency_key="earned"
    ).order
    services.confirm_receipt(buyer=buyer, order_id=order.pk)
    return balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=card_product.shop_id)


# --- the table -----------------------------------------------------------------------------------


def test_every_payout_transition_is_in_the_table_and_the_rest_are_refused():
    assert funds.PAYOUT_TRANSITIONS == {(P.REQUESTED, "approve"): P.PAID, (P.REQUESTED, "reject"): P.REJECTED}
    for state in P.values:
        for action in ("approve", "reject"):
            if (state, action) in funds.PAYOUT_TRANSITIONS:
                assert funds.next_payout_state(state, action) == funds.PAYOUT_TRANSITIONS[(state, action)]
            else:
                with pytest.raises(DomainError) as exc:
                    funds.next_payout_state(state, action)
                assert exc.value.code == "orders.payout_already_decided"


@pytest.mark.parametrize(("action", "final"), [("approve", P.PAID), ("reject", P.REJECTED)])
def test_a_decided_payout_cannot_be_decided_again_and_no_money_moves(earned, merchant, operator, shop, action, final):
    payout = funds.request_payout(merchant=merchant, amount_fen=1000, **TO)
    funds.decide_payout(operator=operator, payout_id=payout.pk, approve=action == "approve", note="x")
    payout.refresh_from_db()
    assert payout.state == final
    before = (
        balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop.pk),
        balance_of(kind=AccountKind.MERCHANT_PAYOUT, owner_id=shop.pk),
    )
    for approve in (True, False):
        with pytest.raises(DomainError) as exc:
            funds.decide_payout(operator=operator, payout_id=payout.pk, approve=approve, note="again")
        assert exc.value.code == "orders.payout_already_decided" and exc.value.status == 409
    payout.refresh_from_db()
    assert payout.state == final and payout.note == "x"
    assert before == (
        balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop.pk),
        balance_of(kind=AccountKind.MERCHANT_PAYOUT, owner_id=shop.pk),
    )


# --- destinations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "given", "kept", "shown"),
    [
        ("alipay", " 13800138000 ", "13800138000", "138****8000"),
        ("alipay", "Alice@Example.COM", "Alice@example.com", "A***@example.com"),
        ("bank", "6222 0212 3456 7890", "6222021234567890", "6222 **** **** 7890"),
        ("bank", "6222-0212-3456-7890-123", "6222021234567890123", "6222 **** **** 0123"),
    ],
)
def test_a_destination_is_normalised_and_masked(method, given, kept, shown):
    assert funds.clean_destination(method, given) == (method, kept)
    assert mask_account(method, kept) == shown


@pytest.mark.parametrize(
    ("method", "account", "code"),
    [
        ("paypal", "a@example.com", "orders.payout_method_invalid"),
        (None, "a@example.com", "orders.payout_method_invalid"),
        ("alipay", None, "orders.alipay_account_invalid"),
        ("alipay", "12800138000", "orders.alipay_account_invalid"),
        ("alipay", "a@b", "orders.alipay_account_invalid"),
        ("alipay", "x" * 60 + "@example.com", "orders.alipay_account_invalid"),
        ("bank", "622202123456789", "orders.bank_card_invalid"),
        ("bank", "62220212345678901234", "orders.bank_card_invalid"),
        ("bank", "6222０２１２34567890", "orders.bank_card_invalid"),
    ],
)
def test_a_bad_destination_is_refused_with_its_own_code(method, account, code):
    with pytest.raises(DomainError) as exc:
        funds.clean_destination(method, account)
    assert exc.value.code == code and exc.value.status == 422


def test_a_payout_records_where_the_money_goes(earned, merchant):
    payout = funds.request_payout(merchant=merchant, amount_fen=1000, method="bank", account="6222 0212 3456 7890")
    payout.refresh_from_db()
    assert (payout.method, payout.account, payout.account_masked) == ("bank", "6222021234567890", "6222 **** **** 7890")
    with pytest.raises(DomainError) as exc:
        funds.request_payout(merchant=merchant, amount_fen=500, method="bank", account="nope")
    assert exc.value.code == "orders.bank_card_invalid"
    assert Payout.objects.count() == 1


# --- frozen payouts, checked under the lock ------------------------------------------------------


def test_a_debt_freezes_payouts_until_it_is_paid(earned, merchant, shop):
    debt = funds.record_debt(shop_id=shop.pk, source="test:advance", amount_fen=300)
    assert selectors.payout_freeze(shop) == selectors.PayoutFreeze("debt", 300)
    with pytest.raises(DomainError) as exc:
        funds.request_payout(merchant=merchant, amount_fen=1000, **TO)
    assert exc.value.code == "orders.payouts_frozen"
    assert not Payout.objects.exists()
    funds.recover_debts(shop_id=shop.pk)
    debt.refresh_from_db()
    assert debt.cleared_at is not None and selectors.payout_freeze(shop) is None
    assert funds.request_payout(merchant=merchant, amount_fen=1000, **TO).state == P.REQUESTED


def test_the_shop_is_read_again_under_the_lock(earned, merchant, shop):
    """The merchant object carries the shop as it was loaded (active); the shop was frozen since."""
    assert merchant.shop.status == ShopStatus.ACTIVE
    Shop.objects.filter(pk=shop.pk).update(status=ShopStatus.FROZEN)
    assert merchant.shop.status == ShopStatus.ACTIVE  # the stale copy
    with pytest.raises(DomainError) as exc:
        funds.request_payout(merchant=merchant, amount_fen=1000, **TO)
    assert exc.value.code == "orders.payouts_frozen"
    assert not Payout.objects.exists()


def test_a_debt_recorded_while_the_accounts_are_locked_is_seen(earned, merchant, shop, monkeypatch):
    """A debt is recorded by a movement holding the shop's available account: the payout looks at
    the debts again once it holds that lock (here the debt appears exactly then)."""
    real = funds.lock_balances

    def lock_then_debt(*, accounts):
        held = real(accounts=accounts)
        if not MerchantDebt.objects.exists():
            MerchantDebt.objects.create(shop_id=shop.pk, source="test:meanwhile", amount_fen=100)
        return held

    monkeypatch.setattr(funds, "lock_balances", lock_then_debt)
    with pytest.raises(DomainError) as exc:
        funds.request_payout(merchant=merchant, amount_fen=1000, **TO)
    assert exc.value.code == "orders.payouts_frozen"
    assert not Payout.objects.exists()
    assert balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop.pk) == earned


# --- what the shop and the operators see ---------------------------------------------------------


def test_the_balance_shows_deposit_debt_and_why_payouts_are_frozen(earned, merchant, shop):
    funds.pay_deposit(merchant=merchant, amount_fen=400, request_id="d1")
    funds.record_debt(shop_id=shop.pk, source="test:penalty", amount_fen=250)
    balance = selectors.merchant_balance(merchant=merchant)
    assert (balance.available_fen, balance.deposit_fen, balance.debt_fen) == (earned - 400, 400, 250)
    assert balance.freeze == selectors.PayoutFreeze("debt", 250) and balance.frozen_code == "debt"
    Shop.objects.filter(pk=shop.pk).update(status=ShopStatus.BANNED)
    assert selectors.merchant_balance(merchant=merchant).frozen_code == "shop_banned"


def test_debt_list_and_guarantee_fund_are_for_operators(earned, merchant, operator, shop, buyer):
    funds.record_debt(shop_id=shop.pk, source="test:penalty", amount_fen=250)
    funds.record_debt(shop_id=shop.pk, source="test:old", amount_fen=100)
    assert [d.source for d in selectors.debt_list(operator=operator)] == ["test:penalty", "test:old"]
    assert {d.is_advance for d in selectors.debt_list(operator=operator)} == {False}
    recovered = funds.recover_debts(shop_id=shop.pk)
    assert recovered == 350
    assert list(selectors.debt_list(operator=operator)) == []
    assert len(selectors.debt_list(operator=operator, open_only=False)) == 2
    report = selectors.guarantee_fund(operator=operator)
    assert report == selectors.GuaranteeFund(
        balance_fen=balance_of(kind=AccountKind.GUARANTEE_FUND),
        advances_paid_fen=0,
        recovered_fen=350,
        outstanding_fen=0,
        debtors=0,
    )
    for who in (merchant, buyer):
        with pytest.raises(DomainError) as exc:
            selectors.debt_list(operator=who)
        assert exc.value.status == 403
        with pytest.raises(DomainError):
            selectors.guarantee_fund(operator=who)
