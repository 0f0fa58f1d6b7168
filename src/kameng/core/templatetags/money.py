"""Money is integer fen in code and storage; these filters are the only place it becomes yuan."""

from django import template

register = template.Library()


def format_fen(fen: int | None) -> str:
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, rest = divmod(abs(int(fen)), 100)
    return f"{sign}¥{yuan:,}.{rest:02d}"


@register.filter(name="yuan")
def yuan(fen: int | None) -> str:
    return format_fen(fen)
