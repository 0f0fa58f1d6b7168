import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kameng.core.errors import DomainError
from kameng.ledger.models import AccountKind, JournalEntry, LedgerAccount, Posting
from kameng.ledger.selectors import balance_of, check_ledger
from kameng.ledger.services import Line, get_or_create_account, post_entry, transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway():
    return get_or_create_account(kind=AccountKind.GATEWAY_CLEARING)


@pytest.fixture
def wallet():
    return get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=1)


def test_accounts_are_created_once_per_key(wallet):
    assert get_or_create_account(kind="buyer_wallet", owner_id=1) == wallet
    assert wallet.key == "buyer_wallet:1"
    assert not wallet.allow_negative
    assert get_or_create_account(kind=AccountKind.GATEWAY_CLEARING).allow_negative


def test_transfer_moves_money_and_keeps_the_books_balanced(gateway, wallet):
    entry, created = transfer(source="topup:1", from_account=gateway, to_account=wallet, amount_fen=1000)
    assert created
    assert balance_of(kind="buyer_wallet", owner_id=1) == 1000
    assert balance_of(kind="gateway_clearing") == -1000
    assert sorted(entry.postings.values_list("amount_fen", flat=True)) == [-1000, 1000]
    assert check_ledger().ok


def test_same_source_posts_once(gateway, wallet):
    first, created = transfer(source="topup:2", from_account=gateway, to_account=wallet, amount_fen=500)
    again, created_again = transfer(source="topup:2", from_account=gateway, to_account=wallet, amount_fen=9999)
    assert created and not created_again
    assert again.pk == first.pk
    assert balance_of(kind="buyer_wallet", owner_id=1) == 500
    assert Posting.objects.count() == 2


def test_a_wallet_cannot_go_negative_and_nothing_is_written(gateway, wallet):
    transfer(source="topup:3", from_account=gateway, to_account=wallet, amount_fen=100)
    escrow = get_or_create_account(kind=AccountKind.ORDER_ESCROW, owner_id=9)
    with pytest.raises(DomainError) as exc:
        transfer(source="pay:9", from_account=wallet, to_account=escrow, amount_fen=101)
    assert exc.value.code == "ledger.insufficient_funds"
    assert not JournalEntry.objects.filter(source="pay:9").exists()
    assert balance_of(kind="buyer_wallet", owner_id=1) == 100
    assert balance_of(kind="order_escrow", owner_id=9) == 0


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([("g", -100), ("w", 99)], "ledger.unbalanced"),
        ([("g", 0), ("w", 0)], "ledger.empty_entry"),
        ([("w", 50), ("w", -50)], "ledger.empty_entry"),
    ],
)
def test_unbalanced_or_empty_entries_are_refused(gateway, wallet, lines, code):
    accounts = {"g": gateway, "w": wallet}
    with pytest.raises(DomainError) as exc:
        post_entry(source="bad", lines=[Line(accounts[a], n) for a, n in lines])
    assert exc.value.code == code
    assert not JournalEntry.objects.exists()


def test_amounts_must_be_integer_fen(gateway, wallet):
    with pytest.raises(TypeError):
        post_entry(source="float", lines=[Line(gateway, -1.5), Line(wallet, 1.5)])
    with pytest.raises(DomainError):
        transfer(source="zero", from_account=gateway, to_account=wallet, amount_fen=0)


def test_multi_line_entry_splits_escrow_into_merchant_and_commission(gateway, wallet):
    escrow = get_or_create_account(kind=AccountKind.ORDER_ESCROW, owner_id=5)
    merchant = get_or_create_account(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=3)
    commission = get_or_create_account(kind=AccountKind.PLATFORM_COMMISSION)
    transfer(source="t", from_account=gateway, to_account=wallet, amount_fen=1000)
    transfer(source="p", from_account=wallet, to_account=escrow, amount_fen=1000)
    post_entry(source="s", lines=[Line(escrow, -1000), Line(merchant, 970), Line(commission, 30)])
    assert [balance_of(kind=k, owner_id=o) for k, o in [("order_escrow", 5), ("merchant_available", 3)]] == [0, 970]
    assert balance_of(kind="platform_commission") == 30
    assert check_ledger().ok


def test_ledger_check_finds_a_tampered_balance_and_a_tampered_posting(gateway, wallet):
    transfer(source="t", from_account=gateway, to_account=wallet, amount_fen=1000)
    call_command("ledger", "check")
    LedgerAccount.objects.filter(pk=wallet.pk).update(balance_fen=2000)
    report = check_ledger()
    assert any("cached balance" in b for b in report.breaches)
    with pytest.raises(CommandError):
        call_command("ledger", "check")
    LedgerAccount.objects.filter(pk=wallet.pk).update(balance_fen=1000)
    assert check_ledger().ok
    # A posting edited behind the service's back: the entry no longer balances, money appears.
    Posting.objects.filter(account=wallet).update(amount_fen=1500)
    breaches = check_ledger().breaches
    assert any("does not balance" in b for b in breaches)
    assert any("created or destroyed" in b for b in breaches)


def test_database_refuses_a_negative_wallet_even_without_the_service(wallet):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=wallet.pk).update(balance_fen=-1)


def test_rows_written_by_raw_sql_store_times_exactly_as_the_orm_does(gateway, wallet):
    """The hot path writes entries, postings and escrow accounts with raw SQL; their times must be
    stored in the same form as ORM-written rows, or comparisons on SQLite (text) go wrong."""
    from kameng.ledger.services import open_account

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL stores timestamptz, whatever form the parameter had")
    open_account(kind=AccountKind.ORDER_ESCROW, owner_id=99)
    transfer(source="t-format", from_account=gateway, to_account=wallet, amount_fen=5)
    with connection.cursor() as cursor:
        for table in ("ledger_journalentry", "ledger_posting", "ledger_ledgeraccount"):
            cursor.execute(f"SELECT CAST(created_at AS TEXT) FROM {table}")
            for (text,) in cursor.fetchall():
                assert "+" not in text and "T" not in text, (table, text)
