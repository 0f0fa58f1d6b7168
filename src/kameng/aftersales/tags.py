"""订单标签: system tags that follow the case, and private tags merchants and agents add.

System tags are derived from the case state by ``sync_system_tags`` (called by every case step),
so they can never disagree with the case. Private tags are free text, seen only by their owner's
side: one shop, or the support agents.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kameng.accounts.models import Role, User
from kameng.aftersales.models import OPEN_STATES, PLATFORM_STATES, Case, CaseState, OrderTag
from kameng.aftersales.permissions import role_on
from kameng.core.db import insert_rows
from kameng.core.errors import DomainError

AFTER_SALES = "after_sales"
AWAITING_MERCHANT = "awaiting_merchant"
AWAITING_BUYER = "awaiting_buyer"
PLATFORM = "platform"
REFUNDED = "refunded"
CLOSED = "closed"

SYSTEM_TAGS = {
    AFTER_SALES: _("After-sales in progress"),
    AWAITING_MERCHANT: _("Awaiting the merchant"),
    AWAITING_BUYER: _("Awaiting the buyer"),
    PLATFORM: _("Platform intervening"),
    REFUNDED: _("Refunded"),
    CLOSED: _("Closed"),
}
PRIVATE_TAG_MAX = 24


def system_tags_for(case: Case) -> set[str]:
    tags: set[str] = set()
    if case.state in OPEN_STATES:
        tags.add(AFTER_SALES)
    if case.state == CaseState.MERCHANT:
        tags.add(AWAITING_MERCHANT)
    elif case.state in (CaseState.BUYER_INFO, CaseState.OFFER, CaseState.NO_AGREEMENT):
        tags.add(AWAITING_BUYER)
    elif case.state in PLATFORM_STATES:
        tags.add(PLATFORM)
    if case.refunded_fen > 0:
        tags.add(REFUNDED)
    if case.state not in OPEN_STATES:
        tags.add(CLOSED)
    return tags


def sync_system_tags(case: Case) -> None:
    wanted = system_tags_for(case)
    current = set(
        OrderTag.objects.filter(order_id=case.order_id, kind=OrderTag.Kind.SYSTEM).values_list("name", flat=True)
    )
    stale = current - wanted
    if stale:
        OrderTag.objects.filter(order_id=case.order_id, kind=OrderTag.Kind.SYSTEM, name__in=stale).delete()
    OrderTag.objects.bulk_create(
        [OrderTag(order_id=case.order_id, name=name, kind=OrderTag.Kind.SYSTEM, owner="") for name in wanted - current],
        ignore_conflicts=True,
    )


def sync_many(cases: list[Case]) -> None:
    """``sync_system_tags`` for many cases in three statements (the case sweep). The cases are
    locked by the caller, so nobody else changes their orders' system tags meanwhile."""
    if not cases:
        return
    now = timezone.now()
    wanted = {case.order_id: system_tags_for(case) for case in cases}
    current = OrderTag.objects.filter(order_id__in=wanted, kind=OrderTag.Kind.SYSTEM).values_list(
        "pk", "order_id", "name"
    )
    stale, have = [], set()
    for pk, order_id, name in current:
        if name in wanted[order_id]:
            have.add((order_id, name))
        else:
            stale.append(pk)
    if stale:
        OrderTag.objects.filter(pk__in=stale).delete()
    missing = [
        (order_id, name) for order_id, names in wanted.items() for name in sorted(names) if (order_id, name) not in have
    ]
    if missing:
        insert_rows(
            [OrderTag(order_id=o, name=n, kind=OrderTag.Kind.SYSTEM, owner="", created_at=now) for o, n in missing]
        )


def owner_for(user: User) -> str:
    if user.role == Role.MERCHANT and getattr(user, "shop", None) is not None:
        return f"shop:{user.shop.pk}"
    if user.role == Role.AGENT:
        return "agents"
    raise DomainError("permission_denied")


def add_private_tag(*, user: User, order_id: int, name: str) -> OrderTag:
    from kameng.orders.selectors import order_of_shop

    owner = owner_for(user)
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > PRIVATE_TAG_MAX:
        raise DomainError("invalid_input", fields={"name": f"1 to {PRIVATE_TAG_MAX} characters"})
    if name in SYSTEM_TAGS:
        raise DomainError("invalid_input", fields={"name": "reserved for system tags"})
    if owner.startswith("shop:"):
        order_of_shop(merchant=user, order_id=order_id)  # another shop's order is not found
    elif not any(role_on(case, user) is not None for case in Case.objects.filter(order_id=order_id)):
        raise DomainError("not_found")  # agents tag only orders whose cases they may see
    tag, _created = OrderTag.objects.get_or_create(
        order_id=order_id, name=name, owner=owner, defaults={"kind": OrderTag.Kind.PRIVATE}
    )
    return tag


def remove_private_tag(*, user: User, order_id: int, name: str) -> int:
    owner = owner_for(user)
    deleted, _ = OrderTag.objects.filter(order_id=order_id, name=name, owner=owner, kind=OrderTag.Kind.PRIVATE).delete()
    return deleted


def visible_tags(*, user: User, order_id: int) -> list[OrderTag]:
    owners = [""]
    try:
        owners.append(owner_for(user))
    except DomainError:
        pass
    return list(OrderTag.objects.filter(order_id=order_id, owner__in=owners).order_by("kind", "name"))
