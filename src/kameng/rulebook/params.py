"""The parameters of the rulebook: every number the after-sales engine reads.

Each parameter belongs to a clause, has a default and an allowed range. Operators change the
values by publishing a new rulebook version; code never hard-codes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kameng.core.templatetags.money import format_fen

UNITS = ("minutes", "hours", "days", "months", "fen", "bps", "count", "bytes", "stars")

UNIT_LABELS = {
    "minutes": _("minutes"),
    "hours": _("hours"),
    "days": _("days"),
    "months": _("months"),
    "fen": _("fen"),
    # 1 basis point = 0.01 %: a rate in whole numbers (300 = 3%).
    "bps": _("basis points"),
    "count": _("count"),
    "bytes": _("bytes"),
    # Review stars in hundredths (450 = 4.50 stars): a score in whole numbers.
    "stars": _("stars"),
}


@dataclass(frozen=True)
class ParamSpec:
    name: str
    default: int
    min: int
    max: int
    unit: str
    clause: str
    label: Promise | str

    def check(self, value: object) -> bool:
        # bool is an int subclass; True is not a number of hours.
        return isinstance(value, int) and not isinstance(value, bool) and self.min <= value <= self.max

    def show(self, value: int) -> str:
        return show_value(self.unit, value)


def show_value(unit: str, value: int) -> str:
    """A value as a rulebook reader sees it (clause texts and the parameters table)."""
    if unit == "fen":
        return format_fen(value)
    if unit == "bps":
        # As a percentage, in whole numbers only (no float): 300 → 3%, 250 → 2.5%, 5 → 0.05%.
        whole, hundredths = divmod(value, 100)
        return f"{whole}.{hundredths:02d}".rstrip("0").rstrip(".") + "%"
    if unit == "stars":
        whole, hundredths = divmod(value, 100)
        return f"{whole}.{hundredths:02d}"
    if unit == "bytes":
        for size, suffix in ((1024 * 1024, "MB"), (1024, "KB")):
            if value >= size and value % size == 0:
                return f"{value // size} {suffix}"
        return f"{value} B"
    return str(value)


PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec("merchant_answer_hours", 24, 1, 48, "hours", "3.1", _("Merchant answer window")),
    ParamSpec("buyer_answer_hours", 48, 1, 168, "hours", "3.5", _("Buyer answer window")),
    ParamSpec("evidence_window_hours", 24, 1, 168, "hours", "4.3", _("Evidence window")),
    ParamSpec("ruling_due_hours", 48, 1, 168, "hours", "4.4", _("Ruling due after the evidence window")),
    ParamSpec("case_window_card_key_hours", 168, 1, 2160, "hours", "2.1", _("Case window: card keys")),
    ParamSpec("case_window_direct_topup_hours", 168, 1, 2160, "hours", "2.1", _("Case window: direct top-ups")),
    ParamSpec("case_window_manual_hours", 168, 1, 2160, "hours", "2.1", _("Case window: manual delivery")),
    ParamSpec("fast_refund_max_fen", 10000, 0, 10_000_000, "fen", "8.3", _("Fast refund: largest amount")),
    ParamSpec("fast_refund_max_per_buyer_30d", 3, 0, 1000, "count", "8.3", _("Fast refunds per buyer in 30 days")),
    ParamSpec("fast_refund_contest_hours", 72, 1, 720, "hours", "8.3", _("Fast refund: merchant contest window")),
    ParamSpec("merchant_unreachable_days", 3, 1, 60, "days", "4.2", _("Merchant unreachable after")),
    ParamSpec("appeal_window_hours", 72, 1, 720, "hours", "6.1", _("Appeal window")),
    ParamSpec("reopen_window_hours", 72, 1, 720, "hours", "7.1", _("Reopen window")),
    ParamSpec("reminder_before_hours", 4, 0, 48, "hours", "1.3", _("Reminder before a deadline")),
    ParamSpec("penalty_max_fen", 50000, 0, 10_000_000, "fen", "4.5", _("Largest penalty per case")),
    ParamSpec("sla_breaches_to_warn_shop", 3, 1, 1000, "count", "4.5", _("SLA breaches in 30 days before a warning")),
    ParamSpec("attachment_max_bytes", 5_242_880, 1024, 104_857_600, "bytes", "2.4", _("Largest attachment")),
    ParamSpec(
        "attachment_video_max_bytes", 20_971_520, 1024, 524_288_000, "bytes", "2.4", _("Largest video attachment")
    ),
    ParamSpec("attachment_max_per_message", 4, 1, 20, "count", "2.4", _("Attachments per message")),
    # Orders (8.6–8.9). An order records the version it was placed under and keeps its numbers.
    ParamSpec("payment_window_minutes", 15, 5, 1440, "minutes", "8.6", _("Payment window")),
    ParamSpec("protection_window_hours", 72, 1, 720, "hours", "8.6", _("Protection window before auto-confirm")),
    ParamSpec("commission_bps", 300, 0, 3000, "bps", "8.7", _("Platform commission at settlement")),
    ParamSpec("batch_threshold_fen", 50_000, 100, 10_000_000, "fen", "8.8", _("Batched delivery above")),
    ParamSpec("payout_min_fen", 100, 1, 1_000_000, "fen", "8.9", _("Smallest payout")),
    # Shops (10.1): what opening one takes.
    ParamSpec("shop_deposit_min_fen", 50_000, 0, 100_000_000, "fen", "10.1", _("Deposit to open a shop")),
    ParamSpec("review_window_days", 15, 1, 365, "days", "10.2", _("Days to review a completed order")),
    ParamSpec("claim_abuse_flag_count", 3, 1, 100, "count", "10.2", _("Unfounded claims in 90 days before a flag")),
    ParamSpec("new_account_days", 7, 0, 365, "days", "10.3", _("An account counts as new for")),
    ParamSpec(
        "new_account_order_max_fen", 200_000, 100, 100_000_000, "fen", "10.3", _("Largest order of a new account")
    ),
    ParamSpec("new_shop_days", 30, 0, 365, "days", "10.3", _("A shop counts as new for")),
    # Shop figures and score (10.4), badges (10.5), penalties (10.6).
    ParamSpec("metrics_window_days", 90, 7, 365, "days", "10.4", _("Window of a shop's figures")),
    ParamSpec("score_prior_stars", 450, 100, 500, "stars", "10.4", _("Score: the stars a new shop starts from")),
    ParamSpec("score_prior_reviews", 20, 0, 10_000, "count", "10.4", _("Score: how many reviews that start weighs")),
    ParamSpec("gold_min_orders", 100, 0, 1_000_000, "count", "10.5", _("Gold shop: orders in the window, at least")),
    ParamSpec("gold_min_score", 480, 100, 500, "stars", "10.5", _("Gold shop: score, at least")),
    ParamSpec("gold_max_aftersales_bps", 300, 0, 10_000, "bps", "10.5", _("Gold shop: after-sales rate, at most")),
    ParamSpec("gold_max_dispute_bps", 50, 0, 10_000, "bps", "10.5", _("Gold shop: disputes lost, at most")),
    ParamSpec("gold_max_invalid_key_bps", 100, 0, 10_000, "bps", "10.5", _("Gold shop: invalid-key rate, at most")),
    ParamSpec("gold_max_sla_breaches", 0, 0, 1000, "count", "10.5", _("Gold shop: missed deadlines, at most")),
    ParamSpec(
        "gold_max_response_minutes", 120, 1, 10_080, "minutes", "10.5", _("Gold shop: median first response, at most")
    ),
    ParamSpec("gold_min_months", 3, 0, 120, "months", "10.5", _("Gold shop: months selling, at least")),
    ParamSpec(
        "certified_min_deposit_fen", 50_000, 0, 100_000_000, "fen", "10.5", _("Certified shop: deposit held, at least")
    ),
    ParamSpec("penalty_min_orders", 20, 1, 1_000_000, "count", "10.6", _("Penalties: orders before rates count")),
    ParamSpec("penalty_min_keys", 20, 1, 1_000_000, "count", "10.6", _("Penalties: keys sold before rates count")),
    ParamSpec("warn_invalid_key_bps", 300, 1, 10_000, "bps", "10.6", _("Warning: invalid-key rate from")),
    ParamSpec("demote_dispute_bps", 200, 1, 10_000, "bps", "10.6", _("Demoted in search: disputes lost from")),
    ParamSpec("delist_invalid_key_bps", 1000, 1, 10_000, "bps", "10.6", _("Product delisted: its invalid keys from")),
    ParamSpec("freeze_payouts_dispute_bps", 500, 1, 10_000, "bps", "10.6", _("Payouts frozen: disputes lost from")),
    ParamSpec("freeze_shop_invalid_key_bps", 2000, 1, 10_000, "bps", "10.6", _("Shop frozen: invalid-key rate from")),
)

PARAM_BY_NAME: dict[str, ParamSpec] = {p.name: p for p in PARAMS}


def defaults() -> dict[str, int]:
    return {p.name: p.default for p in PARAMS}
