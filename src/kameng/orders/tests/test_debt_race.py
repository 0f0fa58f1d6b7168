"""A settlement that pays a shop's debts back (8.2) racing a recovery of the refund that made one
of those debts, on PostgreSQL with threads (each its own connection).

Both paths touch the same rows: the shop's open ``MerchantDebt`` rows and the shop's ledger
accounts (its available balance, the guarantee fund). The documented order (docs/concurrency.md)
is merchant debts (by id) → ledger accounts (by id), and both take it:

- settlement (``orders.services._settle_batch``, here through ``confirm_receipt``): order row →
  batch → ``funds.lock_debts`` (every open debt of the shop) → ``post_entry`` (escrow, available,
  commission) → ``funds.recover_debts`` (available → fund, ``funds.pay_debt``);
- recovery (``orders.money.recover``, a contest or appeal the buyer lost): its own order row →
  batches → refund row → the debt of that refund → ``lock_balances`` (wallet, available, deposit,
  fund) → ``post_entry`` → ``funds.pay_debt``.

The old settlement posted its entry first and locked the debts afterwards (inside
``recover_debts``). Then the settlement held the available account and waited for the debt row,
while the recovery held the debt row and waited for the available account: a cycle, which
PostgreSQL breaks by aborting one of them (``deadlock detected``, the settlement or the recovery
lost). And a settlement that read the debts before it could lock them (or without a lock) would
pay back an outstanding amount that the recovery was paying back at the same moment: the fund
repaid twice (the CHECK ``recovered ≤ amount`` refusing it, or the fund richer than before the
advance). Taking the debts first makes the two queue on the debt row: whichever comes second sees
the debt as the first left it, so every debt is repaid to the fund exactly once.
"""

from __future__ import annotations

import pytest

from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of, check_ledger
from kameng.ledger.services import get_or_create_account, transfer
from kameng.orders import funds, money, services
from kameng.orders.models import MerchantDebt, OrderState, Refund
from kameng.orders.tests.conftest import fund, load_keys
from tests.factories import ProductFactory, UserFactory
from tests.helpers import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAIRS = 4  # settlements and recoveries racing at once on one shop
PRICE = 1000


def _buy(buyer, product, key):
    fund(buyer, PRICE)
    return services.place_order(
        buyer=buyer, product_id=product.pk, quantity=1, buyer_fields=None, idempotency_key=key
    ).order


def _advanced_refund(order, source):
    """A refund of a settled order while the shop holds nothing: 先行赔付 from the fund, a debt."""
    money.refund(order_id=order.pk, seqs=[1], amount_fen=PRICE, source=source, reason="test: advance")
    return MerchantDebt.objects.get(source=source)


def test_settlement_recovering_debts_and_a_recovery_on_the_same_shop(shop, operator):
    product = ProductFactory(shop=shop, price_fen=PRICE, max_per_order=1)
    load_keys(product, 2 * PAIRS)
    available = get_or_create_account(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop.pk)

    # PAIRS settled orders, whose money the shop has since paid out; the fund advances their refunds.
    refunded = []
    for i in range(PAIRS):
        buyer = UserFactory(username=f"refunded{i}")
        order = _buy(buyer, product, f"b{i}")
        services.confirm_receipt(buyer=buyer, order_id=order.pk)
        refunded.append(order)
    net = balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop.pk) // PAIRS  # a settlement's share
    transfer(
        source="test:paid-out",
        from_account=available,
        to_account=get_or_create_account(kind=AccountKind.MERCHANT_PAYOUT, owner_id=shop.pk),
        amount_fen=net * PAIRS,
    )
    funds.fund_guarantee(operator=operator, amount_fen=100_000, source="race", from_commission=False)
    fund_before = balance_of(kind=AccountKind.GUARANTEE_FUND)
    debts = [_advanced_refund(order, f"test:advance:{order.pk}") for order in refunded]
    assert all(d.amount_fen == PRICE for d in debts)
    assert funds.outstanding_debt_fen(shop.pk) == PAIRS * PRICE
    assert balance_of(kind=AccountKind.GUARANTEE_FUND) == fund_before - PAIRS * PRICE

    # PAIRS delivered orders of the same shop, each waiting for its buyer's confirmation.
    delivered = [(buyer := UserFactory(username=f"confirms{i}"), _buy(buyer, product, f"a{i}")) for i in range(PAIRS)]

    def race(i):
        if i < PAIRS:  # settle, and pay the shop's debts back from what it earns
            buyer, order = delivered[i]
            return services.confirm_receipt(buyer=buyer, order_id=order.pk).state
        order = refunded[i - PAIRS]  # the buyer lost a contest: the advanced refund comes back
        return money.recover(
            order_id=order.pk,
            refund_source=f"test:advance:{order.pk}",
            amount_fen=PRICE,
            source=f"test:advance:{order.pk}:recovered",
            reason="test: contest upheld",
        )

    results, errors = run_threads(2 * PAIRS, race)
    assert not errors, errors  # no deadlock, no CHECK (recovered ≤ amount) refusing a double repayment
    assert results[:PAIRS] == [OrderState.COMPLETED] * PAIRS
    assert [r.recovered_fen for r in results[PAIRS:]] == [PRICE] * PAIRS

    # Every debt repaid exactly once, whichever path got to it first …
    for debt in debts:
        debt.refresh_from_db()
        assert (debt.recovered_fen, debt.outstanding_fen) == (PRICE, 0) and debt.cleared_at is not None
    assert funds.outstanding_debt_fen(shop.pk) == 0
    # … so the fund has its advances back, no more, and the shop keeps exactly what it earned: a
    # settlement's repayment of a debt that the recovery then also covered came back to the shop.
    assert balance_of(kind=AccountKind.GUARANTEE_FUND) == fund_before
    assert balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop.pk) == net * PAIRS
    for order in refunded:
        assert Refund.objects.get(source=f"test:advance:{order.pk}").recovered_fen == PRICE
        assert balance_of(kind=AccountKind.BUYER_WALLET, owner_id=order.buyer_id) == 0
    report = check_ledger()
    assert report.ok, report
