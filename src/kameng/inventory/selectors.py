"""Reads of the card-key inventory. Each returns only what the user may see, and never plaintext or
ciphertext: key listings select metadata columns only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.catalog.models import DeliveryKind, Product
from kameng.core.errors import DomainError
from kameng.inventory import crypto
from kameng.inventory.models import CardKey, CardKeyStatus, ImportBatch

# Every column a listing may show; ciphertext and key material are not among them.
KEY_LIST_FIELDS = (
    "id",
    "shop_id",
    "product_id",
    "batch_id",
    "fingerprint",
    "status",
    "created_at",
    "reserved_at",
    "sold_at",
    "revoked_at",
    "reported_at",
)


def card_key_products_of(*, user: User) -> QuerySet[Product]:
    """The merchant's products that take card keys (published or not)."""
    require_role(user, Role.MERCHANT)
    return Product.objects.filter(shop__owner=user, delivery_kind=DeliveryKind.CARD_KEY).order_by("title_zh", "pk")


def batches_of(*, user: User, product_id: int | None = None) -> QuerySet[ImportBatch]:
    require_role(user, Role.MERCHANT)
    qs = ImportBatch.objects.filter(shop__owner=user).select_related("product").order_by("-created_at", "-pk")
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    return qs


def batch_of(*, user: User, batch_id: int) -> ImportBatch:
    batch = batches_of(user=user).filter(pk=batch_id).first()
    if batch is None:
        raise DomainError("not_found")
    return batch


def keys_of(*, user: User, product_id: int | None = None, status: str | None = None) -> QuerySet[CardKey]:
    """The merchant's card keys, newest first, metadata only."""
    require_role(user, Role.MERCHANT)
    qs = CardKey.objects.filter(shop__owner=user).only(*KEY_LIST_FIELDS).order_by("-created_at", "-pk")
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    if status is not None:
        if status not in CardKeyStatus.values:
            raise DomainError("invalid_input", fields={"status": "unknown status"})
        qs = qs.filter(status=status)
    return qs


def status_counts(*, user: User, product_id: int | None = None) -> dict[str, int]:
    """{status: count} for the merchant's keys (every status present, zeros included)."""
    require_role(user, Role.MERCHANT)
    qs = CardKey.objects.filter(shop__owner=user)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    counts = dict.fromkeys(CardKeyStatus.values, 0)
    for row in qs.values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    return counts


@dataclass(frozen=True)
class FingerprintHolder:
    fingerprint: str
    found: bool
    card_key_id: int | None = None
    shop_id: int | None = None
    shop_name: str = ""
    product_id: int | None = None
    product_title: str = ""
    status: str = ""
    created_at: datetime | None = None
    sold_at: datetime | None = None


def lookup_code(*, user: User, code: str) -> FingerprintHolder:
    """Operator tool: given a code (e.g. from a buyer's complaint), who holds it on the platform.
    The operator sees the fingerprint and the holder, never a stored plaintext."""
    require_role(user, Role.OPERATOR)
    if not crypto.normalise_code(code):
        raise DomainError("invalid_input", fields={"code": "empty"})
    fp = crypto.fingerprint(code)
    key = CardKey.objects.select_related("shop", "product").only(*KEY_LIST_FIELDS, "shop__name", "product__title_zh")
    key = key.filter(fingerprint=fp).first()
    if key is None:
        return FingerprintHolder(fingerprint=fp, found=False)
    return FingerprintHolder(
        fingerprint=fp,
        found=True,
        card_key_id=key.pk,
        shop_id=key.shop_id,
        shop_name=key.shop.name,
        product_id=key.product_id,
        product_title=key.product.title_zh,
        status=key.status,
        created_at=key.created_at,
        sold_at=key.sold_at,
    )


@dataclass(frozen=True)
class StockMismatch:
    product_id: int
    counter: int
    available: int


def stock_mismatches() -> list[StockMismatch]:
    """Products whose stock counter differs from their number of available keys (should be none)."""
    qs = Product.objects.annotate(
        available=Count("card_keys", filter=Q(card_keys__status=CardKeyStatus.AVAILABLE))
    ).values_list("pk", "stock_available", "available")
    return [StockMismatch(pk, counter, avail) for pk, counter, avail in qs.order_by("pk") if counter != avail]
