"""The tampering matrix: every way of rewriting history is detected and named."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kameng.timeline.canonical import ZERO_HASH
from kameng.timeline.models import Event, StreamHead
from kameng.timeline.selectors import (
    BROKEN_LINK,
    EDITED,
    GAP,
    HEAD_MISMATCH,
    HEAD_MISSING,
    TIME_BACKWARDS,
    verify,
    verify_all,
    verify_stream,
)
from kameng.timeline.services import append_event

pytestmark = pytest.mark.django_db


def codes(problems):
    return {(p.stream, p.code, p.seq, p.field) for p in problems}


def raw_delete(event_id):
    # The model refuses deletes, as it should; an attacker with database access does not ask it.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM timeline_event WHERE id = %s", [event_id])


def test_intact_chains_verify(chain):
    assert verify_all() == []
    report = verify()
    assert (report.ok, report.streams, report.events) == (True, 2, 5)


def test_edited_payload_is_named(chain):
    Event.objects.filter(pk=chain[1].pk).update(payload={"n": 99})
    assert codes(verify_stream("order:1")) == {("order:1", EDITED, 2, "payload")}
    assert verify_stream("order:2") == []


@pytest.mark.parametrize(("field", "value"), [("kind", "order.refunded"), ("actor_role", "operator"), ("actor_id", 7)])
def test_edited_fields_are_named(chain, field, value):
    Event.objects.filter(pk=chain[0].pk).update(**{field: value})
    assert codes(verify_stream("order:1")) == {("order:1", EDITED, 1, field)}


def test_event_moved_to_another_stream_is_detected(chain):
    Event.objects.filter(pk=chain[2].pk).update(stream="order:2", seq=3)
    found = codes(verify_all())
    assert ("order:1", HEAD_MISMATCH, 3, "seq") in found
    assert ("order:2", EDITED, 3, "stream") in found
    assert ("order:2", BROKEN_LINK, 3, "prev_hash") in found


def test_edited_hash_is_named(chain):
    Event.objects.filter(pk=chain[2].pk).update(hash="f" * 64)
    found = codes(verify_stream("order:1"))
    assert ("order:1", EDITED, 3, "hash") in found
    assert ("order:1", HEAD_MISMATCH, 3, "head_hash") in found


def test_edit_with_recomputed_digests_is_still_caught(chain):
    # Altering the per-field digests too only hides *which* field changed, never *that* it changed.
    Event.objects.filter(pk=chain[1].pk).update(payload={"n": 99}, digests={})
    problems = verify_stream("order:1")
    assert problems and all(p.code == EDITED and p.seq == 2 for p in problems)


def test_altered_created_at_is_named(chain):
    Event.objects.filter(pk=chain[1].pk).update(created_at=chain[0].created_at - timedelta(seconds=1))
    found = codes(verify_stream("order:1"))
    assert ("order:1", EDITED, 2, "created_at") in found
    assert ("order:1", TIME_BACKWARDS, 2, "created_at") in found


def test_deleted_middle_event_is_a_gap(chain):
    raw_delete(chain[1].pk)
    assert codes(verify_stream("order:1")) == {("order:1", GAP, 3, "seq")}


def test_deleted_last_event_is_a_head_mismatch(chain):
    raw_delete(chain[2].pk)
    [problem] = verify_stream("order:1")
    assert (problem.code, problem.seq, problem.field) == (HEAD_MISMATCH, 3, "seq")
    assert "missing" in problem.detail


def test_deleted_first_event_is_a_gap(chain):
    raw_delete(chain[0].pk)
    assert ("order:1", GAP, 2, "seq") in codes(verify_stream("order:1"))


def test_every_event_deleted_leaves_the_head_to_tell(chain):
    for event in chain:
        raw_delete(event.pk)
    assert codes(verify_all()) == {("order:1", HEAD_MISMATCH, 3, "seq")}


def test_swapped_seqs_are_detected(chain):
    first, second = chain[0], chain[1]
    Event.objects.filter(pk=first.pk).update(seq=1000)
    Event.objects.filter(pk=second.pk).update(seq=1)
    Event.objects.filter(pk=first.pk).update(seq=2)
    found = codes(verify_stream("order:1"))
    assert ("order:1", EDITED, 1, "seq") in found
    assert ("order:1", EDITED, 2, "seq") in found
    assert ("order:1", BROKEN_LINK, 1, "prev_hash") in found
    assert ("order:1", TIME_BACKWARDS, 2, "created_at") in found


def test_replaced_link_is_detected(chain):
    Event.objects.filter(pk=chain[1].pk).update(prev_hash=ZERO_HASH)
    found = codes(verify_stream("order:1"))
    assert ("order:1", EDITED, 2, "prev_hash") in found
    assert ("order:1", BROKEN_LINK, 2, "prev_hash") in found


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"seq": 2}, "seq"),
        ({"seq": 5}, "seq"),
        ({"head_hash": "a" * 64}, "head_hash"),
        ({"updated_at": None}, "updated_at"),
    ],
)
def test_forged_head_is_detected(chain, change, field):
    StreamHead.objects.filter(stream="order:1").update(**change)
    assert codes(verify_stream("order:1")) == {("order:1", HEAD_MISMATCH, change.get("seq", 3), field)}


def test_missing_head_is_detected(chain):
    StreamHead.objects.filter(stream="order:2").delete()
    assert codes(verify_all()) == {("order:2", HEAD_MISSING, None, "")}


def test_verify_all_reports_every_stream(chain):
    Event.objects.filter(pk=chain[0].pk).update(payload={"n": -1})
    append_event(stream="case:1", kind="case.opened", payload={})
    other = Event.objects.get(stream="order:2", seq=2)
    Event.objects.filter(pk=other.pk).update(kind="order.refunded")
    assert codes(verify_all()) == {("order:1", EDITED, 1, "payload"), ("order:2", EDITED, 2, "kind")}
    report = verify()
    assert (report.ok, report.streams, report.events) == (False, 3, 6)


def test_verify_one_stream_only(chain):
    Event.objects.filter(pk=chain[0].pk).update(payload={"n": -1})
    assert verify(stream="order:2").ok
    assert not verify(stream="order:1").ok
    assert verify(stream="order:404").as_dict() == {"ok": True, "streams": 0, "events": 0, "problems": []}


def test_command_passes_on_intact_chains(chain):
    out = StringIO()
    call_command("timeline", "verify", stdout=out)
    assert "ok" in out.getvalue() and "5 event(s)" in out.getvalue()


def test_command_fails_naming_each_problem(chain):
    Event.objects.filter(pk=chain[1].pk).update(payload={"n": 99})
    raw_delete(Event.objects.get(stream="order:2", seq=1).pk)
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("timeline", "verify", stderr=err)
    assert "2 problem(s)" in str(exc.value)
    assert "order:1 #2: edited (payload)" in err.getvalue()
    assert "order:2 #2: gap (seq)" in err.getvalue()


def test_command_for_one_stream(chain):
    Event.objects.filter(pk=chain[1].pk).update(payload={"n": 99})
    call_command("timeline", "verify", "--stream", "order:2", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("timeline", "verify", "--stream", "order:1", stderr=StringIO())


def test_command_exit_code_is_non_zero_on_problems(chain):
    # From the console, Django exits with CommandError.returncode (run_from_argv → sys.exit).
    call_command("timeline", "verify", stdout=StringIO())
    Event.objects.filter(pk=chain[0].pk).update(payload={})
    with pytest.raises(CommandError) as exc:
        call_command("timeline", "verify", stderr=StringIO())
    assert exc.value.returncode == 1
