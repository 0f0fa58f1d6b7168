"""Every write to the card-key inventory. Lock order: see docs/concurrency.md."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_login, require_role
from kameng.catalog.models import DeliveryKind
from kameng.catalog.selectors import product_of_merchant
from kameng.catalog.services import adjust_stock
from kameng.core.db import atomic_unless_in_transaction
from kameng.core.errors import DomainError
from kameng.inventory import crypto
from kameng.inventory.models import CardKey, CardKeyStatus, ImportBatch, ImportSource
from kameng.inventory.parsing import parse_import
from kameng.inventory.transitions import Transition, apply_transition, transition_for

MAX_REVOKE_PER_CALL = 1000
MAX_ALLOCATE_PER_CALL = 1000
INSERT_BATCH_SIZE = 500


@dataclass(frozen=True)
class _Prepared:
    line: int
    fingerprint: str
    code: str
    password: str | None


def import_card_keys(
    *, user: User, product_id: int, text: str | None = None, data: bytes | None = None, filename: str = ""
) -> ImportBatch:
    """Load card keys into the merchant's own card-key product, in one transaction.

    The report says, by line number only (it never holds a code): accepted, duplicates inside the
    file (and the line the code first appeared on), duplicates already on the platform (any shop,
    any status, ever; which shop is never said), malformed lines with a reason."""
    product = product_of_merchant(user=user, product_id=product_id)
    if product.delivery_kind != DeliveryKind.CARD_KEY:
        raise DomainError("inventory.not_card_key_product")
    if not product.shop.can_sell:
        raise DomainError("shop.not_active")
    parsed = parse_import(text=text, data=data)
    if not parsed.entries and not parsed.malformed:
        raise DomainError("inventory.import_empty")

    keyring = crypto.keyring_or_error()
    first_line_of: dict[str, int] = {}
    duplicates_in_file: list[dict] = []
    unique: list[_Prepared] = []
    for entry in parsed.entries:
        fp = crypto.fingerprint(entry.code, keyring=keyring)
        if fp in first_line_of:
            duplicates_in_file.append({"line": entry.line, "first_line": first_line_of[fp]})
            continue
        first_line_of[fp] = entry.line
        unique.append(_Prepared(entry.line, fp, entry.code, entry.password))
    # Fingerprint order: concurrent imports then wait on each other's unique-index entries in one
    # global order, so they cannot deadlock (docs/concurrency.md).
    unique.sort(key=lambda p: p.fingerprint)

    # Encrypt before the transaction opens: the write lock is then held only for the inserts.
    sealed = [
        (
            item.fingerprint,
            *crypto.encrypt(code=item.code, password=item.password, fingerprint=item.fingerprint, keyring=keyring),
        )
        for item in unique
    ]
    now = timezone.now()
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            shop=product.shop,
            product=product,
            created_by=user,
            source=ImportSource.FILE if data is not None else ImportSource.TEXT,
            filename=(filename or "")[:255],
            size_bytes=parsed.size_bytes,
            total_lines=parsed.total_lines,
            created_at=now,
        )
        rows = [
            CardKey(
                shop=product.shop,
                product=product,
                batch=batch,
                fingerprint=fp,
                ciphertext=blob,
                key_id=key_id,
                created_at=now,
            )
            for fp, key_id, blob in sealed
        ]
        # ON CONFLICT DO NOTHING: a fingerprint already on the platform (or committed by a racing
        # import first) is skipped, never raised; what this batch owns is read back below.
        CardKey.objects.bulk_create(rows, batch_size=INSERT_BATCH_SIZE, ignore_conflicts=True)
        accepted = set(CardKey.objects.filter(batch=batch).values_list("fingerprint", flat=True))
        on_platform = [p for p in unique if p.fingerprint not in accepted]
        # Line by line only for codes this shop already holds: for a code held by another shop the
        # report says how many, never which lines, or it would tell a merchant which codes exist
        # elsewhere on the platform.
        in_shop = set(
            CardKey.objects.filter(shop=product.shop, fingerprint__in=[p.fingerprint for p in on_platform])
            .exclude(batch=batch)
            .values_list("fingerprint", flat=True)
        )
        in_shop_lines = sorted(p.line for p in on_platform if p.fingerprint in in_shop)
        adjust_stock(product_id=product.pk, delta=len(accepted), only_if_card_key=True)

        batch.accepted_count = len(accepted)
        batch.duplicate_in_file_count = len(duplicates_in_file)
        batch.duplicate_on_platform_count = len(on_platform)
        batch.malformed_count = len(parsed.malformed)
        batch.report = {
            "accepted": len(accepted),
            "accepted_lines": sorted(p.line for p in unique if p.fingerprint in accepted),
            "duplicates_in_file": sorted(duplicates_in_file, key=lambda d: d["line"]),
            "duplicates_in_shop": [{"line": line} for line in in_shop_lines],
            "duplicates_elsewhere": len(on_platform) - len(in_shop_lines),
            "malformed": [{"line": m.line, "reason": m.reason} for m in parsed.malformed],
            "header_skipped": parsed.header_skipped,
            "total_lines": parsed.total_lines,
        }
        batch.save(
            update_fields=[
                "accepted_count",
                "duplicate_in_file_count",
                "duplicate_on_platform_count",
                "malformed_count",
                "report",
            ]
        )
    return batch


def revoke_card_keys(*, user: User, key_ids: list[int]) -> int:
    """Withdraw the merchant's own unsold (available) keys. Another shop's key is not_found; a
    reserved, sold or already revoked key refuses the whole call (nothing changes)."""
    require_role(user, Role.MERCHANT)
    ids = sorted(set(key_ids))
    if not ids:
        raise DomainError("invalid_input", fields={"key_ids": "at least one key id"})
    if len(ids) > MAX_REVOKE_PER_CALL:
        raise DomainError("invalid_input", fields={"key_ids": f"at most {MAX_REVOKE_PER_CALL} keys per call"})
    with transaction.atomic():
        # Lock in id order (docs/concurrency.md) before looking at the statuses.
        keys = list(
            CardKey.objects.select_for_update()
            .filter(pk__in=ids, shop__owner=user)
            .order_by("pk")
            .only("pk", "product_id", "status")
        )
        if len(keys) != len(ids):
            raise DomainError("not_found")
        if any(k.status != CardKeyStatus.AVAILABLE for k in keys):
            raise DomainError("inventory.key_not_revocable")
        edge = apply_transition(key_ids=ids, from_status=CardKeyStatus.AVAILABLE, action="revoke")
        per_product = Counter(k.product_id for k in keys)
        for product_id in sorted(per_product):
            adjust_stock(product_id=product_id, delta=edge.stock_delta * per_product[product_id])
    return len(ids)


def allocate_card_keys(*, product_id: int, quantity: int, buyer: User, update_counter: bool = True) -> list[CardKey]:
    """Sell ``quantity`` available keys of the product to the buyer, all or nothing.

    Meant to be called by orders inside their own transaction. On PostgreSQL the candidate rows
    are locked with SKIP LOCKED, so concurrent buyers take different keys instead of queueing on
    the same ones; the guarded UPDATE then proves none changed underneath. On SQLite the IMMEDIATE
    transaction already serialises writers.

    ``update_counter=False`` leaves the product's stock counter to the caller, who must call
    ``decrement_stock_counter`` as the LAST statement of the same transaction: the product row is
    the one row every sale of a product shares, so it should be locked only until the commit."""
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_ALLOCATE_PER_CALL:
        raise DomainError("invalid_input", fields={"quantity": f"1 to {MAX_ALLOCATE_PER_CALL}"})
    require_role(buyer, Role.BUYER)
    with atomic_unless_in_transaction():
        now = timezone.now()
        if connection.vendor == "postgresql":
            edge, keys = _claim_and_sell(product_id=product_id, quantity=quantity, buyer=buyer, now=now)
            if update_counter:
                adjust_stock(product_id=product_id, delta=edge.stock_delta * quantity)
            for key in keys:
                key.sold_to = buyer  # the row says so already; saves a look-up if a caller asks
            return keys
        candidates = CardKey.objects.filter(product_id=product_id, status=CardKeyStatus.AVAILABLE).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        keys = list(candidates[:quantity])
        if len(keys) < quantity:
            raise DomainError("inventory.out_of_stock")
        edge = apply_transition(
            key_ids=[k.pk for k in keys], from_status=CardKeyStatus.AVAILABLE, action="sell", now=now, sold_to=buyer
        )
        if update_counter:
            adjust_stock(product_id=product_id, delta=edge.stock_delta * quantity)
        for key in keys:  # mirror the guarded UPDATE instead of reading the rows again
            key.status, key.sold_to = edge.to, buyer
            setattr(key, edge.stamp, now)
        return keys


def _claim_and_sell(*, product_id: int, quantity: int, buyer: User, now) -> tuple[Transition, list[CardKey]]:
    """PostgreSQL: the SKIP LOCKED claim and the guarded "sell" UPDATE of ``apply_transition`` as ONE
    statement (one round trip instead of two on every checkout), along the same edge of the state
    table. The claimed ids are materialised once; the UPDATE runs only if all ``quantity`` were
    found, so an out-of-stock refusal writes nothing, as before. ``status = 'available'`` is still
    checked on the locked row, and the row count proves it."""
    edge = transition_for(CardKeyStatus.AVAILABLE, "sell")
    meta = CardKey._meta
    table = connection.ops.quote_name(meta.db_table)
    sold_to = connection.ops.quote_name(meta.get_field("sold_to").column)
    stamp = connection.ops.quote_name(meta.get_field(edge.stamp).column)
    keys = CardKey.objects.raw(
        f"WITH picked AS MATERIALIZED ("  # noqa: S608 (table and column names only)
        f"SELECT id FROM {table} WHERE product_id = %s AND status = %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) "
        f"UPDATE {table} k SET status = %s, {sold_to} = %s, {stamp} = %s FROM picked "
        f"WHERE k.id = picked.id AND k.status = %s AND (SELECT count(*) FROM picked) = %s RETURNING k.*",
        [product_id, CardKeyStatus.AVAILABLE, quantity, edge.to, buyer.pk, now, CardKeyStatus.AVAILABLE, quantity],
    )
    keys = sorted(keys, key=lambda k: k.pk)
    if not keys:
        raise DomainError("inventory.out_of_stock")
    if len(keys) != quantity:  # cannot happen: the claimed rows are ours and available
        raise DomainError("conflict")
    return edge, keys


def decrement_stock_counter(*, product_id: int, quantity: int) -> None:
    """The counter half of ``allocate_card_keys(update_counter=False)``."""
    adjust_stock(product_id=product_id, delta=-quantity)


def reveal_card_key(*, user: User, card_key_id: int) -> tuple[str, str | None]:
    """The plaintext (code, password) of a sold key, for the buyer it was sold to and nobody else.

    Merchants, agents and operators get ``reveal_forbidden`` even for keys of their own shop;
    another buyer gets ``not_found`` (the key does not exist for them). The first reveal is
    stamped: whether a code was ever shown is evidence in an after-sales case."""
    user = require_login(user)
    if user.role != Role.BUYER:
        raise DomainError("inventory.reveal_forbidden")
    key = CardKey.objects.filter(
        pk=card_key_id,
        sold_to=user,
        status__in=[CardKeyStatus.SOLD, CardKeyStatus.REPORTED_INVALID],
    ).first()
    if key is None:
        raise DomainError("not_found")
    try:
        plain = crypto.decrypt(key_id=key.key_id, blob=key.ciphertext, fingerprint=key.fingerprint)
    except (crypto.KeyringError, crypto.DecryptionError) as exc:
        raise DomainError("inventory.keyring_error") from exc
    if key.first_revealed_at is None:
        CardKey.objects.filter(pk=key.pk, first_revealed_at__isnull=True).update(first_revealed_at=timezone.now())
    return plain


@dataclass(frozen=True)
class RotationResult:
    active_key_id: str
    reencrypted: int
    retired: list[str]


def rotate_keyring(*, batch_size: int = 500, retire: bool = False) -> RotationResult:
    """Add a new AES key, make it active, re-encrypt every card key under it in batches (each one
    transaction, in id order), keep the old keys; with ``retire`` drop every key no
    row uses any more. Only a file keyring can be rotated; one from KAMENG_KEYRING is read-only."""
    keyring = crypto.keyring_or_error()
    if keyring.source != "file":
        raise DomainError(
            "inventory.keyring_error",
            "The keyring comes from KAMENG_KEYRING and cannot be rotated in place; use a keyring file.",
        )
    # Persist the new key before any row uses it: a crash mid-rotation leaves every row readable.
    keyring = crypto.with_new_active_key(keyring)
    crypto.save_keyring_file(keyring)
    done = 0
    last_pk = 0
    while True:
        # No row lock: SKIP LOCKED sales would skip locked rows and report a false "out of stock".
        # Only key_id/ciphertext are written and the plaintext never changes, so a sale changing
        # status meanwhile is neither lost nor harmed. Decrypting happens outside the transaction,
        # so the rows are held only for the UPDATE itself.
        rows = list(
            CardKey.objects.filter(pk__gt=last_pk)
            .exclude(key_id=keyring.active)
            .order_by("pk")
            .only("pk", "key_id", "ciphertext", "fingerprint")[:batch_size]
        )
        if not rows:
            break
        for row in rows:
            row.key_id, row.ciphertext = crypto.reencrypt(
                key_id=row.key_id, blob=row.ciphertext, fingerprint=row.fingerprint, keyring=keyring
            )
        with transaction.atomic():
            CardKey.objects.bulk_update(rows, ["key_id", "ciphertext"])
        done += len(rows)
        last_pk = rows[-1].pk
    retired: list[str] = []
    if retire:
        retired = retire_unused_keys()
    return RotationResult(active_key_id=keyring.active, reencrypted=done, retired=retired)


def retire_unused_keys() -> list[str]:
    """Drop every non-active AES key that no card key row references."""
    keyring = crypto.keyring_or_error()
    if keyring.source != "file":
        raise DomainError("inventory.keyring_error")
    used = set(CardKey.objects.values_list("key_id", flat=True).distinct())
    unused = {kid for kid in keyring.aes if kid != keyring.active and kid not in used}
    if unused:
        crypto.save_keyring_file(crypto.without_keys(keyring, unused))
    return sorted(unused)


def report_card_keys_invalid(*, card_key_ids: list[int]) -> None:
    """A buyer's report of sold keys was upheld (after-sales replacement): the keys are marked
    reported-invalid, so they stay on record and can never be sold again. Called by orders inside
    their transaction; the keys must be sold."""
    apply_transition(key_ids=card_key_ids, from_status=CardKeyStatus.SOLD, action="report_invalid")


def return_card_keys_to_stock(*, card_key_ids: list[int]) -> None:
    """Sold keys a final refund paid back whole, never revealed by the buyer: nobody has seen them,
    so they are for sale again (the product's stock counter goes up with them). Called by orders
    inside their transaction; the keys must be sold."""
    if not card_key_ids:
        return
    per_product: dict[int, int] = {}
    for product_id in CardKey.objects.filter(pk__in=card_key_ids).values_list("product_id", flat=True):
        per_product[product_id] = per_product.get(product_id, 0) + 1
    edge = apply_transition(key_ids=card_key_ids, from_status=CardKeyStatus.SOLD, action="return", sold_to=None)
    for product_id in sorted(per_product):
        adjust_stock(product_id=product_id, delta=edge.stock_delta * per_product[product_id])


def clear_card_key_reports(*, card_key_ids: list[int]) -> None:
    """The refund that marked these keys reported-invalid was taken back (the merchant won its
    contest or appeal): they are sold keys again, the buyer's."""
    if card_key_ids:
        apply_transition(key_ids=card_key_ids, from_status=CardKeyStatus.REPORTED_INVALID, action="clear_report")
