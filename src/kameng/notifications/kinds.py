"""The registry of notification kinds: what each kind says, in every language.

Apps register their kinds when they are imported (or in ``AppConfig.ready``)::

    register_kind(
        "case.merchant_to_answer",
        title=_("Case %(case)s needs your answer"),
        body=_("Answer before %(due)s, or the platform steps in."),
    )

Title and body are lazy gettext strings with ``%(name)s`` placeholders filled from the
notification's params. A param may also hold one text per language, ``{"zh": "…", "en": "…"}``
(``services.notify`` stores a lazy string passed as a param that way), and the reader's language
is picked. Rendering never fails: an unknown kind shows its own name, a missing param shows as
"?", a broken template is shown unfilled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    code: str
    title: Any  # a lazy gettext string
    body: Any


_KINDS: dict[str, Kind] = {}


def register_kind(kind: str, *, title: Any, body: Any) -> None:
    """Register (or re-register, e.g. on a module reload) what a kind says."""
    if not isinstance(kind, str) or not kind or len(kind) > 64:
        raise ValueError(f"a notification kind is a non-empty string of at most 64 characters: {kind!r}")
    _KINDS[kind] = Kind(kind, title, body)


def is_registered(kind: str) -> bool:
    return kind in _KINDS


def registered_kinds() -> list[str]:
    return sorted(_KINDS)


def _english() -> bool:
    return (get_language() or "zh-hans").lower().startswith("en")


class _Params(dict):
    """Params as the template sees them: per-language values resolved, missing ones shown as "?"."""

    def __missing__(self, key: str) -> str:
        return "?"


def localize(value: Any) -> Any:
    """A per-language param ({"zh": …, "en": …}) in the active language, falling back to zh."""
    if isinstance(value, dict) and "zh" in value:
        if _english() and value.get("en"):
            return value["en"]
        return value["zh"]
    return value


def _fill(template: Any, params: dict) -> str:
    text = str(template)
    try:
        return text % _Params({k: localize(v) for k, v in params.items()})
    except (TypeError, ValueError, KeyError):
        # A template without placeholders but with a literal "%", or a typo in one: show it as is.
        log.warning("notification template %r could not be filled", text)
        return text


def render(notification: Any) -> tuple[str, str]:
    """(title, body) of a notification in the active language."""
    kind = _KINDS.get(notification.kind)
    if kind is None:
        return notification.kind, ""
    params = notification.params if isinstance(notification.params, dict) else {}
    return _fill(kind.title, params), _fill(kind.body, params)
