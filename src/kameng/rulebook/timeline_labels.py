"""How a clause cited in an event reads: its number and its title in the reader's language.

Events store ``{"rulebook": <version number>, "clause": "2.3", "title": <Chinese title>}``
(``Rulebook.cite``); the title shown is looked up in that version, so an English page never shows
the stored Chinese title.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kameng.core.errors import DomainError


def clause_text(code: str, number: int | None = None) -> str:
    """ "2.3 售后期间资金冻结" / "2.3 Funds frozen during after-sales" (the number alone if the
    clause is unknown to that version)."""
    from kameng.rulebook import selectors

    try:
        book = selectors.version_by_number(number) if isinstance(number, int) else selectors.current()
        return f"{code} {book.clause(code).title}"
    except DomainError:
        return code


def _clause(value, payload):
    if isinstance(value, dict):  # a cite of its own: {"rulebook": 1, "clause": "5.1", "title": …}
        value, number = value.get("clause"), value.get("rulebook")
    else:
        number = payload.get("rulebook")
    if not isinstance(value, str) or not value:
        return None
    return clause_text(value, number)


def register() -> None:
    from kameng.timeline.labels import Field, register_fields

    register_fields({"clause": Field(_("Clause"), _clause), "ruling_clause": Field(_("Clause ruled on"), _clause)})
