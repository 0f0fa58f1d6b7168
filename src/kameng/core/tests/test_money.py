"""Money is integer fen; the `yuan` filter is the one place it becomes ¥ yuan."""

from __future__ import annotations

import pytest
from django.template import engines

from kameng.core.templatetags.money import format_fen, yuan


@pytest.mark.parametrize(
    ("fen", "shown"),
    [
        (0, "¥0.00"),
        (1, "¥0.01"),
        (5, "¥0.05"),
        (10, "¥0.10"),
        (30, "¥0.30"),  # 0.1 + 0.2 in floats would not be this
        (99, "¥0.99"),
        (100, "¥1.00"),
        (980, "¥9.80"),
        (199_999, "¥1,999.99"),
        (-1, "-¥0.01"),
        (-150, "-¥1.50"),
        (-100_000, "-¥1,000.00"),
        (123_456_789_012, "¥1,234,567,890.12"),
        (10**17 + 1, "¥1,000,000,000,000,000.01"),  # beyond float precision, still exact
    ],
)
def test_yuan_shows_fen_exactly(fen, shown):
    assert yuan(fen) == shown
    assert format_fen(fen) == shown


def test_yuan_of_nothing_is_empty():
    assert yuan(None) == ""


def test_yuan_is_a_builtin_filter_in_every_template():
    template = engines["django"].from_string("{{ price|yuan }} / {{ refund|yuan }}")
    assert template.render({"price": 2990, "refund": -2990}) == "¥29.90 / -¥29.90"
