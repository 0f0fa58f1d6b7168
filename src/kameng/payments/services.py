"""Every write of the payments domain: starting a top-up, handling a gateway notification,
closing stale payments, and the sandbox gateway's own side.

Lock order (docs/concurrency.md): the payment row (``SELECT … FOR UPDATE``), then the ledger
accounts (by id, inside ``ledger.post_entry``). The event row is inserted while the payment is
locked; its unique constraint is what makes a replayed notification a no-op.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.core.errors import DomainError
from kameng.core.templatetags.money import format_fen
from kameng.ledger.models import AccountKind
from kameng.ledger.services import get_or_create_account, transfer
from kameng.payments import conf
from kameng.payments.gateways.base import BadSignature, Notification, get_gateway
from kameng.payments.gateways.sandbox import is_ack, notification_params, notify_url, post_notification
from kameng.payments.models import (
    ACKED_OUTCOMES,
    EventOutcome,
    Payment,
    PaymentEvent,
    PaymentStatus,
    SandboxCharge,
)
from kameng.payments.signals import payment_captured
from kameng.payments.transitions import Action, transition_for

log = logging.getLogger(__name__)

MAX_PARAMS = 40
MAX_PARAM_CHARS = 500
# A notification whose signature fails is anyone's to send: keep little of it (a few short
# fields, enough to investigate) and stop recording a source that sends many (issue 14, L3).
REJECTED_PARAMS = 12
REJECTED_PARAM_CHARS = 100
REJECTED_PER_SOURCE_PER_MINUTE = 20


def new_out_trade_no(now: datetime) -> str:
    # Time prefix for humans reading gateway statements; 80 random bits so nobody can guess one.
    return now.strftime("%Y%m%d%H%M%S") + secrets.token_hex(10)


# Payments sits below orders and never imports them; orders says who may pay for an order by
# registering this in its AppConfig.ready(). Until it does, no top-up may name an order.
OrderPayerCheck = Callable[..., bool]  # (*, buyer: User, order_id: int) -> bool
_order_payer_check: OrderPayerCheck | None = None


def register_order_payer_check(check: OrderPayerCheck | None) -> None:
    global _order_payer_check
    _order_payer_check = check


def _may_pay_for_order(*, buyer: User, order_id: int) -> bool:
    return _order_payer_check is not None and bool(_order_payer_check(buyer=buyer, order_id=order_id))


def start_topup(*, buyer: User, amount_fen: int, gateway: str | None, order_id: int | None = None) -> Payment:
    """A pending top-up through an enabled gateway (``None``: the first one enabled). A top-up for an
    order is only for that order's buyer: anyone else's order, or one that does not exist, is 404."""
    require_role(buyer, Role.BUYER)
    enabled = conf.enabled_gateway_names()
    if not enabled:
        raise DomainError("payments.no_gateway")
    gateway = gateway or enabled[0]
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool):
        raise DomainError("payments.invalid_amount", fields={"amount_fen": "must be whole fen"})
    low, high = conf.topup_min_fen(), conf.topup_max_fen()
    if not low <= amount_fen <= high:
        raise DomainError(
            "payments.amount_out_of_range",
            fields={"amount_fen": "out of range"},
            min=format_fen(low),
            max=format_fen(high),
        )
    get_gateway(gateway)
    if order_id is not None and (
        not isinstance(order_id, int) or isinstance(order_id, bool) or not 1 <= order_id < 2**63
    ):
        raise DomainError("invalid_input", fields={"order_id": "not a valid id"})
    if order_id is not None and not _may_pay_for_order(buyer=buyer, order_id=order_id):
        raise DomainError("not_found", fields={"order_id": "no such order of yours"})
    now = timezone.now()
    return Payment.objects.create(
        buyer=buyer,
        amount_fen=amount_fen,
        gateway=gateway,
        out_trade_no=new_out_trade_no(now),
        order_id=order_id,
        created_at=now,
        expires_at=now + timedelta(minutes=conf.payment_ttl_minutes()),
    )


def apply_transition(*, payment: Payment, action: str, now: datetime) -> Payment:
    """The one place a payment's status changes. The caller holds the row lock."""
    step = transition_for(payment.status, action)
    if step is None:
        raise DomainError("payments.transition_not_allowed", from_status=payment.status, action=action)
    payment.status = step.next_state
    fields = ["status"]
    if action == Action.CAPTURE:
        payment.paid_at = now
        fields.append("paid_at")
    else:
        payment.closed_at = now
        fields.append("closed_at")
    payment.save(update_fields=fields)
    return payment


