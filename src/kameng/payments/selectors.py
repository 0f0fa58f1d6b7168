"""Reads of the payments domain. A buyer only ever sees their own payments and wallet."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.core.errors import DomainError
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of, postings_of
from kameng.payments.models import Payment, SandboxCharge


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
