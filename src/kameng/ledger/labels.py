"""What a journal entry reads as on a wallet or balance page.

An entry's ``source`` is structured ("order:4:paid", "payment:7:captured") and unique; its
``memo`` is a developer's note in English. Pages describe an entry from its source at display
time, in the reader's language, so rows written before a wording changed still read well. The
ledger knows nothing about orders or payments: each app registers the sources it posts, once,
next to its timeline labels:

    register_entry_labels([(r"^order:(?P<order>\\d+):paid$", _("Order #%(order)s paid into escrow"))])

The named groups fill the label. A source nobody registered reads as a neutral "Account movement",
never as its raw memo.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ENTRY_LABELS: list[tuple[re.Pattern, Promise | str]] = []
UNKNOWN_ENTRY = _("Account movement")


def register_entry_labels(labels: Iterable[tuple[str, Promise | str]]) -> None:
    """Add (regex on the source, label) pairs; the first registered match wins."""
    ENTRY_LABELS.extend((re.compile(pattern), label) for pattern, label in labels)


def entry_label(source: str) -> str:
    for pattern, label in ENTRY_LABELS:
        match = pattern.match(source or "")
        if match:
            return str(label) % match.groupdict()
    return str(UNKNOWN_ENTRY)
