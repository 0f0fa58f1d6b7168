import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from kameng.accounts.models import Role
from kameng.core.errors import DomainError
from kameng.timeline.canonical import ZERO_HASH, event_hash
from kameng.timeline.models import Event, StreamHead
from kameng.timeline.selectors import events_of, head_of, verify_stream
from kameng.timeline.services import NewEvent, append_event, stream_name
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_appends_build_a_numbered_chain_from_zero_hash():
    events = [append_event(stream="order:1", kind="order.created", payload={"i": i}) for i in range(4)]
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == ZERO_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    head = head_of(stream="order:1")
    assert (head.seq, head.head_hash, head.updated_at) == (4, events[-1].hash, events[-1].created_at)
    assert verify_stream("order:1") == []


def test_stored_event_recomputes_to_its_hash():
    append_event(stream="case:5", kind="case.opened", payload={"subtype": "卡密无效", "amount_fen": 100})
    stored = Event.objects.get(stream="case:5")
    fields = {n: getattr(stored, n) for n in ("stream", "seq", "kind", "actor_id", "actor_role", "payload")}
    assert event_hash(**fields, created_at=stored.created_at, prev_hash=stored.prev_hash) == stored.hash


def test_streams_are_independent_chains():
    a = append_event(stream="order:1", kind="order.created", payload={})
    b = append_event(stream="order:2", kind="order.created", payload={})
    assert a.seq == b.seq == 1 and a.prev_hash == b.prev_hash == ZERO_HASH
    assert a.hash != b.hash


def test_actor_id_and_role_are_recorded():
    buyer = UserFactory(role=Role.BUYER)
    event = append_event(stream="order:1", kind="order.paid", payload={}, actor=buyer)
    assert (event.actor_id, event.actor_role) == (buyer.pk, "buyer")
    system = append_event(stream="order:1", kind="order.settled", payload={})
    assert (system.actor_id, system.actor_role) == (None, "system")
    supplier = append_event(stream="order:1", kind="order.supplier_answer", payload={}, actor_role="supplier")
    assert supplier.actor_role == "supplier"


def test_events_of_returns_the_stream_in_order():
    for i in range(3):
        append_event(stream="order:1", kind="order.created", payload={"i": i})
    append_event(stream="order:9", kind="order.created", payload={})
    assert [e.payload["i"] for e in events_of(stream="order:1")] == [0, 1, 2]


def test_rollback_of_the_caller_removes_the_event_and_keeps_the_head():
    append_event(stream="order:1", kind="order.created", payload={})
    with pytest.raises(RuntimeError), transaction.atomic():
        append_event(stream="order:1", kind="order.paid", payload={})
        raise RuntimeError("the caller failed after appending")
    assert Event.objects.filter(stream="order:1").count() == 1
    assert head_of(stream="order:1").seq == 1
    assert append_event(stream="order:1", kind="order.paid", payload={}).seq == 2
    assert verify_stream("order:1") == []


def test_rollback_of_a_first_append_leaves_no_head():
    with pytest.raises(RuntimeError), transaction.atomic():
        append_event(stream="order:3", kind="order.created", payload={})
        raise RuntimeError
    assert not StreamHead.objects.filter(stream="order:3").exists()


def test_created_at_never_goes_backwards_even_when_the_clock_does():
    with time_machine.travel(datetime(2025, 6, 1, 12, 0, tzinfo=UTC), tick=False):
        first = append_event(stream="order:1", kind="order.created", payload={})
    with time_machine.travel(datetime(2025, 6, 1, 11, 0, tzinfo=UTC), tick=False):  # a server an hour behind
        second = append_event(stream="order:1", kind="order.paid", payload={})
    assert second.created_at >= first.created_at
    assert verify_stream("order:1") == []


