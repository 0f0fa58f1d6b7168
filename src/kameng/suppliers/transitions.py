"""The supplier-request state machine as data.

``TRANSITIONS[(from_status, event)] = to_status``. Events are what we learnt: a signed answer
(``accepted`` / ``succeeded`` / ``failed``), ``no_answer`` (timeout or garbled reply: we cannot
know whether the supplier acted), or ``give_up`` (the deadline passed without a final answer).
Only ``kameng.suppliers.services`` applies it, with a guarded UPDATE (``WHERE status = from``);
nothing else assigns ``SupplierRequest.status``. Final states have no way out, which is what makes
each final signal fire once.
"""

from __future__ import annotations

from kameng.suppliers.models import RequestStatus

P, S, U = RequestStatus.PENDING, RequestStatus.SENT, RequestStatus.UNKNOWN
OK, KO = RequestStatus.SUCCEEDED, RequestStatus.FAILED

EVENTS = ("accepted", "succeeded", "failed", "no_answer", "give_up")

TRANSITIONS: dict[tuple[str, str], str] = {
    (P, "accepted"): S,
    (P, "succeeded"): OK,
    (P, "failed"): KO,
    (P, "no_answer"): U,
    (P, "give_up"): KO,  # never reached the supplier
    (S, "accepted"): S,  # still working: only the next check moves
    (S, "succeeded"): OK,
    (S, "failed"): KO,
    (S, "no_answer"): S,  # a lost query changes nothing we know
    (S, "give_up"): KO,
    (U, "accepted"): S,
    (U, "succeeded"): OK,
    (U, "failed"): KO,
    (U, "no_answer"): U,
    (U, "give_up"): KO,
}


def next_status(from_status: str, event: str) -> str | None:
    """The status after ``event``, or None when the event does not apply (e.g. already final)."""
    return TRANSITIONS.get((from_status, event))
