"""Reads of the ledger, including the invariant check behind `kameng ledger check`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Sum

from kameng.ledger.models import AccountKind, JournalEntry, LedgerAccount, Posting


def _account(kind: AccountKind | str, owner_id: int | None):
    """The account of this kind and owner, by its (kind, owner_id) index: what ``key`` encodes."""
    return LedgerAccount.objects.filter(kind=AccountKind(kind), owner_id=owner_id)


def balance_of(*, kind: AccountKind | str, owner_id: int | None = None) -> int:
    account = _account(kind, owner_id).only("balance_fen").first()
    return account.balance_fen if account else 0


def entry_exists(*, source: str) -> bool:
    """Whether a business step with this source was already posted."""
    return JournalEntry.objects.filter(source=source).exists()


def postings_of(*, kind: AccountKind | str, owner_id: int | None = None, limit: int = 100):
    return (
        Posting.objects.filter(account__in=_account(kind, owner_id))
        .select_related("entry")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass
class LedgerReport:
    accounts: int = 0
    entries: int = 0
    postings: int = 0
    total_fen: int = 0
    breaches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaches


def check_ledger() -> LedgerReport:
    """Every invariant of the books: each entry sums to zero and has two or more postings; every
    cached balance equals the sum of its postings; no account that must stay non-negative is
    negative; all balances together sum to zero (money is neither created nor destroyed)."""
    report = LedgerReport(
        accounts=LedgerAccount.objects.count(),
        entries=JournalEntry.objects.count(),
        postings=Posting.objects.count(),
    )
    for row in (
        Posting.objects.values("entry_id", "entry__source")
        .annotate(total=Sum("amount_fen"), n=Count("id"))
        .exclude(total=0)
    ):
        report.breaches.append(f"entry {row['entry__source']} does not balance: sums to {row['total']} fen")
    for row in Posting.objects.values("entry_id", "entry__source").annotate(n=Count("id")).filter(n__lt=2):
        report.breaches.append(f"entry {row['entry__source']} has fewer than two postings")
    empty = JournalEntry.objects.filter(postings__isnull=True).values_list("source", flat=True)
    report.breaches.extend(f"entry {source} has no postings" for source in empty)
    sums = dict(
        Posting.objects.values("account_id").annotate(total=Sum("amount_fen")).values_list("account_id", "total")
    )
    for account in LedgerAccount.objects.all().iterator():
        derived = sums.get(account.pk, 0) or 0
        if derived != account.balance_fen:
            report.breaches.append(f"account {account.key}: cached balance {account.balance_fen} ≠ postings {derived}")
        if derived < 0 and not account.allow_negative:
            report.breaches.append(f"account {account.key} is negative: {derived}")
        report.total_fen += derived
    if report.total_fen != 0:
        report.breaches.append(f"all balances sum to {report.total_fen} fen, not 0: money was created or destroyed")
    return report
