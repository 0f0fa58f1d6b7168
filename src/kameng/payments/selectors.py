"""Reads of the payments domain. A buyer only ever sees their own payments and wallet."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.core.errors import DomainError
from kameng.core.money_origins import MoneyOrigin
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of, postings_of
from kameng.payments.models import PAID_STATES, Payment, SandboxCharge


def payments_of(*, buyer: User) -> QuerySet[Payment]:
    require_role(buyer, Role.BUYER)
    return Payment.objects.filter(buyer=buyer).order_by("-created_at", "-id")


def payment_of(*, buyer: User, out_trade_no: str) -> Payment:
    """The buyer's own payment; anyone else's is simply not found."""
    payment = payments_of(buyer=buyer).filter(out_trade_no=out_trade_no[:64]).first()
    if payment is None:
        raise DomainError("not_found")
    return payment


def payment_for_checkout(*, out_trade_no: str, gateway: str) -> Payment:
    """What a gateway's checkout page may know: the payment behind an (unguessable) trade number."""
    payment = Payment.objects.filter(out_trade_no=out_trade_no[:64], gateway=gateway).first()
    if payment is None:
        raise DomainError("not_found")
    return payment


def sandbox_charge_for(*, out_trade_no: str) -> SandboxCharge | None:
    return SandboxCharge.objects.filter(out_trade_no=out_trade_no[:64]).first()


@dataclass(frozen=True)
class HistoryLine:
    source: str
    memo: str
    amount_fen: int
    created_at: object


def wallet_balance(*, buyer: User) -> int:
    require_role(buyer, Role.BUYER)
    return balance_of(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk)


def wallet_history(*, buyer: User, limit: int = 50) -> list[HistoryLine]:
    """The wallet's postings, newest first: every credit and debit with the entry it belongs to."""
    require_role(buyer, Role.BUYER)
    return [
        HistoryLine(p.entry.source, p.entry.memo, p.amount_fen, p.created_at)
        for p in postings_of(kind=AccountKind.BUYER_WALLET, owner_id=buyer.pk, limit=limit)
    ]


def money_in_by_gateway() -> list[MoneyOrigin]:
    """What every gateway brought into the wallets (captured top-ups), for `kameng ledger check`.
    The sandbox is always listed, so a production ledger check shows it at ¥0.00."""
    rows = {
        row["gateway"]: row
        for row in Payment.objects.filter(status__in=PAID_STATES)
        .values("gateway")
        .annotate(total=Sum("amount_fen"), n=Count("id"))
    }
    rows.setdefault("sandbox", {"gateway": "sandbox", "total": 0, "n": 0})
    return [
        MoneyOrigin(name=name, amount_fen=row["total"] or 0, count=row["n"], real=name != "sandbox")
        for name, row in sorted(rows.items())
    ]
