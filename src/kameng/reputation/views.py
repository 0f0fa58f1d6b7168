"""Review pages. The order page and the shop page (in lower apps) load these fragments with htmx
(and link to them without it): the buyer's review form or posted review, and a shop's reviews.
The merchant's reviews with the reply form; the operators' list with the hide form."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from kameng.accounts.models import Role
from kameng.accounts.permissions import role_required
from kameng.core.errors import DomainError
from kameng.orders.selectors import order_of_buyer
from kameng.reputation import selectors, services
from kameng.reputation.models import TAGS
from kameng.rulebook import selectors as rulebook
from kameng.shops.selectors import shop_by_slug


def _int(value) -> object:
    """A star count from the form; what is not a number goes on to the service, which says why."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _id(value) -> int | None:
    """An object id from the form; anything else (``abc``, ``1.5``, ``²``, 10**20) finds nothing."""
    value = value if isinstance(value, str) else ""
    ok = value.isascii() and value.isdigit() and 0 < len(value) <= 15
    return int(value) if ok else None


@role_required(Role.BUYER)
@require_http_methods(["GET", "POST"])
def order_review(request, order_id: int):
    order = order_of_buyer(buyer=request.user, order_id=order_id)
    ctx: dict = {"order": order, "tags": TAGS, "values": request.POST, "error": None}
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("form") == "follow_up":
                review = selectors.review_of_order(order=order)
                services.post_follow_up(
                    buyer=request.user, review_id=review.pk if review else 0, text=request.POST.get("text", "")
                )
                messages.success(request, _("Follow-up review posted."))
            else:
                services.post_review(
                    buyer=request.user,
                    order_id=order.pk,
                    stars_described=_int(request.POST.get("stars_described")),
                    stars_delivery=_int(request.POST.get("stars_delivery")),
                    stars_service=_int(request.POST.get("stars_service")),
                    text=request.POST.get("text", ""),
                    tags=request.POST.getlist("tags"),
                )
                messages.success(request, _("Thank you: your review is posted."))
            return redirect("orders:detail", order_id=order.pk)
        except DomainError as err:
            ctx["error"], status = err, err.status
    ctx["state"] = selectors.reviewable(buyer=request.user, order=order)
    template = "reputation/_order_review.html" if request.htmx else "reputation/order_review.html"
    return render(request, template, ctx, status=status)


def _page_number(request) -> int:
    """?page=N from a link; anything else is the first page."""
    value = request.GET.get("page", "")
    ok = value.isascii() and value.isdigit() and len(value) <= 5 and int(value) > 0
    return min(int(value), 10_000) if ok else 1


@require_safe
def shop_reviews(request, slug: str):
    shop = shop_by_slug(slug=slug)
    template = "reputation/_shop_reviews.html" if request.htmx else "reputation/shop_reviews.html"
    found = selectors.reviews_of_shop(shop=shop, page=_page_number(request))
    return render(
        request,
        template,
        {"shop": shop, "found": found, "rows": found.rows, "more_only": bool(request.htmx) and found.page > 1},
    )


@role_required(Role.MERCHANT)
@require_GET
def console_reviews(request):
    found = selectors.reviews_for_merchant(merchant=request.user, page=_page_number(request))
    return render(request, "reputation/console_reviews.html", {"found": found, "rows": found.rows})


@role_required(Role.MERCHANT)
@require_POST
def reply(request, review_id: int):
    try:
        services.reply_to_review(merchant=request.user, review_id=review_id, text=request.POST.get("text", ""))
        messages.success(request, _("Reply posted."))
    except DomainError as err:
        messages.error(request, err.message)
    return redirect("reputation:console_reviews")


@role_required(Role.OPERATOR)
@require_GET
def operator_reviews(request):
    book = rulebook.in_force()
    return render(
        request,
        "reputation/operator_reviews.html",
        {"rows": selectors.reviews_for_operator(operator=request.user), "clauses": [c.code for c in book.clauses]},
    )


