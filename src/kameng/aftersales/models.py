"""After-sales cases (售后单).

A case is opened by the buyer on one order (one open case per order at a time), runs up the ladder
merchant stage → platform intervention → ruling → appeal, and ends resolved, withdrawn or closed
because the buyer fell silent. Its state changes only through ``aftersales.transitions``; its
current deadline is the ``due_at`` column, which the sweep reads through a partial index on the
open states (so a sweep's cost follows the number of due cases, not the number of cases).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseState(models.TextChoices):
    MERCHANT = "merchant", _("Awaiting the merchant")
    BUYER_INFO = "buyer_info", _("Merchant asked the buyer for information")
    OFFER = "offer", _("Offer awaiting the buyer")
    NO_AGREEMENT = "no_agreement", _("No agreement: buyer may ask the platform")
    EVIDENCE = "evidence", _("Platform intervention: evidence window")
    REVIEW = "review", _("Platform intervention: awaiting ruling")
    RULED = "ruled", _("Ruled: appeal window open")
    APPEAL = "appeal", _("Appeal under review")
    FAST_REFUNDED = "fast_refunded", _("Fast-refunded: merchant may contest")
    RESOLVED = "resolved", _("Resolved")
    CLOSED_SILENT = "closed_silent", _("Closed: the buyer did not answer")
    WITHDRAWN = "withdrawn", _("Withdrawn by the buyer")


OPEN_STATES = (
    CaseState.MERCHANT,
    CaseState.BUYER_INFO,
    CaseState.OFFER,
    CaseState.NO_AGREEMENT,
    CaseState.EVIDENCE,
    CaseState.REVIEW,
    CaseState.RULED,
    CaseState.APPEAL,
    CaseState.FAST_REFUNDED,
)
# While a case is in one of these, the affected part of the order's escrow is frozen.
FREEZING_STATES = (
    CaseState.MERCHANT,
    CaseState.BUYER_INFO,
    CaseState.OFFER,
    CaseState.NO_AGREEMENT,
    CaseState.EVIDENCE,
    CaseState.REVIEW,
)
PLATFORM_STATES = (CaseState.EVIDENCE, CaseState.REVIEW, CaseState.RULED, CaseState.APPEAL)


class Demand(models.TextChoices):
    REPLACE = "replace", _("Replace / resend")
    FULL_REFUND = "full_refund", _("Full refund")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    COMPENSATION = "compensation", _("Compensation")


class Remedy(models.TextChoices):
    """What an acceptance, an offer or a ruling does."""

    FULL_REFUND = "full_refund", _("Full refund")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    REPLACEMENT = "replacement", _("Replacement key")
    REDELIVERY = "redelivery", _("Redelivery")
    COMPENSATION = "compensation", _("Compensation")
    REJECT = "reject", _("Claim rejected")


class Case(models.Model):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="cases")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases")
    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="cases")
    rulebook_id = models.BigIntegerField(help_text="the rulebook version in force when the case opened")
    rulebook_number = models.PositiveIntegerField()

    family = models.CharField(max_length=16)
    subtype = models.CharField(max_length=32)
    demand = models.CharField(max_length=16, choices=Demand.choices)
    demand_fen = models.PositiveBigIntegerField(default=0)
    description = models.TextField(max_length=4000)
    # The part of the order the case is about: batch numbers, and card keys (OrderKey ids) if any.
    batch_seqs = models.JSONField(default=list)
    order_key_ids = models.JSONField(default=list)
    stake_fen = models.PositiveBigIntegerField(help_text="what the affected part cost the buyer")

    state = models.CharField(max_length=16, choices=CaseState.choices, default=CaseState.MERCHANT)
    # The one clock that runs now (merchant answer, buyer answer, evidence, ruling, appeal, contest).
    due_at = models.DateTimeField(null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    # Asking the buyer for information pauses the merchant's clock; this is what was left of it.
    merchant_clock_left_s = models.PositiveIntegerField(null=True, blank=True)

    facts = models.JSONField(default=dict)
    suggested_party = models.CharField(max_length=16, default="unknown")
    suggested_reason = models.CharField(max_length=300, blank=True)

    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    buyer_appealed = models.BooleanField(default=False)
    merchant_appealed = models.BooleanField(default=False)
    reopened = models.BooleanField(default=False)
    reopen_until = models.DateTimeField(null=True, blank=True)
    fast_refunded = models.BooleanField(default=False)
    sla_breached = models.BooleanField(default=False)

    refunded_fen = models.BigIntegerField(default=0, help_text="net money this case moved to the buyer")
    outcome = models.CharField(max_length=16, choices=Remedy.choices, blank=True)
    external_escalation = models.CharField(max_length=16, blank=True)  # "12315" / "court"

    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # The merchant's first step or message on the case, and how long after opening it came: the
    # shop's median first-response time (10.4) is read from these.
    first_response_at = models.DateTimeField(null=True, blank=True)
    response_s = models.PositiveIntegerField(null=True, blank=True)
    # Who the latest ruling found responsible (a ``Party``; blank until ruled). The rulings stay the record.
    responsible = models.CharField(max_length=16, blank=True)
    # What the case last reported to its shop's figures (``aftersales.figures``), so a step reports
    # only the difference it makes.
    counted = models.CharField(max_length=40, blank=True)
    # The self-check (自查) the buyer went through before opening: run id, wizard version, outcome
    # and every answer — the buyer's statement from the wizard. Null when the case was opened
    # without one.
    self_check = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            # 2.2: one open case per order at a time.
            models.UniqueConstraint(
                fields=["order"], condition=Q(state__in=OPEN_STATES), name="case_one_open_per_order"
            ),
        ]
        indexes = [
            # The sweep reads only due open cases: cost follows the due count, not the table size.
            models.Index(fields=["due_at"], name="case_due", condition=Q(state__in=OPEN_STATES)),
            models.Index(fields=["remind_at"], name="case_remind", condition=Q(remind_at__isnull=False)),
            models.Index(fields=["shop", "state", "due_at"]),
            models.Index(fields=["buyer", "-opened_at"]),
            # The trust card's median first response reads only this index (INCLUDE on PostgreSQL).
            models.Index(fields=["shop", "opened_at"], name="case_shop_opened", include=["response_s"]),
            models.Index(fields=["assigned_agent", "state", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"case {self.pk}"

    @property
    def stream(self) -> str:
        return f"case:{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class Offer(models.Model):
    """The merchant's proposal (方案) in the merchant stage; the buyer accepts or declines it."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", pgettext_lazy("offer state", "Accepted")
        DECLINED = "declined", _("Declined")
        LAPSED = "lapsed", _("Lapsed")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="offers")
    remedy = models.CharField(max_length=16, choices=Remedy.choices)
    amount_fen = models.PositiveBigIntegerField(default=0)
    note = models.TextField(max_length=2000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)


