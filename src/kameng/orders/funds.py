"""Merchant money that is not an order's: payouts (提现), the deposit (保证金), the guarantee fund
(保障基金), penalties, and the debts a shop owes the fund (先行赔付 it advanced, unpaid penalties).

Money moves only through ``kameng.ledger.services``. Lock order (docs/concurrency.md): shop row
(a payout request) or payout row (a decision) → merchant debts of the shop (by id) → ledger
accounts (by id). A settlement that recovers debts holds the order row first; nothing here locks
an order, so the two orders never cross.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.core.errors import DomainError
from kameng.core.templatetags.money import format_fen
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import entry_exists
from kameng.ledger.services import Line, get_or_create_account, lock_balances, post_entry, transfer
from kameng.orders import rules
from kameng.orders.models import MerchantDebt, Payout, PayoutMethod
from kameng.orders.selectors import PayoutFreeze, freeze_of, outstanding_debt_fen, payout_freeze
from kameng.orders.uow import available_account, deposit_account, fund_account
from kameng.shops.models import Shop

# --- the payout state machine, as data --------------------------------------------------------

P = Payout.State
# (state, action) -> next state. Only an operator decides; the merchant only requests.
PAYOUT_TRANSITIONS: dict[tuple[str, str], str] = {
    (P.REQUESTED, "approve"): P.PAID,
    (P.REQUESTED, "reject"): P.REJECTED,
}


def next_payout_state(state: str, action: str) -> str:
    try:
        return PAYOUT_TRANSITIONS[(state, action)]
    except KeyError:
        raise DomainError("orders.payout_already_decided", state=str(P(state).label)) from None


__all__ = ["PayoutFreeze", "outstanding_debt_fen", "payout_freeze"]  # reads, kept here for callers


# --- debts ----------------------------------------------------------------------------------------


def record_debt(*, shop_id: int, source: str, amount_fen: int) -> MerchantDebt:
    return MerchantDebt.objects.create(shop_id=shop_id, source=source, amount_fen=amount_fen)


def pay_debt(debt: MerchantDebt, amount: int) -> None:
    """Mark ``amount`` of a locked debt as paid back (by a recovery or a buyer's return)."""
    debt.recovered_fen += amount
    if debt.recovered_fen >= debt.amount_fen:
        debt.cleared_at = timezone.now()
    debt.save(update_fields=["recovered_fen", "cleared_at"])


def lock_debts(*, shop_id: int) -> list[MerchantDebt]:
    """The shop's open debts, locked by id: the documented place for debts in the lock order
    (docs/concurrency.md) is before any ledger account."""
    return list(
        MerchantDebt.objects.select_for_update().filter(shop_id=shop_id, cleared_at__isnull=True).order_by("pk")
    )


def recover_debts(*, shop_id: int, debts: list[MerchantDebt] | None = None) -> int:
    """Pay the shop's debts back to the guarantee fund from its available balance, oldest first.
    Called after each settlement, with the debts it locked before its accounts (``lock_debts``)."""
    debts = lock_debts(shop_id=shop_id) if debts is None else debts
    if not debts:
        return 0
    available = available_account(shop_id)
    balance = lock_balances(accounts=[available, fund_account()])[available.pk]
    paid = 0
    for debt in debts:
        take = min(debt.outstanding_fen, balance - paid)
        if take <= 0:
            break
        transfer(
            source=f"debt:{debt.pk}:repaid:{debt.recovered_fen + take}",
            from_account=available,
            to_account=fund_account(),
            amount_fen=take,
            memo="debt repaid to the guarantee fund",
        )
        pay_debt(debt, take)
        paid += take
    return paid


def charge_penalty(*, shop_id: int, amount_fen: int, source: str, reason: str) -> int:
    """A ruling's penalty: the shop pays the guarantee fund from its available balance, then its
    deposit; what it lacks becomes a debt (payouts frozen until recovered). Returns the debt."""
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise DomainError("invalid_input", fields={"penalty_fen": "a positive number of fen"})
    if MerchantDebt.objects.filter(source=source).exists() or entry_exists(source=source):
        return 0
    available, deposit, fund = available_account(shop_id), deposit_account(shop_id), fund_account()
    balances = lock_balances(accounts=[available, deposit, fund])
    from_available = min(balances[available.pk], amount_fen)
    from_deposit = min(balances[deposit.pk], amount_fen - from_available)
    debt = amount_fen - from_available - from_deposit
    lines = []
    if from_available:
        lines.append(Line(available, -from_available))
    if from_deposit:
        lines.append(Line(deposit, -from_deposit))
    if lines:
        lines.append(Line(fund, from_available + from_deposit))
        post_entry(source=source, lines=lines, memo=reason[:200])
    if debt:
        record_debt(shop_id=shop_id, source=source, amount_fen=debt)
    return debt


# --- deposit and guarantee fund -------------------------------------------------------------------


def pay_deposit(*, merchant: User, amount_fen: int, request_id: str) -> None:
    """The merchant moves money from its available balance into its deposit (保证金)."""
    require_role(merchant, Role.MERCHANT)
    shop = getattr(merchant, "shop", None)
    if shop is None:
        raise DomainError("shop.no_shop")
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise DomainError("invalid_input", fields={"amount_fen": "a positive number of fen"})
    transfer(
        source=f"deposit:{shop.pk}:{request_id}"[:120],  # the caller's request id: a retry pays once
        from_account=available_account(shop.pk),
        to_account=deposit_account(shop.pk),
        amount_fen=amount_fen,
        memo="deposit paid",
    )


def hold_application_deposit(*, applicant_id: int, application_id: int, amount_fen: int) -> None:
    """A shop application's deposit (入驻保证金) leaves the applicant's wallet and is held on the
    application until an operator decides. Refused with nothing moved if the wallet is short."""
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise DomainError("invalid_input", fields={"deposit_fen": "a positive number of fen"})
    wallet = get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=applicant_id)
    held = get_or_create_account(kind=AccountKind.APPLICATION_DEPOSIT, owner_id=application_id)
    balance = lock_balances(accounts=[wallet, held])[wallet.pk]
    if balance < amount_fen:
        raise DomainError("onboarding.wallet_short", need=format_fen(amount_fen), have=format_fen(balance))
    transfer(
        source=f"application:{application_id}:deposit",
        from_account=wallet,
        to_account=held,
        amount_fen=amount_fen,
        memo="shop application deposit held",
    )


