"""Merchants' patterns for the fields a buyer fills in, run by RE2, a linear-time engine.

Merchants write these and anyone's input runs through them, so a backtracking engine would let a
merchant stall a worker with a pattern like ``(a|aa)*c`` (seven seconds for 38 characters). RE2
never backtracks: matching costs pattern size × input size, and both are capped (PATTERN_MAX
here, the value cap in services), as is the memory a compiled pattern may take. What RE2 does not
offer (look-around, back-references) is refused when the merchant saves the pattern. Python's
``re`` never sees a merchant's pattern."""

from __future__ import annotations

import functools
import logging

import re2

log = logging.getLogger(__name__)

PATTERN_MAX = 200
# A compiled program above this is refused: bounds the cost of a pattern like [0-9]{1000}.
PROGRAM_MEMORY_MAX = 1 << 20


def _options() -> re2.Options:
    options = re2.Options()
    options.max_mem = PROGRAM_MEMORY_MAX
    options.log_errors = False
    return options


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str):
    return re2.compile(pattern, _options())


def pattern_error(pattern: str) -> str | None:
    """Why RE2 cannot take this pattern (None: it can)."""
    try:
        _compiled(pattern)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return None


def fullmatches(pattern: str, value: str) -> bool:
    """Whether the whole value matches. A stored pattern RE2 cannot take (saved before RE2 checked
    patterns) matches nothing: the buyer sees the format hint, and the worker is never at risk."""
    try:
        return _compiled(pattern).fullmatch(value) is not None
    except re2.error:
        log.warning("required-field pattern refused by RE2: %r", pattern[:PATTERN_MAX])
        return False
