"""What text we accept from people, whatever the field: no control characters in free text
(tabs and line breaks aside: PostgreSQL cannot even store NUL), and in names (usernames, shop
names) nothing invisible either, such as the right-to-left override that makes one name look
like another."""

from __future__ import annotations

import unicodedata

from kameng.core.errors import DomainError

_TEXT_ALLOWED = {"\t", "\n", "\r"}


def check_text(text: str, field: str) -> str:
    if any(ch not in _TEXT_ALLOWED and unicodedata.category(ch) == "Cc" for ch in text):
        raise DomainError("invalid_input", fields={field: "no control characters"})
    return text


def check_name(text: str, field: str) -> str:
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") for ch in text):
        raise DomainError("invalid_input", fields={field: "no control or invisible characters"})
    return text
