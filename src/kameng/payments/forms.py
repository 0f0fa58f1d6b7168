"""Parsing of human input on pages. Money typed in yuan becomes integer fen here, exactly."""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext as _

from kameng.core.errors import DomainError

_YUAN = re.compile(r"^(\d{1,9})(?:\.(\d{1,2}))?$")


def parse_yuan(text: str | None) -> int:
    """ "12.3" -> 1230 fen. More than two decimals, signs, exponents or other text are refused
    rather than rounded: the buyer must get exactly what they typed."""
    value = (text or "").strip().replace("，", ",")
    match = _YUAN.match(value)
    if not match:
        raise DomainError("payments.invalid_amount", fields={"amount": _("Up to two decimals, e.g. 10 or 9.90.")})
    return int(Decimal(value) * 100)
