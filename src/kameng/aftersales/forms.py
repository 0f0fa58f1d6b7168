"""Parsing of the after-sales forms. Amounts typed in yuan become integer fen exactly (never floats);
anything blank where an amount is optional is 0, and the service decides whether 0 is allowed."""

from __future__ import annotations

from kameng.core.errors import DomainError
from kameng.payments.forms import parse_yuan

MAX_ID = 2**53


def fen_from(data, name: str) -> int:
    text = (data.get(name) or "").strip()[:16]
    if not text:
        return 0
    try:
        return parse_yuan(text)
    except DomainError as err:
        raise DomainError("invalid_input", fields={name: " ".join(err.fields.values()) or err.message}) from None


def ids_from(data, name: str) -> list[int]:
    """Checkbox values as ids; anything that is not a small positive integer is dropped (the
    service refuses ids that are not the order's)."""
    out = []
    for raw in data.getlist(name)[:200]:
        if raw.isdigit() and 0 < int(raw) < MAX_ID:
            out.append(int(raw))
    return out


def text_from(data, name: str, limit: int = 4000) -> str:
    # One character over the limit is kept so the service says "too long" instead of cutting.
    return (data.get(name) or "")[: limit + 1]
