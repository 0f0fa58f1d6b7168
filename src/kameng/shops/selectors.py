"""Reads of shops that are more than a get. Each returns only what the user may see."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.core.errors import DomainError
from kameng.shops.models import Conversation, Message, Shop, ShopStatus, ShopStatusChange


def shop_by_slug(*, slug: str) -> Shop:
    """The public shop page: any shop, banned ones included (the page says so)."""
    shop = Shop.objects.filter(slug=slug).first() if slug and len(slug) <= 64 else None
    if shop is None:
        raise DomainError("not_found")
    return shop


def shop_of_merchant(*, user: User) -> Shop | None:
    require_role(user, Role.MERCHANT)
    return Shop.objects.filter(owner=user).first()


def shops_for_operator(*, user: User, status: str | None = None, q: str = "") -> QuerySet[Shop]:
    require_role(user, Role.OPERATOR)
    qs = Shop.objects.select_related("owner").order_by("name")
    if status:
        if status not in ShopStatus.values:
            raise DomainError("shop.invalid_status", fields={"status": f"one of {', '.join(ShopStatus.values)}"})
        qs = qs.filter(status=status)
    q = (q or "").strip()[:64]
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(slug__icontains=q) | Q(owner__username__icontains=q))
    return qs


def shop_for_operator(*, user: User, shop_id: int) -> Shop:
    require_role(user, Role.OPERATOR)
    if not 1 <= shop_id <= 2**53:
        raise DomainError("not_found")
    shop = Shop.objects.select_related("owner").filter(pk=shop_id).first()
    if shop is None:
        raise DomainError("not_found")
    return shop


def status_history(*, shop: Shop) -> QuerySet[ShopStatusChange]:
    return shop.status_changes.select_related("changed_by").all()


def _unread_for(user: User) -> Count:
    return Count("messages", filter=Q(messages__read_at__isnull=True) & ~Q(messages__sender=user))


def conversations_of(*, user: User) -> QuerySet[Conversation]:
    """A buyer's own conversations, or the merchant's shop inbox; newest activity first."""
    require_role(user, Role.BUYER, Role.MERCHANT)
    qs = Conversation.objects.select_related("shop", "buyer")
    qs = qs.filter(buyer=user) if user.role == Role.BUYER else qs.filter(shop__owner=user)
    return qs.annotate(unread=_unread_for(user)).order_by("-last_message_at", "-id")


def conversation_for(*, user: User, conversation_id: int) -> Conversation:
    if not 1 <= conversation_id <= 2**53:
        raise DomainError("not_found")
    conversation = conversations_of(user=user).filter(pk=conversation_id).first()
    if conversation is None:
        raise DomainError("not_found")
    return conversation


def messages_of(*, conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.select_related("sender").all()


def conversation_with(*, buyer: User, shop: Shop) -> Conversation | None:
    require_role(buyer, Role.BUYER)
    return Conversation.objects.filter(buyer=buyer, shop=shop).first()


def unread_count(*, user: User) -> int:
    return sum(c.unread for c in conversations_of(user=user))
