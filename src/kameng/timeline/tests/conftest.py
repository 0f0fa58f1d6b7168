import pytest

from kameng.timeline.services import append_event


@pytest.fixture
def chain(db):
    """A three-event stream "order:1" and a two-event stream "order:2"."""

    def build():
        events = [append_event(stream="order:1", kind="order.created", payload={"n": i}) for i in range(3)]
        for i in range(2):
            append_event(stream="order:2", kind="order.created", payload={"n": i})
        return events

    return build()