def settle_application_deposit(*, application_id: int, applicant_id: int, shop_id: int | None) -> int:
    """The decision on an application: its held deposit becomes the new shop's deposit
    (``shop_id``, approved) or goes back to the applicant's wallet (``None``: rejected or
    withdrawn). Returns the amount moved; a second call moves nothing."""
    held = get_or_create_account(kind=AccountKind.APPLICATION_DEPOSIT, owner_id=application_id)
    to = (
        deposit_account(shop_id)
        if shop_id is not None
        else get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=applicant_id)
    )
    amount = lock_balances(accounts=[held, to])[held.pk]
    if amount <= 0:
        return 0
    transfer(
        source=f"application:{application_id}:{'to_shop' if shop_id is not None else 'returned'}",
        from_account=held,
        to_account=to,
        amount_fen=amount,
        memo="shop application deposit " + ("to the shop's deposit" if shop_id is not None else "returned"),
    )
    return amount


def fund_guarantee(*, operator: User, amount_fen: int, source: str, from_commission: bool = True) -> None:
    """The platform puts money into the guarantee fund (保障基金): from its commission, or
    (``from_commission=False``) from outside, i.e. the platform's own bank account, which like
    all outside money is mirrored by the gateway clearing account."""
    require_role(operator, Role.OPERATOR)
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise DomainError("invalid_input", fields={"amount_fen": "a positive number of fen"})
    origin = AccountKind.PLATFORM_COMMISSION if from_commission else AccountKind.GATEWAY_CLEARING
    transfer(
        source=f"fund:{source}"[:120],
        from_account=get_or_create_account(kind=origin),
        to_account=fund_account(),
        amount_fen=amount_fen,
        memo="guarantee fund top-up",
    )


