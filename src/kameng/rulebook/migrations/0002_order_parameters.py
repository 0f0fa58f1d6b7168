"""The order parameters join the rulebook (clauses 8.6–8.9).

A database that already has rulebook versions gets one more, published by the platform: the
newest version's parameters and clauses, plus the five order parameters and the clauses that
explain them (copied here as they were written, so later edits of ``rulebook/defaults.py`` do not
change what this migration publishes). Until now the five numbers were environment variables: a
deployment that set one keeps its number (the value is carried into this version, within the
parameter's range), the others take their defaults. A fresh database has no version yet and
installs the defaults, these clauses included, on first use (``rulebook.checks`` warns when an old
variable is still set).
"""

import os

from django.db import migrations
from django.utils import timezone

PARAMS = {
    "payment_window_minutes": 15,
    "protection_window_hours": 72,
    "commission_bps": 300,
    "batch_threshold_fen": 50000,
    "payout_min_fen": 100,
}
# The environment variable each number was read from before, and the parameter's range.
FROM_ENVIRONMENT = {
    "payment_window_minutes": ("KAMENG_PAYMENT_WINDOW_MINUTES", 5, 1440),
    "protection_window_hours": ("KAMENG_PROTECTION_WINDOW_HOURS", 1, 720),
    "commission_bps": ("KAMENG_COMMISSION_BPS", 0, 3000),
    "batch_threshold_fen": ("KAMENG_BATCH_THRESHOLD_FEN", 100, 10_000_000),
    "payout_min_fen": ("KAMENG_PAYOUT_MIN_FEN", 1, 1_000_000),
}
NOTE = "订单参数纳入规范（8.6–8.9）：付款期限、自动确认期限、佣金、分批到账金额、提现下限。"

CLAUSES = (
    {
        "code": "8.6",
        "title_zh": "付款与自动确认",
        "title_en": "Payment and auto-confirmation",
        "body_zh": "下单后须在 {payment_window_minutes} 分钟内付款，逾期未付款的订单自动取消。买家的付款全部进入平台担保，不直接付给商家。每一批发货后，买家可以确认收货；买家没有确认、也没有进行中的售后单（2.3）的，发货 {protection_window_hours} 小时后自动确认收货，该批的担保资金结算给商家。",
        "body_en": "An order must be paid within {payment_window_minutes} minutes of being placed; an unpaid order is cancelled after that. Every payment is held in the platform's escrow and never goes to the merchant directly. After each delivery the buyer may confirm receipt; if the buyer has not confirmed it and no case is open on it (2.3), the delivery is confirmed automatically {protection_window_hours} hours after it was delivered, and its escrow is settled to the merchant.",
    },
    {
        "code": "8.7",
        "title_zh": "佣金与适用版本",
        "title_en": "Commission, and which version an order follows",
        "body_zh": "结算时，平台按结算金额的 {commission_bps} 收取佣金（不足一分的部分不收），其余计入商家可用余额；结算前已从担保资金退给买家的部分不结算，也不收佣金。订单的付款期限、自动确认期限和佣金适用下单时生效的规范版本：此后发布的新版本不改变已经下的订单。",
        "body_en": "At settlement the platform takes a commission of {commission_bps} of the amount settled (rounded down to the fen) and the rest goes to the merchant's available balance; what was refunded to the buyer from escrow before settlement is neither settled nor charged commission. An order's payment window, auto-confirmation window and commission are those of the rulebook version in force when it was placed: a version published later does not change an order already placed.",
    },
    {
        "code": "8.8",
        "title_zh": "分批到账",
        "title_en": "Batched delivery",
        "body_zh": "订单金额超过 {batch_threshold_fen} 的分批到账：每批价值不超过 {batch_threshold_fen}（至少一件），上一批确认收货或自动确认后再发下一批。每一批分别起算自动确认期限，分别结算。",
        "body_en": "An order worth more than {batch_threshold_fen} is delivered in batches (分批到账), each worth at most {batch_threshold_fen} (at least one unit); the next batch is delivered once the previous one is confirmed or auto-confirmed. Each batch has its own auto-confirmation deadline and is settled on its own.",
    },
    {
        "code": "8.9",
        "title_zh": "提现",
        "title_en": "Payouts",
        "body_zh": "商家可以把可用余额提现，每次不少于 {payout_min_fen}。店铺被冻结或封禁，或对平台有未还清的欠款（8.2）的，提现被冻结。",
        "body_en": "A merchant may withdraw the available balance, at least {payout_min_fen} at a time. Payouts are frozen while the shop is frozen or banned, or while it owes the platform a debt (8.2).",
    },
)


def carried_over(environ=os.environ) -> dict[str, int]:
    """The five numbers as this deployment ran with them: its environment variables, else the
    defaults. A value that is not a whole number in the parameter's range stops the migration
    (publishing another number would silently change what orders cost the merchant)."""
    params = dict(PARAMS)
    for name, (variable, low, high) in FROM_ENVIRONMENT.items():
        raw = environ.get(variable, "").strip()
        if not raw:
            continue
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise ValueError(
                f"{variable}={raw!r}: the rulebook parameter {name} takes a whole number from {low} to {high}. "
                f"Correct or unset the variable and migrate again; afterwards operators change it at /operator/rules/."
            )
        params[name] = value
    return params


def publish_order_parameters(apps, schema_editor):
    Version = apps.get_model("rulebook", "RulebookVersion")
    Clause = apps.get_model("rulebook", "RulebookClause")
    newest = Version.objects.order_by("-number").first()
    if newest is None:
        return
    have = set(Clause.objects.filter(version=newest).values_list("code", flat=True))
    if PARAMS.keys() <= newest.params.keys() and {c["code"] for c in CLAUSES} <= have:
        return
    row = Version.objects.create(
        number=newest.number + 1,
        published_at=timezone.now(),
        published_by=None,
        note=NOTE,
        params={**carried_over(), **newest.params},
    )
    kept = [
        Clause(version=row, code=c.code, title_zh=c.title_zh, title_en=c.title_en, body_zh=c.body_zh, body_en=c.body_en)
        for c in Clause.objects.filter(version=newest)
    ]
    added = [Clause(version=row, **c) for c in CLAUSES if c["code"] not in have]
    Clause.objects.bulk_create(kept + added)


class Migration(migrations.Migration):
    dependencies = [
        ("rulebook", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(publish_order_parameters, migrations.RunPython.noop),
    ]
