"""Orders with escrow (担保交易).

An order buys one product in some quantity. It is delivered in one or more batches (分批到账 for
large orders); each batch's share of the escrow is settled to the merchant only when that batch is
confirmed by the buyer or auto-confirmed after the protection window. The state of an order and
of a batch changes only through ``orders.transitions``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrderState(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    DELIVERING = "delivering", _("Delivering")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")


class BatchState(models.TextChoices):
    WAITING = "waiting", _("Waiting")  # paid for, not yet released to the buyer
    DELIVERING = "delivering", _("Delivering")  # sent to the supplier / awaiting the merchant
    DELIVERED = "delivered", _("Delivered")
    SETTLED = "settled", _("Confirmed and settled")
    REFUNDED = "refunded", _("Refunded")


class Order(models.Model):
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="orders")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="orders")
    # What the buyer saw and agreed to, frozen at order time.
    product_title = models.CharField(max_length=120)
    delivery_kind = models.CharField(max_length=16)
    quantity = models.PositiveIntegerField()
    unit_price_fen = models.PositiveBigIntegerField()
    total_fen = models.PositiveBigIntegerField()
    refunded_fen = models.PositiveBigIntegerField(default=0)
    buyer_fields = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=OrderState.choices, default=OrderState.PENDING_PAYMENT)
    # Idempotency-Key of POST /orders: the same key from the same buyer is the same order.
    idempotency_key = models.CharField(max_length=100)
    request_fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    payment_due_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    # 人工发货: the merchant must deliver by then, or the sweep refunds the buyer.
    delivery_due_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=200, blank=True)
    # The rulebook version in force when the order was placed: its protection window and
    # commission are this version's (orders.rules.for_order). Null only for orders placed before
    # the version was recorded.
    rulebook = models.ForeignKey(
        "rulebook.RulebookVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["buyer", "idempotency_key"], name="order_idempotency"),
            models.CheckConstraint(condition=Q(refunded_fen__lte=models.F("total_fen")), name="order_refund_le_total"),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created_at"]),
            models.Index(fields=["shop", "state", "-created_at"]),
            models.Index(fields=["payment_due_at"], name="order_payment_due", condition=Q(state="pending_payment")),
            models.Index(fields=["delivery_due_at"], name="order_delivery_due", condition=Q(delivery_kind="manual")),
        ]

    def __str__(self) -> str:
        return f"order {self.pk}"

    @property
    def stream(self) -> str:
        return f"order:{self.pk}"


class DeliveryBatch(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="batches")
    seq = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField()
    amount_fen = models.PositiveBigIntegerField()
    state = models.CharField(max_length=16, choices=BatchState.choices, default=BatchState.WAITING)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # End of the protection window: auto-confirm (自动确认) and settle when it passes.
    confirm_due_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    manual_note = models.TextField(blank=True, max_length=2000)  # 人工发货: what the merchant sent
    supplier_request_id = models.CharField(max_length=64, blank=True)  # 直充
    # Refunded by an after-sales outcome while still in escrow; settlement pays out the rest.
    refunded_fen = models.PositiveBigIntegerField(default=0)
    # An open after-sales case freezes this batch's escrow (e.g. "case:12"): no confirmation and
    # no auto-confirm settle it until the case lets go.
    held_by = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["confirm_due_at"], name="batch_confirm_due", condition=Q(state="delivered")),
            # Releasing a case's hold finds its batches by the hold marker (only held rows indexed).
            models.Index(fields=["held_by"], name="batch_held", condition=~Q(held_by="")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="batch_seq"),
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=models.F("amount_fen")), name="batch_refund_le_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id} batch {self.seq}"


class OrderKey(models.Model):
    """Which card key went to which batch. The key itself (encrypted) stays in inventory."""

    batch = models.ForeignKey(DeliveryBatch, on_delete=models.PROTECT, related_name="keys")
    card_key_id = models.BigIntegerField()
    fingerprint = models.CharField(max_length=64)
    first_revealed_at = models.DateTimeField(null=True, blank=True)
    reveal_count = models.PositiveIntegerField(default=0)
    # After-sales replacement: the reported key stays on record, marked replaced, and the new
    # key's row points back at it.
    replaced_at = models.DateTimeField(null=True, blank=True)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    # A refund that paid this key back whole withholds it from the buyer (never revealable again,
    # unless the refund is recovered); when the refund is final the key goes back to stock if it
    # was never revealed, or is marked reported-invalid (``orders.money.dispose_withheld_keys``).
    withheld_by = models.CharField(max_length=100, blank=True)  # the refund's source
    withheld_at = models.DateTimeField(null=True, blank=True)
    disposed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A card key belongs to one order at a time. A key returned to stock by a final refund
            # (its row disposed) can be sold again, so only the live rows are unique.
            models.UniqueConstraint(
                fields=["card_key_id"], condition=models.Q(disposed_at__isnull=True), name="orderkey_live_card_key"
            ),
        ]


class PayoutMethod(models.TextChoices):
    ALIPAY = "alipay", _("Alipay")
    BANK = "bank", _("Bank card")


def mask_account(method: str, account: str) -> str:
    """A payout account as pages and API answers show it: enough to recognise, never the whole
    number (6222 **** **** 1234, a***@example.com, 138****5678)."""
    if not account:
        return ""
    if method == PayoutMethod.BANK:
        return f"{account[:4]} **** **** {account[-4:]}"
    if "@" in account:
        name, _at, domain = account.rpartition("@")
        return f"{name[:1]}***@{domain}"
    return f"{account[:3]}****{account[-4:]}"


class Payout(models.Model):
    """A merchant's withdrawal (提现) of available balance to an Alipay account or a bank card;
    an operator approves or rejects it. Its state changes only through ``orders.funds``'s table."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        PAID = "paid", _("Paid out")
        REJECTED = "rejected", _("Rejected")

    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="payouts")
    amount_fen = models.PositiveBigIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.REQUESTED)
    # Where the money goes, as the merchant gave it (checked by ``funds.clean_destination``).
    # Blank only on payouts requested before destinations were recorded.
    method = models.CharField(max_length=8, choices=PayoutMethod.choices, blank=True)
    account = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"])]

    @property
    def account_masked(self) -> str:
        return mask_account(self.method, self.account)


