"""Every write to the catalog."""

from __future__ import annotations

from django.db.models import F

from kameng.catalog.models import Product


def adjust_stock(*, product_id: int, delta: int) -> None:
    """Move a product's available-stock counter by delta.

    Called only by inventory services, inside the same transaction that changes the card-key rows,
    so the counter and the rows commit or roll back together. The update is a single
    ``SET stock = stock + delta`` so concurrent imports and sales never lose an update."""
    if delta == 0:
        return
    updated = Product.objects.filter(pk=product_id).update(stock_available=F("stock_available") + delta)
    if updated != 1:
        raise Product.DoesNotExist(product_id)
