"""Parsing of human input on pages. Money typed in yuan becomes integer fen here, exactly."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from kameng.core.errors import DomainError
from kameng.core.yuan import AMOUNT_MAX_FEN, yuan_to_fen


def parse_yuan(text: str | None, *, min_fen: int = 0, max_fen: int = AMOUNT_MAX_FEN) -> int:
    """ "12.3" -> 1230 fen, through the platform's one yuan parser (``kameng.core.yuan``). More
    than two decimals, signs, exponents or other text are refused rather than rounded: the person
    must get exactly what they typed. Zero passes here; each service says whether it allows it."""
    try:
        return yuan_to_fen(text, min_fen=min_fen, max_fen=max_fen)
    except ValidationError as exc:
        raise DomainError("payments.invalid_amount", fields={"amount": " ".join(exc.messages)}) from None
