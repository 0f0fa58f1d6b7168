"""The one place money moves. Every money movement in Kameng is a call to ``post_entry``.

Lock order (docs/concurrency.md): ledger accounts are locked in ascending id order, after any
locks the caller already holds on its own aggregates (order, payment), so two entries touching
the same accounts can never deadlock against each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

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
    kind = AccountKind(kind)
    key = account_key(kind, owner_id)
    account = LedgerAccount.objects.filter(key=key).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(
                key=key, kind=kind, owner_id=owner_id, allow_negative=kind in NEGATIVE_ALLOWED
            )
    except IntegrityError:  # created concurrently: use theirs
        return LedgerAccount.objects.get(key=key)


def post_entry(*, source: str, lines: Iterable[Line], memo: str = "") -> tuple[JournalEntry, bool]:
    """Record one balanced journal entry. Returns (entry, created).

    Idempotent by ``source``: posting the same source again returns the first entry and moves
    nothing, whatever the lines say. A line that would take a non-negative account below zero
    refuses the whole entry with ``ledger.insufficient_funds`` and nothing is written."""
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

    with transaction.atomic():
        existing = JournalEntry.objects.filter(source=source).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                entry = JournalEntry.objects.create(source=source, memo=memo[:200])
        except IntegrityError:
            # A concurrent caller posted the same source first; theirs stands.
            return JournalEntry.objects.get(source=source), False
        # Lock in id order, then apply guarded updates so no balance can go below zero.
        locked = {a.pk: a for a in LedgerAccount.objects.select_for_update().filter(pk__in=merged).order_by("pk")}
        for pk in sorted(merged):
            amount = merged[pk]
            account = locked[pk]
            query = LedgerAccount.objects.filter(pk=pk)
            if amount < 0 and not account.allow_negative:
                query = query.filter(balance_fen__gte=-amount)
            if query.update(balance_fen=F("balance_fen") + amount) != 1:
                raise DomainError("ledger.insufficient_funds", account=str(accounts[pk].kind))
        Posting.objects.bulk_create(
            [
                Posting(entry=entry, account_id=pk, amount_fen=merged[pk], created_at=entry.created_at)
                for pk in sorted(merged)
            ]
        )
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
