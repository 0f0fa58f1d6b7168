"""Where money entered the books from outside, as `kameng ledger check` reports it.

The ledger only sees a clearing account; the apps that own the gateways know which entries came
through which one. Each registers a reader in its AppConfig.ready() (as with ``core.periodic``), so
the ledger never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MoneyOrigin:
    name: str  # e.g. "sandbox"
    amount_fen: int
    count: int
    real: bool  # False: test money (the sandbox gateway), which a production platform must not hold


_READERS: dict[str, Callable[[], list[MoneyOrigin]]] = {}


def register(name: str, reader: Callable[[], list[MoneyOrigin]]) -> None:
    _READERS[name] = reader


def origins() -> list[MoneyOrigin]:
    return [origin for reader in _READERS.values() for origin in reader()]
