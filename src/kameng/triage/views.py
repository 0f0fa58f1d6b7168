"""The case form's suggestion fragment (htmx): /triage/orders/<id>/suggest/?description=… returns
chips of the likeliest subtypes, each a link to the case form with that subtype and the text."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from kameng.accounts.models import Role
from kameng.accounts.permissions import role_required
from kameng.core.errors import DomainError
from kameng.orders import selectors as orders
from kameng.triage import selectors
from kameng.triage.schemas import MAX_ID


@role_required(Role.BUYER)
@require_GET
def suggest(request: HttpRequest, order_id: int) -> HttpResponse:
    if not 1 <= order_id <= MAX_ID:
        raise DomainError("not_found")
    order = orders.order_of_buyer(buyer=request.user, order_id=order_id)  # another buyer's: not found
    description = request.GET.get("description", "")
    open_url = reverse("aftersales:open", args=[order.pk])
    try:
        suggestions = selectors.suggest_for_order(user=request.user, order_id=order.pk, text=description)
    except DomainError as err:
        context = {"order": order, "chips": [], "error": err}
        return render(request, "triage/suggest.html", context, status=err.status)
    text = selectors.clean_description(description)
    chips = [
        {
            "suggestion": s,
            "percent": round(s.confidence * 100),
            "url": f"{open_url}?{urlencode({'subtype': s.subtype, 'description': text})}",
        }
        for s in suggestions
    ]
    return render(request, "triage/suggest.html", {"order": order, "chips": chips, "error": None})
