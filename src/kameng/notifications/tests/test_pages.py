"""/inbox/ and the nav badge, in Chinese and English."""

from __future__ import annotations

import pytest
from django.test import Client

from kameng.notifications import services
from kameng.notifications.models import Notification
from kameng.notifications.tests.conftest import PARAMS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(username="reader")


def login(user, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def _notify(user, url="/cases/12/"):
    return services.notify(user=user, kind="test.case_to_answer", params=PARAMS, url=url, email=False)


def test_inbox_in_chinese_and_english(user):
    unread, read = _notify(user), _notify(user, url="")
    services.mark_read(user=user, notification_id=read.pk)
    page = login(user).get("/inbox/").content.decode()
    assert "通知" in page and "售后单 #12 等待您处理" in page and "卡密无效" in page
    assert f'<strong><a href="/inbox/{unread.pk}/open/">' in page  # unread in bold, linked
    assert "全部标为已读" in page and "1 条未读" in page
    english = login(user, "en").get("/inbox/").content.decode()
    assert "Case #12 needs your answer" in english and "Mark all as read" in english


def test_nav_badge_counts_unread(user):
    assert 'data-testid="inbox-unread"' not in login(user).get("/inbox/").content.decode()
    for _ in range(3):
        _notify(user)
    home = login(user).get("/").content.decode()
    assert (
        'data-testid="nav-inbox"' in home
        and '<span class="badge badge-warn" data-testid="inbox-unread">3</span>' in home
    )
    for _ in range(100):
        _notify(user)
    assert ">99+</span>" in login(user).get("/").content.decode()
    assert 'data-testid="nav-inbox"' not in Client().get("/").content.decode()


def test_mark_one_read_with_htmx_and_plain_post(user):
    a, b = _notify(user), _notify(user)
    client = login(user)
    r = client.post(f"/inbox/{a.pk}/read/", headers={"HX-Request": "true"})
    body = r.content.decode()
    assert r.status_code == 200 and f'id="n-{a.pk}"' in body and 'data-unread="0"' in body
    assert 'id="inbox-badge" hx-swap-oob="true"' in body and ">1</span>" in body
    r = client.post(f"/inbox/{b.pk}/read/")
    assert r.status_code == 302 and r["Location"] == "/inbox/"
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert client.get(f"/inbox/{a.pk}/read/").status_code == 405


def test_mark_all_read(user):
    for _ in range(2):
        _notify(user)
    client = login(user)
    r = client.post("/inbox/read-all/", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "还没有通知" not in r.content.decode() and "全部标为已读" not in r.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    _notify(user)
    r = client.post("/inbox/read-all/", follow=True)
    assert r.redirect_chain == [("/inbox/", 302)] and "所有通知已标为已读" in r.content.decode()


def test_open_marks_read_and_follows_the_link(user):
    n, bare = _notify(user), _notify(user, url="")
    client = login(user)
    r = client.get(f"/inbox/{n.pk}/open/")
    assert r.status_code == 302 and r["Location"] == "/cases/12/"
    assert client.get(f"/inbox/{bare.pk}/open/")["Location"] == "/inbox/"
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_someone_elses_notification_is_not_found(user):
    n = _notify(user)
    other = login(UserFactory())
    assert other.get(f"/inbox/{n.pk}/open/").status_code == 404
    assert other.post(f"/inbox/{n.pk}/read/").status_code == 404
    assert other.post(f"/inbox/{n.pk}/read/", headers={"HX-Request": "true"}).status_code == 404
    assert "等待您处理" not in other.get("/inbox/").content.decode()
    assert Notification.objects.get().read_at is None


def test_anonymous_is_sent_to_login(user):
    r = Client().get("/inbox/")
    assert r.status_code == 302 and "/login" in r["Location"]
    assert Client().post("/inbox/read-all/").status_code in (302, 403)


def test_paging_and_unread_filter(user):
    for _ in range(31):
        _notify(user)
    client = login(user)
    assert client.get("/inbox/").content.decode().count('data-testid="notification"') == 30
    second = client.get("/inbox/?page=2").content.decode()
    assert second.count('data-testid="notification"') == 1 and "上一页" in second
    assert client.get("/inbox/?page=abc").status_code == 200
    services.mark_all_read(user=user)
    assert "没有未读通知" in client.get("/inbox/?unread=1").content.decode()
