"""Signals for the domains above (orders), sent on commit, once per request, with ``request=``.

Receivers run after the final state is committed; one that raises is logged and does not stop
the others. A receiver should still be idempotent: orders' own sweep may read the same outcome
through ``selectors.request_for_ref`` if a process died between commit and signal."""

from django.dispatch import Signal

topup_succeeded = Signal()  # request: SupplierRequest (status succeeded)
topup_failed = Signal()  # request: SupplierRequest (status failed; reason says why)
