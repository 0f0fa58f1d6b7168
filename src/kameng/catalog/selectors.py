"""Reads of the catalog that are more than a get. Every one filters by who may see what."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.catalog.models import Category, DeliveryKind, Product
from kameng.core.errors import DomainError
from kameng.shops.models import Shop, ShopStatus

PER_PAGE = 24
QUERY_MAX = 100
MAX_TERMS = 5
SELLING = (ShopStatus.ACTIVE, ShopStatus.WARNED)
MAX_ID = 2**53  # larger ids cannot exist (and would overflow SQLite's integer)


def product_of_merchant(*, user: User, product_id: int) -> Product:
    """The merchant's own product, or not_found (another shop's product does not exist for them)."""
    require_role(user, Role.MERCHANT)
    if not 1 <= product_id <= MAX_ID:
        raise DomainError("not_found")
    product = Product.objects.select_related("shop").filter(pk=product_id, shop__owner=user).first()
    if product is None:
        raise DomainError("not_found")
    return product


def products_of_merchant(*, user: User) -> QuerySet[Product]:
    require_role(user, Role.MERCHANT)
    return Product.objects.select_related("shop").filter(shop__owner=user).order_by("-updated_at", "-id")


def _search(qs: QuerySet[Product], q: str) -> QuerySet[Product]:
    # icontains is case-insensitive on both databases (UPPER LIKE on PostgreSQL, LIKE on SQLite for
    # ASCII; Chinese has no case). Every term must match the Chinese title, English title or shop.
    for term in q[:QUERY_MAX].split()[:MAX_TERMS]:
        qs = qs.filter(Q(title_zh__icontains=term) | Q(title_en__icontains=term) | Q(shop__name__icontains=term))
    return qs


SORTS = ("", "score")


def browse_products(
    *,
    q: str = "",
    category: str | None = None,
    delivery_kind: str | None = None,
    shop: Shop | None = None,
    sort: str = "",
    gold_only: bool = False,
    certified_only: bool = False,
    page: int | str = 1,
    per_page: int = PER_PAGE,
) -> Page:
    """Published products of shops that can sell. Products a buyer can buy now come first; a shop
    a penalty demoted (10.6) comes after the others; then gold shops, certified shops and the
    newest — or, with ``sort="score"``, the shops' scores (10.4). ``gold_only`` / ``certified_only``
    keep the shops showing that badge (10.5)."""
    qs = Product.objects.select_related("shop").filter(published=True, shop__status__in=SELLING)
    if category:
        if category not in Category.values:
            raise DomainError("invalid_input", fields={"category": f"one of {', '.join(Category.values)}"})
        qs = qs.filter(category=category)
    if delivery_kind:
        if delivery_kind not in DeliveryKind.values:
            raise DomainError("invalid_input", fields={"delivery_kind": f"one of {', '.join(DeliveryKind.values)}"})
        qs = qs.filter(delivery_kind=delivery_kind)
    if shop is not None:
        qs = qs.filter(shop=shop)
    if sort not in SORTS:
        raise DomainError("invalid_input", fields={"sort": f"one of {', '.join(s or '(empty)' for s in SORTS)}"})
    if gold_only:
        qs = qs.filter(shop__is_gold=True)
    if certified_only:
        qs = qs.filter(shop__shows_certified=True)
    q = (q or "").strip()
    if q:
        qs = _search(qs, q)
    qs = qs.annotate(
        sold_out=Case(
            When(delivery_kind=DeliveryKind.CARD_KEY, stock_available=0, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    if sort == "score":
        order = ["sold_out", "shop__demoted", F("shop__trust_score").desc(nulls_last=True), "-created_at", "-id"]
    else:
        order = ["sold_out", "shop__demoted", "-shop__is_gold", "-shop__shows_certified", "-created_at", "-id"]
    qs = qs.order_by(*order)
    return Paginator(qs, per_page).get_page(page)


def product_detail(*, product_id: int, user: User | None) -> Product:
    """Published products of shops that are not banned are public; the owner always sees theirs."""
    if not 1 <= product_id <= MAX_ID:
        raise DomainError("not_found")
    product = Product.objects.select_related("shop").filter(pk=product_id).first()
    if product is None:
        raise DomainError("not_found")
    is_owner = bool(user and getattr(user, "is_authenticated", False) and product.shop.owner_id == user.pk)
    if is_owner or (product.published and product.shop.status != ShopStatus.BANNED):
        return product
    raise DomainError("not_found")
