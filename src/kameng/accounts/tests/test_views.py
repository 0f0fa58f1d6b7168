import pytest
from django.test import Client

from kameng.accounts.models import ApiToken
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default():
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_login_page_in_english_after_switching():
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Log in" in client.get("/accounts/login/").content.decode()


def test_wrong_password_shows_the_error_and_does_not_log_in():
    UserFactory(username="kim")
    client = Client()
    response = client.post("/accounts/login/", {"username": "kim", "password": "nope"})
    assert response.status_code == 401
    assert 'data-code="auth.invalid_credentials"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_good_login_redirects_to_a_safe_next_only():
    UserFactory(username="lee")
    client = Client()
    response = client.post("/accounts/login/", {"username": "lee", "password": PASSWORD, "next": "/products/"})
    assert response.status_code == 302 and response["Location"] == "/products/"
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "lee", "password": PASSWORD, "next": "https://evil.example/steal"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_web_login_is_throttled(settings):
    settings.KAMENG_LOGIN_MAX_FAILURES = 2
    UserFactory(username="max")
    client = Client()
    for _ in range(2):
        client.post("/accounts/login/", {"username": "max", "password": "x"})
    response = client.post("/accounts/login/", {"username": "max", "password": PASSWORD})
    assert response.status_code == 429
    assert 'data-code="auth.locked_out"' in response.content.decode()


def test_logout_needs_post():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_tokens_page_needs_login_and_shows_a_new_token_once():
    user = UserFactory()
    client = Client()
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(user)
    response = client.post("/accounts/tokens/", {"name": "my script"})
    body = response.content.decode()
    assert 'data-testid="issued-token"' in body
    token = ApiToken.objects.get(user=user)
    assert token.prefix in body
    assert 'data-testid="issued-token"' not in client.get("/accounts/tokens/").content.decode()


def test_tokens_page_cannot_revoke_someone_elses_token():
    owner, intruder = UserFactory(), UserFactory()
    client = Client()
    client.force_login(owner)
    client.post("/accounts/tokens/", {"name": "mine"})
    token = ApiToken.objects.get(user=owner)
    client = Client()
    client.force_login(intruder)
    assert client.post("/accounts/tokens/", {"revoke": str(token.pk)}).status_code == 404
    assert client.post("/accounts/tokens/", {"revoke": "x"}).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
