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


@register.filter(name="stars")
def stars(hundredths: int | None) -> str:
    """A score kept in hundredths of a star (445) as shown: "4.45"; "—" when there is none."""
    if hundredths is None or hundredths == "":
        return "—"
    whole, rest = divmod(int(hundredths), 100)
    return f"{whole}.{rest:02d}"


@register.filter(name="bps_percent")
def bps_percent(bps: int | None) -> str:
    """A rate in basis points (250) as a percentage: "2.50%"; "—" when there is none."""
    if bps is None or bps == "":
        return "—"
    whole, rest = divmod(int(bps), 100)
    return f"{whole}.{rest:02d}%"
