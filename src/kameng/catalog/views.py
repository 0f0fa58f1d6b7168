"""Catalog pages: browse, product page and the merchant's product console. Thin: parse, call a
service or selector, render."""

from __future__ import annotations

import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kameng.accounts.models import Role
from kameng.accounts.permissions import role_required
from kameng.catalog import selectors, services
from kameng.catalog.forms import ProductForm
from kameng.catalog.models import Category, DeliveryKind
from kameng.core.errors import DomainError
from kameng.shops.selectors import shop_by_slug, shop_of_merchant


def _choice(value: str | None, choices) -> str:
    return value if value in choices else ""


def browse(request):
    q = (request.GET.get("q") or "").strip()[:100]
    category = _choice(request.GET.get("category"), Category.values)
    kind = _choice(request.GET.get("kind"), DeliveryKind.values)
    sort = _choice(request.GET.get("sort"), selectors.SORTS)
    gold, certified = request.GET.get("gold") == "1", request.GET.get("certified") == "1"
    page = selectors.browse_products(
        q=q,
        category=category,
        delivery_kind=kind,
        sort=sort,
        gold_only=gold,
        certified_only=certified,
        page=request.GET.get("page") or 1,
    )
    return render(
        request,
        "catalog/browse.html",
        {
            "page": page,
            "q": q,
            "category": category,
            "kind": kind,
            "sort": sort,
            "gold": gold,
            "certified": certified,
            "categories": Category.choices,
        },
    )


def product_page(request, product_id: int):
    product = selectors.product_detail(product_id=product_id, user=request.user)
    return render(request, "catalog/product.html", {"product": product})


def shop_page(request, slug: str):
    """The shop page lives here because it lists products, and shops sits below catalog."""
    shop = shop_by_slug(slug=slug)
    page = selectors.browse_products(shop=shop, page=request.GET.get("page") or 1) if shop.can_sell else None
    return render(request, "catalog/shop.html", {"shop": shop, "page": page})


@role_required(Role.MERCHANT)
def console_products(request):
    return render(
        request,
        "catalog/console_products.html",
        {"products": selectors.products_of_merchant(user=request.user), "shop": shop_of_merchant(user=request.user)},
    )


def _form_initial(product) -> dict:
    initial = {name: getattr(product, name) for name in ProductForm.base_fields if name != "required_fields"}
    initial["required_fields"] = json.dumps(product.required_fields, ensure_ascii=False, indent=1)
    return initial


@role_required(Role.MERCHANT)
@require_http_methods(["GET", "POST"])
def console_product_edit(request, product_id: int | None = None):
    product = selectors.product_of_merchant(user=request.user, product_id=product_id) if product_id else None
    if request.method == "POST":
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                if product is None:
                    product = services.create_product(merchant=request.user, **form.cleaned_data)
                    messages.success(request, _("Product created. Publish it when it is ready."))
                else:
                    services.update_product(merchant=request.user, product_id=product.pk, **form.cleaned_data)
                    messages.success(request, _("Product saved."))
                return redirect("catalog:console_products")
            except DomainError as err:
                form.add_domain_error(err)
        status = 422
    else:
        form = ProductForm(initial=_form_initial(product) if product else None)
        status = 200
    return render(request, "catalog/console_product_form.html", {"form": form, "product": product}, status=status)


@role_required(Role.MERCHANT)
@require_POST
def console_product_publish(request, product_id: int, action: str):
    try:
        if action == "publish":
            services.publish_product(merchant=request.user, product_id=product_id)
            messages.success(request, _("Product published."))
        else:
            services.unpublish_product(merchant=request.user, product_id=product_id)
            messages.success(request, _("Product taken off sale."))
    except DomainError as err:
        if err.code == "not_found":
            raise
        detail = " ".join(err.fields.values())
        messages.error(request, f"{err.message} {detail}".strip())
    return redirect("catalog:console_products")
