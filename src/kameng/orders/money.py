"""The money room: the one place where an after-sales remedy (or a failed delivery) becomes money.

- ``plan_refund`` is pure: given what each batch can still pay back and what the shop holds, it
  returns exactly where a refund comes from, in the order rule 8.1 sets — frozen escrow first (of
  whichever batches still hold it), then the shop's available balance, then its deposit, then the
  guarantee fund as 先行赔付, which becomes the shop's debt (8.2). The ruling preview shows this
  plan; ``refund`` posts exactly this plan, nothing else.
- ``refund`` executes a plan under the locks; ``recover`` is its exact inverse (a contest or an
  appeal the buyer lost): every part goes back where it came from and every counter it raised —
  order, batch, refund row, merchant debt — comes down again, and a batch refunded whole from
  escrow is restored to the buyer (its keys revealable again). What the buyer's wallet lacks
  becomes the buyer's debt, taken from their next top-up.
- ``sync_refund_state`` is the one function that derives an order's refund state from its rows.

Lock order (docs/concurrency.md): order row → batches → refund row → merchant debts (by id) →
ledger accounts (by id, in ``lock_balances``/``post_entry``) → card keys → timeline heads →
product row. Every ledger entry's source is unique, and a ``Refund`` row with the same source makes
the bookkeeping idempotent too: a retried step never moves money twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import F, Sum
from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.core.templatetags.money import format_fen
from kameng.inventory.services import clear_card_key_reports, report_card_keys_invalid, return_card_keys_to_stock
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of, entry_exists
from kameng.ledger.services import Line, lock_balances, post_entry
from kameng.notifications.services import notify
from kameng.orders import funds, rules
from kameng.orders.delivery import advance
from kameng.orders.models import BatchState, BuyerDebt, DeliveryBatch, MerchantDebt, Order, OrderKey, OrderState, Refund
from kameng.orders.signals import KEYS_RELEASED
from kameng.orders.uow import (
    available_account,
    commission_account,
    deposit_account,
    escrow_account,
    fund_account,
    locked_order,
    record_event,
    record_fact,
    set_batch_state,
    set_order_state,
    unit_of_work,
    wallet_account,
)
from kameng.timeline.services import NewEvent

ESCROW_STATES = (BatchState.WAITING, BatchState.DELIVERING, BatchState.DELIVERED)

# Why a delivery failed, as the buyer reads it in the notification.
_REASONS = {
    "supplier_failed": {"zh": "供货方充值失败", "en": "the supplier could not top up"},
    "merchant_missed_deadline": {"zh": "商家未在承诺时间内发货", "en": "the merchant did not deliver in time"},
}


# --- the plan (pure) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchRoom:
    seq: int
    room_fen: int  # what this batch can still pay back: amount − refunded
    in_escrow: bool  # not settled yet: its money is still in the order's escrow


@dataclass(frozen=True)
class Share:
    """The part of a refund attributed to one batch (each batch is paid back at most once)."""

    seq: int
    fen: int
    from_escrow: bool


@dataclass(frozen=True)
class Move:
    what: str  # escrow_to_buyer, available_to_buyer, deposit_to_buyer, fund_to_buyer, ...
    amount_fen: int


@dataclass(frozen=True)
class RefundPlan:
    amount_fen: int
    shares: tuple[Share, ...]
    from_escrow_fen: int
    from_available_fen: int
    from_deposit_fen: int
    from_fund_fen: int  # 先行赔付: the shop owes this back
    fund_short_fen: int  # > 0: even the guarantee fund lacks this much; the plan cannot run

    def moves(self) -> list[Move]:
        parts = (
            ("escrow_to_buyer", self.from_escrow_fen),
            ("available_to_buyer", self.from_available_fen),
            ("deposit_to_buyer", self.from_deposit_fen),
            ("fund_to_buyer", self.from_fund_fen),
            ("fund_short", self.fund_short_fen),
        )
        return [Move(what, fen) for what, fen in parts if fen]


def _positive_fen(value: object, name: str = "amount_fen") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise DomainError("invalid_input", fields={name: "a positive number of fen"})
    return value


def plan_refund(
    *, amount_fen: int, batches: Sequence[BatchRoom], available_fen: int, deposit_fen: int, fund_fen: int
) -> RefundPlan:
    """Where ``amount_fen`` for these batches comes from (rule 8.1). Escrow first: the batches
    still in escrow are drawn on before any settled one, whatever their order; only what settled
    batches pay back is taken from the shop (balance, then deposit), then from the fund."""
    _positive_fen(amount_fen)
    room = sum(b.room_fen for b in batches)
    if amount_fen > room:
        raise DomainError("aftersales.amount_too_large", max=room)
    left = amount_fen
    shares: list[Share] = []
    for batch in sorted(batches, key=lambda b: (not b.in_escrow, b.seq)):
        take = min(batch.room_fen, left)
        if take > 0:
            shares.append(Share(batch.seq, take, batch.in_escrow))
            left -= take
    from_escrow = sum(s.fen for s in shares if s.from_escrow)
    beyond = amount_fen - from_escrow
    parts = []
    for held in (available_fen, deposit_fen, fund_fen):
        take = max(0, min(held, beyond))
        parts.append(take)
        beyond -= take
    return RefundPlan(amount_fen, tuple(shares), from_escrow, *parts, fund_short_fen=beyond)


def _rooms(batches: Iterable[DeliveryBatch]) -> list[BatchRoom]:
    return [BatchRoom(b.seq, b.amount_fen - b.refunded_fen, b.state in ESCROW_STATES) for b in batches]


def refundable_fen(order: Order, seqs: list[int]) -> int:
    """What can still be paid back for these batches, by anyone."""
    return sum(r.room_fen for r in _rooms(order.batches.filter(seq__in=seqs)))


def preview_refund(*, order: Order, seqs: list[int], amount_fen: int) -> RefundPlan:
    """The plan a refund would run now, read without locks (the agent's ruling form). ``refund``
    computes the same plan under the locks, so what the agent saw is what is posted unless money
    moved in between."""
    rooms = _rooms(order.batches.filter(seq__in=seqs))
    amount_fen = min(amount_fen, sum(r.room_fen for r in rooms))
    if amount_fen <= 0:
        return RefundPlan(0, (), 0, 0, 0, 0, 0)
    return plan_refund(
        amount_fen=amount_fen,
        batches=rooms,
        available_fen=balance_of(kind=AccountKind.MERCHANT_AVAILABLE, owner_id=order.shop_id),
        deposit_fen=balance_of(kind=AccountKind.MERCHANT_DEPOSIT, owner_id=order.shop_id),
        fund_fen=balance_of(kind=AccountKind.GUARANTEE_FUND),
    )


# --- the order's refund state ----------------------------------------------------------------------


def refund_state(*, order: Order, batches: Sequence[DeliveryBatch]) -> str:
    """What an order's state should be given its refunds: all paid back → refunded; some → partially
    refunded; none (every refund recovered) → what its delivery says."""
    if (batches and all(b.state == BatchState.REFUNDED for b in batches)) or order.refunded_fen >= order.total_fen:
        return OrderState.REFUNDED
    if order.refunded_fen > 0 or any(b.state == BatchState.REFUNDED for b in batches):
        return OrderState.PARTIALLY_REFUNDED
    if order.state not in (OrderState.REFUNDED, OrderState.PARTIALLY_REFUNDED):
        return order.state
    if batches and all(b.state == BatchState.SETTLED for b in batches):
        return OrderState.COMPLETED
    if any(b.state in (BatchState.DELIVERED, BatchState.SETTLED) for b in batches):
        return OrderState.DELIVERED
    return OrderState.DELIVERING


_ACTION_TO = {
    OrderState.REFUNDED: "refund",
    OrderState.PARTIALLY_REFUNDED: "partial_refund",
    OrderState.COMPLETED: "restore_completed",
    OrderState.DELIVERED: "restore_delivered",
    OrderState.DELIVERING: "restore_delivering",
}


def sync_refund_state(order: Order, *, closed_reason: str = "") -> None:
    """Move the locked order to ``refund_state`` through the transition table (if it differs)."""
    target = refund_state(order=order, batches=list(order.batches.all()))
    if target == order.state:
        return
    fields = {"closed_reason": closed_reason[:200]} if closed_reason and target == OrderState.REFUNDED else {}
    set_order_state(order, _ACTION_TO[target], **fields)


# --- refunds ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundResult:
    refund: Refund
    created: bool


def refund(
    *,
    order_id: int,
    seqs: list[int],
    amount_fen: int,
    source: str,
    reason: str,
    key_ids: Sequence[int] = (),
    keys_invalid: bool = False,
) -> RefundResult:
    """Pay ``amount_fen`` to the buyer's wallet for the batches ``seqs``, exactly as ``plan_refund``
    says. ``key_ids``: card keys this refund pays back whole — they are withheld from the buyer at
    once (never revealable again unless the refund is recovered) and, once the refund is final,
    returned to stock if never revealed or marked reported-invalid (``dispose_withheld_keys``).
    ``keys_invalid`` (a 卡密无效 refund): the keys are marked reported-invalid at once, so the
    import batch they came from shows its bad keys in every later case's facts."""
    _positive_fen(amount_fen)
    with unit_of_work():
        order = locked_order(order_id)
        done = Refund.objects.filter(source=source).first()
        if done is not None:
            return RefundResult(done, False)
        batches = list(order.batches.select_for_update().filter(seq__in=seqs).order_by("seq"))
        rooms = _rooms(batches)
        room = sum(r.room_fen for r in rooms)
        if amount_fen > room:
            raise DomainError("aftersales.amount_too_large", max=room)
        escrow_room = sum(r.room_fen for r in rooms if r.in_escrow)
        wallet = wallet_account(order.buyer_id)
        shop_accounts = (available_account(order.shop_id), deposit_account(order.shop_id), fund_account())
        if amount_fen > escrow_room:  # settled batches pay back too: the shop's money is needed
            held = lock_balances(accounts=[*shop_accounts, wallet])
            balances = [held[a.pk] for a in shop_accounts]
        else:
            balances = [0, 0, 0]
        plan = plan_refund(
            amount_fen=amount_fen,
            batches=rooms,
            available_fen=balances[0],
            deposit_fen=balances[1],
            fund_fen=balances[2],
        )
        if plan.fund_short_fen:
            # The guarantee fund itself is short: nothing moves; an operator must fund it.
            raise DomainError("aftersales.guarantee_fund_short")
        lines = [Line(wallet, amount_fen)]
        if plan.from_escrow_fen:
            lines.append(Line(escrow_account(order.pk), -plan.from_escrow_fen))
        for account, fen in zip(
            shop_accounts, (plan.from_available_fen, plan.from_deposit_fen, plan.from_fund_fen), strict=True
        ):
            if fen:
                lines.append(Line(account, -fen))
        entry, _created = post_entry(source=source, lines=lines, memo=reason[:200])
        by_seq = {b.seq: b for b in batches}
        for share in plan.shares:
            batch = by_seq[share.seq]
            batch.refunded_fen += share.fen
            if batch.refunded_fen == batch.amount_fen and batch.state in ESCROW_STATES:
                set_batch_state(batch, "refund", refunded_fen=batch.refunded_fen, held_by="")
            else:
                batch.save(update_fields=["refunded_fen"])
        key_ids = sorted(set(key_ids))
        row = Refund.objects.create(
            order=order,
            source=source,
            amount_fen=amount_fen,
            from_escrow_fen=plan.from_escrow_fen,
            from_available_fen=plan.from_available_fen,
            from_deposit_fen=plan.from_deposit_fen,
            from_fund_fen=plan.from_fund_fen,
            shares=[[s.seq, s.fen, s.from_escrow] for s in plan.shares],
            key_ids=key_ids,
            keys_invalid=keys_invalid and bool(key_ids),
            reason=reason[:200],
        )
        if key_ids:
            keys = OrderKey.objects.filter(pk__in=key_ids, batch__order=order, withheld_by="", disposed_at__isnull=True)
            card_keys = list(keys.values_list("card_key_id", flat=True))
            keys.update(withheld_by=source, withheld_at=timezone.now())
            if keys_invalid and card_keys:
                report_card_keys_invalid(card_key_ids=sorted(card_keys))
        if plan.from_fund_fen:
            funds.record_debt(shop_id=order.shop_id, source=source, amount_fen=plan.from_fund_fen)
            record_event(
                order, "shop.debt_recorded", {"amount_fen": plan.from_fund_fen, "source": source}, actor_role="system"
            )
        order.refunded_fen += amount_fen
        order.save(update_fields=["refunded_fen"])
        sync_refund_state(order, closed_reason=reason)
        record_event(
            order,
            "order.refunded",
            {
                "amount_fen": amount_fen,
                "to": "wallet",
                "reason": reason[:200],
                "ledger_entry": entry.source,
                "from_escrow_fen": plan.from_escrow_fen,
                "from_available_fen": plan.from_available_fen,
                "from_deposit_fen": plan.from_deposit_fen,
                "from_fund_fen": plan.from_fund_fen,
                "batches": [s.seq for s in plan.shares],
            },
            actor_role="system",
        )
        if any(by_seq[s.seq].state == BatchState.REFUNDED for s in plan.shares):
            advance(order)
        return RefundResult(row, True)


def refund_batches(*, order: Order, batches: Iterable[DeliveryBatch], reason: str) -> int:
    """A delivery failed (the supplier said no, the merchant missed the deadline): these batches'
    escrow goes back to the buyer, and so do the batches not yet started — the buyer should not wait
    on the rest of a failed order. The order row is locked by the caller. Each batch is one refund
    through ``refund`` (source ``order:<id>:batch:<seq>:refunded``), so it is paid back once."""
    batches = list(batches)
    seen = {b.pk for b in batches}
    batches += [b for b in order.batches.select_for_update().filter(state=BatchState.WAITING) if b.pk not in seen]
    total = 0
    for batch in sorted(batches, key=lambda b: b.seq):
        batch.refresh_from_db()
        amount = batch.amount_fen - batch.refunded_fen
        if amount > 0:
            refund(
                order_id=order.pk,
                seqs=[batch.seq],
                amount_fen=amount,
                source=f"order:{order.pk}:batch:{batch.seq}:refunded",
                reason=reason,
            )
        else:  # already paid back in full by an after-sales refund: only its state is left
            set_batch_state(batch, "refund", held_by="")
        total += amount
        record_event(order, "batch.refunded", {"batch": batch.seq, "amount_fen": amount, "reason": reason})
    order.refresh_from_db()
    if total:
        notify(
            user=order.buyer,
            kind="order.refunded_automatically",
            params={"order": order.pk, "amount": format_fen(total), "reason": _REASONS.get(reason, reason)},
            url=f"/orders/{order.pk}/",
            subject=order.stream,
            dedupe_key=f"order:{order.pk}:auto-refund:{reason}:{total}",
        )
    return total


# --- recovery: the inverse of a refund ------------------------------------------------------------

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


def _share_split(row: Refund, upto: int, closed: frozenset[int] = frozenset()) -> dict[int, int]:
    """The first ``upto`` fen taken back, by batch seq (settled shares first, escrow shares last —
    the same reverse order as ``_split``; shares of batches the order itself refunded come last of
    all, and are never reached: see ``_kept``)."""
    shares = [(seq, fen, escrow) for seq, fen, escrow in row.shares]
    out: dict[int, int] = {}
    left = upto
    for seq, fen, _escrow in sorted(shares, key=lambda s: (s[0] in closed, s[2], -s[0])):
        take = min(fen, left)
        out[seq] = out.get(seq, 0) + take
        left -= take
    return out


@dataclass(frozen=True)
class Recovery:
    recovered_fen: int  # taken from the wallet now and given back where it came from
    owed_fen: int  # what the wallet lacked: recorded as the buyer's debt


def _closed_by_order(order: Order, batches: dict[int, DeliveryBatch]) -> frozenset[int]:
    """Batches the order refunded by itself (the delivery failed): the buyer is owed all of such a
    batch, so no earlier after-sales refund on it can be taken back."""
    refunded = [seq for seq, b in batches.items() if b.state == BatchState.REFUNDED]
    sources = {f"order:{order.pk}:batch:{seq}:refunded": seq for seq in refunded}
    return frozenset(sources[src] for src in Refund.objects.filter(source__in=sources).values_list("source", flat=True))


def recover(
    *,
    order_id: int,
    refund_source: str,
    amount_fen: int,
    source: str,
    reason: str,
    record_shortfall: bool = True,
) -> Recovery:
    """Take (up to) ``amount_fen`` of an earlier refund back from the buyer's wallet and give every
    part back where it came from — the exact inverse of ``refund``:

    - the guarantee fund's advance to the fund as far as the shop's debt for it is still open (what
      the shop already repaid comes back to the shop), and the debt comes down;
    - the deposit part to the deposit, the balance part to the balance;
    - the escrow part back to escrow if its batch has not settled (the batch is restored to the
      buyer if the refund had closed it, and settles as usual), else to the shop as its settlement
      would have paid, minus the commission of the order's rulebook;
    - the batch's and the order's refunded counters come down; the order's state follows;
    - keys the refund withheld are the buyer's again once it is recovered in full.

    What the wallet lacks is recorded as the buyer's debt (taken from their next top-up): the
    result says how much was recovered now and how much is owed. A retried recovery (same
    ``source``) does nothing and answers zero."""
    _positive_fen(amount_fen)
    with unit_of_work():
        order = locked_order(order_id)
        batches = {b.seq: b for b in order.batches.select_for_update().order_by("seq")}
        row = Refund.objects.select_for_update().filter(source=refund_source, order=order).first()
        if row is None:
            raise DomainError("not_found")
        if entry_exists(source=source) or BuyerDebt.objects.filter(source=source).exists():
            return Recovery(0, 0)
        if row.key_ids and OrderKey.objects.filter(pk__in=row.key_ids, disposed_at__isnull=False).exists():
            # Its keys went back to stock or were reported: the buyer cannot be handed them again.
            raise DomainError("orders.refund_final")
        debt = MerchantDebt.objects.select_for_update().filter(source=refund_source).first()
        wallet = wallet_account(order.buyer_id)
        shop_accounts = (available_account(order.shop_id), deposit_account(order.shop_id), fund_account())
        balances = lock_balances(accounts=[wallet, *shop_accounts])
        closed = _closed_by_order(order, batches)
        kept = sum(fen for seq, fen, _escrow in row.shares if seq in closed)
        owed = owed_on(row) if record_shortfall else 0
        want = max(0, min(amount_fen, row.amount_fen - row.recovered_fen - kept - owed))
        if want == 0:
            return Recovery(0, 0)
        take = max(0, min(want, balances[wallet.pk]))
        short = max(0, want - take) if record_shortfall else 0
        if short:
            BuyerDebt.objects.create(buyer_id=order.buyer_id, order=order, refund=row, source=source, amount_fen=short)
            record_event(
                order,
                "buyer.debt_recorded",
                {"refund": refund_source, "amount_fen": short, "source": source},
                actor_role="system",
            )
            notify(
                user=order.buyer,
                kind="order.buyer_debt",
                params={"order": order.pk, "amount": format_fen(short)},
                url=f"/orders/{order.pk}/",
                subject=order.stream,
                dedupe_key=f"buyer-debt:{source}",
            )
        if take <= 0:
            record_event(
                order, "refund.recovery_failed", {"refund": refund_source, "wanted_fen": want}, actor_role="system"
            )
            return Recovery(0, short)
        before, after = _split(row, row.recovered_fen), _split(row, row.recovered_fen + take)
        delta = {name: after[name] - before[name] for name in _RECOVERY_ORDER}
        sb = _share_split(row, row.recovered_fen, closed)
        sa = _share_split(row, row.recovered_fen + take, closed)
        by_batch = {seq: sa.get(seq, 0) - sb.get(seq, 0) for seq in sa}
        escrow_shares = {seq for seq, _fen, escrow in row.shares if escrow}
        to_fund = min(delta["fund"], debt.outstanding_fen if debt is not None else 0)
        to_escrow = to_settled_shop = 0
        restored: list[DeliveryBatch] = []
        for seq, fen in sorted(by_batch.items()):
            batch = batches.get(seq)
            if not fen or batch is None:
                continue
            batch.refunded_fen -= fen
            if seq in escrow_shares:
                if batch.state == BatchState.SETTLED:
                    to_settled_shop += fen  # settled since: the shop gets what settlement would pay
                else:
                    to_escrow += fen
                    if batch.state == BatchState.REFUNDED:
                        restored.append(batch)
            batch.save(update_fields=["refunded_fen"])
        if not row.shares:  # a refund recorded before shares were kept: escrow part as settled
            to_settled_shop = delta["escrow"]
        commission = rules.commission_of(to_settled_shop, rules.for_order(order).commission_bps)
        to_shop = delta["fund"] - to_fund + delta["available"] + to_settled_shop - commission
        lines = [Line(wallet, -take)]
        if to_fund:
            lines.append(Line(shop_accounts[2], to_fund))
        if delta["deposit"]:
            lines.append(Line(shop_accounts[1], delta["deposit"]))
        if to_shop:
            lines.append(Line(shop_accounts[0], to_shop))
        if to_escrow:
            lines.append(Line(escrow_account(order.pk), to_escrow))
        if commission:
            lines.append(Line(commission_account(), commission))
        post_entry(source=source, lines=lines, memo=reason[:200])
        for batch in restored:
            fields = {}
            if batch.confirm_due_at is None:
                # Refunded before it was ever delivered (a 直充 still on its way, a batch not yet
                # released): the recovery says the buyer was not owed it, so it counts as delivered
                # now and its protection window starts — otherwise it would wait in escrow forever.
                now = timezone.now()
                fields = {
                    "delivered_at": batch.delivered_at or now,
                    "confirm_due_at": now + rules.for_order(order).protection_window,
                }
                if batch.delivered_at is None and order.delivery_kind == "card_key":
                    # Its keys are the buyer's now: they count as sold in the shop's figures (10.4).
                    record_fact(KEYS_RELEASED, order, at=now, quantity=batch.quantity)
            set_batch_state(batch, "restore", **fields)
        row.recovered_fen += take
        row.save(update_fields=["recovered_fen"])
        if to_fund:
            funds.pay_debt(debt, to_fund)
        if row.recovered_fen == row.amount_fen and row.key_ids:
            keys = OrderKey.objects.filter(pk__in=row.key_ids, withheld_by=row.source, disposed_at__isnull=True)
            if row.keys_invalid:
                clear_card_key_reports(card_key_ids=sorted(keys.values_list("card_key_id", flat=True)))
            keys.update(withheld_by="", withheld_at=None)
        order.refunded_fen -= take
        order.save(update_fields=["refunded_fen"])
        sync_refund_state(order)
        record_event(
            order,
            "refund.recovered",
            {
                "refund": refund_source,
                "amount_fen": take,
                "short_fen": short,
                "to_fund_fen": to_fund,
                "to_shop_fen": to_shop + delta["deposit"],
                "to_escrow_fen": to_escrow,
                "commission_fen": commission,
                "restored_batches": [b.seq for b in restored],
                "reason": reason[:200],
            },
            actor_role="system",
        )
        return Recovery(take, short)


def recover_buyer_debts(*, buyer_id: int) -> int:
    """The buyer's wallet was credited: pay back what they owe from recoveries, oldest first."""
    total = 0
    for debt_id, order_id in (
        BuyerDebt.objects.filter(buyer_id=buyer_id, cleared_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "order_id")
    ):
        with unit_of_work():
            locked_order(order_id)  # the order row first, as recover and forgive_buyer_debts take it
            debt = BuyerDebt.objects.select_for_update().get(pk=debt_id)  # alone: no early refund-row lock
            if debt.cleared_at is not None:
                continue
            taken = recover(
                order_id=order_id,
                refund_source=debt.refund.source,
                amount_fen=debt.outstanding_fen,
                source=f"buyerdebt:{debt.pk}:{debt.recovered_fen}",
                reason="buyer debt repaid from the wallet",
                record_shortfall=False,
            ).recovered_fen
            if not taken:
                break
            debt.recovered_fen += taken
            if debt.recovered_fen >= debt.amount_fen:
                debt.cleared_at = timezone.now()
            debt.save(update_fields=["recovered_fen", "cleared_at"])
            total += taken
    return total


def owed_on(row: Refund) -> int:
    """What the buyer still owes on this refund (recoveries their wallet could not cover)."""
    return owed_on_case_refunds([row])


def owed_on_case_refunds(rows: Sequence[Refund]) -> int:
    total = (
        BuyerDebt.objects.filter(refund__in=[r.pk for r in rows], cleared_at__isnull=True)
        .aggregate(s=Sum(F("amount_fen") - F("recovered_fen")))
        .get("s")
    )
    return int(total or 0)


def forgive_buyer_debts(*, order_id: int, refund_sources: Sequence[str], upto: int) -> int:
    """A later decision pays the buyer again (an appeal won after a recovery their wallet could not
    cover): what they still owe on these refunds is cancelled first, newest first, instead of paying
    them money they would owe straight back. No money moves — the refund stands for that part, as
    the ledger already says. Returns what was forgiven."""
    if upto <= 0 or not refund_sources:
        return 0
    with unit_of_work():
        order = locked_order(order_id)
        debts = list(
            BuyerDebt.objects.select_for_update()
            .filter(order=order, refund__source__in=refund_sources, cleared_at__isnull=True)
            .order_by("-pk")
        )
        forgiven = 0
        for debt in debts:
            take = min(debt.outstanding_fen, upto - forgiven)
            if take <= 0:
                break
            debt.amount_fen -= take
            if debt.amount_fen == debt.recovered_fen:
                debt.cleared_at = timezone.now()
            debt.save(update_fields=["amount_fen", "cleared_at"])
            forgiven += take
        if forgiven:
            record_event(order, "buyer.debt_forgiven", {"amount_fen": forgiven}, actor_role="system")
        return forgiven


def outstanding_buyer_debt_fen(buyer_id: int) -> int:
    total = (
        BuyerDebt.objects.filter(buyer_id=buyer_id, cleared_at__isnull=True)
        .aggregate(s=Sum(F("amount_fen") - F("recovered_fen")))
        .get("s")
    )
    return int(total or 0)


# --- keys a final refund paid back ----------------------------------------------------------------


def dispose_withheld_keys(*, order_ids: Iterable[int], source_prefixes: Iterable[str]) -> dict[str, list[NewEvent]]:
    """The refunds whose source starts with one of ``source_prefixes`` (a closed case's) are final:
    a key they withheld that was never revealed goes back to stock, to be sold again; a key the
    buyer saw is marked reported-invalid (never sold again). Keys withheld by other refunds on the
    same orders (another case, still open) are left alone. Returns the timeline events by order
    stream for the caller to append."""
    prefixes = tuple(source_prefixes)
    keys = [
        key
        for key in OrderKey.objects.select_for_update()
        .filter(batch__order_id__in=set(order_ids), disposed_at__isnull=True)
        .exclude(withheld_by="")
        .select_related("batch")
        .order_by("pk")
        if key.withheld_by.startswith(prefixes)
    ]
    if not keys:
        return {}
    reported = set(
        Refund.objects.filter(source__in={k.withheld_by for k in keys}, keys_invalid=True).values_list(
            "source", flat=True
        )
    )
    unseen = [k for k in keys if k.withheld_by not in reported and k.first_revealed_at is None]
    seen = [k for k in keys if k.withheld_by not in reported and k.first_revealed_at is not None]
    if unseen:
        return_card_keys_to_stock(card_key_ids=[k.card_key_id for k in unseen])
    if seen:
        report_card_keys_invalid(card_key_ids=[k.card_key_id for k in seen])
    OrderKey.objects.filter(pk__in=[k.pk for k in keys]).update(disposed_at=timezone.now())
    events: dict[str, list[NewEvent]] = {}
    for key in keys:
        events.setdefault(f"order:{key.batch.order_id}", []).append(
            NewEvent(
                "key.disposed",
                {
                    "fingerprint": key.fingerprint,
                    "to": "stock" if key in unseen else "reported_invalid",
                    "refund": key.withheld_by,
                },
                None,
                "system",
            )
        )
    return events


# --- freezing escrow for a case --------------------------------------------------------------------


def lock_order(order_id: int) -> None:
    """Take the order row's lock first in the caller's transaction (docs/concurrency.md), for a
    caller that checks something about the order before it moves money (opening a case)."""
    locked_order(order_id)


def hold(*, order_id: int, seqs: list[int], ref: str) -> list[int]:
    """Freeze the escrow of these batches for a case. Returns the seqs actually held (batches
    already settled or refunded have no escrow left to freeze)."""
    with unit_of_work():
        order = locked_order(order_id)
        batches = list(order.batches.select_for_update().filter(seq__in=seqs, state__in=ESCROW_STATES))
        for batch in batches:
            batch.held_by = ref
            batch.save(update_fields=["held_by"])
        held = [b.seq for b in batches]
        if held:
            record_event(order, "escrow.frozen", {"batches": held, "by": ref}, actor_role="system")
        return held


def release_hold(*, order_id: int, ref: str) -> list[int]:
    """The case lets go: held batches settle as usual (the sweep auto-confirms those whose
    protection window has passed)."""
    with unit_of_work():
        order = locked_order(order_id)
        batches = list(order.batches.select_for_update().filter(held_by=ref))
        for batch in batches:
            batch.held_by = ""
            batch.save(update_fields=["held_by"])
        released = [b.seq for b in batches]
        if released:
            record_event(order, "escrow.released", {"batches": released, "by": ref}, actor_role="system")
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
