"""Shop figures (10.4), badges (10.5) and automatic penalties (10.6).

Existing reviews keep their marks as stored facts: a review of an order a ruling blamed the buyer
for is marked now; the claim-abuse mark starts with the next unfounded claim. The day counters
start empty: ``kameng metrics rebuild`` fills them from the records (README, upgrading).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def mark_reviews(apps, schema_editor):
    Review = apps.get_model("reputation", "Review")
    Ruling = apps.get_model("aftersales", "Ruling")
    blamed = set(Ruling.objects.filter(responsible="buyer").values_list("case__order_id", flat=True))
    Review.objects.filter(order_id__in=blamed).update(excluded="buyer_responsible")
    Review.objects.filter(excluded="", hidden_clause="").update(counted=True)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_product_delisting"),
        ("reputation", "0001_initial"),
        ("aftersales", "0003_case_figures"),
        ("shops", "0004_shop_trust"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="counted",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="review",
            name="excluded",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.CreateModel(
            name="BadgeChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("badge", models.CharField(max_length=16)),
                ("earned", models.BooleanField()),
                ("figures", models.JSONField(default=dict)),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "shop",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="badge_changes", to="shops.shop"
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="MetricDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("product_id", models.BigIntegerField()),
                ("day", models.DateField()),
                ("orders", models.BigIntegerField(default=0)),
                ("sales_fen", models.BigIntegerField(default=0)),
                ("keys_sold", models.BigIntegerField(default=0)),
                ("cases", models.BigIntegerField(default=0)),
                ("invalid_keys", models.BigIntegerField(default=0)),
                ("dispute_losses", models.BigIntegerField(default=0)),
                ("sla_breaches", models.BigIntegerField(default=0)),
                ("reviews", models.BigIntegerField(default=0)),
                ("stars_described", models.BigIntegerField(default=0)),
                ("stars_delivery", models.BigIntegerField(default=0)),
                ("stars_service", models.BigIntegerField(default=0)),
                (
                    "shop",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="shops.shop", db_index=False),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("shop", "product_id", "day"), name="metric_day_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="Penalty",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("rule", models.CharField(max_length=32)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("warning", "Warning"),
                            ("demotion", "Demoted in search"),
                            ("delisting", "Product delisted"),
                            ("payout_freeze", "Payouts frozen"),
                            ("shop_freeze", "Shop frozen"),
                        ],
                        max_length=16,
                    ),
                ),
                ("clause", models.CharField(max_length=16)),
                ("figures", models.JSONField(default=dict)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("active", "In force"),
                            ("appealed", "Appealed, in force until decided"),
                            ("lifted", "Lifted: the figures recovered"),
                            ("overturned", "Overturned on appeal"),
                        ],
                        default="active",
                        max_length=16,
                    ),
                ),
                ("rulebook_id", models.BigIntegerField()),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("ended_at", models.DateTimeField(blank=True, null=True)),
                ("end_figures", models.JSONField(blank=True, default=dict)),
                ("appeal_text", models.TextField(blank=True, max_length=2000)),
                ("appealed_at", models.DateTimeField(blank=True, null=True)),
                ("decision_note", models.CharField(blank=True, max_length=500)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.product",
                    ),
                ),
                (
                    "shop",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="penalties", to="shops.shop"
                    ),
                ),
            ],
            options={
                "ordering": ["-started_at", "-pk"],
                "indexes": [models.Index(fields=["shop", "state"], name="reputation__shop_id_73d3a9_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("product__isnull", True), ("state__in", ("active", "appealed"))),
                        fields=("shop", "rule"),
                        name="penalty_one_open_per_shop_rule",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("product__isnull", False), ("state__in", ("active", "appealed"))),
                        fields=("shop", "product", "rule"),
                        name="penalty_one_open_per_product_rule",
                    ),
                ],
            },
        ),
        migrations.RunPython(mark_reviews, migrations.RunPython.noop),
    ]
