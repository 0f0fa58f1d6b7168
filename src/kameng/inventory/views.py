"""Merchant console pages for card keys: import with its report, key list with revoke, batch history.

Thin: parse the form, call one service or selector, render. The rules live in services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kameng.accounts.models import Role
from kameng.accounts.permissions import role_required
from kameng.core.errors import DomainError
from kameng.inventory import parsing, selectors, services
from kameng.inventory.models import CardKeyStatus, ImportBatch

REASONS = {
    parsing.EMPTY_CODE: gettext_lazy("empty code"),
    parsing.EMPTY_PASSWORD: gettext_lazy("empty password"),
    parsing.INNER_WHITESPACE: gettext_lazy("space inside the code or password"),
    parsing.CONTROL_CHARACTER: gettext_lazy("invisible or control character"),
    parsing.TOO_MANY_SEPARATORS: gettext_lazy("more than one separator"),
    parsing.TOO_LONG: gettext_lazy("too long"),
}
# The registry message lives in core; it is repeated here so this app's catalogue carries it too.
_OUT_OF_STOCK = gettext_lazy("Not enough card keys in stock.")


def _int_or_none(value: str | None, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise DomainError("invalid_input", fields={field: "not a number"}) from exc
    if number < 1:
        raise DomainError("invalid_input", fields={field: "not a valid id"})
    return number


def report_rows(batch: ImportBatch) -> dict:
    report = batch.report or {}
    return {
        "batch": batch,
        "duplicates_in_file": report.get("duplicates_in_file", []),
        "duplicates_in_shop": report.get("duplicates_in_shop", []),
        "duplicates_elsewhere": report.get("duplicates_elsewhere", 0),
        "malformed": [
            {"line": m["line"], "reason": m["reason"], "label": REASONS.get(m["reason"], m["reason"])}
            for m in report.get("malformed", [])
        ],
    }


@role_required(Role.MERCHANT)
@require_http_methods(["GET", "POST"])
def console(request):
    products = list(selectors.card_key_products_of(user=request.user))
    batch = error = None
    status = 200
    selected = request.POST.get("product") or request.GET.get("product") or ""
    if request.method == "POST":
        try:
            product_id = _int_or_none(request.POST.get("product"), "product")
            if product_id is None:
                raise DomainError("invalid_input", fields={"product": _("Choose a product.")})
            upload = request.FILES.get("file")
            if upload is not None and upload.size:
                data = upload.read(request_limit() + 1)
                batch = services.import_card_keys(
                    user=request.user, product_id=product_id, data=data, filename=upload.name or ""
                )
            else:
                batch = services.import_card_keys(
                    user=request.user, product_id=product_id, text=request.POST.get("text", "")
                )
        except DomainError as exc:
            error, status = exc, exc.status
    if batch is not None:  # the stock shown next to each product changed
        products = list(selectors.card_key_products_of(user=request.user))
    context = {
        "products": products,
        "selected": str(selected),
        "error": error,
        "report": report_rows(batch) if batch else None,
        "counts": selectors.status_counts(user=request.user),
        "recent": selectors.batches_of(user=request.user)[:5],
        "max_bytes": request_limit(),
    }
    if request.htmx and request.method == "POST":
        # The fragment also refreshes the counters above the form (out-of-band swap).
        return render(request, "inventory/_import_result.html", {**context, "oob": True}, status=status)
    return render(request, "inventory/console.html", context, status=status)


def request_limit() -> int:
    return settings.KAMENG_IMPORT_MAX_BYTES


@role_required(Role.MERCHANT)
def keys(request):
    product_id = _int_or_none(request.GET.get("product"), "product")
    status = request.GET.get("status") or None
    if status is not None and status not in CardKeyStatus.values:
        status = None
    page = Paginator(
        selectors.keys_of(user=request.user, product_id=product_id, status=status).select_related("product"), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/keys.html",
        {
            "page": page,
            "products": selectors.card_key_products_of(user=request.user),
            "product_id": product_id,
            "status": status or "",
            "statuses": CardKeyStatus.choices,
            "counts": selectors.status_counts(user=request.user, product_id=product_id),
        },
    )


@role_required(Role.MERCHANT)
@require_POST
def revoke(request):
    try:
        key_ids = [int(v) for v in request.POST.getlist("key_ids")]
    except ValueError as exc:
        raise DomainError("invalid_input", fields={"key_ids": "not a number"}) from exc
    if not key_ids:
        messages.error(request, _("Select at least one card key."))
        return redirect("inventory:keys")
    count = services.revoke_card_keys(user=request.user, key_ids=key_ids)
    messages.success(
        request, ngettext("%(count)d card key revoked.", "%(count)d card keys revoked.", count) % {"count": count}
    )
    return redirect("inventory:keys")


@role_required(Role.MERCHANT)
def batches(request):
    page = Paginator(selectors.batches_of(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "inventory/batches.html", {"page": page})


@role_required(Role.MERCHANT)
def batch_detail(request, batch_id: int):
    batch = selectors.batch_of(user=request.user, batch_id=batch_id)
    return render(request, "inventory/batch_detail.html", {"report": report_rows(batch)})
