"""System facts (系统事实): what the platform's own records establish about an order, gathered when a
case opens, and the responsible party they suggest (rule 1.2: records prevail over claims).

Everything here is read-only and computed from rows the platform wrote itself: batches, order
keys, the order timeline (reveals with IP and user agent), supplier requests, payments, and the
merchant's last activity. No guesses: where the records do not decide, the suggestion says
"unknown" and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Max

from kameng.catalog.models import DeliveryKind
from kameng.inventory.models import CardKey, CardKeyStatus
from kameng.orders import selectors as orders
from kameng.orders.states import BatchState
from kameng.payments.models import Payment, PaymentStatus
from kameng.rulebook.problems import SUBTYPES, Party
from kameng.shops.models import ShopStatus
from kameng.suppliers.models import RequestStatus
from kameng.suppliers.selectors import request_for_ref
from kameng.timeline.models import Event

if TYPE_CHECKING:
    from kameng.orders.selectors import Order  # the row orders' selectors hand out, for annotations only


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class Suggestion:
    party: str
    reason: str  # English; pages translate the party and show the facts next to it


def merchant_last_seen(order: Order) -> datetime | None:
    """The merchant's last sign of life: a login, an API call with one of their tokens, a card-key
    import, or an answer on any of the shop's cases."""
    from kameng.accounts.models import ApiToken
    from kameng.aftersales.models import Message
    from kameng.inventory.models import ImportBatch

    owner = order.shop.owner
    seen = [
        owner.last_login,
        Message.objects.filter(author=owner).aggregate(m=Max("created_at"))["m"],
        ApiToken.objects.filter(user=owner).aggregate(m=Max("last_used_at"))["m"],
        ImportBatch.objects.filter(shop_id=order.shop_id).aggregate(m=Max("created_at"))["m"],
    ]
    seen = [t for t in seen if t is not None]
    return max(seen) if seen else None


def merchant_unreachable(order: Order, *, days: int, now: datetime) -> bool:
    if order.shop.status in (ShopStatus.FROZEN, ShopStatus.BANNED):
        return True
    seen = merchant_last_seen(order)
    if seen is None:
        seen = order.shop.created_at
    return now - seen > timedelta(days=days)


def collect(
    *, order: Order, batch_seqs: list[int], order_key_ids: list[int], now: datetime, unreachable_days: int
) -> dict:
    batches = list(orders.batches_of(order=order, seqs=batch_seqs))
    keys = list(orders.keys_of_order(order_id=order.pk, ids=order_key_ids)) if order_key_ids else []
    if not keys and order.delivery_kind == DeliveryKind.CARD_KEY:
        keys = list(orders.current_keys_of(batches=batches))

    delivered = [b for b in batches if b.delivered_at is not None]
    facts: dict = {
        "delivery_kind": order.delivery_kind,
        "paid_at": _iso(order.paid_at),
        "delivered": bool(batches) and len(delivered) == len(batches),
        "delivered_batches": [b.seq for b in delivered],
        "undelivered_batches": [b.seq for b in batches if b.delivered_at is None and b.state != BatchState.REFUNDED],
        "delivered_at": _iso(max((b.delivered_at for b in delivered), default=None)),
    }

    # Reveals: when and from where (the order timeline keeps IP and user agent of each reveal).
    fingerprints = {k.fingerprint for k in keys}
    reveals = [
        {"fingerprint": e.payload.get("fingerprint"), "at": _iso(e.created_at), "ip": e.payload.get("ip", "")}
        for e in Event.objects.filter(stream=order.stream, kind="key.revealed").order_by("seq")
        if e.payload.get("fingerprint") in fingerprints
    ]
    facts["keys"] = len(keys)
    facts["revealed"] = any(k.first_revealed_at for k in keys)
    facts["never_revealed"] = bool(keys) and not facts["revealed"]
    facts["first_revealed_at"] = _iso(min((k.first_revealed_at for k in keys if k.first_revealed_at), default=None))
    facts["reveals"] = reveals[:20]

    # Other buyers' reports against keys of the same import batches (a bad batch shows up here).
    card_ids = [k.card_key_id for k in keys]
    import_batches = set(CardKey.objects.filter(pk__in=card_ids).values_list("batch_id", flat=True))
    facts["reported_elsewhere"] = (
        CardKey.objects.filter(batch_id__in=import_batches, status=CardKeyStatus.REPORTED_INVALID)
        .exclude(sold_to_id=order.buyer_id)
        .count()
        if import_batches
        else 0
    )

    # 直充: the supplier's answer for each affected batch.
    answers = []
    if order.delivery_kind == DeliveryKind.DIRECT_TOPUP:
        for batch in batches:
            request = request_for_ref(ref=f"order:{order.pk}:batch:{batch.seq}")
            if request is not None:
                answers.append(
                    {"batch": batch.seq, "status": str(request.status), "supplier_ref": request.supplier_ref}
                )
    facts["supplier_answers"] = answers
    facts["supplier_failed"] = any(a["status"] == RequestStatus.FAILED for a in answers)

    # Delay against the promise (人工发货 promises hours; 卡密 is instant; 直充 as the supplier answers).
    delay_s = None
    if order.paid_at and facts["delivered_at"]:
        taken = max((b.delivered_at for b in delivered), default=order.paid_at) - order.paid_at
        promised = (
            timedelta(hours=order.product.manual_delivery_hours) if order.delivery_kind == DeliveryKind.MANUAL else None
        )
        delay_s = int((taken - promised).total_seconds()) if promised is not None else None
    elif order.paid_at and order.delivery_due_at and now > order.delivery_due_at:
        delay_s = int((now - order.delivery_due_at).total_seconds())
    facts["delivery_late_by_s"] = delay_s if delay_s and delay_s > 0 else 0

    # More than one captured payment for this order: a duplicate charge.
    captured = Payment.objects.filter(order_id=order.pk, status__in=[PaymentStatus.PAID, PaymentStatus.PAID_LATE])
    facts["payments_captured"] = captured.count()
    facts["duplicate_payments"] = facts["payments_captured"] > 1
    # 8.4: a duplicate is returned to the wallet the moment it is captured (never charged to the
    # order); what was returned that way is on the order's timeline.
    facts["duplicate_returned_fen"] = sum(
        int(e.payload.get("amount_fen") or 0)
        for e in Event.objects.filter(stream=order.stream, kind="payment.duplicate_refunded").only("payload")
    )

    seen = merchant_last_seen(order)
    facts["merchant_last_seen"] = _iso(seen)
    facts["merchant_unreachable"] = merchant_unreachable(order, days=unreachable_days, now=now)
    facts["shop_status"] = str(order.shop.status)
    return facts