def test_times_are_stored_with_microseconds():
    moment = datetime(2025, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        append_event(stream="order:1", kind="order.created", payload={})
    assert Event.objects.get(stream="order:1").created_at == moment


def test_existing_events_refuse_save_and_delete():
    event = append_event(stream="order:1", kind="order.created", payload={"a": 1})
    event.payload = {"a": 2}
    with pytest.raises(DomainError) as exc:
        event.save()
    assert exc.value.code == "timeline.immutable"
    with pytest.raises(DomainError):
        event.delete()
    with pytest.raises(DomainError):
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).payload == {"a": 1}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"stream": "", "kind": "order.paid", "payload": {}}, "timeline.invalid_stream"),
        ({"stream": "order", "kind": "order.paid", "payload": {}}, "timeline.invalid_stream"),
        ({"stream": "Order:1", "kind": "order.paid", "payload": {}}, "timeline.invalid_stream"),
        ({"stream": "order:" + "1" * 80, "kind": "order.paid", "payload": {}}, "timeline.invalid_stream"),
        ({"stream": 17, "kind": "order.paid", "payload": {}}, "timeline.invalid_stream"),
        ({"stream": "order:1", "kind": "", "payload": {}}, "timeline.invalid_kind"),
        ({"stream": "order:1", "kind": "Order Paid", "payload": {}}, "timeline.invalid_kind"),
        ({"stream": "order:1", "kind": "a" * 65, "payload": {}}, "timeline.invalid_kind"),
        ({"stream": "order:1", "kind": "order.paid", "payload": {"amount": 9.99}}, "timeline.invalid_payload"),
        ({"stream": "order:1", "kind": "order.paid", "payload": [1, 2]}, "timeline.invalid_payload"),
        ({"stream": "order:1", "kind": "order.paid", "payload": {"x": "y" * 70_000}}, "timeline.invalid_payload"),
        ({"stream": "order:1", "kind": "order.paid", "payload": {"x": "\x00"}}, "timeline.invalid_payload"),
        (
            {"stream": "order:1", "kind": "order.paid", "payload": {}, "actor_role": "Bad Role"},
            "timeline.invalid_payload",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(kwargs, code):
    with pytest.raises(DomainError) as exc:
        append_event(**kwargs)
    assert exc.value.code == code
    assert not Event.objects.exists() and not StreamHead.objects.exists()


def test_payload_round_trips_exactly():
    payload = {"big": 2**63 - 1, "neg": -(2**63), "text": "卡密 ✓", "nested": {"list": [1, None, True, "x"]}}
    append_event(stream="order:1", kind="order.created", payload=payload)
    assert Event.objects.get(stream="order:1").payload == payload
    assert verify_stream("order:1") == []


def test_stream_name_is_the_one_spelling():
    assert stream_name("order", 17) == "order:17"
    assert append_event(stream=stream_name("case", 5), kind="case.opened", payload={}).stream == "case:5"


def test_head_updated_at_moves_with_each_append():
    first = append_event(stream="order:1", kind="order.created", payload={})
    with time_machine.travel(first.created_at + timedelta(minutes=5), tick=False):
        second = append_event(stream="order:1", kind="order.paid", payload={})
    assert head_of(stream="order:1").updated_at == second.created_at > first.created_at


def test_append_to_streams_writes_valid_chains_for_many_streams_at_once(buyer):
    """The case sweep's bulk append (many streams, many rows: the array-parameter insert path on
    PostgreSQL) continues existing chains and starts new ones exactly like append_events."""
    from kameng.timeline.services import append_to_streams

    append_event(stream="case:900", kind="case.opened", payload={"n": 0}, actor=buyer)
    batches = {
        f"case:{900 + i}": [NewEvent("case.expire", {"n": i, "k": k, "text": "超时"}, None, "system") for k in range(3)]
        for i in range(12)
    }
    written = append_to_streams(batches)
    assert len(written) == 36
    for stream in batches:
        assert verify_stream(stream) == []
    assert [e.seq for e in events_of(stream="case:900")] == [1, 2, 3, 4]
    assert [e.seq for e in events_of(stream="case:905")] == [1, 2, 3]
    append_to_streams({"case:905": [NewEvent("case.rule", {"x": 1}, buyer)]})
    assert [e.kind for e in events_of(stream="case:905")][-1] == "case.rule"
    assert verify_stream("case:905") == []
