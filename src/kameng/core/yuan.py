"""Money a person types: yuan on the page, integer fen everywhere behind it.

Every page form where someone enters an amount (a price, a top-up, a payout, a refund, a deposit,
a penalty) goes through ``yuan_to_fen`` — Django forms through ``YuanField``, hand-written forms
through a thin wrapper such as ``payments.forms.parse_yuan`` — so "58.5" means 5850 fen on every
page. Nothing is rounded: three decimals, signs, exponents or "1e3" are refused with a message in
the page's language. The JSON API keeps fen (integrations count in fen); only pages take yuan.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kameng.core.templatetags.money import format_fen

# 1,000,000 yuan: no amount a person types on this platform is larger; above it is a typo.
AMOUNT_MAX_FEN = 100_000_000
_YUAN = re.compile(r"(\d{1,12})(?:\.(\d{1,2}))?")
_DECIMALS = re.compile(r"\d+\.\d{3,}")


def yuan_to_fen(text: object, *, min_fen: int = 1, max_fen: int = AMOUNT_MAX_FEN) -> int:
    """ "58" -> 5800, "58.5" -> 5850, "¥12.00" -> 1200. Raises ValidationError (code
    ``yuan_format``, ``yuan_decimals``, ``yuan_min`` or ``yuan_max``)."""
    value = str(text or "").strip().replace("，", ",").replace("．", ".")
    value = value.removeprefix("¥").removeprefix("￥").strip()
    if value.startswith(("-", "−")):
        raise ValidationError(_("The amount must be more than zero."), code="yuan_min")
    if _DECIMALS.fullmatch(value):
        raise ValidationError(_("At most two decimals (fen), e.g. 58.50."), code="yuan_decimals")
    match = _YUAN.fullmatch(value)
    if not match:
        raise ValidationError(_("Enter an amount in yuan, e.g. 58 or 58.50."), code="yuan_format")
    whole, decimals = match.group(1), (match.group(2) or "").ljust(2, "0")
    fen = int(whole) * 100 + int(decimals)
    if fen < min_fen:
        if min_fen <= 1:
            raise ValidationError(_("The amount must be more than zero."), code="yuan_min")
        raise ValidationError(_("At least %(min)s.") % {"min": format_fen(min_fen)}, code="yuan_min")
    if fen > max_fen:
        raise ValidationError(_("At most %(max)s.") % {"max": format_fen(max_fen)}, code="yuan_max")
    return fen


def fen_to_yuan_text(fen: int | None) -> str:
    """What an amount field shows for a stored value: 5800 -> "58", 5850 -> "58.50"."""
    if fen is None or fen == "":
        return ""
    yuan, rest = divmod(int(fen), 100)
    return str(yuan) if rest == 0 else f"{yuan}.{rest:02d}"


class YuanInput(forms.TextInput):
    input_type = "text"

    def __init__(self, attrs=None):
        # Text with a decimal keypad: a number input would round "58.555" in some browsers
        # before the server could say why it is refused.
        base = {"inputmode": "decimal", "autocomplete": "off", "placeholder": "58.00", "class": "yuan-input"}
        super().__init__({**base, **(attrs or {})})


class YuanField(forms.Field):
    """An amount typed in yuan; ``cleaned_data`` holds integer fen. ``initial`` is in fen too."""

    widget = YuanInput
    default_error_messages = {"required": gettext_lazy("Enter an amount in yuan.")}

    def __init__(self, *, min_fen: int = 1, max_fen: int = AMOUNT_MAX_FEN, **kwargs) -> None:
        self.min_fen, self.max_fen = min_fen, max_fen
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return fen_to_yuan_text(value)
        return value  # what the person typed, shown back unchanged next to its error

    def to_python(self, value) -> int | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return yuan_to_fen(str(value)[:32], min_fen=self.min_fen, max_fen=self.max_fen)
