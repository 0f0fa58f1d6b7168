"""After-sales remedies on an order: every money movement and every goods movement a case causes.

The after-sales engine decides *what* happens (rulebook, ladder, rulings); this module is the one
place that *does* it to orders, batches, card keys and the ledger:

- ``hold`` / ``release_hold``: an open case freezes the affected batches' escrow (rule 2.3);
- ``refund``: money to the buyer's wallet, from frozen escrow first, then the merchant's available
  balance, then the deposit, then the guarantee fund as 先行赔付 with a merchant debt (rule 8.1/8.2);
- ``recover``: take a refund back from the buyer's wallet (a contest or an appeal the buyer lost);
- ``charge_penalty``: a ruling's penalty, shop → guarantee fund (debt for what the shop lacks);
- ``replace_keys``: a new key from inventory for each reported one, which is marked invalid (8.5);
- ``recover_debts``: settlements and the sweep pay the guarantee fund back first.

Lock order (docs/concurrency.md): order row → ledger accounts by id → card keys (SKIP LOCKED) →
timeline head → product row. Every ledger entry's source is unique, so a retried step never moves
money twice; a ``Refund`` row with the same source makes the bookkeeping idempotent too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Sum
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.core.errors import DomainError
from kameng.inventory.services import allocate_card_keys, report_card_keys_invalid
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import entry_exists
from kameng.ledger.services import Line, get_or_create_account, lock_balances, post_entry, transfer
from kameng.orders import rules
from kameng.orders.models import BatchState, DeliveryBatch, MerchantDebt, Order, OrderKey, OrderState, Refund
from kameng.orders.services import (
    _advance,
    _current_work,
    _escrow,
    _event,
    _locked_order,
    _set_batch_state,
    _set_order_state,
    _unit_of_work,
    _wallet,
)
from kameng.timeline.services import NewEvent

commission_of = rules.commission_of

ESCROW_STATES = (BatchState.WAITING, BatchState.DELIVERING, BatchState.DELIVERED)


def _available(shop_id: int):
    return get_or_create_account(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=shop_id)


def _deposit(shop_id: int):
    return get_or_create_account(kind=AccountKind.MERCHANT_DEPOSIT, owner_id=shop_id)


def _fund():
    return get_or_create_account(kind=AccountKind.GUARANTEE_FUND)


# --- freezing ------------------------------------------------------------------------------------


def hold(*, order_id: int, seqs: list[int], ref: str) -> list[int]:
    """Freeze the escrow of these batches for a case. Returns the seqs actually held (batches
    already settled or refunded have no escrow left to freeze)."""
    with _unit_of_work():
        order = _locked_order(order_id)
        batches = list(order.batches.select_for_update().filter(seq__in=seqs, state__in=ESCROW_STATES))
        for batch in batches:
            batch.held_by = ref
            batch.save(update_fields=["held_by"])
        held = [b.seq for b in batches]
        if held:
            _event(order, "escrow.frozen", {"batches": held, "by": ref}, actor_role="system")
        return held


def release_hold(*, order_id: int, ref: str) -> list[int]:
    """The case lets go: held batches settle as usual (the sweep auto-confirms those whose
    protection window has passed)."""
    with _unit_of_work():
        order = _locked_order(order_id)
        batches = list(order.batches.select_for_update().filter(held_by=ref))
        for batch in batches:
            batch.held_by = ""
            batch.save(update_fields=["held_by"])
        released = [b.seq for b in batches]
        if released:
            _event(order, "escrow.released", {"batches": released, "by": ref}, actor_role="system")
        return released


def release_holds(*, refs: list[str]) -> dict[str, list[NewEvent]]:
    """``release_hold`` for many cases at once (the case sweep closes hundreds per chunk): one
    guarded UPDATE of the held batches, and the "escrow.released" events for the caller to append
    with its own (keyed by order stream). The order rows are not locked: only the batches' hold
    marker changes, and a confirmation racing it waits on the batch row and then sees it free."""
    if not refs:
        return {}
    released = list(
        DeliveryBatch.objects.select_for_update()
        .filter(held_by__in=refs)
        .exclude(held_by="")  # states the partial index's condition, so the planner uses it
        .order_by("pk")
        .values_list("pk", "order_id", "seq", "held_by")
    )
    if not released:
        return {}
    DeliveryBatch.objects.filter(pk__in=[pk for pk, *_ in released]).update(held_by="")
    by_order: dict[tuple[int, str], list[int]] = {}
    for _pk, order_id, seq, ref in released:
        by_order.setdefault((order_id, ref), []).append(seq)
    events: dict[str, list[NewEvent]] = {}
    for (order_id, ref), seqs in sorted(by_order.items()):
        events.setdefault(f"order:{order_id}", []).append(
            NewEvent("escrow.released", {"batches": sorted(seqs), "by": ref}, None, "system")
        )
    return events


# --- refunds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundResult:
    refund: Refund
    created: bool


def refundable_fen(order: Order, seqs: list[int]) -> int:
    """What can still be paid back for these batches, by anyone."""
    return sum(b.amount_fen - b.refunded_fen for b in order.batches.filter(seq__in=seqs))


def refund(*, order_id: int, seqs: list[int], amount_fen: int, source: str, reason: str) -> RefundResult:
    """Pay ``amount_fen`` to the buyer's wallet for the batches ``seqs``, taking it (rule 8.1) from
    their escrow first, then the merchant's available balance, then the deposit, and finally the
    guarantee fund (先行赔付), recording what the fund advanced as the shop's debt."""
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise DomainError("invalid_input", fields={"amount_fen": "a positive number of fen"})
    with _unit_of_work():
        order = _locked_order(order_id)
        done = Refund.objects.filter(source=source).first()
        if done is not None:
            return RefundResult(done, False)
        # Each batch can be paid back at most once in total, whoever pays (escrow, the shop, the
        # fund) and whatever asked for it (a case, the sweep, a failed supplier): its refunded_fen
        # counts every refund attributed to it.
        batches = list(order.batches.select_for_update().filter(seq__in=seqs).order_by("seq"))
        room = sum(b.amount_fen - b.refunded_fen for b in batches)
        if amount_fen > room:
            raise DomainError("aftersales.amount_too_large", max=room)
        remaining = amount_fen
        lines: list[Line] = []
        from_escrow = 0
        taken: list[tuple[DeliveryBatch, int]] = []
        for batch in batches:
            take = min(batch.amount_fen - batch.refunded_fen, remaining)
            if take > 0:
                taken.append((batch, take))
                remaining -= take
                if batch.state in ESCROW_STATES:
                    from_escrow += take
        if from_escrow:
            lines.append(Line(_escrow(order.pk), -from_escrow))
        wallet = _wallet(order.buyer_id)
        parts = {"available": 0, "deposit": 0, "fund": 0}
        beyond = amount_fen - from_escrow  # the part of settled batches: the shop has the money
        if beyond:
            sources = {"available": _available(order.shop_id), "deposit": _deposit(order.shop_id), "fund": _fund()}
            balances = lock_balances(accounts=[*sources.values(), wallet])
            for name, account in sources.items():
                take = min(balances[account.pk], beyond)
                if take > 0:
                    parts[name] = take
                    lines.append(Line(account, -take))
                    beyond -= take
            if beyond:
                # The guarantee fund itself is short: nothing moves; an operator must fund it.
                raise DomainError("aftersales.guarantee_fund_short")
        lines.append(Line(wallet, amount_fen))
        entry, _created = post_entry(source=source, lines=lines, memo=reason[:200])
        for batch, take in taken:
            batch.refunded_fen += take
            if batch.refunded_fen == batch.amount_fen and batch.state in ESCROW_STATES:
                _set_batch_state(batch, "refund", refunded_fen=batch.refunded_fen, held_by="")
            else:
                batch.save(update_fields=["refunded_fen"])
        row = Refund.objects.create(
            order=order,
            source=source,
            amount_fen=amount_fen,
            from_escrow_fen=from_escrow,
            from_available_fen=parts["available"],
            from_deposit_fen=parts["deposit"],
            from_fund_fen=parts["fund"],
            reason=reason[:200],
        )
        if parts["fund"]:
            MerchantDebt.objects.create(shop_id=order.shop_id, source=source, amount_fen=parts["fund"])
            _event(order, "shop.debt_recorded", {"amount_fen": parts["fund"], "source": source}, actor_role="system")
        order.refunded_fen += amount_fen
        order.save(update_fields=["refunded_fen"])
        action = "refund" if order.refunded_fen == order.total_fen else "partial_refund"
        if order.state != OrderState.REFUNDED and not (
            action == "partial_refund" and order.state == OrderState.PARTIALLY_REFUNDED
        ):
            _set_order_state(order, action)
        _event(
            order,
            "order.refunded",
            {
                "amount_fen": amount_fen,
                "to": "wallet",
                "reason": reason[:200],
                "ledger_entry": entry.source,
                "from_escrow_fen": from_escrow,
                "from_available_fen": parts["available"],
                "from_deposit_fen": parts["deposit"],
                "from_fund_fen": parts["fund"],
            },
            actor_role="system",
        )
        if any(b.state == BatchState.REFUNDED for b, _t in taken):
            _advance(order)
        return RefundResult(row, True)


