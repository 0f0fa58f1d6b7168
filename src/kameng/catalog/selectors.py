"""Reads of the catalog that are more than a get. Every one filters by who may see what."""

from __future__ import annotations

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.catalog.models import Product
from kameng.core.errors import DomainError


def product_of_merchant(*, user: User, product_id: int) -> Product:
    """The merchant's own product, or not_found (another shop's product does not exist for them)."""
    require_role(user, Role.MERCHANT)
    product = Product.objects.select_related("shop").filter(pk=product_id, shop__owner=user).first()
    if product is None:
        raise DomainError("not_found")
    return product
