from django import template

from kameng.ledger.labels import entry_label as _entry_label

register = template.Library()


@register.filter(name="entry_label")
def entry_label(source: str) -> str:
    """A journal entry described from its source, in the page's language (kameng.ledger.labels)."""
    return _entry_label(source)
