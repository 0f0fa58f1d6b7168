from django import template

from kameng.orders.timeline_labels import reason_label

register = template.Library()


@register.filter(name="order_reason")
def order_reason(reason: str) -> str:
    """Why an order closed, in the page's language; "" for a reason that is not ours to word."""
    return reason_label(reason)
