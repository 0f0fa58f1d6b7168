"""The gateway interface and the registry of enabled gateways.

A gateway knows its provider's protocol and nothing else: where to send the buyer
(``checkout_url``), how to read and verify a notification (``parse_notification``) and what to
answer (``ack``/``nack``). What a notification *does* is decided in ``payments.services``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from kameng.core.errors import DomainError
from kameng.payments import conf


class BadSignature(Exception):
    """The notification is not provably from the gateway (signature, key or shape wrong)."""


@dataclass(frozen=True)
class Notification:
    event_id: str
    out_trade_no: str
    provider_trade_no: str
    amount_fen: int  # -1 when the gateway sent an amount we cannot read exactly
    currency: str
    succeeded: bool


class Gateway(ABC):
    """What every payment gateway adapter implements (sandbox, EPay)."""

    name: str = ""
    label = ""

    @abstractmethod
    def checkout_url(self, payment, request: HttpRequest | None = None) -> str: ...

    @abstractmethod
    def parse_notification(self, params: Mapping[str, str]) -> Notification:
        """Verify and read a notification; raise ``BadSignature`` if it cannot be trusted."""
        ...

    @abstractmethod
    def ack(self) -> HttpResponse: ...

    @abstractmethod
    def nack(self) -> HttpResponse: ...


def _registry() -> dict[str, type[Gateway]]:
    from kameng.payments.gateways.epay import EpayGateway
    from kameng.payments.gateways.sandbox import SandboxGateway

    return {SandboxGateway.name: SandboxGateway, EpayGateway.name: EpayGateway}


def enabled_gateways() -> list[Gateway]:
    registry = _registry()
    return [registry[name]() for name in conf.enabled_gateway_names() if name in registry]


def get_gateway(name: str) -> Gateway:
    """An enabled gateway by name; anything else is ``payments.unknown_gateway``."""
    registry = _registry()
    if name not in conf.enabled_gateway_names() or name not in registry:
        raise DomainError("payments.unknown_gateway", fields={"gateway": "not an enabled payment method"})
    return registry[name]()


def is_enabled(name: str) -> bool:
    return name in conf.enabled_gateway_names() and name in _registry()
