"""Small database helpers shared by the domains."""

from __future__ import annotations

from contextlib import nullcontext

from django.db import connection, transaction


def atomic_unless_in_transaction():
    """A transaction if the caller has none, else nothing.

    Services that are meant to run inside their caller's transaction use this instead of a nested
    ``atomic()`` (a SAVEPOINT and RELEASE per call, two round trips on every checkout). They must
    then refuse — raise their DomainError — before they write anything, so a caller that catches
    the error still holds a clean transaction."""
    if connection.in_atomic_block:
        return nullcontext()
    return transaction.atomic()
