"""Catalog API: public browse/search/detail and the merchant's own products.
Handlers only parse, call one service or selector, and shape the answer."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from ninja import Path, Query, Router

from kameng.accounts.auth import BearerToken, Session, api_auth
from kameng.catalog import selectors, services
from kameng.catalog.schemas import BrowseFilter, ProductIn, ProductOut, ProductPageOut, ProductPatch
from kameng.shops.selectors import shop_by_slug

router = Router(tags=["catalog"])
MAX_ID = 2**53  # larger ids cannot exist; refusing them keeps SQLite from overflowing


def _id():
    return Path(..., ge=1, le=MAX_ID)


def _anonymous(request):
    return AnonymousUser()


# Public reads that show more to a logged-in owner: a token or session if given, else anonymous.
optional_auth = [BearerToken(), Session(), _anonymous]


@router.get("/products", response=ProductPageOut, summary="Browse and search products on sale")
def browse(request, filters: Query[BrowseFilter]):
    shop = shop_by_slug(slug=filters.shop) if filters.shop else None
    page = selectors.browse_products(
        q=filters.q,
        category=filters.category,
        delivery_kind=filters.delivery_kind,
        shop=shop,
        sort=filters.sort,
        gold_only=filters.gold_only,
        certified_only=filters.certified_only,
        page=filters.page,
    )
    return {
        "items": list(page.object_list),
        "page": page.number,
        "pages": page.paginator.num_pages,
        "total": page.paginator.count,
    }


@router.get("/products/{product_id}", auth=optional_auth, response=ProductOut, summary="One product")
def product_detail(request, product_id: int = _id()):
    return selectors.product_detail(product_id=product_id, user=request.auth)


@router.get("/mine/products", auth=api_auth, response=list[ProductOut], summary="My products (merchant)")
def my_products(request):
    return list(selectors.products_of_merchant(user=request.auth))


@router.get("/mine/products/{product_id}", auth=api_auth, response=ProductOut, summary="One of my products")
def my_product(request, product_id: int = _id()):
    return selectors.product_of_merchant(user=request.auth, product_id=product_id)


@router.post("/mine/products", auth=api_auth, response={201: ProductOut}, summary="Create a product (unpublished)")
def create_product(request, payload: ProductIn):
    return 201, services.create_product(merchant=request.auth, **payload.dict())


@router.patch("/mine/products/{product_id}", auth=api_auth, response=ProductOut, summary="Edit one of my products")
def update_product(request, product_id: int = _id(), *, payload: ProductPatch):
    changes = payload.dict(exclude_unset=True)
    if changes.get("required_fields") is None:
        changes.pop("required_fields", None)
    return services.update_product(merchant=request.auth, product_id=product_id, **changes)


@router.post("/mine/products/{product_id}/publish", auth=api_auth, response=ProductOut, summary="Put on sale")
def publish(request, product_id: int = _id()):
    return services.publish_product(merchant=request.auth, product_id=product_id)


@router.post("/mine/products/{product_id}/unpublish", auth=api_auth, response=ProductOut, summary="Take off sale")
def unpublish(request, product_id: int = _id()):
    return services.unpublish_product(merchant=request.auth, product_id=product_id)