@dataclass(frozen=True)
class NotificationResult:
    outcome: EventOutcome
    accepted: bool  # answer with the gateway's ack (True) or nack (False)
    event: PaymentEvent | None = None


def _clean_params(params: Mapping[str, str], *, keys: int = MAX_PARAMS, chars: int = MAX_PARAM_CHARS) -> dict[str, str]:
    """What we keep of the raw parameters: bounded, strings only."""
    kept = {}
    for key in list(params)[:keys]:
        kept[str(key)[:64]] = str(params[key])[:chars]
    return kept


def _rejected_recently(remote_addr: str | None, now: datetime) -> int:
    return PaymentEvent.objects.filter(
        outcome=EventOutcome.BAD_SIGNATURE, remote_addr=remote_addr, received_at__gte=now - timedelta(minutes=1)
    ).count()


def _decide(payment: Payment | None, note: Notification) -> EventOutcome:
    if payment is None:
        return EventOutcome.UNKNOWN_PAYMENT
    if note.currency != payment.currency:
        return EventOutcome.WRONG_CURRENCY
    if note.amount_fen != payment.amount_fen:
        return EventOutcome.WRONG_AMOUNT
    if not note.succeeded:
        return EventOutcome.FAILED_REPORTED
    if transition_for(payment.status, Action.CAPTURE) is None:
        return EventOutcome.DUPLICATE  # already paid under another event id: credited once already
    return EventOutcome.CREDITED


def credit_wallet(*, payment: Payment) -> None:
    """Move the payment's money from the gateway clearing account into the buyer's wallet.
    Idempotent by the ledger source: it can never post twice for one payment."""
    transfer(
        source=f"payment:{payment.pk}:captured",
        from_account=get_or_create_account(kind=AccountKind.GATEWAY_CLEARING),
        to_account=get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=payment.buyer_id),
        amount_fen=payment.amount_fen,
        memo=f"top-up {payment.out_trade_no} via {payment.gateway}",
    )


def handle_notification(*, gateway: str, params: Mapping[str, str], remote_addr: str | None) -> NotificationResult:
    """Verify, record once, lock, compare-and-set, check the exact amount, credit once."""
    gw = get_gateway(gateway)
    raw = _clean_params(params)
    try:
        note = gw.parse_notification(params)
    except BadSignature as exc:
        if _rejected_recently(remote_addr, timezone.now()) >= REJECTED_PER_SOURCE_PER_MINUTE:
            log.info("payments: %s notification rejected from %s (not recorded: too many)", gateway, remote_addr)
            return NotificationResult(EventOutcome.BAD_SIGNATURE, False, None)
        event = PaymentEvent.objects.create(
            gateway=gateway,
            provider_event_id=str(params.get("event_id") or params.get("trade_no") or "")[:128],
            raw_params=_clean_params(params, keys=REJECTED_PARAMS, chars=REJECTED_PARAM_CHARS),
            outcome=EventOutcome.BAD_SIGNATURE,
            detail=str(exc)[:200],
            remote_addr=remote_addr,
        )
        log.warning("payments: %s notification rejected from %s: %s", gateway, remote_addr, exc)
        return NotificationResult(EventOutcome.BAD_SIGNATURE, False, event)

    now = timezone.now()
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update().filter(out_trade_no=note.out_trade_no[:64], gateway=gateway).first()
        )
        outcome = _decide(payment, note)
        try:
            with transaction.atomic():
                event = PaymentEvent.objects.create(
                    gateway=gateway,
                    provider_event_id=note.event_id[:128],
                    payment=payment,
                    raw_params=raw,
                    outcome=outcome,
                    received_at=now,
                    remote_addr=remote_addr,
                )
        except IntegrityError:
            first = (
                PaymentEvent.objects.filter(gateway=gateway, provider_event_id=note.event_id[:128])
                .exclude(outcome=EventOutcome.BAD_SIGNATURE)
                .first()
            )
            log.info("payments: replay of %s event %s ignored", gateway, note.event_id)
            accepted = first is None or first.outcome in ACKED_OUTCOMES
            return NotificationResult(EventOutcome.DUPLICATE, accepted, first)

        if outcome == EventOutcome.CREDITED:
            apply_transition(payment=payment, action=Action.CAPTURE, now=now)
            payment.provider_trade_no = note.provider_trade_no[:128]
            payment.save(update_fields=["provider_trade_no"])
            credit_wallet(payment=payment)
            if payment.status == PaymentStatus.PAID_LATE:
                log.warning("payments: %s paid after it closed; credited to the wallet", payment.out_trade_no)
            transaction.on_commit(lambda: payment_captured.send(sender=Payment, payment=payment))
        elif outcome == EventOutcome.FAILED_REPORTED:
            if transition_for(payment.status, Action.FAIL) is not None:
                apply_transition(payment=payment, action=Action.FAIL, now=now)
            else:
                log.warning("payments: failure reported for %s in state %s; kept", payment.out_trade_no, payment.status)
        elif outcome not in ACKED_OUTCOMES:
            log.warning("payments: %s event %s rejected (%s) from %s", gateway, note.event_id, outcome, remote_addr)
    return NotificationResult(outcome, outcome in ACKED_OUTCOMES, event)