def suggest(*, subtype: str, facts: dict) -> Suggestion:
    """Who the records point at, and why. Deliberately conservative: "unknown" unless a fact decides."""
    kind = SUBTYPES[subtype]
    if subtype == "charged_twice":
        if facts.get("duplicate_payments"):
            return Suggestion(Party.PLATFORM, "more than one payment was captured for this order")
        return Suggestion(Party.UNKNOWN, "the platform recorded a single payment for this order")
    if kind.family == "delivery" and subtype != "late_delivery":
        if facts.get("supplier_failed"):
            return Suggestion(Party.SUPPLIER, "the upstream supplier reported the top-up as failed")
        if facts.get("undelivered_batches"):
            return Suggestion(Party.MERCHANT, "the platform has no record of delivery for part of the order")
        if facts.get("revealed"):
            return Suggestion(Party.UNKNOWN, "delivered, and the buyer revealed the keys")
        return Suggestion(Party.UNKNOWN, "the platform recorded the delivery")
    if subtype == "late_delivery":
        if facts.get("delivery_late_by_s"):
            return Suggestion(Party.MERCHANT, "delivered later than the shop promised")
        return Suggestion(Party.UNKNOWN, "delivered within the promised time")
    if kind.family == "product":
        if facts.get("never_revealed") and subtype in ("invalid_key", "key_already_used"):
            return Suggestion(Party.MERCHANT, "the key was never shown to the buyer, so the buyer cannot have used it")
        if facts.get("reported_elsewhere"):
            return Suggestion(Party.MERCHANT, "other buyers reported keys from the same import batch")
        if subtype == "face_value_mismatch":
            return Suggestion(Party.MERCHANT, "the listing states the face value; the shop answers for it")
        return Suggestion(Party.UNKNOWN, "the key was revealed; the records alone do not tell who is at fault")
    # Service problems.
    if facts.get("merchant_unreachable"):
        return Suggestion(Party.MERCHANT, "the merchant has shown no activity within the rulebook's limit")
    return Suggestion(Party.UNKNOWN, "the merchant is active; the conversation will tell")


def fast_refund_reason(facts: dict) -> str | None:
    """The fact that qualifies a case for 极速退款 (rule 8.3), if any."""
    if facts.get("supplier_failed"):
        return "supplier_failed"
    if facts.get("never_revealed"):
        return "key_never_revealed"
    if facts.get("revealed"):
        # The buyer has seen the code: refunding at once would leave them code and money. An
        # unreachable merchant only lets the buyer ask the platform in early (4.1), never more.
        return None
    if facts.get("merchant_unreachable"):
        return "merchant_unreachable"
    return None
