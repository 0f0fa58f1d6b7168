"""Real races on PostgreSQL: threads, each with its own connection, no mocks."""

import pytest

from kameng.core.errors import DomainError
from kameng.ledger.models import AccountKind, JournalEntry
from kameng.ledger.selectors import balance_of, check_ledger
from kameng.ledger.services import get_or_create_account, transfer
from tests.helpers import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_threads_posting_one_source_move_money_once():
    gateway = get_or_create_account(kind=AccountKind.GATEWAY_CLEARING)
    wallet = get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=7)
    results, errors = run_threads(
        20, lambda i: transfer(source="notify:abc", from_account=gateway, to_account=wallet, amount_fen=1000)[1]
    )
    assert not errors
    assert sum(results) == 1
    assert JournalEntry.objects.filter(source="notify:abc").count() == 1
    assert balance_of(kind="buyer_wallet", owner_id=7) == 1000
    assert check_ledger().ok


def test_concurrent_spending_never_overdraws_a_wallet():
    gateway = get_or_create_account(kind=AccountKind.GATEWAY_CLEARING)
    wallet = get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=8)
    transfer(source="topup", from_account=gateway, to_account=wallet, amount_fen=1000)
    escrows = [get_or_create_account(kind=AccountKind.ORDER_ESCROW, owner_id=100 + i) for i in range(16)]

    def spend(i):
        try:
            transfer(source=f"pay:{i}", from_account=wallet, to_account=escrows[i], amount_fen=300)
            return True
        except DomainError as exc:
            assert exc.code == "ledger.insufficient_funds"
            return False

    results, errors = run_threads(16, spend)
    assert not errors
    assert sum(results) == 3  # 3 × 300 ≤ 1000 < 4 × 300
    assert balance_of(kind="buyer_wallet", owner_id=8) == 100
    assert check_ledger().ok
