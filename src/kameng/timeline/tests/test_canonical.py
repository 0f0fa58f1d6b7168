"""The hash is a public format: anyone must be able to recompute it with hashlib and json alone."""

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kameng.timeline.canonical import ZERO_HASH, canonical_json, check_json_safe, event_hash, format_time

KNOWN = {
    "stream": "order:17",
    "seq": 1,
    "kind": "order.paid",
    "actor_id": 42,
    "actor_role": "buyer",
    "payload": {"amount_fen": 1999, "payment": "pay_7", "备注": "点卡"},
    "created_at": datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    "prev_hash": ZERO_HASH,
}


def test_known_event_hashes_to_an_independently_computed_value():
    # Written out by hand: sorted keys, no spaces, UTF-8 (not \\u escapes), microseconds and Z.
    text = (
        '{"actor_id":42,"actor_role":"buyer","created_at":"2025-01-02T03:04:05.000006Z",'
        '"kind":"order.paid","payload":{"amount_fen":1999,"payment":"pay_7","备注":"点卡"},'
        '"prev_hash":"' + "0" * 64 + '","seq":1,"stream":"order:17"}'
    )
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert event_hash(**KNOWN) == expected
    # and the same through json with the documented options
    doc = {**KNOWN, "created_at": "2025-01-02T03:04:05.000006Z"}
    assert json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False) == text


def test_hash_is_a_fixed_value():
    # Pinned so an accidental change of the canonical form fails loudly (it would break every chain).
    assert event_hash(**KNOWN) == "32c1b99988e77da9f5feb6eabe6383e4af8419d85e489a7f567811e75b77fff1"


def test_key_order_and_time_zone_do_not_change_the_hash():
    from zoneinfo import ZoneInfo

    shanghai = KNOWN["created_at"].astimezone(ZoneInfo("Asia/Shanghai"))
    reordered = {**KNOWN, "payload": {"备注": "点卡", "payment": "pay_7", "amount_fen": 1999}, "created_at": shanghai}
    assert event_hash(**reordered) == event_hash(**KNOWN)


def test_every_field_changes_the_hash():
    base = event_hash(**KNOWN)
    changes = {
        "stream": "order:18",
        "seq": 2,
        "kind": "order.refunded",
        "actor_id": None,
        "actor_role": "merchant",
        "payload": {"amount_fen": 1998, "payment": "pay_7", "备注": "点卡"},
        "created_at": datetime(2025, 1, 2, 3, 4, 5, 7, tzinfo=UTC),
        "prev_hash": "1" * 64,
    }
    for name, value in changes.items():
        assert event_hash(**{**KNOWN, name: value}) != base, name


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        format_time(datetime(2025, 1, 1))


@pytest.mark.parametrize(
    "value",
    [
        1.5,
        float("nan"),
        Decimal("1.00"),
        (1, 2),
        {1: "int key"},
        {"a": {"b": [0.1]}},
        "nul\x00byte",
        "\ud800",
        2**63,
        -(2**63) - 1,
        {1, 2},
        datetime(2025, 1, 1, tzinfo=UTC),
        b"bytes",
    ],
)
def test_values_that_cannot_round_trip_are_named(value):
    assert check_json_safe({"x": value})


@pytest.mark.parametrize("value", [None, True, 0, 2**63 - 1, -(2**63), "卡密", [1, "a", None], {"a": {"b": []}}])
def test_json_values_are_accepted(value):
    assert check_json_safe({"x": value}) is None


@given(st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1), st.text()))
def test_hand_made_scalar_json_is_exactly_canonical_json(value):
    from kameng.timeline.canonical import _scalar_json

    assert _scalar_json(value) == canonical_json(value)
