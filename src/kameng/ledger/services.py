"""The one place money moves. Every money movement in Kameng is a call to ``post_entry``.

Lock order (docs/concurrency.md): ledger accounts are locked in ascending id order, after any
locks the caller already holds on its own aggregates (order, payment), so two entries touching
the same accounts can never deadlock against each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from kameng.core.db import atomic_unless_in_transaction
from kameng.core.errors import DomainError
from kameng.ledger.models import NEGATIVE_ALLOWED, AccountKind, JournalEntry, LedgerAccount, Posting


@dataclass(frozen=True)
class Line:
    account: LedgerAccount
    amount_fen: int


def account_key(kind: AccountKind | str, owner_id: int | None = None) -> str:
    kind = AccountKind(kind)
    return f"{kind.value}:{owner_id}" if owner_id is not None else kind.value


def get_or_create_account(*, kind: AccountKind | str, owner_id: int | None = None) -> LedgerAccount:
    """The account of this kind and owner, created on first use. Reads first: most accounts
    (wallets, merchant balances) already exist."""
    kind = AccountKind(kind)
    table = connection.ops.quote_name(LedgerAccount._meta.db_table)
    # A raw queryset: every checkout reads the buyer's wallet, and building this one-row SELECT
    # through the ORM costs more CPU than running it.
    found = LedgerAccount.objects.raw(f"SELECT * FROM {table} WHERE key = %s", [account_key(kind, owner_id)])  # noqa: S608
    account = next(iter(found), None)
    return account if account is not None else open_account(kind=kind, owner_id=owner_id)


def open_account(*, kind: AccountKind | str, owner_id: int | None = None) -> LedgerAccount:
    """Create the account (e.g. a new order's escrow) in one statement; if it exists already —
    created concurrently, or earlier — return that one. INSERT … ON CONFLICT DO NOTHING RETURNING
    works on PostgreSQL and SQLite ≥ 3.35 and needs no savepoint."""
    kind = AccountKind(kind)
    key = account_key(kind, owner_id)
    table = connection.ops.quote_name(LedgerAccount._meta.db_table)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, kind, owner_id, allow_negative, balance_fen, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, 0, %s) ON CONFLICT (key) DO NOTHING RETURNING id",
            [key, kind.value, owner_id, kind in NEGATIVE_ALLOWED, _db_time(now)],
        )
        row = cursor.fetchone()
    if row is None:
        return LedgerAccount.objects.get(key=key)
    return LedgerAccount(
        pk=row[0],
        key=key,
        kind=kind.value,
        owner_id=owner_id,
        allow_negative=kind in NEGATIVE_ALLOWED,
        balance_fen=0,
        created_at=now,
    )


def _db_time(value):
    """A datetime as the ORM would store it (raw SQL skips the field's adaptation; on SQLite the
    ORM writes naive UTC text, and mixed formats would compare wrongly)."""
    return connection.ops.adapt_datetimefield_value(value)


def _insert_entry(*, source: str, memo: str, created_at) -> int | None:
    """INSERT … ON CONFLICT (source) DO NOTHING RETURNING id: the new entry's id, or None if the
    source was already posted. One statement, no savepoint."""
    table = connection.ops.quote_name(JournalEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (source, memo, created_at) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT (source) DO NOTHING RETURNING id",
            [source, memo, _db_time(created_at)],
        )
        row = cursor.fetchone()
    return row[0] if row else None


# Raw statements for the three steps every entry takes (a checkout posts one): the ORM spends
# more CPU building each of them than the database spends running it.


def _lock_balances(pks: list[int]) -> dict[int, int]:
    """Lock the accounts in ascending id order (one statement) and read their balances."""
    table = connection.ops.quote_name(LedgerAccount._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    marks = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, balance_fen FROM {table} WHERE id IN ({marks}) ORDER BY id{lock}",  # noqa: S608
            pks,
        )
        return dict(cursor.fetchall())


def _move_balances(amounts: dict[int, int]) -> None:
    """Every account's balance in one UPDATE."""
    table = connection.ops.quote_name(LedgerAccount._meta.db_table)
    pks = sorted(amounts)
    cases = " ".join(["WHEN %s THEN %s"] * len(pks))
    marks = ", ".join(["%s"] * len(pks))
    params = [v for pk in pks for v in (pk, amounts[pk])] + pks
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET balance_fen = balance_fen + CASE id {cases} END WHERE id IN ({marks})",  # noqa: S608
            params,
        )
        if cursor.rowcount != len(pks):
            raise RuntimeError("a locked ledger account disappeared")


def _insert_postings(*, entry_id: int, amounts: dict[int, int], created_at) -> None:
    table = connection.ops.quote_name(Posting._meta.db_table)
    pks = sorted(amounts)
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(pks))
    at = _db_time(created_at)
    params = [v for pk in pks for v in (entry_id, pk, amounts[pk], at)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (entry_id, account_id, amount_fen, created_at) VALUES {rows}",  # noqa: S608
            params,
        )


