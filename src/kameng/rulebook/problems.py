"""The problem taxonomy (问题类型): three families, each with subtypes.

Every subtype knows which party is usually responsible and which facts the system can check by
itself (see aftersales.facts). The rulebook publishes this list; cases and self-check articles
refer to subtypes by their code, which never changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


class Party:
    MERCHANT = "merchant"
    SUPPLIER = "supplier"
    PLATFORM = "platform"
    BUYER = "buyer"
    UNKNOWN = "unknown"

    LABELS = {
        MERCHANT: _("Merchant"),
        SUPPLIER: _("Upstream supplier"),
        PLATFORM: _("Platform"),
        BUYER: _("Buyer"),
        UNKNOWN: _("Not yet known"),
    }


@dataclass(frozen=True)
class Family:
    code: str
    label: str


@dataclass(frozen=True)
class Subtype:
    code: str
    family: str
    label: str
    usual_party: str
    # Which system facts bear on this subtype (aftersales.facts names them).
    facts: tuple[str, ...]
    # The rulebook clause an agent usually cites for it.
    clause: str


FAMILIES: dict[str, Family] = {
    f.code: f
    for f in (
        Family("product", _("Product problem")),
        Family("delivery", _("Delivery problem")),
        Family("service", _("Service problem")),
    )
}

SUBTYPES: dict[str, Subtype] = {
    s.code: s
    for s in (
        Subtype(
            "invalid_key",
            "product",
            _("Card key invalid"),
            Party.MERCHANT,
            ("delivered", "revealed", "reported_elsewhere"),
            "5.1",
        ),
        Subtype(
            "key_already_used",
            "product",
            _("Card key already redeemed"),
            Party.MERCHANT,
            ("delivered", "revealed", "reported_elsewhere"),
            "5.1",
        ),
        Subtype(
            "face_value_mismatch", "product", _("Face value differs"), Party.MERCHANT, ("delivered", "revealed"), "5.3"
        ),
        Subtype(
            "wrong_region", "product", _("Wrong region or server"), Party.UNKNOWN, ("delivered", "buyer_fields"), "5.3"
        ),
        Subtype(
            "activation_failed",
            "product",
            _("Activation fails"),
            Party.UNKNOWN,
            ("delivered", "revealed", "reported_elsewhere"),
            "5.4",
        ),
        Subtype(
            "not_delivered",
            "delivery",
            _("Not delivered"),
            Party.MERCHANT,
            ("delivered", "supplier_answer", "delivery_delay"),
            "5.2",
        ),
        Subtype(
            "late_delivery",
            "delivery",
            _("Delivered late"),
            Party.MERCHANT,
            ("delivered", "delivery_delay", "supplier_answer"),
            "5.5",
        ),
        Subtype("charged_twice", "delivery", _("Charged twice"), Party.PLATFORM, ("duplicate_payments",), "8.4"),
        Subtype(
            "partly_delivered",
            "delivery",
            _("Partly delivered"),
            Party.MERCHANT,
            ("delivered", "supplier_answer"),
            "5.2",
        ),
        Subtype(
            "system_fault",
            "delivery",
            _("System fault"),
            Party.PLATFORM,
            ("delivered", "supplier_answer", "delivery_delay"),
            "5.2",
        ),
        Subtype(
            "no_response", "service", _("No answer from the merchant"), Party.MERCHANT, ("merchant_activity",), "5.5"
        ),
        Subtype(
            "too_slow",
            "service",
            _("Handling takes too long"),
            Party.MERCHANT,
            ("merchant_activity", "delivery_delay"),
            "5.5",
        ),
        Subtype("shirking", "service", _("Support passes the buck"), Party.MERCHANT, ("merchant_activity",), "5.5"),
    )
}


def subtypes_of(family: str) -> list[Subtype]:
    return [s for s in SUBTYPES.values() if s.family == family]