_RECOVERY_ORDER = ("fund", "deposit", "available", "escrow")


def _split(row: Refund, upto: int) -> dict[str, int]:
    """How the first ``upto`` fen taken back map onto where the refund came from, unwinding it in
    reverse: the guarantee fund's advance first, then the deposit, the balance, and escrow last."""
    caps = {
        "fund": row.from_fund_fen,
        "deposit": row.from_deposit_fen,
        "available": row.from_available_fen,
        "escrow": row.from_escrow_fen,
    }
    parts, left = {}, upto
    for name in _RECOVERY_ORDER:
        parts[name] = min(caps[name], left)
        left -= parts[name]
    return parts


def recover(*, order_id: int, refund_source: str, amount_fen: int, source: str, reason: str) -> int:
    """Take (up to) ``amount_fen`` of an earlier refund back from the buyer's wallet (a contest or
    an appeal the buyer lost) and give it back where it came from: the guarantee fund's advance to
    the fund as far as the shop's debt for it is still open (what the shop already repaid comes back
    to the shop), the deposit part to the deposit, the balance part to the balance, and the escrow
    part to the shop as a settlement would, minus the platform commission. The buyer may have spent
    it: what the wallet lacks is not taken and the shortfall is recorded on the timeline. Returns
    what was recovered."""
    with _unit_of_work():
        order = _locked_order(order_id)
        row = Refund.objects.select_for_update().filter(source=refund_source, order=order).first()
        if row is None:
            raise DomainError("not_found")
        if entry_exists(source=source):
            return 0
        wallet = _wallet(order.buyer_id)
        balances = lock_balances(accounts=[wallet])
        want = min(amount_fen, row.amount_fen - row.recovered_fen)
        take = min(want, balances[wallet.pk])
        if take <= 0:
            _event(order, "refund.recovery_failed", {"refund": refund_source, "wanted_fen": want}, actor_role="system")
            return 0
        before, after = _split(row, row.recovered_fen), _split(row, row.recovered_fen + take)
        delta = {name: after[name] - before[name] for name in _RECOVERY_ORDER}
        debt = MerchantDebt.objects.select_for_update().filter(source=refund_source).first()
        to_fund = min(delta["fund"], debt.outstanding_fen if debt is not None else 0)
        commission = commission_of(delta["escrow"], rules.current().commission_bps)
        to_shop = delta["fund"] - to_fund + delta["available"] + delta["escrow"] - commission
        lines = [Line(wallet, -take)]
        if to_fund:
            lines.append(Line(_fund(), to_fund))
        if delta["deposit"]:
            lines.append(Line(_deposit(order.shop_id), delta["deposit"]))
        if to_shop:
            lines.append(Line(_available(order.shop_id), to_shop))
        if commission:
            lines.append(Line(get_or_create_account(kind=AccountKind.PLATFORM_COMMISSION), commission))
        post_entry(source=source, lines=lines, memo=reason[:200])
        row.recovered_fen += take
        row.save(update_fields=["recovered_fen"])
        if to_fund:
            _pay_debt(debt, to_fund)
        order.refunded_fen -= take
        order.save(update_fields=["refunded_fen"])
        _event(
            order,
            "refund.recovered",
            {
                "refund": refund_source,
                "amount_fen": take,
                "short_fen": want - take,
                "to_fund_fen": to_fund,
                "to_shop_fen": to_shop + delta["deposit"],
                "commission_fen": commission,
                "reason": reason[:200],
            },
            actor_role="system",
        )
        return take


