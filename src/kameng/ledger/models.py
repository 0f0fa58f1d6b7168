"""Double-entry ledger. Amounts are integer fen.

Sign convention: a posting's amount is added to its account's balance, and the postings of one
entry sum to zero, so the sum of every balance on the platform is always exactly zero. Money that
sits outside the platform (at the payment gateway) is the gateway clearing account's negative
balance; every other account may never go below zero.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    BUYER_WALLET = "buyer_wallet", _("Buyer wallet")
    MERCHANT_PENDING = "merchant_pending", _("Merchant pending")
    MERCHANT_AVAILABLE = "merchant_available", _("Merchant available balance")
    MERCHANT_DEPOSIT = "merchant_deposit", _("Merchant deposit")
    # A shop application's deposit (入驻保证金), held from the applicant's wallet until the decision.
    APPLICATION_DEPOSIT = "application_deposit", _("Shop application deposit")
    MERCHANT_PAYOUT = "merchant_payout", _("Payouts in transit")
    ORDER_ESCROW = "order_escrow", _("Order escrow")
    PLATFORM_COMMISSION = "platform_commission", _("Platform commission")
    GUARANTEE_FUND = "guarantee_fund", _("Guarantee fund")
    GATEWAY_CLEARING = "gateway_clearing", _("Payment gateway clearing")


# Only these may hold a negative balance: they mirror money outside the platform.
NEGATIVE_ALLOWED = {AccountKind.GATEWAY_CLEARING}


class LedgerAccount(models.Model):
    # e.g. "buyer_wallet:42", "order_escrow:1001", "platform_commission"
    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=24, choices=AccountKind.choices)
    owner_id = models.BigIntegerField(null=True, blank=True, help_text="user, shop or order id, by kind")
    allow_negative = models.BooleanField(default=False)
    # Cache of the sum of this account's postings, updated in the same transaction as each posting
    # and verified by `kameng ledger check`.
    balance_fen = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(allow_negative=True) | Q(balance_fen__gte=0), name="ledger_balance_not_negative"
            )
        ]
        indexes = [models.Index(fields=["kind", "owner_id"])]

    def __str__(self) -> str:
        return self.key


class JournalEntry(models.Model):
    # The business event this entry records, e.g. "payment:77:captured". Unique, so a repeated
    # callback or retried request can never post twice: idempotency lives at the bottom.
    source = models.CharField(max_length=120, unique=True)
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.source


class Posting(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="postings")
    amount_fen = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount_fen=0), name="posting_not_zero")]
        indexes = [models.Index(fields=["account", "created_at"])]
