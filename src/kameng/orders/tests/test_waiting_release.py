"""A waiting 分批到账 batch says what releases it (issue 12, point 5)."""

from datetime import UTC, datetime
from types import SimpleNamespace as B

from kameng.orders.selectors import waiting_releases

DUE = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def test_waiting_batch_names_the_batch_before_and_its_window():
    notes = waiting_releases(
        [B(seq=1, state="delivered", held_by="", confirm_due_at=DUE), B(seq=2, state="waiting", held_by="")]
    )
    assert notes[2].after_seq == 1 and notes[2].by == DUE and not notes[2].held


def test_a_case_hold_has_no_clock():
    notes = waiting_releases(
        [B(seq=1, state="delivered", held_by="case:3", confirm_due_at=DUE), B(seq=2, state="waiting", held_by="")]
    )
    assert notes[2].held and notes[2].by is None
