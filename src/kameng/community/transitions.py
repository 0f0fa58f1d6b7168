"""A post's moderation state as data.

``MODERATION[(state, action, role)] = next state``. ``services.moderate`` applies it under the
post's row lock and writes a ``ModerationLog`` row; nothing else assigns a post's ``state``.
Support agents hide, restore and delete; only an operator brings back a deleted post.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kameng.accounts.models import Role
from kameng.community.models import PostState
from kameng.core.errors import DomainError

V, H, D = PostState.VISIBLE, PostState.HIDDEN, PostState.DELETED
ACTIONS = ("hide", "restore", "delete")
ACTION_LABELS = {"hide": _("hidden"), "restore": _("restored"), "delete": _("deleted")}

MODERATION: dict[tuple[str, str, str], str] = {}
for _role in (Role.AGENT, Role.OPERATOR):
    MODERATION[(V, "hide", _role)] = H
    MODERATION[(H, "restore", _role)] = V
    MODERATION[(V, "delete", _role)] = D
    MODERATION[(H, "delete", _role)] = D
MODERATION[(D, "restore", Role.OPERATOR)] = V


def next_state(state: str, action: str, role: str) -> str:
    try:
        return MODERATION[(state, action, role)]
    except KeyError:
        label = ACTION_LABELS.get(action, action)
        raise DomainError(
            "community.moderation_not_allowed", state=str(PostState(state).label), action=str(label)
        ) from None
