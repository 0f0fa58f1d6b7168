"""After-sales remedies in goods: a new card key for each reported one (rule 8.5).

Money remedies live in ``orders.money``; this module moves only keys. Lock order
(docs/concurrency.md): order row → order keys → card keys (SKIP LOCKED) → timeline head → product
row (the stock counter, at the end of the unit of work).
"""

from __future__ import annotations

from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.inventory.services import allocate_card_keys, report_card_keys_invalid
from kameng.orders.models import OrderKey
from kameng.orders.uow import current_work, locked_order, record_event, unit_of_work


def replace_keys(*, order_id: int, order_key_ids: list[int], reason: str) -> list[OrderKey]:
    """Give the buyer a new key from the product's inventory for each reported one (8.5). The old
    key is marked reported-invalid in inventory (never sold again) and stays on the order, marked
    replaced. All or nothing: without enough stock nothing changes and the merchant must refund."""
    with unit_of_work():
        order = locked_order(order_id)
        old = list(
            OrderKey.objects.select_for_update()
            .filter(pk__in=order_key_ids, batch__order=order, replaced_at__isnull=True, withheld_by="")
            .order_by("pk")
        )
        if not old or len(old) != len(set(order_key_ids)):
            raise DomainError("aftersales.keys_not_replaceable")
        keys = allocate_card_keys(
            product_id=order.product_id, quantity=len(old), buyer=order.buyer, update_counter=False
        )
        current_work().sold.append((order.product_id, len(keys)))
        report_card_keys_invalid(card_key_ids=[k.card_key_id for k in old])
        now = timezone.now()
        new_rows = []
        for previous, key in zip(old, keys, strict=True):
            previous.replaced_at = now
            previous.save(update_fields=["replaced_at"])
            new_rows.append(
                OrderKey.objects.create(
                    batch_id=previous.batch_id, card_key_id=key.pk, fingerprint=key.fingerprint, replaces=previous
                )
            )
        record_event(
            order,
            "keys.replaced",
            {
                "replaced": [k.fingerprint for k in old],
                "new": [k.fingerprint for k in keys],
                "reason": reason[:200],
            },
            actor_role="system",
        )
        return new_rows
