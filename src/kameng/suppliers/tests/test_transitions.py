import itertools

from kameng.suppliers.models import FINAL_STATUSES, OPEN_STATUSES, RequestStatus
from kameng.suppliers.transitions import EVENTS, TRANSITIONS, next_status


def test_every_open_state_has_an_answer_for_every_event():
    for status, event in itertools.product(OPEN_STATUSES, EVENTS):
        assert next_status(status, event) in RequestStatus.values


def test_final_states_have_no_way_out():
    for status, event in itertools.product(FINAL_STATUSES, EVENTS):
        assert next_status(status, event) is None


def test_the_table_is_exactly_open_states_times_events():
    assert set(TRANSITIONS) == set(itertools.product(OPEN_STATUSES, EVENTS))


def test_only_signed_answers_or_giving_up_end_a_request():
    for (status, event), to in TRANSITIONS.items():
        if to in FINAL_STATUSES:
            assert event in ("succeeded", "failed", "give_up"), (status, event)
        if event == "no_answer":
            assert to not in FINAL_STATUSES  # a timeout is never a failure
        if event == "give_up":
            assert to == RequestStatus.FAILED
