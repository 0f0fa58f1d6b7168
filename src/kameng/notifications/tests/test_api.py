"""/api/v1/notifications: the caller's own inbox only."""

from __future__ import annotations

import pytest

from kameng.notifications import services
from kameng.notifications.models import Notification
from kameng.notifications.tests.conftest import PARAMS
from tests.factories import UserFactory
from tests.helpers import ApiClient, assert_error

pytestmark = pytest.mark.django_db

BASE = "/api/v1/notifications"


@pytest.fixture
def user():
    return UserFactory(username="reader")


def _notify(user, **kw):
    return services.notify(user=user, kind="test.case_to_answer", params=PARAMS, url="/cases/12/", **kw)


def test_list_and_filter(user):
    first, second = _notify(user), _notify(user, subject="case:12")
    services.mark_read(user=user, notification_id=first.pk)
    client = ApiClient(user)
    body = client.get(BASE).json()
    assert [n["id"] for n in body] == [second.pk, first.pk]
    assert body[0]["title"] == "售后单 #12 等待您处理" and body[0]["unread"] is True
    assert body[0]["subject"] == "case:12" and body[0]["url"] == "/cases/12/"
    assert [n["id"] for n in client.get(BASE, {"unread": 1}).json()] == [second.pk]
    assert [n["id"] for n in client.get(BASE, {"limit": 1, "offset": 1}).json()] == [first.pk]
    english = client.get(BASE, headers={"Cookie": "django_language=en"}).json()
    assert english[0]["title"] == "Case #12 needs your answer"


def test_unread_count_read_one_and_all(user):
    a, b = _notify(user), _notify(user)
    client = ApiClient(user)
    assert client.get(f"{BASE}/unread-count").json() == {"unread": 2}
    r = client.post(f"{BASE}/{a.pk}/read")
    assert r.status_code == 200 and r.json()["read_at"] and r.json()["unread"] is False
    assert client.get(f"{BASE}/unread-count").json() == {"unread": 1}
    assert client.post(f"{BASE}/read-all").json() == {"marked": 1}
    assert client.post(f"{BASE}/read-all").json() == {"marked": 0}
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert b.pk


def test_someone_elses_notification_is_not_found(user):
    n = _notify(user)
    other = ApiClient(UserFactory())
    assert_error(other.post(f"{BASE}/{n.pk}/read"), 404, "not_found")
    assert other.get(BASE).json() == []
    assert other.get(f"{BASE}/unread-count").json() == {"unread": 0}
    assert other.post(f"{BASE}/read-all").json() == {"marked": 0}
    assert Notification.objects.get().read_at is None


def test_bad_input_and_anonymous(user):
    client = ApiClient(user)
    assert_error(client.post(f"{BASE}/0/read"), 422, "invalid_input")
    assert_error(client.post(f"{BASE}/{2**60}/read"), 422, "invalid_input")
    assert_error(client.post(f"{BASE}/abc/read"), 422, "invalid_input")
    assert_error(client.get(BASE, {"limit": 0}), 422, "invalid_input")
    assert_error(client.get(BASE, {"limit": 201}), 422, "invalid_input")
    assert_error(client.get(BASE, {"offset": -1}), 422, "invalid_input")
    anonymous = ApiClient()
    assert_error(anonymous.get(BASE), 401, "not_authenticated")
    assert_error(anonymous.get(f"{BASE}/unread-count"), 401, "not_authenticated")
    assert_error(anonymous.post(f"{BASE}/read-all"), 401, "not_authenticated")
    assert_error(client.delete(BASE), 405, "method_not_allowed")