def expire_stale_payments(now: datetime | None = None, *, limit: int = 1000) -> int:
    """Close pending payments past their expiry. A guarded UPDATE: a payment being captured right
    now holds its row lock, and the ``status = pending`` condition is re-checked after it."""
    now = now or timezone.now()
    target = transition_for(PaymentStatus.PENDING, Action.EXPIRE)
    ids = list(
        Payment.objects.filter(status=PaymentStatus.PENDING, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    return Payment.objects.filter(pk__in=ids, status=PaymentStatus.PENDING).update(
        status=target.next_state, closed_at=now
    )


# --- the sandbox gateway's own side -------------------------------------------------------------

RETRY_LIMIT = 12


def sandbox_decide(*, out_trade_no: str, succeeded: bool) -> SandboxCharge:
    """The tester clicked Pay or Fail on the sandbox checkout page. The gateway records it once
    (a second click changes nothing) and sends the notification from a task, on commit."""
    from kameng.payments.tasks import deliver_sandbox_notification

    payment = Payment.objects.filter(out_trade_no=out_trade_no, gateway="sandbox").first()
    if payment is None:
        raise DomainError("not_found")
    now = timezone.now()
    with transaction.atomic():
        charge, created = SandboxCharge.objects.get_or_create(
            out_trade_no=out_trade_no,
            defaults={
                "trade_no": "SBX" + secrets.token_hex(12),
                "amount_fen": payment.amount_fen,
                "currency": payment.currency,
                "succeeded": succeeded,
                "created_at": now,
                # The sweep takes over if the queued delivery never happens.
                "next_attempt_at": now + timedelta(seconds=30),
            },
        )
        if created:
            transaction.on_commit(lambda: deliver_sandbox_notification.enqueue(charge.pk))
    return charge


def deliver_sandbox_charge(*, charge_id: int) -> bool:
    """One delivery attempt of the sandbox notification over HTTP. No transaction is held open
    across the HTTP call. Returns True once we acknowledged it."""
    charge = SandboxCharge.objects.filter(pk=charge_id).first()
    if charge is None or charge.acked_at is not None:
        return charge is not None
    try:
        status, body = post_notification(notify_url(), notification_params(charge))
        acked, error = is_ack(status, body), f"HTTP {status}"
    except OSError as exc:
        acked, error = False, str(exc)
    now = timezone.now()
    if acked:
        SandboxCharge.objects.filter(pk=charge.pk).update(acked_at=now, attempts=F("attempts") + 1, last_error="")
    else:
        backoff = timedelta(seconds=min(30 * 2 ** min(charge.attempts, 7), 3600))
        SandboxCharge.objects.filter(pk=charge.pk).update(
            attempts=F("attempts") + 1, next_attempt_at=now + backoff, last_error=error[:200]
        )
        log.warning("sandbox gateway: notification %s not acknowledged: %s", charge.trade_no, error)
    return acked


def retry_sandbox_notifications(now: datetime | None = None) -> int:
    """The sweep's half of the sandbox: re-send every unacknowledged notification that is due,
    as a real gateway retries. Enough on its own if the queued delivery was lost."""
    now = now or timezone.now()
    due = SandboxCharge.objects.filter(acked_at__isnull=True, next_attempt_at__lte=now, attempts__lt=RETRY_LIMIT)
    delivered = 0
    for charge_id in due.order_by("next_attempt_at").values_list("pk", flat=True)[:100]:
        delivered += deliver_sandbox_charge(charge_id=charge_id)
    return delivered
