"""Every write to the catalog, and the check of a buyer's required fields.

Lock order (see docs/concurrency.md): shop → product.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.catalog import buyer_fields
from kameng.catalog.models import Category, DeliveryKind, Product
from kameng.catalog.patterns import PATTERN_MAX, fullmatches, pattern_error
from kameng.core.errors import DomainError
from kameng.shops.models import Shop

# Sane caps: a single product above 1,000,000 yuan or 1,000 units per order is a typo, not a sale.
MONEY_MAX_FEN = 100_000_000
QUANTITY_CAP = 1000
MANUAL_HOURS_MAX = 168
MAX_REQUIRED_FIELDS = 8
VALUE_MAX = 128
FIELD_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
FIELD_TEXT_KEYS = ("key", "label_zh", "label_en", "pattern", "help_zh", "help_en")
# kind / preset / choices / required came with the structured editor; older definitions lack them.
FIELD_DEF_KEYS = {*FIELD_TEXT_KEYS, "kind", "preset", "choices", "required"}
FIELD_TEXT_LIMITS = {"label_zh": 32, "label_en": 64, "help_zh": 200, "help_en": 200}

TEXT_LIMITS = {
    "title_zh": 120,
    "title_en": 120,
    "description": 8000,
    "usage_rules": 4000,
    "refund_policy": 4000,
    "region_notes": 2000,
}
EDITABLE = {
    *TEXT_LIMITS,
    "category",
    "delivery_kind",
    "face_value_fen",
    "price_fen",
    "required_fields",
    "min_per_order",
    "max_per_order",
    "manual_delivery_hours",
}


def adjust_stock(*, product_id: int, delta: int, only_if_card_key: bool = False) -> None:
    """Move a product's available-stock counter by delta.

    Called only by inventory services, inside the same transaction that changes the card-key rows,
    so the counter and the rows commit or roll back together. The update is a single
    ``SET stock = stock + delta`` so concurrent imports and sales never lose an update.
    ``only_if_card_key`` guards an import against the merchant switching the product to another
    delivery kind mid-import (update_product allows that only at zero stock): the UPDATE then
    matches no row and the whole import rolls back with ``conflict``."""
    if delta == 0 and not only_if_card_key:
        return
    if not only_if_card_key:
        # Every sale runs this: one plain statement, the ORM would spend longer building it.
        table = connection.ops.quote_name(Product._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET stock_available = stock_available + %s WHERE id = %s",  # noqa: S608
                [delta, product_id],
            )
            if cursor.rowcount != 1:
                raise Product.DoesNotExist(product_id)
        return
    query = Product.objects.filter(pk=product_id)
    if only_if_card_key:
        query = query.filter(delivery_kind=DeliveryKind.CARD_KEY)
    updated = query.update(stock_available=F("stock_available") + delta)
    if updated != 1:
        if only_if_card_key and Product.objects.filter(pk=product_id).exists():
            raise DomainError("conflict")
        raise Product.DoesNotExist(product_id)


# --- validation --------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def clean_required_fields(definitions: object) -> list[dict[str, str]]:
    """Validate the merchant's list of required buyer fields; errors name the row and the key."""
    if definitions is None:
        return []
    if not isinstance(definitions, list):
        raise DomainError("catalog.invalid_field_definitions", fields={"required_fields": "a list"})
    if len(definitions) > MAX_REQUIRED_FIELDS:
        raise DomainError(
            "catalog.invalid_field_definitions",
            fields={"required_fields": _("At most %(n)d fields.") % {"n": MAX_REQUIRED_FIELDS}},
        )
    errors: dict[str, str] = {}
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(definitions):
        where = f"required_fields.{i}"
        if not isinstance(item, dict):
            errors[where] = _("Each field is an object with key, labels, pattern and help.")
            continue
        unknown = set(item) - FIELD_DEF_KEYS
        if unknown:
            errors[where] = _("Unknown attributes: %(names)s") % {"names": ", ".join(sorted(map(str, unknown)))}
            continue
        row: dict[str, Any] = {}
        for name in FIELD_TEXT_KEYS:
            value = item.get(name, "")
            if not isinstance(value, str):
                errors[f"{where}.{name}"] = _("Must be text.")
                value = ""
            row[name] = value.strip()
        key = row["key"]
        if not FIELD_KEY_RE.fullmatch(key):
            errors[f"{where}.key"] = _("Lower-case letters, digits and _, starting with a letter, at most 32.")
        elif key in seen:
            errors[f"{where}.key"] = _("This key is used twice.")
        seen.add(key)
        if not row["label_zh"]:
            errors[f"{where}.label_zh"] = _("A Chinese label is required.")
        for name, limit in FIELD_TEXT_LIMITS.items():
            if len(row[name]) > limit:
                errors[f"{where}.{name}"] = _("At most %(n)d characters.") % {"n": limit}
        kind = item.get("kind") or buyer_fields.TEXT
        preset = item.get("preset") or ""
        choices = item.get("choices") or []
        required = item.get("required", True)
        if kind not in buyer_fields.KINDS:
            errors[f"{where}.kind"] = _("Unknown kind of field.")
            kind = buyer_fields.TEXT
        if not isinstance(required, bool):
            errors[f"{where}.required"] = _("Must be true or false.")
            required = True
        if kind == buyer_fields.ACCOUNT:
            if preset not in buyer_fields.PRESETS:
                errors[f"{where}.preset"] = _("Choose one of the account patterns.")
            else:
                # The preset's pattern is stored too, so readers that know only patterns agree.
                row["pattern"] = buyer_fields.PRESETS[preset].pattern
        elif preset:
            errors[f"{where}.preset"] = _("Only an account field has a preset.")
        if kind == buyer_fields.NUMBER:
            row["pattern"] = row["pattern"] or buyer_fields.NUMBER_PATTERN
        if kind == buyer_fields.CHOICE:
            row["pattern"] = ""
            if (
                not isinstance(choices, list)
                or not all(isinstance(c, str) for c in choices)
                or not 2 <= len([c for c in choices if c.strip()]) <= buyer_fields.MAX_CHOICES
            ):
                errors[f"{where}.choices"] = _("A choice list has 2 to %(n)d options.") % {
                    "n": buyer_fields.MAX_CHOICES
                }
                choices = []
            else:
                choices = list(dict.fromkeys(c.strip() for c in choices if c.strip()))
                if any(len(c) > buyer_fields.CHOICE_MAX for c in choices):
                    errors[f"{where}.choices"] = _("Each option has at most %(n)d characters.") % {
                        "n": buyer_fields.CHOICE_MAX
                    }
        elif choices:
            errors[f"{where}.choices"] = _("Only a choice list has options.")
        pattern = row["pattern"]
        if len(pattern) > PATTERN_MAX:
            errors[f"{where}.pattern"] = _("At most %(n)d characters.") % {"n": PATTERN_MAX}
        elif (problem := pattern_error(pattern)) is not None:
            errors[f"{where}.pattern"] = _("Not a valid regular expression: %(error)s") % {"error": problem}
        cleaned.append(
            {
                **{name: row[name] for name in FIELD_TEXT_KEYS},
                "kind": kind,
                "preset": preset if kind == buyer_fields.ACCOUNT else "",
                "choices": choices if kind == buyer_fields.CHOICE else [],
                "required": required,
            }
        )
    if errors:
        raise DomainError("catalog.invalid_field_definitions", fields=errors)
    return cleaned


