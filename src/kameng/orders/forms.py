"""Parsing of human input on the order pages. Values are only shaped here; the services decide
what is allowed (quantity limits, buyer-field patterns), so the page and the API agree."""

from __future__ import annotations

import uuid

from django.utils.translation import gettext as _

from kameng.core.errors import DomainError

MAX_ID = 2**53
FIELD_PREFIX = "field_"


def new_idempotency_key() -> str:
    """Rendered into the checkout form: resubmitting the same form is the same order."""
    return uuid.uuid4().hex


def parse_id(text: str | None) -> int:
    """An id from a query string or form; anything else is simply "not found"."""
    value = (text or "").strip()
    if not value.isdigit() or len(value) > 16 or not 1 <= int(value) <= MAX_ID:
        raise DomainError("not_found")
    return int(value)


def parse_quantity(text: str | None) -> int:
    value = (text or "").strip()
    if not value.isdigit() or len(value) > 6:
        raise DomainError("invalid_input", fields={"quantity": _("Enter a whole number.")})
    return int(value)


def buyer_fields_from(post, definitions: list[dict]) -> dict[str, str]:
    """Only the fields the product asks for; other posted names are ignored."""
    return {
        f["key"]: (post.get(FIELD_PREFIX + f["key"]) or "").strip()[:500]
        for f in definitions or []
        if isinstance(f, dict) and "key" in f
    }
