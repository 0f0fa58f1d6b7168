"""Shop pages: the merchant console and inbox, operator shop management, buyer conversations.
Thin: parse, call one service or selector, render. Service errors are shown next to the fields."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kameng.accounts.models import Role
from kameng.accounts.permissions import role_required
from kameng.core.errors import DomainError
from kameng.shops import selectors, services
from kameng.shops.models import ShopStatus


def _error_context(err: DomainError) -> dict:
    return {"error": err, "field_errors": {k.split(".")[0]: v for k, v in err.fields.items()}}


@role_required(Role.MERCHANT)
@require_http_methods(["GET", "POST"])
def console(request):
    shop = selectors.shop_of_merchant(user=request.user)
    ctx: dict = {"shop": shop, "values": request.POST}
    status = 200
    if request.method == "POST":
        try:
            if shop is None:
                shop = services.create_shop(
                    merchant=request.user,
                    name=request.POST.get("name", ""),
                    description=request.POST.get("description", ""),
                )
                messages.success(request, _("Your shop is open."))
            else:
                services.update_shop(
                    merchant=request.user,
                    name=request.POST.get("name", ""),
                    description=request.POST.get("description", ""),
                )
                messages.success(request, _("Shop saved."))
            return redirect("shops:console")
        except DomainError as err:
            ctx.update(_error_context(err))
            status = err.status
    else:
        ctx["values"] = {"name": shop.name, "description": shop.description} if shop else {}
    if shop is not None:
        ctx["conversations"] = selectors.conversations_of(user=request.user)[:100]
    return render(request, "shops/console.html", ctx, status=status)


def _thread(request, conversation_id: int, *, template: str, back: str):
    conversation = selectors.conversation_for(user=request.user, conversation_id=conversation_id)
    ctx: dict = {"conversation": conversation, "back": back}
    status = 200
    if request.method == "POST":
        try:
            services.send_message(user=request.user, conversation_id=conversation.pk, body=request.POST.get("body", ""))
            return redirect(request.path)
        except DomainError as err:
            ctx.update(_error_context(err))
            ctx["body"] = request.POST.get("body", "")
            status = err.status
    else:
        # Opening the thread is reading it.
        services.mark_conversation_read(user=request.user, conversation_id=conversation.pk)
    ctx["thread"] = selectors.messages_of(conversation=conversation)
    return render(request, template, ctx, status=status)


@role_required(Role.MERCHANT)
@require_http_methods(["GET", "POST"])
def console_conversation(request, conversation_id: int):
    return _thread(request, conversation_id, template="shops/conversation.html", back="shops:console")


@role_required(Role.BUYER)
def my_conversations(request):
    return render(
        request, "shops/my_conversations.html", {"conversations": selectors.conversations_of(user=request.user)}
    )


@role_required(Role.BUYER)
@require_http_methods(["GET", "POST"])
def my_conversation(request, conversation_id: int):
    return _thread(request, conversation_id, template="shops/conversation.html", back="shops:my_conversations")


@role_required(Role.BUYER)
@require_http_methods(["GET", "POST"])
def contact(request, slug: str):
    shop = selectors.shop_by_slug(slug=slug)
    existing = selectors.conversation_with(buyer=request.user, shop=shop)
    if existing is not None and request.method == "GET":
        return redirect("shops:my_conversation", conversation_id=existing.pk)
    ctx: dict = {"shop": shop}
    status = 200
    if request.method == "POST":
        try:
            conversation, _msg = services.contact_shop(
                buyer=request.user, shop_id=shop.pk, body=request.POST.get("body", "")
            )
            return redirect("shops:my_conversation", conversation_id=conversation.pk)
        except DomainError as err:
            ctx.update(_error_context(err))
            ctx["body"] = request.POST.get("body", "")
            status = err.status
    return render(request, "shops/contact.html", ctx, status=status)


@role_required(Role.OPERATOR)
def operator_shops(request):
    status = request.GET.get("status") or ""
    status = status if status in ShopStatus.values else ""
    q = (request.GET.get("q") or "").strip()[:64]
    shops = selectors.shops_for_operator(user=request.user, status=status or None, q=q)
    return render(
        request,
        "shops/operator_shops.html",
        {"shops": shops[:500], "status": status, "q": q, "statuses": ShopStatus.choices},
    )


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def operator_shop(request, shop_id: int):
    shop = selectors.shop_for_operator(user=request.user, shop_id=shop_id)
    ctx: dict = {"shop": shop, "statuses": ShopStatus.choices, "form": request.POST.get("form", "")}
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("form") == "certification":
                services.set_shop_certification(
                    operator=request.user,
                    shop_id=shop.pk,
                    certified=request.POST.get("certified") == "1",
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Certification updated."))
            else:
                services.change_shop_status(
                    operator=request.user,
                    shop_id=shop.pk,
                    to_status=request.POST.get("status", ""),
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Shop status changed."))
            return redirect("shops:operator_shop", shop_id=shop.pk)
        except DomainError as err:
            ctx.update(_error_context(err))
            ctx["reason"] = request.POST.get("reason", "")
            status = err.status
    ctx["history"] = selectors.status_history(shop=shop)[:100]
    return render(request, "shops/operator_shop.html", ctx, status=status)
