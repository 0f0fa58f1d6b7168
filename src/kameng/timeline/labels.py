"""How events read on a page: a translated label per event kind, per actor role, and per payload field.

Events store what happened as data (codes, ids, fen, UTC ISO times); this module turns that into
a plain account for people at display time, so what an event stores never changes (the hash chain
still verifies) while how it reads can. Each app registers its own kinds and fields once, in its
``timeline_labels.py`` (called from its AppConfig.ready()):

    register_kind_labels({"order.paid": _("Paid into escrow")})
    register_fields({
        "amount_fen": money(_("Amount")),          # through the money filter
        "confirm_due_at": when(_("Confirm by")),   # ISO → display time zone, "Y-m-d H:i"
        "reason": choice(_("Reason"), REASONS),    # a code → the page's own translated label
        "case": ref(_("After-sales case #%(id)s")),
        "ledger_entry": None,                      # meaningless to people: technical view only
    })
    register_fields({"title": None}, kinds=["case.opened"])   # per-kind override

Kinds are dotted, "<domain>.<act>". An unregistered kind shows its generic label; a payload field
with no registration is never shown in the plain view (agents and operators still see the raw
payload in the timeline's technical view). A formatter returns None to hide a value it cannot
put in words (an unknown code), for the same reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext
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
    "applicant": _("Applicant"),
}

# The same format as every other time on the pages.
TIME_FORMAT = "Y-m-d H:i"

Formatter = Callable[[Any, Mapping[str, Any]], "str | None"]


@dataclass(frozen=True)
class Field:
    """How one payload field reads: its label ("" for a value that speaks for itself) and a
    formatter ``(value, payload) -> str | None``; None hides the value."""

    label: Promise | str
    format: Formatter

    def render(self, value: Any, payload: Mapping[str, Any]) -> tuple[str, str] | None:
        try:
            shown = self.format(value, payload)
        except (TypeError, ValueError, LookupError):
            return None  # a payload of an older shape: not worth breaking the page over
        if shown is None or shown == "":
            return None
        return str(self.label), str(shown)


FIELDS: dict[str, Field | None] = {}
KIND_FIELDS: dict[tuple[str, str], Field | None] = {}


def register_kind_labels(labels: Mapping[str, Promise | str]) -> None:
    """Add or replace labels for event kinds. Pass gettext_lazy strings so each page shows them in
    its own language."""
    KIND_LABELS.update(labels)


def register_fields(fields: Mapping[str, Field | None], *, kinds: Iterable[str] = ()) -> None:
    """Add or replace how payload fields read; None hides a field from the plain view. With
    ``kinds``, only for events of those kinds (the same key can mean different things)."""
    kinds = list(kinds)
    if not kinds:
        FIELDS.update(fields)
        return
    for kind in kinds:
        for name, spec in fields.items():
            KIND_FIELDS[(kind, name)] = spec


def kind_label(kind: str) -> str:
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else gettext("Recorded event")


def has_kind_label(kind: str) -> bool:
    return kind in KIND_LABELS


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def field_spec(kind: str, name: str) -> Field | None:
    if (kind, name) in KIND_FIELDS:
        return KIND_FIELDS[(kind, name)]
    return FIELDS.get(name)


def is_known_field(kind: str, name: str) -> bool:
    """Registered (shown or deliberately hidden)."""
    return (kind, name) in KIND_FIELDS or name in FIELDS


# --- formatters -------------------------------------------------------------------------------


def _money(value: Any, payload: Mapping) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return format_fen(value)


def _when(value: Any, payload: Mapping) -> str | None:
    return format_time(value)


def format_time(value: Any) -> str | None:
    """A stored time (ISO text or datetime, UTC) in the display time zone, as the pages show it."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, datetime.datetime):
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return date_format(timezone.localtime(value), TIME_FORMAT)


def money(label: Promise | str) -> Field:
    return Field(label, _money)


def when(label: Promise | str) -> Field:
    return Field(label, _when)