class Ruling(models.Model):
    """An agent's decision (裁决), or an appeal decision; always cites a clause."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="rulings")
    # None: ruled by rule on the records (4.3) by the sweep, when the ruling was overdue and the
    # silent merchant had submitted nothing.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_appeal = models.BooleanField(default=False)
    remedy = models.CharField(max_length=16, choices=Remedy.choices)
    amount_fen = models.PositiveBigIntegerField(default=0, help_text="refund or compensation to the buyer")
    penalty_fen = models.PositiveBigIntegerField(default=0, help_text="penalty the shop pays to the guarantee fund")
    responsible = models.CharField(max_length=16)
    clause = models.CharField(max_length=16)
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)


class Message(models.Model):
    """The case conversation between buyer, merchant and (after intervention) the agent."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(max_length=16)
    text = models.TextField(max_length=4000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="attachments")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="cases/%Y/%m/")
    name = models.CharField(max_length=120, help_text="the uploader's file name, for display only")
    content_type = models.CharField(max_length=64, help_text="detected from the content")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)


class OrderTag(models.Model):
    """订单标签. System tags follow the case; merchants and agents add private ones."""

    class Kind(models.TextChoices):
        SYSTEM = "system", _("System")
        PRIVATE = "private", _("Private")

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=24)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # "" for system tags (everyone on the order sees them); "shop:<id>" for a merchant's private
    # tag; "agents" for the support agents' private tags.
    owner = models.CharField(max_length=24, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "name", "owner"], name="order_tag_unique")]
        indexes = [models.Index(fields=["name", "owner"])]


class SlaBreach(models.Model):
    """A shop missed an after-sales deadline (rule 3.6). Counted against the shop."""

    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="sla_breaches")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="sla_breach")
    created_at = models.DateTimeField(default=timezone.now)


# --- self-check wizards (自查, stage 1 of the ladder) ----------------------------------------------


class Wizard(models.Model):
    """One version of the self-check decision tree for a problem subtype. Saving makes a new row
    (version + 1); the highest version is the one buyers get, older ones stay for the runs that used
    them. ``steps`` is the tree as data, checked by ``services.selfcheck.validate_steps``."""

    subtype = models.CharField(max_length=32)
    version = models.PositiveIntegerField()
    steps = models.JSONField(default=list)
    note = models.CharField(max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subtype", "version"], name="wizard_subtype_version")]

    def __str__(self) -> str:
        return f"wizard {self.subtype} v{self.version}"


class RunOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SOLVED = "solved", _("Solved by self-check")
    ARTICLE = "article", _("Ended on an article")
    OPEN_CASE = "open_case", _("Went on to a case")
    ABANDONED = "abandoned", _("Left the self-check")
    SKIPPED = "skipped", _("Skipped the self-check")


class WizardRun(models.Model):
    """A buyer going through a wizard on one of their orders: every answer, the outcome, and the case
    it led to (if any)."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wizard_runs")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="wizard_runs")
    subtype = models.CharField(max_length=32)
    wizard = models.ForeignKey(Wizard, null=True, blank=True, on_delete=models.PROTECT, related_name="runs")
    wizard_version = models.PositiveIntegerField(default=0)
    step = models.CharField(max_length=40, blank=True, help_text="the step the buyer is on, or the end reached")
    # [{"step", "question", "answer", "at"}], in order; fact steps are recorded too (answer = what
    # the records showed).
    answers = models.JSONField(default=list)
    # The order facts the texts were filled with, as of the latest step.
    facts = models.JSONField(default=dict)
    description = models.TextField(max_length=4000, blank=True, help_text="the buyer's own words, carried along")
    outcome = models.CharField(max_length=12, choices=RunOutcome.choices, default=RunOutcome.IN_PROGRESS)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="wizard_runs")
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["subtype", "outcome"], name="wizardrun_subtype_outcome"),
            models.Index(fields=["buyer", "-started_at"], name="wizardrun_buyer"),
        ]

    def __str__(self) -> str:
        return f"self-check run {self.pk}"