# --- payouts (提现) ------------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}")  # ASCII digits only: \d would take ０-９ too
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+")
_CARD = re.compile(r"[0-9]{16,19}")


def clean_destination(method: object, account: object) -> tuple[str, str]:
    """Where a payout goes, checked and normalised: an Alipay account (a mainland mobile number or
    an email address) or a bank card number (16–19 digits; spaces and dashes are dropped)."""
    if not isinstance(method, str) or method not in PayoutMethod.values:
        raise DomainError("orders.payout_method_invalid")
    text = account.strip() if isinstance(account, str) else ""
    if method == PayoutMethod.BANK:
        digits = re.sub(r"[\s-]", "", text)
        if not _CARD.fullmatch(digits):
            raise DomainError("orders.bank_card_invalid")
        return method, digits
    if len(text) <= 64 and _MOBILE.fullmatch(text):
        return method, text
    if len(text) <= 64 and _EMAIL.fullmatch(text):
        name, _at, domain = text.rpartition("@")
        return method, f"{name}@{domain.lower()}"
    raise DomainError("orders.alipay_account_invalid")


def request_payout(*, merchant: User, amount_fen: int, method: str, account: str) -> Payout:
    """The merchant asks to withdraw ``amount_fen`` of its available balance to an Alipay account
    or a bank card. Every condition that can change meanwhile is checked under the locks (the shop
    row, then its debts, then the accounts), so a debt recorded or a shop frozen at the same moment
    cannot slip a payout through."""
    require_role(merchant, Role.MERCHANT)
    shop = getattr(merchant, "shop", None)
    if shop is None:
        raise DomainError("shop.no_shop")
    method, account = clean_destination(method, account)
    minimum = rules.current().payout_min_fen
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen < minimum:
        raise DomainError("orders.payout_too_small", min=minimum)
    with transaction.atomic():
        shop = Shop.objects.select_for_update().get(pk=shop.pk)
        debts = lock_debts(shop_id=shop.pk)
        if freeze_of(shop, sum(d.outstanding_fen for d in debts)) is not None:
            raise DomainError("orders.payouts_frozen")
        available = available_account(shop.pk)
        in_transit = get_or_create_account(kind=AccountKind.MERCHANT_PAYOUT, owner_id=shop.pk)
        lock_balances(accounts=[available, in_transit])
        # A debt is only ever recorded by a movement that holds the shop's available account (a
        # refund drawing on it first, a penalty): with that lock held, one recorded meanwhile has
        # been committed, so this read sees it.
        if outstanding_debt_fen(shop.pk):
            raise DomainError("orders.payouts_frozen")
        payout = Payout.objects.create(
            shop=shop, amount_fen=amount_fen, method=method, account=account, requested_by=merchant
        )
        # The balance is checked under the account lock by the ledger (ledger.insufficient_funds).
        transfer(
            source=f"payout:{payout.pk}:requested",
            from_account=available,
            to_account=in_transit,
            amount_fen=amount_fen,
            memo="payout requested",
        )
    return payout


def decide_payout(*, operator: User, payout_id: int, approve: bool, note: str = "") -> Payout:
    require_role(operator, Role.OPERATOR)
    with transaction.atomic():
        payout = Payout.objects.select_for_update().filter(pk=payout_id).first()
        if payout is None:
            raise DomainError("not_found")
        payout.state = next_payout_state(payout.state, "approve" if approve else "reject")
        in_transit = get_or_create_account(kind=AccountKind.MERCHANT_PAYOUT, owner_id=payout.shop_id)
        if approve:
            # The money leaves the platform through the gateway (bank transfer / Alipay payout).
            target = get_or_create_account(kind=AccountKind.GATEWAY_CLEARING)
        else:
            target = available_account(payout.shop_id)
        transfer(
            source=f"payout:{payout.pk}:{payout.state}",
            from_account=in_transit,
            to_account=target,
            amount_fen=payout.amount_fen,
            memo=f"payout {payout.state}",
        )
        payout.decided_by = operator
        payout.decided_at = timezone.now()
        payout.note = (note or "")[:300]
        payout.save(update_fields=["state", "decided_by", "decided_at", "note"])
    return payout