class Refund(models.Model):
    """One after-sales refund (or compensation) to the buyer's wallet, and where the money came
    from, in the order rule 8.1 sets: frozen escrow, merchant balance, deposit, guarantee fund."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    source = models.CharField(max_length=100, unique=True)  # also the ledger entry's source
    amount_fen = models.PositiveBigIntegerField()
    from_escrow_fen = models.PositiveBigIntegerField(default=0)
    from_available_fen = models.PositiveBigIntegerField(default=0)
    from_deposit_fen = models.PositiveBigIntegerField(default=0)
    from_fund_fen = models.PositiveBigIntegerField(default=0)  # 先行赔付: the shop owes this back
    recovered_fen = models.PositiveBigIntegerField(default=0)  # taken back from the buyer later
    # [[batch seq, fen, from escrow?], ...]: which batches this refund paid back, so a recovery
    # can give each part back to its own batch (``orders.money.recover``).
    shares = models.JSONField(default=list, blank=True)
    key_ids = models.JSONField(default=list, blank=True)  # OrderKey ids it withheld
    keys_invalid = models.BooleanField(default=False)  # 卡密无效: those keys were marked reported-invalid
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(recovered_fen__lte=models.F("amount_fen")), name="refund_recovered_le_amount"
            )
        ]


class BuyerDebt(models.Model):
    """What a buyer owes after a recovery their wallet could not cover (they had spent the refund
    a contest or an appeal took back). Taken from the wallet's next credit, back where the refund
    came from (``orders.money.recover_buyer_debts``)."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="debts")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="buyer_debts")
    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="buyer_debts")
    source = models.CharField(max_length=120, unique=True)  # the recovery that fell short
    amount_fen = models.PositiveBigIntegerField()
    recovered_fen = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(recovered_fen__lte=models.F("amount_fen")), name="buyer_debt_recovered_le_amount"
            )
        ]
        indexes = [models.Index(fields=["buyer"], name="buyer_debt_open", condition=Q(cleared_at__isnull=True))]

    @property
    def outstanding_fen(self) -> int:
        return self.amount_fen - self.recovered_fen


class MerchantDebt(models.Model):
    """What a shop owes the guarantee fund (先行赔付 or an unpaid penalty). While any is
    outstanding the shop's payouts are frozen, and settlements pay it back first."""

    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="debts")
    source = models.CharField(max_length=100, unique=True)
    amount_fen = models.PositiveBigIntegerField()
    recovered_fen = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(recovered_fen__lte=models.F("amount_fen")), name="debt_recovered_le_amount"
            )
        ]
        indexes = [models.Index(fields=["shop"], name="debt_outstanding", condition=Q(cleared_at__isnull=True))]

    @property
    def outstanding_fen(self) -> int:
        return self.amount_fen - self.recovered_fen
