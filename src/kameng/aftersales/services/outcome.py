"""Where a case outcome becomes money or goods: the fast refund (8.3), an accepted demand or offer,
a ruling (refund, take back, replace keys), and the read-only preview of a ruling's money lines.
Every after-sales movement of money goes through here and nowhere else in the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kameng.aftersales.models import Case, Demand, Remedy
from kameng.aftersales.services.steps import Effects, apply_step, refund_prefix, release_if_done
from kameng.aftersales.transitions import SYSTEM
from kameng.catalog.models import DeliveryKind
from kameng.core.errors import DomainError
from kameng.orders import money, remedies
from kameng.orders import selectors as orders
from kameng.timeline.services import NewEvent


def fast_refund(case: Case, *, reason: str, now: datetime, effects: Effects) -> None:
    amount = case.stake_fen if case.demand == Demand.FULL_REFUND else case.demand_fen
    _move_money_to(case, target_fen=amount, step="fast_refund", effects=effects)
    case.fast_refunded = True
    case.outcome = Remedy.FULL_REFUND if case.demand == Demand.FULL_REFUND else Remedy.PARTIAL_REFUND
    apply_step(
        case,
        "fast_refund",
        role=SYSTEM,
        actor=None,
        now=now,
        payload={"reason": reason, "amount_fen": amount},
        effects=effects,
    )
    release_if_done(case, effects)


def _case_refunds(case: Case):
    return orders.refunds_from(source_prefix=refund_prefix(case))


def _full_refund_keys(case: Case, target_fen: int) -> tuple[list[int], bool]:
    """The card keys a refund to ``target_fen`` pays back whole (withheld from the buyer at once),
    and whether the refund says they are bad (卡密无效 / 已被使用: marked reported-invalid)."""
    if target_fen < case.stake_fen or case.order.delivery_kind != DeliveryKind.CARD_KEY:
        return [], False
    if case.order_key_ids:
        keys = orders.current_keys_among(order_id=case.order_id, ids=case.order_key_ids)
    else:  # the case is about whole batches: every current key in them
        keys = orders.current_keys_in(order_id=case.order_id, seqs=case.batch_seqs)
    current = list(keys.values_list("pk", flat=True))
    return current, case.subtype in ("invalid_key", "key_already_used")


def _move_money_to(case: Case, *, target_fen: int, step: str, effects: Effects) -> None:
    """Bring what this case has paid the buyer to ``target_fen`` through the money room: refund the
    difference (as ``orders.money.plan_refund`` says: escrow first), or take it back from the
    buyer's wallet (a contest or an appeal the buyer lost) — what the wallet lacks becomes the
    buyer's debt, and a later decision for the buyer forgives that debt before paying anew."""
    diff = target_fen - case.refunded_fen
    if diff > 0:
        forgiven = money.forgive_buyer_debts(
            order_id=case.order_id, refund_sources=list(_case_refunds(case).values_list("source", flat=True)), upto=diff
        )
        if forgiven:
            case.refunded_fen += forgiven
            diff -= forgiven
            effects.case_events.append(NewEvent("case.buyer_debt_forgiven", {"amount_fen": forgiven}, None, SYSTEM))
    if diff > 0:
        # What the order already paid back for these batches by itself (a missed delivery deadline,
        # a failed top-up) is not paid again: never refunded twice for the same thing.
        room = money.refundable_fen(case.order, case.batch_seqs)
        if room < diff:
            effects.case_events.append(
                NewEvent("case.already_refunded", {"wanted_fen": diff, "refundable_fen": room}, None, SYSTEM)
            )
            diff = room
    if diff > 0:
        key_ids, keys_invalid = _full_refund_keys(case, target_fen)
        result = money.refund(
            order_id=case.order_id,
            seqs=case.batch_seqs,
            amount_fen=diff,
            source=f"{refund_prefix(case)}{step}",
            reason=f"after-sales case {case.pk}",
            key_ids=key_ids,
            keys_invalid=keys_invalid,
        )
        case.refunded_fen += result.refund.amount_fen
        effects.case_events.append(
            NewEvent(
                "case.refunded",
                {"amount_fen": diff, "ledger_entry": result.refund.source, "moves": _moves(result.refund)},
                None,
                SYSTEM,
            )
        )
    elif diff < 0:
        taken = owed = 0
        for row in _case_refunds(case).order_by("-pk"):
            want = min(-diff - taken - owed, row.amount_fen - row.recovered_fen - money.owed_on(row))
            if want <= 0:
                continue
            back = money.recover(
                order_id=case.order_id,
                refund_source=row.source,
                amount_fen=want,
                source=f"{refund_prefix(case)}{step}:recover:{row.pk}",
                reason=f"after-sales case {case.pk}: refund taken back",
            )
            taken += back.recovered_fen
            owed += back.owed_fen
            if taken + owed >= -diff:
                break
        case.refunded_fen -= taken + owed
        if taken + owed < -diff:
            # Part of the refund was on a batch the order has since refunded whole by itself (its
            # delivery failed): the buyer is owed that batch anyway, so that part stays theirs.
            effects.case_events.append(
                NewEvent("case.kept_by_buyer", {"amount_fen": -diff - taken - owed}, None, SYSTEM)
            )
        effects.case_events.append(
            NewEvent("case.recovered", {"amount_fen": taken, "owed_fen": owed, "wanted_fen": -diff}, None, SYSTEM)
        )
    case.save(update_fields=["refunded_fen"])


