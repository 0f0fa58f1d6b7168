"""Real races on PostgreSQL: threads, each with its own connection, no mocks."""

import threading
import time

import pytest
from django.db import connection, transaction

from kameng.timeline.models import Event
from kameng.timeline.selectors import verify, verify_stream
from kameng.timeline.services import append_event
from tests.helpers import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_first_appends_to_one_stream_make_one_unbroken_chain():
    results, errors = run_threads(
        20, lambda i: append_event(stream="order:77", kind="order.note", payload={"thread": i}).seq
    )
    assert not errors
    assert sorted(results) == list(range(1, 21))
    events = list(Event.objects.filter(stream="order:77").order_by("seq"))
    assert [e.seq for e in events] == list(range(1, 21))
    assert sorted(e.payload["thread"] for e in events) == list(range(20))
    assert verify_stream("order:77") == []


def test_appends_inside_callers_transactions_keep_the_chain():
    def act(i):
        with transaction.atomic():
            append_event(stream="case:9", kind="case.note", payload={"thread": i, "step": 1})
            append_event(stream="case:9", kind="case.note", payload={"thread": i, "step": 2})

    _results, errors = run_threads(10, act)
    assert not errors
    events = list(Event.objects.filter(stream="case:9").order_by("seq"))
    assert len(events) == 20
    # each caller's two events are adjacent: the head lock is held to the end of its transaction
    for first, second in zip(events[::2], events[1::2], strict=True):
        assert first.payload["thread"] == second.payload["thread"]
    assert verify().ok


def test_appends_to_different_streams_do_not_block_each_other():
    holding = threading.Event()
    release = threading.Event()
    outcome = {}

    def slow_writer():
        try:
            with transaction.atomic():
                append_event(stream="order:1", kind="order.note", payload={})
                holding.set()
                release.wait(10)  # keeps order:1's head locked
        finally:
            connection.close()

    def other_stream_writer():
        try:
            holding.wait(10)
            started = time.monotonic()
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")  # a wait would fail, not hang
                append_event(stream="order:2", kind="order.note", payload={})
            outcome["other"] = time.monotonic() - started
        except Exception as exc:
            outcome["other"] = exc
        finally:
            connection.close()

    def same_stream_writer():
        try:
            holding.wait(10)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                append_event(stream="order:1", kind="order.note", payload={})
            outcome["same"] = "appended"
        except Exception as exc:
            outcome["same"] = type(exc).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=f) for f in (slow_writer, other_stream_writer, same_stream_writer)]
    for t in threads:
        t.start()
    threads[1].join(15)
    threads[2].join(15)
    release.set()
    threads[0].join(15)
    assert isinstance(outcome["other"], float) and outcome["other"] < 2, outcome
    assert outcome["same"] == "OperationalError", outcome  # it had to wait for order:1's head: timed out
    assert verify().ok


def test_verify_during_appends_reports_no_false_problems():
    stop = threading.Event()
    seen = []

    def appender(i):
        n = 0
        while not stop.is_set() and n < 40:
            append_event(stream=f"order:{i % 3}", kind="order.note", payload={"n": n})
            n += 1
        return n

    def verifier():
        try:
            for _ in range(15):
                seen.extend(verify().problems)
        finally:
            stop.set()
            connection.close()

    checker = threading.Thread(target=verifier)
    checker.start()
    _results, errors = run_threads(6, appender)
    checker.join(60)
    assert not errors
    assert seen == []
    assert verify().ok