# --- penalties and debt --------------------------------------------------------------------------


def _pay_debt(debt: MerchantDebt, amount: int) -> None:
    debt.recovered_fen += amount
    if debt.recovered_fen >= debt.amount_fen:
        debt.cleared_at = timezone.now()
    debt.save(update_fields=["recovered_fen", "cleared_at"])


def charge_penalty(*, shop_id: int, amount_fen: int, source: str, reason: str) -> int:
    """A ruling's penalty: the shop pays the guarantee fund from its available balance, then its
    deposit; what it lacks becomes a debt (payouts frozen until recovered). Returns the debt."""
    if amount_fen <= 0:
        raise DomainError("invalid_input", fields={"penalty_fen": "a positive number of fen"})
    if MerchantDebt.objects.filter(source=source).exists() or entry_exists(source=source):
        return 0
    available, deposit, fund = _available(shop_id), _deposit(shop_id), _fund()
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
        MerchantDebt.objects.create(shop_id=shop_id, source=source, amount_fen=debt)
    return debt


def outstanding_debt_fen(shop_id: int) -> int:
    total = (
        MerchantDebt.objects.filter(shop_id=shop_id, cleared_at__isnull=True)
        .aggregate(s=Sum(F("amount_fen") - F("recovered_fen")))
        .get("s")
    )
    return int(total or 0)