def _moves(row) -> dict[str, int]:
    parts = {
        "escrow_to_buyer": row.from_escrow_fen,
        "available_to_buyer": row.from_available_fen,
        "deposit_to_buyer": row.from_deposit_fen,
        "fund_to_buyer": row.from_fund_fen,
    }
    return {what: fen for what, fen in parts.items() if fen}


def execute_remedy(case: Case, *, remedy: str, amount_fen: int, step: str, note: str, effects: Effects) -> None:
    """Carry out an accepted demand, an accepted offer or a ruling."""
    if remedy == Remedy.FULL_REFUND:
        _move_money_to(case, target_fen=case.stake_fen, step=step, effects=effects)
    elif remedy in (Remedy.PARTIAL_REFUND, Remedy.COMPENSATION):
        _move_money_to(case, target_fen=amount_fen, step=step, effects=effects)
    elif remedy == Remedy.REPLACEMENT:
        if case.order.delivery_kind != DeliveryKind.CARD_KEY or not case.order_key_ids:
            raise DomainError("aftersales.keys_not_replaceable")
        current = list(
            orders.current_keys_among(order_id=case.order_id, ids=case.order_key_ids).values_list("pk", flat=True)
        )
        if current:
            new = remedies.replace_keys(order_id=case.order_id, order_key_ids=current, reason=f"case {case.pk}")
            case.order_key_ids = [k.pk for k in new]
            case.save(update_fields=["order_key_ids"])
            effects.case_events.append(
                NewEvent("case.keys_replaced", {"new": [k.fingerprint for k in new]}, None, SYSTEM)
            )
        _move_money_to(case, target_fen=0, step=step, effects=effects)
    elif remedy == Remedy.REDELIVERY:
        effects.case_events.append(NewEvent("case.redelivered", {"note": note}, None, SYSTEM))
    elif remedy == Remedy.REJECT:
        _move_money_to(case, target_fen=0, step=step, effects=effects)
    case.outcome = remedy
    case.save(update_fields=["outcome"])


def demand_remedy(case: Case) -> tuple[str, int]:
    if case.demand == Demand.REPLACE:
        return (Remedy.REPLACEMENT if case.order.delivery_kind == DeliveryKind.CARD_KEY else Remedy.REDELIVERY), 0
    if case.demand == Demand.FULL_REFUND:
        return Remedy.FULL_REFUND, case.stake_fen
    if case.demand == Demand.PARTIAL_REFUND:
        return Remedy.PARTIAL_REFUND, case.demand_fen
    return Remedy.COMPENSATION, case.demand_fen


@dataclass(frozen=True)
class MoneyLine:
    what: str
    amount_fen: int


def preview_ruling(*, case: Case, remedy: str, amount_fen: int, penalty_fen: int) -> list[MoneyLine]:
    """The money movements a ruling would cause, for the agent's form. Read-only: the refund part is
    ``orders.money.preview_refund`` — the same plan the ruling posts (escrow, then the shop's
    balance, its deposit, then 先行赔付 from the guarantee fund)."""
    target = {
        Remedy.FULL_REFUND: case.stake_fen,
        Remedy.PARTIAL_REFUND: amount_fen,
        Remedy.COMPENSATION: amount_fen,
    }.get(remedy, 0)
    lines: list[MoneyLine] = []
    diff = target - case.refunded_fen
    if diff > 0:
        forgiven = min(diff, money.owed_on_case_refunds(list(_case_refunds(case))))
        if forgiven:
            lines.append(MoneyLine("buyer_debt_forgiven", forgiven))
            diff -= forgiven
    if diff > 0:
        plan = money.preview_refund(order=case.order, seqs=case.batch_seqs, amount_fen=diff)
        lines.extend(MoneyLine(move.what, move.amount_fen) for move in plan.moves())
    elif diff < 0:
        lines.append(MoneyLine("recover_from_buyer", -diff))
    if penalty_fen:
        lines.append(MoneyLine("penalty_shop_to_fund", penalty_fen))
    return lines
