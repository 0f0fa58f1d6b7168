import json

from django import template

from kameng.timeline.labels import detail_line, kind_label, plain_details, role_label

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


@register.filter(name="event_details")
def event_details(event) -> list[tuple[str, str]]:
    """The event's payload as (label, value) pairs for people (see timeline.labels)."""
    return plain_details(getattr(event, "kind", ""), getattr(event, "payload", None))


@register.filter(name="payload_json")
def payload_json(payload) -> str:
    """The raw payload, for the technical view of agents and operators."""
    return json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True, default=str)
