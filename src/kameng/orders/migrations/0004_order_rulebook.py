"""Orders record the rulebook version they were placed under (its protection window and
commission apply to them). Every existing order was placed under the environment's numbers, which
rulebook 0002 carried into the newest version: existing orders get that version, so an open order
keeps the commission and protection window it was sold with. With no version at all they stay null
and follow the version in force."""

import django.db.models.deletion
from django.db import migrations, models


def record_versions(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Version = apps.get_model("rulebook", "RulebookVersion")
    newest = Version.objects.order_by("-number").values_list("id", flat=True).first()
    if newest is not None:
        Order.objects.filter(rulebook__isnull=True).update(rulebook_id=newest)


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0003_batch_held_index"),
        ("rulebook", "0002_order_parameters"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="rulebook",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="rulebook.rulebookversion",
            ),
        ),
        migrations.RunPython(record_versions, migrations.RunPython.noop),
    ]
