"""The shop-status state machine as data.

``TRANSITIONS[(from_status, to_status, actor_role)] = action``. Two services apply it, each under
the shop's row lock and each writing a ShopStatusChange record: ``kameng.shops.services.change_shop_status``
(an operator's decision) and ``set_status_by_rule`` (the ``system`` role: an automatic penalty of
rules 4.5 / 10.6 warns or freezes a shop by itself and lifts what a rule set, recorded with no
``changed_by``). Nothing else assigns ``Shop.status``. A ban is lifted to
*frozen*, never straight back to selling, so a second look is always needed before a banned shop
trades again.
"""

from __future__ import annotations

from kameng.accounts.models import Role
from kameng.core.errors import DomainError
from kameng.shops.models import ShopStatus

A, W, F, B = ShopStatus.ACTIVE, ShopStatus.WARNED, ShopStatus.FROZEN, ShopStatus.BANNED
OP = Role.OPERATOR

TRANSITIONS: dict[tuple[str, str, str], str] = {
    (A, W, OP): "warn",
    (A, F, OP): "freeze",
    (A, B, OP): "ban",
    (W, A, OP): "clear_warning",
    (W, F, OP): "freeze",
    (W, B, OP): "ban",
    (F, A, OP): "unfreeze",
    (F, W, OP): "unfreeze_with_warning",
    (F, B, OP): "ban",
    (B, F, OP): "lift_ban",
    # Automatic penalties (4.5, 10.6) warn or freeze a shop by themselves, and lift by themselves
    # when the figures recover; ``set_status_by_rule`` lifts only what a rule set.
    (A, W, "system"): "warn_by_rule",
    (A, F, "system"): "freeze_by_rule",
    (W, F, "system"): "freeze_by_rule",
    (W, A, "system"): "lift_warning_by_rule",
    (F, W, "system"): "lift_freeze_by_rule",
    (F, A, "system"): "lift_freeze_by_rule",
}


def action_for(*, from_status: str, to_status: str, role: str) -> str:
    """The action name for an allowed transition, or DomainError (nothing is changed)."""
    if to_status not in ShopStatus.values:
        raise DomainError("shop.invalid_status", fields={"status": f"one of {', '.join(ShopStatus.values)}"})
    action = TRANSITIONS.get((from_status, to_status, role))
    if action is None:
        raise DomainError(
            "shop.transition_not_allowed",
            fields={"status": f"{from_status} → {to_status}"},
            from_status=ShopStatus(from_status).label,
            to_status=ShopStatus(to_status).label,
        )
    return action
