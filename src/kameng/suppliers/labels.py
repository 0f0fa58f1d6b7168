"""What a supplier's answer means, in the reader's language.

A supplier explains a failure in its own words ("account does not exist"); the request keeps
that text as received (``SupplierRequest.reason``) for agents and operators, and buyers and
merchants read it through ``reason_label``. A text we do not recognise reads as the generic
failure, never as the supplier's raw words.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

# (pattern on the lower-cased text, label). First match wins.
_PATTERNS = (
    (
        re.compile(r"account (does not|doesn't) exist|no such account|invalid account|unknown account|账号不存在"),
        _("The account to top up does not exist"),
    ),
    (re.compile(r"^no answer$|^no_answer|timed? ?out|timeout"), _("The supplier never answered")),
    (re.compile(r"^rejected:|bad_request|bad request"), _("The supplier refused the request")),
    (re.compile(r"refused|declined|拒绝"), _("The supplier refused the top-up")),
    (re.compile(r"out of stock|sold out|缺货"), _("The supplier is out of stock")),
    (re.compile(r"^topped up$|^succeeded$"), _("Topped up")),
    (re.compile(r"^processing$|^accepted$"), _("Processing")),
)
GENERIC_FAILURE = _("The supplier could not top up")


def reason_label(text: str) -> str:
    """The supplier's answer as a translated reason (generic when unrecognised)."""
    lowered = (text or "").strip().lower()
    for pattern, label in _PATTERNS:
        if pattern.search(lowered):
            return str(label)
    return str(GENERIC_FAILURE)
