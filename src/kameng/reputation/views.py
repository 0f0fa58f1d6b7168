"""Review pages. The order page and the shop page (in lower apps) load these fragments with htmx
(and link to them without it): the buyer's review form or posted review, and a shop's reviews.
The merchant's reviews with the reply form; the operators' list with the hide form."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kameng.accounts.models import Role
from kameng.accounts.permissions import role_required
from kameng.core.errors import DomainError
from kameng.orders.selectors import order_of_buyer
from kameng.reputation import selectors, services
from kameng.reputation.models import TAGS
from kameng.rulebook import selectors as rulebook
from kameng.shops.selectors import shop_by_slug


def _int(value) -> object:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


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


@require_GET
def shop_reviews(request, slug: str):
    shop = shop_by_slug(slug=slug)
    template = "reputation/_shop_reviews.html" if request.htmx else "reputation/shop_reviews.html"
    return render(request, template, {"shop": shop, "rows": selectors.reviews_of_shop(shop=shop)})


@role_required(Role.MERCHANT)
@require_GET
def console_reviews(request):
    return render(
        request, "reputation/console_reviews.html", {"rows": selectors.reviews_for_merchant(merchant=request.user)}
    )


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