def recover_debts(*, shop_id: int) -> int:
    """Pay the shop's debts back to the guarantee fund from its available balance, oldest first.
    Called after each settlement and by the sweep. Returns what was paid back."""
    debts = list(
        MerchantDebt.objects.select_for_update().filter(shop_id=shop_id, cleared_at__isnull=True).order_by("pk")
    )
    if not debts:
        return 0
    available = _available(shop_id)
    balance = lock_balances(accounts=[available, _fund()])[available.pk]
    paid = 0
    for debt in debts:
        take = min(debt.outstanding_fen, balance - paid)
        if take <= 0:
            break
        transfer(
            source=f"debt:{debt.pk}:repaid:{debt.recovered_fen + take}",
            from_account=available,
            to_account=_fund(),
            amount_fen=take,
            memo="debt repaid to the guarantee fund",
        )
        _pay_debt(debt, take)
        paid += take
    return paid


# --- replacement keys ----------------------------------------------------------------------------


def replace_keys(*, order_id: int, order_key_ids: list[int], reason: str) -> list[OrderKey]:
    """Give the buyer a new key from the product's inventory for each reported one (8.5). The old
    key is marked reported-invalid in inventory (never sold again) and stays on the order, marked
    replaced. All or nothing: without enough stock nothing changes and the merchant must refund."""
    with _unit_of_work():
        order = _locked_order(order_id)
        old = list(
            OrderKey.objects.select_for_update()
            .filter(pk__in=order_key_ids, batch__order=order, replaced_at__isnull=True)
            .order_by("pk")
        )
        if not old or len(old) != len(set(order_key_ids)):
            raise DomainError("aftersales.keys_not_replaceable")
        keys = allocate_card_keys(
            product_id=order.product_id, quantity=len(old), buyer=order.buyer, update_counter=False
        )
        _current_work.get().sold.append((order.product_id, len(keys)))
        report_card_keys_invalid(card_key_ids=[k.card_key_id for k in old])
        now = timezone.now()
        new_rows = []
        for previous, key in zip(old, keys, strict=True):
            previous.replaced_at = now
            previous.save(update_fields=["replaced_at"])
            new_rows.append(
                OrderKey.objects.create(
                    batch_id=previous.batch_id, card_key_id=key.pk, fingerprint=key.fingerprint, replaces=previous
                )
            )
        _event(
            order,
            "keys.replaced",
            {
                "replaced": [k.fingerprint for k in old],
                "new": [k.fingerprint for k in keys],
                "reason": reason[:200],
            },
            actor_role="system",
        )
        return new_rows


# --- operator tools: deposit and guarantee fund ---------------------------------------------------


def pay_deposit(*, merchant: User, amount_fen: int, request_id: str) -> None:
    """The merchant moves money from its available balance into its deposit (保证金)."""
    require_role(merchant, Role.MERCHANT)
    shop = getattr(merchant, "shop", None)
    if shop is None:
        raise DomainError("shop.no_shop")
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise DomainError("invalid_input", fields={"amount_fen": "a positive number of fen"})
    transfer(
        source=f"deposit:{shop.pk}:{request_id}"[:120],  # the caller's request id: a retry pays once
        from_account=_available(shop.pk),
        to_account=_deposit(shop.pk),
        amount_fen=amount_fen,
        memo="deposit paid",
    )


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
        to_account=_fund(),
        amount_fen=amount_fen,
        memo="guarantee fund top-up",
    )