def choice(label: Promise | str, labels: Mapping[str, Any]) -> Field:
    """A code through a translated label map the rest of the pages use; an unknown code is hidden."""

    def fmt(value: Any, payload: Mapping) -> str | None:
        if not isinstance(value, str) or value not in labels:
            return None
        return str(labels[value])

    return Field(label, fmt)


def ref(template: Promise | str, label: Promise | str = "") -> Field:
    """An id as people name it: ``ref(_("Order #%(id)s"))`` → "订单 #4"."""

    def fmt(value: Any, payload: Mapping) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
            return None
        return str(template) % {"id": value}

    return Field(label, fmt)


def number(label: Promise | str) -> Field:
    def fmt(value: Any, payload: Mapping) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        return str(value)

    return Field(label, fmt)


def batches(label: Promise | str = _("Batch")) -> Field:  # noqa: B008 (a lazy string, never mutated)
    """A batch number, or a list of them: "1、2" in Chinese, "1, 2" in English."""

    def fmt(value: Any, payload: Mapping) -> str | None:
        seqs = value if isinstance(value, list) else [value]
        if not seqs or not all(isinstance(s, int) and not isinstance(s, bool) for s in seqs):
            return None
        return gettext(", ").join(str(s) for s in seqs)

    return Field(label, fmt)


def text(label: Promise | str = "", *, limit: int = 120) -> Field:
    """What a person wrote (a note, a message): shown as written, shortened."""

    def fmt(value: Any, payload: Mapping) -> str | None:
        if not isinstance(value, str):
            return None
        value = value.strip()
        return value if len(value) <= limit else value[: limit - 1] + "…"

    return Field(label, fmt)


def flag(label: Promise | str, yes: Promise | str, no: Promise | str) -> Field:
    def fmt(value: Any, payload: Mapping) -> str | None:
        if not isinstance(value, bool):
            return None
        return str(yes if value else no)

    return Field(label, fmt)


def count_of(label: Promise | str) -> Field:
    """A list shown only by its length (card keys by fingerprint: how many, not which)."""

    def fmt(value: Any, payload: Mapping) -> str | None:
        return str(len(value)) if isinstance(value, list) and value else None

    return Field(label, fmt)


# --- reading an event -------------------------------------------------------------------------


def plain_details(kind: str, payload: object) -> list[tuple[str, str]]:
    """The payload as (label, value) pairs for people, in the payload's order; fields without a
    registration, or whose value the formatter cannot put in words, are left out."""
    if not isinstance(payload, dict):
        return []
    parts = []
    for name, value in payload.items():
        spec = field_spec(kind, name)
        if spec is None:
            continue
        shown = spec.render(value, payload)
        if shown is not None:
            parts.append(shown)
    return parts


def detail_line(payload: object, *, kind: str = "", limit: int = 120) -> str:
    """A short, readable summary of an event's payload: "label: value · …" (a value whose label is
    empty reads alone)."""
    if not isinstance(payload, dict):
        return ""
    if isinstance(payload.get("detail"), str):
        text_ = payload["detail"]
    else:
        sep = gettext(": ")
        text_ = " · ".join(f"{label}{sep}{value}" if label else value for label, value in plain_details(kind, payload))
    return text_ if len(text_) <= limit else text_[: limit - 1] + "…"


# Fields many kinds share. Apps add their own (and override these per kind).
register_fields(
    {
        "detail": text(),
        "note": text(_("Note")),
        "text": text(),
        "amount_fen": money(_("Amount")),
        "batch": batches(),
        "batches": batches(),
        "quantity": number(_("Quantity")),
        # Never for display: a secret's fingerprint, where a person was, raw references.
        "fingerprint": None,
        "fingerprints": None,
        "ip": None,
        "user_agent": None,
        "signature": None,
        "token": None,
        "sha256": None,
        "ledger_entry": None,
        "source": None,
        "request_id": None,
        "product_id": None,
        "message": None,
        "content_type": None,
        "size": None,
        "rulebook": None,
    }
)
