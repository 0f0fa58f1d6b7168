"""注册: a buyer signs up, confirms the e-mailed link and logs in; scripted, duplicate and weak
sign-ups are refused with a clear error and write nothing."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from kameng.accounts import human_check, services
from kameng.accounts.models import Role, SignupAttempt, User
from kameng.core.errors import DomainError
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_signup_wait")]
GOOD = "Kameng-signup-2026"


def _solve(question: str) -> str:
    """What a person does: read the two numbers in the question and add them."""
    zh, en = "零一二三四五六七八九十", ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    found = re.findall(r"[一二三四五六七八九十]", question)
    if len(found) == 2:
        return str(zh.index(found[0]) + zh.index(found[1]))
    words = [w for w in re.findall(r"[a-z]+", question.lower()) if w in en]
    return str(en.index(words[0]) + en.index(words[1]))


def _signup_page(client: Client) -> tuple[str, str]:
    html = client.get("/accounts/signup/").content.decode()
    token = re.search(r'name="challenge" value="([^"]+)"', html).group(1)
    question = re.search(r"<label>([^<]+)<input name=\"answer\"", html).group(1)
    return token, question


def _register(**over):
    check = human_check.new_challenge()
    fields = {
        "username": "newbie",
        "email": "newbie@example.com",
        "password": GOOD,
        "challenge": check.token,
        "answer": _solve(check.question),
        "ip": "203.0.113.5",
        "link_for": lambda user, token: f"http://testserver/accounts/verify/{token}/",
    }
    fields.update(over)
    return services.register_buyer(**fields)


def test_a_visitor_signs_up_confirms_the_link_and_logs_in(committed):
    client = Client()
    token, question = _signup_page(client)
    with committed():
        r = client.post(
            "/accounts/signup/",
            {
                "username": "小鹿",
                "email": "Deer@Example.com",
                "password": GOOD,
                "challenge": token,
                "answer": _solve(question),
            },
        )
    assert r.status_code == 200 and 'data-testid="signup-done"' in r.content.decode()
    user = User.objects.get(username="小鹿")
    assert user.role == Role.BUYER and not user.is_active and user.email == "deer@example.com"
    # Not usable before the address is confirmed: the login says why.
    with pytest.raises(DomainError) as err:
        services.login_with_throttle(username="小鹿", password=GOOD, ip="203.0.113.5")
    assert err.value.code == "auth.email_unverified"
    link = re.search(r"https?://\S+/accounts/verify/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    assert client.get(path).status_code == 200  # a mail scanner following the link confirms nothing
    assert not User.objects.get(pk=user.pk).is_active
    r = client.post(path)
    assert r.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert user.is_active and user.email_verified_at is not None and not user.awaiting_verification
    assert services.login_with_throttle(username="小鹿", password=GOOD, ip="203.0.113.5") == user


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"answer": "999"}, "auth.human_check_failed"),
        ({"challenge": "forged"}, "auth.human_check_failed"),
        ({"trap": "http://spam.example"}, "auth.human_check_failed"),
        ({"password": "12345678"}, "auth.weak_password"),
        ({"password": "password"}, "auth.weak_password"),
        ({"username": "taken"}, "auth.username_taken"),
        ({"email": "TAKEN@example.com"}, "auth.email_taken"),
        ({"email": "not-an-address"}, "invalid_input"),
    ],
)
def test_a_refused_sign_up_says_why_and_writes_nothing(over, code):
    UserFactory(username="taken", email="taken@example.com")
    users = User.objects.count()
    with pytest.raises(DomainError) as err:
        _register(**over)
    assert err.value.code == code
    assert User.objects.count() == users and SignupAttempt.objects.count() == 0 and mail.outbox == []


def test_an_answer_faster_than_a_person_types_fails(settings):
    settings.KAMENG_SIGNUP_MIN_SECONDS = 3
    with pytest.raises(DomainError) as err:
        _register()
    assert err.value.code == "auth.human_check_failed"


def test_sign_ups_from_one_address_are_throttled(settings):
    settings.KAMENG_SIGNUPS_PER_ADDRESS = 2
    for n in range(2):
        _register(username=f"u{n}", email=f"u{n}@example.com")
    with pytest.raises(DomainError) as err:
        _register(username="u3", email="u3@example.com")
    assert err.value.code == "throttled"
    assert _register(username="u3", email="u3@example.com", ip="198.51.100.9").username == "u3"


def test_a_forged_or_reused_link_confirms_nothing(committed):
    with committed():
        user = _register()
    assert Client().post("/accounts/verify/forged-token/").status_code == 404
    token = re.search(r"/accounts/verify/(\S+)/", mail.outbox[0].body).group(1)
    assert services.verify_email(token=token) == User.objects.get(pk=user.pk)
    assert services.verify_email(token=token).is_active  # a second click finds it active


def test_the_api_signs_up_and_verifies(api_client, committed):
    client = api_client()
    check = client.get("/api/v1/auth/challenge").json()
    with committed():
        r = client.post(
            "/api/v1/auth/register",
            {
                "username": "apibuyer",
                "email": "api@example.com",
                "password": GOOD,
                "challenge": check["token"],
                "answer": _solve(check["question"]),
            },
        )
    assert r.status_code == 201, r.content
    assert r.json()["awaiting_verification"] is True
    token = re.search(r"/accounts/verify/(\S+)/", mail.outbox[0].body).group(1)
    r = client.post("/api/v1/auth/verify", {"token": token})
    assert r.status_code == 200 and r.json()["username"] == "apibuyer"
    bad = client.post(
        "/api/v1/auth/register",
        {"username": "x", "email": "x@example.com", "password": GOOD, "challenge": check["token"], "answer": "0"},
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "auth.human_check_failed"