def _insert_entry_and_postings(*, source: str, memo: str, amounts: dict[int, int], created_at) -> int | None:
    """PostgreSQL: ``_insert_entry`` and ``_insert_postings`` in one statement (one round trip on
    every checkout). If the source was posted before, the entry insert does nothing, so neither
    do the postings, and the answer is None."""
    entries = connection.ops.quote_name(JournalEntry._meta.db_table)
    postings = connection.ops.quote_name(Posting._meta.db_table)
    pks = sorted(amounts)
    rows = ", ".join(["(%s::bigint, %s::bigint)"] * len(pks))
    params = [source, memo, created_at, created_at, *(v for pk in pks for v in (pk, amounts[pk]))]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH e AS (INSERT INTO {entries} (source, memo, created_at) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (source) DO NOTHING RETURNING id) "
            f"INSERT INTO {postings} (entry_id, account_id, amount_fen, created_at) "
            f"SELECT e.id, v.account_id, v.amount_fen, %s "
            f"FROM e CROSS JOIN (VALUES {rows}) AS v(account_id, amount_fen) RETURNING entry_id",
            params,
        )
        row = cursor.fetchone()
    return row[0] if row else None


def post_entry(*, source: str, lines: Iterable[Line], memo: str = "") -> tuple[JournalEntry, bool]:
    """Record one balanced journal entry. Returns (entry, created).

    Idempotent by ``source``: posting the same source again returns the first entry and moves
    nothing, whatever the lines say. A line that would take a non-negative account below zero
    refuses the whole entry with ``ledger.insufficient_funds`` before anything is written, so a
    caller may catch it and carry on in its transaction.

    Every account of the entry is locked first, in ascending id order (one statement), so two
    entries can never deadlock, and a concurrent twin with the same source waits here and then
    finds the first one's entry."""
    merged: dict[int, int] = defaultdict(int)
    accounts: dict[int, LedgerAccount] = {}
    for line in lines:
        if not isinstance(line.amount_fen, int) or isinstance(line.amount_fen, bool):
            raise TypeError("amounts are integer fen")
        merged[line.account.pk] += line.amount_fen
        accounts[line.account.pk] = line.account
    merged = {pk: amount for pk, amount in merged.items() if amount != 0}
    if not merged:
        raise DomainError("ledger.empty_entry")
    if sum(merged.values()) != 0:
        raise DomainError("ledger.unbalanced")
    if not source or len(source) > 120:
        raise ValueError("source must be 1–120 characters")

    with atomic_unless_in_transaction():
        balances = _lock_balances(sorted(merged))
        short = [
            pk
            for pk, amount in merged.items()
            if amount < 0 and not accounts[pk].allow_negative and balances[pk] + amount < 0
        ]
        if short:
            # A replay of an entry whose money has moved on since is still just a replay.
            existing = JournalEntry.objects.filter(source=source).first()
            if existing is not None:
                return existing, False
            raise DomainError("ledger.insufficient_funds", account=str(accounts[short[0]].kind))
        now = timezone.now()
        if connection.vendor == "postgresql":
            entry_id = _insert_entry_and_postings(source=source, memo=memo[:200], amounts=merged, created_at=now)
        else:
            entry_id = _insert_entry(source=source, memo=memo[:200], created_at=now)
        if entry_id is None:  # the source was posted before: nothing moves again
            return JournalEntry.objects.get(source=source), False
        entry = JournalEntry(pk=entry_id, source=source, memo=memo[:200], created_at=now)
        # The accounts are locked and checked above, and the database's CHECK (balance ≥ 0 unless
        # allowed) is a second, independent guard.
        _move_balances(merged)
        if connection.vendor != "postgresql":
            _insert_postings(entry_id=entry_id, amounts=merged, created_at=now)
    return entry, True


def transfer(
    *, source: str, from_account: LedgerAccount, to_account: LedgerAccount, amount_fen: int, memo: str = ""
) -> tuple[JournalEntry, bool]:
    """A two-line entry: the common case."""
    if amount_fen <= 0:
        raise DomainError("ledger.non_positive_amount")
    return post_entry(
        source=source,
        memo=memo,
        lines=[Line(from_account, -amount_fen), Line(to_account, amount_fen)],
    )


def lock_balances(*, accounts: Iterable[LedgerAccount]) -> dict[int, int]:
    """Lock these accounts (ascending id, the documented order) and return their balances by id,
    for a caller that must decide how to split a movement across them before posting it. Must be
    called inside the caller's transaction; post_entry re-locks them at no cost."""
    pks = sorted({a.pk for a in accounts})
    return _lock_balances(pks) if pks else {}
