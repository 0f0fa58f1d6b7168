from django import template

from kameng.shops import labels

register = template.Library()


@register.filter(name="shop_status")
def shop_status(status: str) -> str:
    return labels.status_label(status)


@register.filter(name="history_reason")
def history_reason(change) -> str:
    return labels.history_reason(change)
