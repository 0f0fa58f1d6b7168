"""Two transactions notifying the same (user, dedupe_key) at once make one notification."""

from __future__ import annotations

import threading
import time

import pytest
from django.core import mail
from django.db import transaction

from kameng.notifications import services
from kameng.notifications.models import Notification
from tests.factories import UserFactory
from tests.helpers import run_threads


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads", [2, 8])
def test_racing_reminders_make_one_notification_and_one_email(threads):
    user = UserFactory(email="reader@example.com")

    def remind(i: int):
        with transaction.atomic():
            row = services.notify(user=user, kind="test.plain", params={"i": i}, dedupe_key="case:7:reminder")
            # The winner holds its transaction open a moment, so the others' inserts wait on the
            # unique index and must lose after its commit (not merely see the row beforehand).
            if row is not None:
                time.sleep(0.3)
            return row

    results, errors = run_threads(threads, remind)
    assert errors == []
    assert sum(r is not None for r in results) == 1
    assert Notification.objects.filter(user=user, dedupe_key="case:7:reminder").count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_loser_blocked_on_the_unique_index_gets_none_and_its_transaction_goes_on():
    """B checks while A's row is uncommitted (sees nothing), inserts, waits on A's commit, loses
    the unique index: notify returns None and B's own transaction still commits its other work."""
    user = UserFactory(email="")
    a_inserted = threading.Event()

    def act(i: int):
        if i == 0:
            with transaction.atomic():
                row = services.notify(user=user, kind="test.plain", params={}, dedupe_key="k")
                a_inserted.set()
                time.sleep(0.5)
            return row
        a_inserted.wait(5)
        with transaction.atomic():
            row = services.notify(user=user, kind="test.plain", params={}, dedupe_key="k")
            services.notify(user=user, kind="test.plain", params={"after": True})
        return row

    (a, b), errors = run_threads(2, act)
    assert errors == [] and a is not None and b is None
    assert Notification.objects.filter(user=user).count() == 2