@role_required(Role.OPERATOR)
@require_POST
def hide(request, review_id: int):
    try:
        services.hide_review(
            operator=request.user,
            review_id=review_id,
            clause=request.POST.get("clause", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Review hidden."))
    except DomainError as err:
        messages.error(request, err.message)
    return redirect("reputation:operator_reviews")


# --- the merchant's dashboard and the operators' appeals (10.4–10.6) --------------------------------

DASHBOARD_DAYS = 30


def _dashboard_series(shop):
    from decimal import Decimal

    days = selectors.daily_figures(shop=shop, days=DASHBOARD_DAYS)
    response = selectors.daily_response(shop=shop, days=DASHBOARD_DAYS)

    def pct(num, den):
        return None if not den else round(Decimal(100 * num) / den, 2)

    labels = [d.isoformat() for d, _row in days]
    volume = [
        {"label": _("Orders"), "values": [row["orders"] for _d, row in days], "unit": ""},
        {"label": _("Revenue (yuan)"), "values": [Decimal(row["sales_fen"]) / 100 for _d, row in days], "unit": "¥"},
    ]
    rates = [
        {"label": _("After-sales rate"), "values": [pct(r["cases"], r["orders"]) for _d, r in days], "unit": "%"},
        {
            "label": _("Invalid-key rate"),
            "values": [pct(r["invalid_keys"], r["keys_sold"]) for _d, r in days],
            "unit": "%",
        },
    ]
    minutes = [
        {
            "label": _("Median first response (minutes)"),
            "values": [None if d not in response else round(Decimal(response[d]) / 60, 1) for d, _row in days],
            "unit": "min",
        }
    ]
    return labels, volume, rates, minutes


@role_required(Role.MERCHANT)
@require_http_methods(["GET", "POST"])
def dashboard(request):
    """The merchant's figures, badges and penalties, with charts; loaded into the console."""
    from kameng.aftersales.selectors import cases_for
    from kameng.reputation import penalties, trust
    from kameng.reputation.models import Penalty
    from kameng.shops.selectors import shop_of_merchant

    # Loaded into the console by htmx; visited directly (a link, no JavaScript), a page of its own.
    template = "reputation/_dashboard.html" if request.htmx else "reputation/dashboard.html"
    shop = shop_of_merchant(user=request.user)
    if shop is None:
        return render(request, template, {"shop": None})
    error = None
    if request.method == "POST":
        try:
            penalties.appeal_penalty(
                merchant=request.user, penalty_id=_id(request.POST.get("penalty")), text=request.POST.get("text", "")
            )
            messages.success(request, _("Your appeal was sent. The penalty stays in force until an operator decides."))
            return redirect("shops:console")
        except DomainError as err:
            error = err
    evaluation = trust.read(shop)
    labels, volume, rates, minutes = _dashboard_series(shop)
    ctx = {
        "shop": shop,
        "evaluation": evaluation,
        "f": evaluation.figures,
        "labels": labels,
        "volume": volume,
        "rates": rates,
        "minutes": minutes,
        "penalties": Penalty.objects.filter(shop=shop).select_related("product")[:20],
        "open_cases": cases_for(request.user, open_only=True).order_by("due_at")[:20],
        "error": error,
    }
    return render(request, template, ctx, status=error.status if error else 200)


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def operator_penalties(request):
    from kameng.reputation import penalties
    from kameng.reputation.models import Penalty, PenaltyState

    error = None
    if request.method == "POST":
        try:
            penalties.decide_appeal(
                operator=request.user,
                penalty_id=_id(request.POST.get("penalty")),
                uphold=request.POST.get("decision") == "uphold",
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Decision recorded."))
            return redirect("reputation:operator_penalties")
        except DomainError as err:
            error = err
    rows = Penalty.objects.select_related("shop", "product").order_by("-started_at")[:200]
    appealed = [p for p in rows if p.state == PenaltyState.APPEALED]
    return render(
        request,
        "reputation/operator_penalties.html",
        {"appealed": appealed, "rows": rows, "error": error},
        status=error.status if error else 200,
    )
