"""How a shop's status history reads: states through ShopStatus's labels, and the reasons the
system wrote when a rule changed the status (stored in English, as the rule engine words them)
in the reader's language. What an operator typed is shown as typed."""

from __future__ import annotations

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kameng.shops.models import ShopStatus

_LIFTED = "penalties lifted: figures recovered"
_RULE = re.compile(r"\brule (\d+(?:\.\d+)*)")


def status_label(status: str) -> str:
    labels = dict(ShopStatus.choices)
    return str(labels.get(status, _("Unknown")))


def history_reason(change) -> str:
    """The reason of one ShopStatusChange for the page."""
    if change.changed_by_id is not None:
        return change.reason
    if change.reason == _LIFTED:
        return gettext("Penalties lifted: the figures recovered")
    clauses = list(dict.fromkeys(_RULE.findall(change.reason or "")))
    if clauses:
        return gettext("Automatic penalty under clause %(clauses)s") % {"clauses": gettext(", ").join(clauses)}
    return gettext("Changed by rule")
