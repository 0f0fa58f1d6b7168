"""L4: nobody can lock anyone else out. Wrong passwords lock a username only from the address
that sent them; a username is locked everywhere only after a distributed guess (a slower
back-off), and then its owner still gets in with a one-time link sent to their e-mail."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from kameng.accounts import services
from kameng.accounts.models import LoginFailure, Role
from kameng.core.errors import DomainError
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _fail(username: str, ip: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(DomainError) as exc:
            services.login_with_throttle(username=username, password="wrong guess", ip=ip)
        assert exc.value.code == "auth.invalid_credentials"


def _code(username: str, ip: str, password: str = PASSWORD) -> str:
    try:
        services.login_with_throttle(username=username, password=password, ip=ip)
    except DomainError as exc:
        return exc.code
    return "ok"


def test_a_strangers_wrong_passwords_do_not_lock_the_operator_out(settings):
    settings.KAMENG_LOGIN_MAX_FAILURES = 5
    UserFactory(username="root", role=Role.OPERATOR)
    _fail("root", "203.0.113.66", 5)
    assert _code("root", "203.0.113.66") == "auth.locked_out"  # the attacker's address is locked
    assert _code("root", "198.51.100.7") == "ok"  # the operator, from their own address, is not


def test_a_distributed_guess_locks_the_username_everywhere_later(settings):
    settings.KAMENG_LOGIN_MAX_FAILURES = 2
    settings.KAMENG_LOGIN_GLOBAL_FACTOR = 3  # 6 failures from anywhere
    UserFactory(username="ivy")
    for n in range(5):
        _fail("ivy", f"203.0.113.{n}", 1)
    assert _code("ivy", "198.51.100.1") == "ok"  # 5 < 6: the owner still gets in (and the count resets)
    for n in range(6):
        _fail("ivy", f"203.0.113.{n}", 1)
    assert _code("ivy", "198.51.100.1") == "auth.locked_out"


def test_the_owner_of_a_locked_username_gets_in_with_an_emailed_link(settings):
    settings.KAMENG_LOGIN_MAX_FAILURES = 1
    settings.KAMENG_LOGIN_GLOBAL_FACTOR = 1
    owner = UserFactory(username="jade", email="jade@example.com")
    _fail("jade", "203.0.113.9", 1)
    client = Client()
    r = client.post("/accounts/login/", {"username": "jade", "password": PASSWORD})
    assert r.status_code == 429
    assert "/accounts/login/link/" in r.content.decode()

    r = client.post("/accounts/login/link/", {"username": "jade"})
    assert r.status_code == 200 and 'data-testid="login-link-sent"' in r.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["jade@example.com"]
    link = re.search(r"https?://\S+/accounts/login/link/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]

    assert client.get(path).status_code == 200  # a mail scanner following the link uses nothing
    r = client.post(path)
    assert r.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)
    assert not LoginFailure.objects.filter(username="jade").exists()
    assert Client().post(path).status_code == 404  # once only


def test_asking_for_a_link_tells_nothing_about_the_account():
    UserFactory(username="kim", email="")
    client = Client()
    for username in ("kim", "nobody-at-all"):
        r = client.post("/accounts/login/link/", {"username": username})
        assert r.status_code == 200 and 'data-testid="login-link-sent"' in r.content.decode()
    assert mail.outbox == []


def test_a_forged_link_signs_nobody_in():
    user = UserFactory(username="lee", email="lee@example.com")
    assert Client().post(f"/accounts/login/link/{user.pk}/abc-123/").status_code == 404
    assert Client().post("/accounts/login/link/999999/abc-123/").status_code == 404


def test_sign_in_links_are_throttled_per_username_and_per_address(settings):
    settings.KAMENG_LOGIN_LINKS_PER_USERNAME = 2
    settings.KAMENG_LOGIN_LINKS_PER_ADDRESS = 3
    UserFactory(username="mo", email="mo@example.com")
    client = Client(REMOTE_ADDR="203.0.113.20")
    for _ in range(2):
        assert client.post("/accounts/login/link/", {"username": "mo"}).status_code == 200
    r = client.post("/accounts/login/link/", {"username": "MO"})
    assert r.status_code == 429 and 'data-testid="login-link-error"' in r.content.decode()
    assert len(mail.outbox) == 2  # the flood stops at the limit
    # The same refusal whether or not the account exists: it tells nothing.
    assert client.post("/accounts/login/link/", {"username": "nobody-1"}).status_code == 200
    assert client.post("/accounts/login/link/", {"username": "nobody-2"}).status_code == 429  # the address's limit
    assert Client(REMOTE_ADDR="198.51.100.2").post("/accounts/login/link/", {"username": "nobody-2"}).status_code == 200
