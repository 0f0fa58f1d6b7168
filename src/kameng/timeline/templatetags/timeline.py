from django import template

from kameng.timeline.labels import detail_line, kind_label, role_label

register = template.Library()


@register.filter(name="event_label")
def event_label(kind: str) -> str:
    return kind_label(kind)


@register.filter(name="actor_label")
def actor_label(role: str) -> str:
    return role_label(role)


@register.filter(name="event_detail")
def event_detail(payload) -> str:
    return detail_line(payload)
