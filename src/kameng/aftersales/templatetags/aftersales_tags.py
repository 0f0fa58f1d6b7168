"""Order tags and the order's case on pages the orders app renders (orders may not import
aftersales, so its templates call these tags instead)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from kameng.accounts.models import Role
from kameng.aftersales import selectors
from kameng.aftersales.tags import SYSTEM_TAGS
from kameng.rulebook.problems import SUBTYPES

register = template.Library()

ROLE_LABELS = {
    "buyer": _("Buyer"),
    "merchant": _("Merchant"),
    "agent": _("Support agent"),
}


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("aftersales/_order_tags.html", takes_context=True)
def order_tags(context, order):
    """The order's tags the viewer may see (system tags, and their own side's private ones)."""
    user = _user(context)
    tags = []
    can_tag = False
    if user is not None and user.is_authenticated:
        owners = selectors.tag_owners(user)
        for tag in order.tags.all():
            if tag.owner in owners:
                tags.append(
                    {"name": tag.name, "label": SYSTEM_TAGS.get(tag.name, tag.name), "private": tag.owner != ""}
                )
        can_tag = selectors.can_tag_order(user, order)
    request = context.get("request")
    return {"tags": tags, "order": order, "can_tag": can_tag, "next": request.get_full_path() if request else ""}


@register.inclusion_tag("aftersales/_order_case.html", takes_context=True)
def order_case(context, order):
    """The order's case (link and state), and the buyer's "open a case" button when one can open."""
    user = _user(context)
    if user is None or not user.is_authenticated:
        return {"order": order, "case": None, "can_open": False}
    case = selectors.latest_case_of_order(user, order.pk)
    can_open = user.role == Role.BUYER and order.buyer_id == user.pk and selectors.can_open_case(order)
    return {"order": order, "case": case, "can_open": can_open}


@register.inclusion_tag("aftersales/_tag_filter.html", takes_context=True)
def tag_filter(context):
    user = _user(context)
    names = selectors.tag_names_for(user) if user is not None and user.is_authenticated else []
    return {"chips": [(n, SYSTEM_TAGS.get(n, n)) for n in names]}


@register.filter
def subtype_label(code: str) -> str:
    subtype = SUBTYPES.get(code)
    return subtype.label if subtype else code


@register.filter
def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


@register.simple_tag
def tags_heading() -> str:
    # The column title comes from this app's catalogue, so the orders app needs no new message.
    return str(_("Tags"))
