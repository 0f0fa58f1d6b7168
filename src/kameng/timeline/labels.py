"""How events read on a page: a translated label per event kind, and per actor role.

Other apps register their kinds once, in their AppConfig.ready() or at import of their services:

    register_kind_labels({"order.paid": _("Paid"), "order.key_allocated": _("Card key allocated")})

Kinds are dotted, "<domain>.<act>". An unregistered kind shows as itself, so nothing is hidden.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kameng.core.templatetags.money import format_fen

KIND_LABELS: dict[str, Promise | str] = {
    "timeline.note": _("Note"),
}

ROLE_LABELS: dict[str, Promise | str] = {
    "system": _("System"),
    "buyer": _("Buyer"),
    "merchant": _("Merchant"),
    "agent": _("Support agent"),
    "operator": _("Operator"),
    "supplier": _("Upstream supplier"),
    "gateway": _("Payment gateway"),
}


def register_kind_labels(labels: Mapping[str, Promise | str]) -> None:
    """Add or replace labels for event kinds. Pass gettext_lazy strings so each page shows them in
    its own language."""
    KIND_LABELS.update(labels)


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


# Payload keys never shown in the detail line: secrets must not be in a payload at all, but a
# fingerprint or a token-like reference is still not for display.
_HIDDEN_KEYS = {"fingerprint", "ip", "user_agent", "signature", "token"}


def detail_line(payload: object, *, limit: int = 120) -> str:
    """A short, readable summary of an event's payload: its scalar values as "key: value"."""
    if not isinstance(payload, dict):
        return ""
    if isinstance(payload.get("detail"), str):
        text = payload["detail"]
    else:
        parts = []
        for key, value in sorted(payload.items()):
            if key in _HIDDEN_KEYS or isinstance(value, bool) or not isinstance(value, str | int):
                continue
            if key.endswith("_fen") and isinstance(value, int):  # money reads as yuan, like everywhere
                key, value = key.removesuffix("_fen"), format_fen(value)
            parts.append(f"{key}: {value}")
        text = " · ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"
