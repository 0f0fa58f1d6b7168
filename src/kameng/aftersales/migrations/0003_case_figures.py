"""Cases record what they add to their shop's figures (rule 10.4): the merchant's first response,
who the latest ruling blamed, and what the case last reported (``aftersales.figures``).

Existing cases are filled in from their records: ``responsible`` from the latest ruling, the first
response from the first merchant event on the case's timeline, ``counted`` by the rule as written
here. The counters themselves are rebuilt by ``kameng metrics rebuild`` (README, upgrading).
"""

from django.conf import settings
from django.db import migrations, models

INVALID_KEY_SUBTYPES = {"invalid_key", "key_already_used"}
OPEN_STATES = {
    "merchant", "buyer_info", "offer", "no_agreement", "evidence", "review", "ruled", "appeal", "fast_refunded",
}  # fmt: skip


def fill_in(apps, schema_editor):
    Case = apps.get_model("aftersales", "Case")
    Ruling = apps.get_model("aftersales", "Ruling")
    Event = apps.get_model("timeline", "Event")
    latest = dict(Ruling.objects.order_by("case_id", "created_at", "pk").values_list("case_id", "responsible"))
    for case in Case.objects.iterator(1000):
        case.responsible = latest.get(case.pk, "")
        first = (
            Event.objects.filter(stream=f"case:{case.pk}", actor_role="merchant")
            .order_by("seq")
            .only("created_at")
            .first()
        )
        if first is not None:
            case.first_response_at = first.created_at
            case.response_s = max(int((first.created_at - case.opened_at).total_seconds()), 0)
        closed = case.state not in OPEN_STATES
        upheld = closed and case.outcome not in ("", "reject")
        keys = len(case.order_key_ids or ())
        counted = (
            1,
            max(keys, 1) if case.subtype in INVALID_KEY_SUBTYPES and upheld else 0,
            int(case.responsible == "merchant"),
            int(case.sla_breached),
            int(case.responsible == "buyer"),
            int(closed and case.outcome == "reject"),
        )
        case.counted = ",".join(map(str, counted))
        case.save(update_fields=["responsible", "first_response_at", "response_s", "counted"])


class Migration(migrations.Migration):
    dependencies = [
        ("aftersales", "0002_ruling_by_rule"),
        ("orders", "0007_orderkey_live_card_key"),
        ("shops", "0004_shop_trust"),
        ("timeline", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="counted",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="case",
            name="first_response_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="response_s",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="responsible",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["shop", "opened_at"], include=["response_s"], name="case_shop_opened"),
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop),
    ]
