"""Help blocks for pages of higher apps: ``{% order_help order %}`` on the buyer's order page and
``{% case_help case %}`` on every stage of a case. They read only plain attributes of the objects
passed in (an order's product category; a case's state and subtype), so knowledge needs no import
of orders' or aftersales' code."""

from __future__ import annotations

from django import template

from kameng.knowledge import selectors

register = template.Library()


@register.inclusion_tag("knowledge/_order_help.html")
def order_help(order) -> dict:
    product = getattr(order, "product", None)
    return {"articles": selectors.for_category(getattr(product, "category", ""))}


@register.inclusion_tag("knowledge/_case_help.html")
def case_help(case) -> dict:
    return {"help": selectors.help_for_case_stage(state=case.state, subtype=case.subtype)}
