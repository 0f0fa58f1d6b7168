"""Checks of what a party types into a case step, shared by every stage: bad input is a 4xx
``DomainError`` raised before anything is locked or written."""

from __future__ import annotations

from kameng.core.errors import DomainError

TEXT_MAX = 4000


def clean_text(value: object, *, name: str = "text", required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise DomainError("invalid_input", fields={name: "required"})
    if len(text) > TEXT_MAX:
        raise DomainError("invalid_input", fields={name: f"at most {TEXT_MAX} characters"})
    return text


def clean_fen(value: object, *, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise DomainError("aftersales.bad_amount", field=name, min=low, max=high)
    return value
