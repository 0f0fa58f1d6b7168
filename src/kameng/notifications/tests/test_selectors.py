from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.notifications import selectors, services
from kameng.notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_inbox_is_own_newest_first_and_paged():
    user, other = UserFactory(), UserFactory()
    base = timezone.now()
    for i in range(5):
        n = services.notify(user=user, kind="test.plain", params={"i": i}, email=False)
        Notification.objects.filter(pk=n.pk).update(created_at=base + timedelta(minutes=i))
    services.notify(user=other, kind="test.plain", params={}, email=False)
    assert [n.params["i"] for n in selectors.inbox(user)] == [4, 3, 2, 1, 0]
    assert [n.params["i"] for n in selectors.inbox(user, limit=2, offset=1)] == [3, 2]
    services.mark_read(user=user, notification_id=selectors.inbox(user)[0].pk)
    assert [n.params["i"] for n in selectors.inbox(user, unread_only=True)] == [3, 2, 1, 0]
    assert selectors.unread_count(user) == 4 and selectors.unread_count(other) == 1
    assert len(selectors.inbox(user, limit=10_000)) == 5  # clamped, not refused


def test_anonymous_has_no_inbox():
    with pytest.raises(DomainError) as exc:
        selectors.inbox(AnonymousUser())
    assert exc.value.code == "not_authenticated"