def _clean_text(name: str, value: object, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError("invalid_input", fields={name: "text"})
    value = value.strip()
    if required and not value:
        raise DomainError("invalid_input", fields={name: _("This field is required.")})
    if len(value) > TEXT_LIMITS[name]:
        raise DomainError("invalid_input", fields={name: _("At most %(n)d characters.") % {"n": TEXT_LIMITS[name]}})
    return value


def _clean_product(data: dict[str, Any]) -> dict[str, Any]:
    """Check a full set of product fields (create, or an update merged onto the current values)."""
    out: dict[str, Any] = {}
    for name in TEXT_LIMITS:
        out[name] = _clean_text(name, data.get(name), required=name == "title_zh")
    if data.get("category") not in Category.values:
        raise DomainError("invalid_input", fields={"category": f"one of {', '.join(Category.values)}"})
    if data.get("delivery_kind") not in DeliveryKind.values:
        raise DomainError("invalid_input", fields={"delivery_kind": f"one of {', '.join(DeliveryKind.values)}"})
    out["category"] = data["category"]
    out["delivery_kind"] = data["delivery_kind"]
    money_errors = {
        name: _("A whole number of fen from 1 to %(max)d.") % {"max": MONEY_MAX_FEN}
        for name in ("face_value_fen", "price_fen")
        if not _is_int(data.get(name)) or not 1 <= data[name] <= MONEY_MAX_FEN
    }
    if money_errors:
        raise DomainError("catalog.invalid_price", fields=money_errors)
    out["face_value_fen"] = data["face_value_fen"]
    out["price_fen"] = data["price_fen"]
    lo, hi = data.get("min_per_order", 1), data.get("max_per_order", 10)
    if not (_is_int(lo) and _is_int(hi) and 1 <= lo <= hi <= QUANTITY_CAP):
        raise DomainError(
            "catalog.invalid_quantity_limits",
            fields={"max_per_order": _("1 ≤ minimum ≤ maximum ≤ %(cap)d.") % {"cap": QUANTITY_CAP}},
        )
    out["min_per_order"], out["max_per_order"] = lo, hi
    hours = data.get("manual_delivery_hours", 24)
    if not _is_int(hours) or not 1 <= hours <= MANUAL_HOURS_MAX:
        raise DomainError("invalid_input", fields={"manual_delivery_hours": f"1–{MANUAL_HOURS_MAX}"})
    out["manual_delivery_hours"] = hours
    fields = clean_required_fields(data.get("required_fields") or [])
    if fields and out["delivery_kind"] == DeliveryKind.CARD_KEY:
        raise DomainError(
            "catalog.invalid_field_definitions",
            fields={"required_fields": _("Card-key products deliver a code; they ask the buyer for nothing.")},
        )
    out["required_fields"] = fields
    return out


# --- products ------------------------------------------------------------------------------------


def _own_shop(merchant: User, *, lock: bool = False) -> Shop:
    require_role(merchant, Role.MERCHANT)
    qs = Shop.objects.select_for_update() if lock else Shop.objects
    shop = qs.filter(owner=merchant).first()
    if shop is None:
        raise DomainError("shop.no_shop")
    return shop


def _own_product_for_update(merchant: User, product_id: int) -> Product:
    product = Product.objects.select_for_update().filter(pk=product_id, shop__owner=merchant).first()
    if product is None:
        raise DomainError("not_found")
    return product


def create_product(
    *,
    merchant: User,
    title_zh: str,
    category: str,
    delivery_kind: str,
    face_value_fen: int,
    price_fen: int,
    title_en: str = "",
    description: str = "",
    usage_rules: str = "",
    refund_policy: str = "",
    region_notes: str = "",
    required_fields: list[dict[str, str]] | None = None,
    min_per_order: int = 1,
    max_per_order: int = 10,
    manual_delivery_hours: int = 24,
) -> Product:
    """A new product in the merchant's shop, unpublished until they publish it."""
    data = _clean_product(
        {
            "title_zh": title_zh,
            "title_en": title_en,
            "description": description,
            "category": category,
            "delivery_kind": delivery_kind,
            "face_value_fen": face_value_fen,
            "price_fen": price_fen,
            "usage_rules": usage_rules,
            "refund_policy": refund_policy,
            "region_notes": region_notes,
            "required_fields": required_fields,
            "min_per_order": min_per_order,
            "max_per_order": max_per_order,
            "manual_delivery_hours": manual_delivery_hours,
        }
    )
    with transaction.atomic():
        shop = _own_shop(merchant, lock=True)
        return Product.objects.create(shop=shop, published=False, **data)


def update_product(*, merchant: User, product_id: int, **changes: Any) -> Product:
    """The owner changes some fields; the result is checked as a whole (e.g. min ≤ max)."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise DomainError("invalid_input", fields={name: "not editable" for name in sorted(unknown)})
    require_role(merchant, Role.MERCHANT)
    with transaction.atomic():
        product = _own_product_for_update(merchant, product_id)
        current = {name: getattr(product, name) for name in EDITABLE}
        data = _clean_product({**current, **changes})
        if (
            data["delivery_kind"] != product.delivery_kind
            and product.delivery_kind == DeliveryKind.CARD_KEY
            and product.stock_available > 0
        ):
            raise DomainError("catalog.delivery_kind_locked", fields={"delivery_kind": "stock"})
        for name, value in data.items():
            setattr(product, name, value)
        product.updated_at = timezone.now()
        product.save(update_fields=[*data, "updated_at"])
    return product


def publish_product(*, merchant: User, product_id: int) -> Product:
    """Put a product on sale. A frozen or banned shop cannot; a card-key product may be published
    with no stock (its page then says "out of stock")."""
    require_role(merchant, Role.MERCHANT)
    with transaction.atomic():
        shop = _own_shop(merchant, lock=True)
        product = _own_product_for_update(merchant, product_id)
        if not shop.can_sell:
            raise DomainError("shop.not_active")
        if product.delisted_clause:
            raise DomainError("catalog.delisted", clause=product.delisted_clause)
        if product.delivery_kind == DeliveryKind.DIRECT_TOPUP and not product.required_fields:
            raise DomainError(
                "catalog.invalid_field_definitions",
                fields={"required_fields": _("A direct top-up needs at least one field, e.g. the account.")},
            )
        if not product.published:
            product.published = True
            product.updated_at = timezone.now()
            product.save(update_fields=["published", "updated_at"])
    return product


def unpublish_product(*, merchant: User, product_id: int) -> Product:
    """Take a product off sale; always allowed, also for a frozen shop."""
    require_role(merchant, Role.MERCHANT)
    with transaction.atomic():
        product = _own_product_for_update(merchant, product_id)
        if product.published:
            product.published = False
            product.updated_at = timezone.now()
            product.save(update_fields=["published", "updated_at"])
    return product


def delist_by_rule(*, product_id: int, clause: str, listed: bool) -> bool:
    """An automatic penalty takes a product off sale (``listed=False``) or, when the figures
    recovered, puts back what it took off. Returns whether anything changed."""
    with transaction.atomic():
        product = Product.objects.select_for_update().filter(pk=product_id).first()
        if product is None:
            return False
        now = timezone.now()
        fields = ["delisted_clause", "delisted_at", "relist_on_lift", "published", "updated_at"]
        if not listed and not product.delisted_clause:
            product.relist_on_lift = product.published  # lifting must not publish a draft
            product.delisted_clause, product.delisted_at, product.published = clause, now, False
        elif listed and product.delisted_clause:
            product.published = product.relist_on_lift
            product.delisted_clause, product.delisted_at, product.relist_on_lift = "", None, False
        else:
            return False
        product.updated_at = now
        product.save(update_fields=fields)
        return True


# --- buyer's required fields -------------------------------------------------------------------------


def validate_buyer_fields(*, product: Product, values: dict) -> dict[str, str]:
    """Check what a buyer typed for a product's required fields (called by orders before payment).

    Values are stripped and must match the field's pattern in full; missing, unknown, too long or
    mismatching values are reported per field in one ``catalog.invalid_required_field`` error."""
    if not isinstance(values, dict):
        raise DomainError("catalog.invalid_required_field", fields={"__all__": _("Expected an object of fields.")})
    english = (get_language() or "").lower().startswith("en")
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    definitions = product.required_fields or []
    known = {d["key"] for d in definitions}
    for key in values:
        if key not in known:
            errors[str(key)[:64]] = _("Unknown field.")
    for d in definitions:
        key = d["key"]
        raw = values.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if d.get("required", True):
                errors[key] = _("Required.")
            continue
        if not isinstance(raw, str):
            errors[key] = _("Must be text.")
            continue
        value = raw.strip()
        if len(value) > VALUE_MAX:
            errors[key] = _("At most %(n)d characters.") % {"n": VALUE_MAX}
            continue
        if buyer_fields.kind_of(d) == buyer_fields.CHOICE:
            # The dropdown's options only: a value typed past the page is refused, not stored.
            if value not in (d.get("choices") or []):
                errors[key] = buyer_fields.mismatch_message(d, english=english)
                continue
        elif (pattern := d.get("pattern") or "") and not fullmatches(pattern, value):
            errors[key] = buyer_fields.mismatch_message(d, english=english)
            continue
        cleaned[key] = value
    if errors:
        raise DomainError("catalog.invalid_required_field", fields=errors)
    return cleaned
