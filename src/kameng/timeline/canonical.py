"""The canonical form of an event, and its hash.

An event's hash is SHA-256 over the UTF-8 bytes of this JSON object, keys sorted, no spaces,
non-ASCII kept as is (``ensure_ascii=False``)::

    {"actor_id": 7 | null, "actor_role": "buyer", "created_at": "2025-01-02T03:04:05.000006Z",
     "kind": "order.paid", "payload": {...}, "prev_hash": "<64 hex>", "seq": 3,
     "stream": "order:17"}

``created_at`` is UTC with exactly six fractional digits and a ``Z``. The first event of a stream
has ``prev_hash`` = 64 zeros. Anyone holding an export can recompute the chain with nothing but
hashlib and json; keep this function free of Django so that stays true.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

ZERO_HASH = "0" * 64
HASHED_FIELDS = ("stream", "seq", "kind", "actor_id", "actor_role", "payload", "created_at", "prev_hash")

# Integers outside the signed 64-bit range do not survive every JSON store (or JavaScript) intact.
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_DEPTH = 16


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("event times are aware UTC datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hashed_content(
    *,
    stream: str,
    seq: int,
    kind: str,
    actor_id: int | None,
    actor_role: str,
    payload: Any,
    created_at: datetime,
    prev_hash: str,
) -> dict[str, Any]:
    return {
        "stream": stream,
        "seq": seq,
        "kind": kind,
        "actor_id": actor_id,
        "actor_role": actor_role,
        "payload": payload,
        "created_at": format_time(created_at),
        "prev_hash": prev_hash,
    }


def event_hash(**fields: Any) -> str:
    return hashlib.sha256(canonical_json(hashed_content(**fields)).encode("utf-8")).hexdigest()


def field_digests(**fields: Any) -> dict[str, str]:
    """A short digest of each hashed field. Not a security measure (the event hash is): it only
    lets `verify` say *which* field of a tampered event changed."""
    content = hashed_content(**fields)
    return {
        name: hashlib.sha256(_scalar_json(content[name]).encode("utf-8")).hexdigest()[:16] for name in HASHED_FIELDS
    }


# A string json.dumps(ensure_ascii=False) would leave as it is, between quotes.
_PLAIN_STRING = re.compile(r'[^"\\\x00-\x1f]*')


def _scalar_json(value: Any) -> str:
    """canonical_json, with the common scalars done by hand (the same text json.dumps gives)."""
    if value is None:
        return "null"
    if type(value) is int:
        return str(value)
    if type(value) is str and _PLAIN_STRING.fullmatch(value):
        return f'"{value}"'
    return canonical_json(value)


def check_json_safe(value: Any, *, path: str = "payload", depth: int = 0) -> str | None:
    """Return why ``value`` would not come back from the database exactly as given, or None.

    Only dicts with string keys, lists, strings, integers, booleans and None are allowed. Floats are
    refused (money is integer fen, and floats do not round-trip through every store); so are
    tuples, sets, Decimals, datetimes (pass an ISO string), strings with NUL or lone surrogates
    (PostgreSQL jsonb and UTF-8 reject them) and integers beyond 64 bits."""
    if depth > MAX_DEPTH:
        return f"{path}: nested deeper than {MAX_DEPTH} levels"
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        if type(value) is not int:  # an IntEnum or similar would serialise differently later
            return f"{path}: {type(value).__name__} is not a plain int"
        return None if _INT_MIN <= value <= _INT_MAX else f"{path}: integer outside 64 bits"
    if isinstance(value, float):
        return f"{path}: floats are not allowed (money is integer fen)"
    if isinstance(value, str):
        if type(value) is not str:
            return f"{path}: {type(value).__name__} is not a plain str"
        if "\x00" in value:
            return f"{path}: NUL character"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"{path}: not encodable as UTF-8"
        return None
    if isinstance(value, list):
        for i, item in enumerate(value):
            problem = check_json_safe(item, path=f"{path}[{i}]", depth=depth + 1)
            if problem:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if type(key) is not str:
                return f"{path}: key {key!r} is not a string"
            problem = check_json_safe(key, path=f"{path} key", depth=depth + 1) or check_json_safe(
                item, path=f"{path}.{key}", depth=depth + 1
            )
            if problem:
                return problem
        return None
    return f"{path}: {type(value).__name__} is not JSON (pass ints, strings, bools, None, lists, dicts)"
