"""notify, its email after commit, and marking read."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy

from kameng.core.errors import DomainError
from kameng.notifications import kinds, services, tasks
from kameng.notifications.models import Notification
from kameng.notifications.tests.conftest import PARAMS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(db):
    return UserFactory(username="reader", email="reader@example.com")


def test_notify_stores_the_row(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(user=user, kind="test.case_to_answer", params=PARAMS, url="/cases/12/", subject="case:12")
    n.refresh_from_db()
    assert (n.kind, n.url, n.subject, n.params["case"]) == ("test.case_to_answer", "/cases/12/", "case:12", "#12")
    assert n.read_at is None and n.emailed_at is not None


def test_dedupe_key_makes_one_notification_and_one_email(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notify(user=user, kind="test.plain", params={}, dedupe_key="case:12:reminder")
        second = services.notify(user=user, kind="test.plain", params={}, dedupe_key="case:12:reminder")
    assert first is not None and second is None
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1
    # The same key for someone else, and no key at all, are separate notifications.
    other = UserFactory()
    assert services.notify(user=other, kind="test.plain", params={}, dedupe_key="case:12:reminder") is not None
    assert services.notify(user=user, kind="test.plain", params={}) is not None
    assert services.notify(user=user, kind="test.plain", params={}) is not None
    assert Notification.objects.count() == 4


def test_duplicate_inside_the_callers_transaction_leaves_it_usable(user):
    with transaction.atomic():
        services.notify(user=user, kind="test.plain", params={}, dedupe_key="k")
        assert services.notify(user=user, kind="test.plain", params={}, dedupe_key="k") is None
        UserFactory(username="still-works")
    assert Notification.objects.count() == 1


def test_email_is_sent_only_after_commit(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(user=user, kind="test.case_to_answer", params=PARAMS, url="/cases/12/")
        assert mail.outbox == []  # inside the transaction: nothing has left yet
    assert len(callbacks) == 1 and mail.outbox == []
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_rolled_back_transaction_sends_nothing(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.notify(user=user, kind="test.case_to_answer", params=PARAMS)
            raise RuntimeError("the business act failed")
    assert callbacks == [] and mail.outbox == [] and not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_real_commit_sends_and_real_rollback_does_not():
    user = UserFactory(email="real@example.com")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(user=user, kind="test.plain", params={})
        raise RuntimeError
    assert mail.outbox == [] and not Notification.objects.exists()
    with transaction.atomic():
        services.notify(user=user, kind="test.plain", params={})
        assert mail.outbox == []
    assert len(mail.outbox) == 1 and Notification.objects.get().emailed_at is not None


def test_email_is_chinese_with_an_english_line(user, django_capture_on_commit_callbacks):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.notify(user=user, kind="test.case_to_answer", params=PARAMS, url="/cases/12/")
    (message,) = mail.outbox
    assert message.to == ["reader@example.com"]
    assert message.from_email == "Kameng <noreply@kameng.local>"
    assert message.subject == "[卡盟] 售后单 #12 等待您处理"
    assert "请在 12-02 10:00 前处理：卡密无效" in message.body
    assert "详情：https://kameng.example/cases/12/" in message.body
    assert "Case #12 needs your answer: Answer before 12-02 10:00: Card key invalid" in message.body
    assert message.body.index("售后单") < message.body.index("Case #12")


def test_no_email_without_an_address_or_when_not_wanted(django_capture_on_commit_callbacks):
    silent = UserFactory(email="")
    reader = UserFactory(email="r@example.com")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify(user=silent, kind="test.plain", params={})
        services.notify(user=reader, kind="test.plain", params={}, email=False)
    assert callbacks == [] and mail.outbox == []
    assert Notification.objects.count() == 2


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP server unreachable")


def test_a_failed_send_is_logged_not_raised(user, settings, django_capture_on_commit_callbacks, caplog):
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        n = services.notify(user=user, kind="test.plain", params={})
    n.refresh_from_db()
    assert n.emailed_at is None
    assert "could not email notification" in caplog.text


def test_a_broken_queue_is_logged_not_raised(user, monkeypatch, django_capture_on_commit_callbacks, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "send_notification_email", SimpleNamespace(enqueue=broken))
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        assert services.notify(user=user, kind="test.plain", params={}) is not None
    assert "could not queue the email" in caplog.text and mail.outbox == []


def test_send_email_sends_once(user):
    n = services.notify(user=user, kind="test.plain", params={}, email=False)
    assert services.send_email(notification_id=n.pk) is True
    assert services.send_email(notification_id=n.pk) is False
    assert services.send_email(notification_id=n.pk + 1000) is False
    assert len(mail.outbox) == 1


def test_lazy_params_are_kept_in_both_languages(user):
    n = services.notify(user=user, kind="test.case_to_answer", params={"problem": gettext_lazy("Notifications")})
    assert n.params["problem"] == {"zh": "通知", "en": "Notifications"}


@pytest.mark.parametrize(
    "bad",
    [
        {"url": "https://evil.example/"},
        {"url": "//evil.example/"},
        {"url": "javascript:alert(1)"},
        {"url": "/\\evil.example"},
        {"kind": ""},
        {"kind": "x" * 65},
        {"params": {"when": object()}},
        {"params": ["not", "a", "dict"]},
        {"subject": "s" * 65},
        {"dedupe_key": "k" * 201},
    ],
)
def test_bad_input_is_refused(user, bad):
    args = {"user": user, "kind": "test.plain", "params": {}, **bad}
    with pytest.raises(DomainError) as exc:
        services.notify(**args)
    assert exc.value.code == "invalid_input"
    assert not Notification.objects.exists()


def test_mark_read_only_own(user):
    n = services.notify(user=user, kind="test.plain", params={})
    other = UserFactory()
    with pytest.raises(DomainError) as exc:
        services.mark_read(user=other, notification_id=n.pk)
    assert exc.value.code == "not_found"
    for bad_id in (0, -1, 2**60):
        with pytest.raises(DomainError):
            services.mark_read(user=user, notification_id=bad_id)
    read = services.mark_read(user=user, notification_id=n.pk)
    first_read_at = read.read_at
    assert first_read_at is not None
    assert services.mark_read(user=user, notification_id=n.pk).read_at == first_read_at  # again: unchanged


def test_mark_all_and_by_subject(user):
    other = UserFactory()
    for i in range(3):
        services.notify(user=user, kind="test.plain", params={}, subject="case:1" if i else "case:2")
    services.notify(user=other, kind="test.plain", params={}, subject="case:1")
    assert services.mark_subject_read(user=user, subject="case:1") == 2
    assert services.mark_subject_read(user=user, subject="") == 0
    assert services.mark_all_read(user=user) == 1
    assert services.mark_all_read(user=user) == 0
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 1


def test_anonymous_cannot_mark():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(DomainError) as exc:
        services.mark_all_read(user=AnonymousUser())
    assert exc.value.code == "not_authenticated"


def test_render_in_the_active_language_and_never_crashes(user):
    n = Notification(user=user, kind="test.case_to_answer", params=PARAMS)
    with translation.override("zh-hans"):
        assert kinds.render(n) == ("售后单 #12 等待您处理", "请在 12-02 10:00 前处理：卡密无效")
    with translation.override("en"):
        assert kinds.render(n) == ("Case #12 needs your answer", "Answer before 12-02 10:00: Card key invalid")
    # A missing param, an unknown kind, a template that cannot be filled:
    assert kinds.render(Notification(kind="test.case_to_answer", params={}))[0] in {
        "售后单 ? 等待您处理",
        "Case ? needs your answer",
    }
    assert kinds.render(Notification(kind="nobody.registered", params={"x": 1})) == ("nobody.registered", "")
    kinds.register_kind("test.percent", title="100%", body="%(y)s")
    assert kinds.render(Notification(kind="test.percent", params=None)) == ("100%", "?")
    with pytest.raises(ValueError):
        kinds.register_kind("", title="t", body="b")
