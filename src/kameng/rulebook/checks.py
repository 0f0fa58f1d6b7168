"""What every start says about the rulebook's set-up.

The order numbers (payment window, protection window, commission, 分批到账 threshold, smallest
payout) were environment variables before they joined the rulebook (clauses 8.6–8.9). A variable
still set is read by nothing: the number in force is the published rulebook's. Said at start, so
that nobody believes a changed variable changed the commission."""

from __future__ import annotations

import os

from django.core import checks

# The variable each number was read from, and the rulebook parameter it became.
RETIRED_VARIABLES = {
    "KAMENG_PAYMENT_WINDOW_MINUTES": "payment_window_minutes",
    "KAMENG_PROTECTION_WINDOW_HOURS": "protection_window_hours",
    "KAMENG_COMMISSION_BPS": "commission_bps",
    "KAMENG_BATCH_THRESHOLD_FEN": "batch_threshold_fen",
    "KAMENG_PAYOUT_MIN_FEN": "payout_min_fen",
}


def retired_variables(app_configs=None, environ=os.environ, **kwargs) -> list[checks.CheckMessage]:
    return [
        checks.Warning(
            f"{variable} is set but no longer read: the number is the rulebook parameter {param}.",
            hint=(
                "Operators change it by publishing a rulebook version at /operator/rules/ (the migration to "
                "rulebook 0002 carried the variable's value over once); unset the variable."
            ),
            id="rulebook.W001",
        )
        for variable, param in RETIRED_VARIABLES.items()
        if environ.get(variable, "").strip()
    ]
