"""Template helpers of the community pages: Markdown through the one sanitiser, labels of codes."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from kameng.aftersales.models import CaseState, Remedy
from kameng.catalog.models import Category, DeliveryKind
from kameng.core.markdown import render
from kameng.rulebook.problems import SUBTYPES, Party

register = template.Library()


@register.filter(name="markdown")
def markdown(text: str) -> str:
    # kameng.core.markdown.render is the sanitiser (markdown-it without raw HTML, then nh3).
    return mark_safe(render(text or ""))  # noqa: S308


@register.filter(name="subtype_label")
def subtype_label(code: str) -> str:
    info = SUBTYPES.get(code or "")
    return str(info.label) if info else ""


@register.filter(name="category_label")
def category_label(code: str) -> str:
    return str(Category(code).label) if code in Category.values else ""


@register.filter(name="delivery_label")
def delivery_label(code: str) -> str:
    return str(DeliveryKind(code).label) if code in DeliveryKind.values else ""


@register.filter(name="party_label")
def party_label(code: str) -> str:
    return str(Party.LABELS.get(code, "")) if code else ""


@register.filter(name="get")
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter(name="duration")
def duration(minutes) -> str:
    minutes = int(minutes or 0)
    if minutes < 60:
        return _("%(n)s min") % {"n": minutes}
    hours = minutes / 60
    if hours < 48:
        return _("%(n)s h") % {"n": f"{hours:.1f}"}
    return _("%(n)s days") % {"n": f"{hours / 24:.1f}"}


@register.filter(name="outcome_label")
def outcome_label(code: str) -> str:
    return str(Remedy(code).label) if code in Remedy.values else ""


@register.filter(name="case_state_label")
def case_state_label(code: str) -> str:
    return str(CaseState(code).label) if code in CaseState.values else ""


@register.filter(name="stage_label")
def stage_label(code: str) -> str:
    labels = {
        "merchant": _("Merchant stage"),
        "platform": _("Platform intervention"),
        "appeal": _("Ruling and appeal"),
        "fast_refund": _("Fast refund: merchant may contest"),
    }
    return labels.get(code, "")
