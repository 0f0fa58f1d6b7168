"""手机号注册: a buyer signs up with a mobile number instead of an e-mail address and confirms it
with a six-digit code texted to it; wrong, stale, repeated and malformed codes confirm nothing.
The ``http`` SMS backend is driven against a local HTTP server standing for the operator's relay."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import Client
from django.utils import timezone

from kameng.accounts import services, sms
from kameng.accounts.models import PhoneCode, SignupAttempt, User
from kameng.accounts.tests.test_signup import GOOD, _register, _signup_page, _solve
from kameng.core.errors import DomainError
from tests.factories import UserFactory
from tests.helpers import assert_error

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_signup_wait")]


def _code(n: int = -1) -> str:
    return re.search(r"\b(\d{6})\b", sms.outbox[n]["text"]).group(1)


def _by_phone(**over):
    return _register(**{"email": "", "phone": "138 0013 8000", **over})


def test_a_visitor_signs_up_with_a_mobile_number_and_confirms_the_code(committed):
    client = Client()
    token, question = _signup_page(client)
    assert 'name="phone"' in client.get("/accounts/signup/").content.decode()
    with committed():
        r = client.post(
            "/accounts/signup/",
            {
                "username": "小王",
                "phone": "+86 139-1234-5678",
                "password": GOOD,
                "challenge": token,
                "answer": _solve(question),
            },
        )
    assert r.status_code == 302 and r["Location"] == "/accounts/verify/phone/?phone=13912345678"
    user = User.objects.get(username="小王")
    assert (user.phone, user.email, user.is_active) == ("+8613912345678", "", False)
    assert sms.outbox[0]["to"] == "+8613912345678" and "10" in sms.outbox[0]["text"]
    assert PhoneCode.objects.get(user=user).code_hash != _code()  # only a keyed hash is kept
    with pytest.raises(DomainError) as err:  # the login says what is missing
        services.login_with_throttle(username="小王", password=GOOD, ip="203.0.113.5")
    assert err.value.code == "auth.phone_unverified"
    page = client.get(r["Location"]).content.decode()
    assert 'value="13912345678"' in page and 'data-testid="phone-code"' in page
    wrong = "000000" if _code() != "000000" else "111111"
    r = client.post("/accounts/verify/phone/", {"phone": "13912345678", "code": wrong})
    assert r.status_code == 422 and 'data-code="auth.code_wrong"' in r.content.decode()
    r = client.post("/accounts/verify/phone/", {"phone": "13912345678", "code": _code()})
    assert r.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert user.is_active and user.phone_verified_at and not user.awaiting_verification
    assert not PhoneCode.objects.exists()  # used up
    assert services.login_with_throttle(username="小王", password=GOOD, ip="203.0.113.5") == user


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"phone": ""}, "auth.contact_required"),  # neither
        ({"email": "both@example.com"}, "auth.contact_required"),  # both
        ({"phone": "12345"}, "invalid_input"),
        ({"phone": "12800138000"}, "invalid_input"),  # no mainland mobile number starts 12
        ({"phone": "1380013800x"}, "invalid_input"),
        ({"phone": "+1 415 555 0100"}, "invalid_input"),
        ({"phone": "13700137000"}, "auth.phone_taken"),
        ({"phone": "+86 137 0013 7000"}, "auth.phone_taken"),
        ({"password": "12345678"}, "auth.weak_password"),
    ],
)
def test_a_refused_phone_sign_up_says_why_and_writes_nothing(over, code):
    UserFactory(username="taken", phone="+8613700137000")
    users = User.objects.count()
    with pytest.raises(DomainError) as err:
        _by_phone(**over)
    assert err.value.code == code
    assert User.objects.count() == users and SignupAttempt.objects.count() == 0
    assert not PhoneCode.objects.exists() and sms.outbox == []


def test_wrong_codes_run_out_and_stale_codes_confirm_nothing(committed, settings):
    settings.KAMENG_PHONE_CODE_ATTEMPTS = 3
    with committed():
        user = _by_phone()
    good = _code()
    wrong = "000000" if good != "000000" else "111111"
    for left in (2, 1):
        with pytest.raises(DomainError) as err:
            services.verify_phone(phone="13800138000", code=wrong)
        assert (err.value.code, err.value.params["left"]) == ("auth.code_wrong", left)
    assert PhoneCode.objects.get(user=user).attempts == 2  # each wrong try is counted and kept
    with pytest.raises(DomainError) as err:  # the last allowed wrong try voids the code
        services.verify_phone(phone="13800138000", code=wrong)
    assert err.value.code == "auth.code_expired" and not PhoneCode.objects.exists()
    with pytest.raises(DomainError) as err:  # even the right code is dead now
        services.verify_phone(phone="13800138000", code=good)
    assert err.value.code == "auth.code_expired" and not User.objects.get(pk=user.pk).is_active

    with committed():
        services.resend_phone_code(phone="13800138000")
    PhoneCode.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(DomainError) as err:
        services.verify_phone(phone="13800138000", code=_code())
    assert err.value.code == "auth.code_expired" and not User.objects.get(pk=user.pk).is_active


def test_a_new_code_at_most_once_a_minute_and_the_old_one_dies(committed):
    with committed():
        user = _by_phone()
    first = _code()
    with pytest.raises(DomainError) as err:
        services.resend_phone_code(phone="13800138000")
    assert err.value.code == "auth.code_too_soon" and len(sms.outbox) == 1
    PhoneCode.objects.filter(user=user).update(sent_at=timezone.now() - timedelta(seconds=61))
    with committed():
        services.resend_phone_code(phone="13800138000")
    second = _code()
    assert len(sms.outbox) == 2
    if first != second:
        with pytest.raises(DomainError):
            services.verify_phone(phone="13800138000", code=first)
    assert services.verify_phone(phone="13800138000", code=second).is_active
    # Unknown and already confirmed numbers are answered alike, and nothing is texted.
    services.resend_phone_code(phone="13800138000")
    services.resend_phone_code(phone="13600136000")
    assert len(sms.outbox) == 2


def test_the_api_signs_up_by_phone_and_verifies(api_client, committed):
    client = api_client()
    check = client.get("/api/v1/auth/challenge").json()
    body = {"username": "apiphone", "phone": "13500135000", "password": GOOD, "challenge": check["token"]}
    with committed():
        r = client.post("/api/v1/auth/register", {**body, "answer": _solve(check["question"])})
    assert r.status_code == 201 and r.json()["awaiting_verification"] is True, r.content
    assert_error(client.post("/api/v1/auth/verify-phone", {"phone": "13500135000", "code": "12a456"}), 422)
    assert_error(client.post("/api/v1/auth/verify-phone", {"phone": "13500135000"}), 422)
    assert_error(client.post("/api/v1/auth/verify-phone/resend", {"phone": "13500135000"}), 429, "auth.code_too_soon")
    assert_error(client.post("/api/v1/auth/verify-phone/resend", {"phone": "abc"}), 422, "invalid_input")
    r = client.post("/api/v1/auth/verify-phone", {"phone": "+8613500135000", "code": _code()})
    assert r.status_code == 200 and r.json()["username"] == "apiphone"
    assert_error(client.post("/api/v1/auth/verify-phone", {"phone": "13500135000", "code": _code()}), 410)
    assert client.post("/api/v1/auth/verify-phone/resend", {"phone": "13300133000"}).status_code == 202


class _Relay(BaseHTTPRequestHandler):
    """The operator's SMS relay: records what it is sent; answers with the status it is told."""

    answer = 200
    got: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).got.append((body, self.headers.get(sms.SIGNATURE_HEADER)))
        self.send_response(type(self).answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def relay(settings):
    server = HTTPServer(("127.0.0.1", 0), _Relay)
    _Relay.got, _Relay.answer = [], 200
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.KAMENG_SMS_BACKEND = "http"
    settings.KAMENG_SMS_URL = f"http://127.0.0.1:{server.server_port}/sms"
    settings.KAMENG_SMS_KEY = "relay-key"
    yield _Relay
    server.shutdown()
    server.server_close()


def test_the_http_backend_posts_a_signed_message_to_the_relay(relay, committed, caplog):
    with committed():
        user = _by_phone()
    body, signature = relay.got[0]
    message = json.loads(body)
    assert message["to"] == "+8613800138000" and re.search(r"\b\d{6}\b", message["text"])
    assert signature == sms.signature("relay-key", body)
    code = re.search(r"\b(\d{6})\b", message["text"]).group(1)
    assert services.verify_phone(phone="13800138000", code=code) == user

    relay.answer = 503  # the relay refuses: logged, the account waits for a new code
    with pytest.raises(sms.SmsError):
        sms.send_sms(to="+8613800138000", text="t")
    with committed():
        _by_phone(username="second", phone="13900139000")
    assert "not sent" in caplog.text and User.objects.filter(username="second", is_active=False).exists()


def test_an_unconfirmed_sign_up_frees_its_number_and_address_after_three_days(committed):
    """Someone signs up with a number or address that is not theirs, or mistypes it: after the
    confirmation link's three days the periodic job removes the account and its owner can sign up."""
    from kameng.core.periodic import jobs

    with committed():
        squatter = _by_phone(username="squatter")
        by_mail = _register(username="typo", email="owner@example.com")
        confirmed = _by_phone(username="owner2", phone="13600136000")
    services.verify_phone(phone="13600136000", code=_code())
    with pytest.raises(DomainError) as err:
        _by_phone(username="owner")
    assert err.value.code == "auth.phone_taken"
    later = timezone.now() + timedelta(days=3, minutes=1)
    assert services.prune_unconfirmed_signups(now=timezone.now() + timedelta(days=2)) == 0
    assert dict(jobs())["unconfirmed_signups_pruned"](later) == 2
    assert not User.objects.filter(pk__in=[squatter.pk, by_mail.pk]).exists()
    assert User.objects.filter(pk=confirmed.pk, is_active=True).exists()  # a confirmed account stays
    assert _by_phone(username="owner").phone == "+8613800138000"
    assert _register(username="owner-mail", email="owner@example.com").email == "owner@example.com"
