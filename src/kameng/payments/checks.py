"""What `kameng serve` (and every management command) says about the payment set-up at start.

A platform with no real gateway offers no top-up, and says so; the sandbox gateway, which lets any
buyer credit any amount for free, is only ever on by an explicit choice, and then said loudly."""

from __future__ import annotations

import logging

from django.core import checks

from kameng.payments import conf

log = logging.getLogger("kameng.payments")

SANDBOX_WARNING = (
    "SANDBOX PAYMENT GATEWAY ENABLED (KAMENG_PAYMENT_GATEWAYS contains 'sandbox'): any buyer can credit "
    "their wallet with any amount for free. This is for the demo and tests only, never production."
)


def payment_gateways(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    names = conf.enabled_gateway_names()
    found: list[checks.CheckMessage] = []
    if "sandbox" in names:
        found.append(checks.Warning(SANDBOX_WARNING, id="payments.W002"))
    if not names:
        found.append(
            checks.Warning(
                "No real payment gateway is configured: buyers cannot top up their wallets.",
                hint="Set KAMENG_PAYMENT_GATEWAYS=epay and KAMENG_EPAY_URL, KAMENG_EPAY_PID, KAMENG_EPAY_KEY.",
                id="payments.W001",
            )
        )
    return found


def warn_if_sandbox() -> None:
    """Logged on every process start with the sandbox on (web workers, the job worker)."""
    if "sandbox" in conf.enabled_gateway_names():
        log.warning(SANDBOX_WARNING)
