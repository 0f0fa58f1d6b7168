import pytest
from django.test import Client

from kameng.accounts.models import ApiToken
from kameng.accounts.services import issue_api_token
from tests.factories import PASSWORD, UserFactory
from tests.helpers import ApiClient, assert_error

pytestmark = pytest.mark.django_db


def test_token_login_returns_a_working_bearer_token():
    UserFactory(username="ivy", role="merchant")
    response = ApiClient().post("/api/v1/auth/token", {"username": "ivy", "password": PASSWORD, "token_name": "erp"})
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    assert response.json()["details"]["name"] == "erp"
    me = ApiClient().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {"id": me.json()["id"], "username": "ivy", "display_name": "", "role": "merchant"}


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"username": "ivy", "password": "wrong"}, 401, "auth.invalid_credentials"),
        ({"username": "ivy"}, 422, "invalid_input"),
        ({"password": "x"}, 422, "invalid_input"),
        ({"username": 12, "password": ["x"]}, 422, "invalid_input"),
        ({"username": "a" * 151, "password": "x"}, 422, "invalid_input"),
        ({"username": "ivy", "password": "x" * 257}, 422, "invalid_input"),
        ([], 422, "invalid_input"),
    ],
)
def test_token_login_bad_input(payload, status, code):
    UserFactory(username="ivy")
    response = ApiClient().post("/api/v1/auth/token", payload)
    err = assert_error(response, status, code)
    if code == "invalid_input":
        assert err["fields"]
    assert not ApiToken.objects.exists()


def test_malformed_json_body_is_a_4xx_in_the_shape():
    response = ApiClient().post("/api/v1/auth/token", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)


def test_api_login_is_throttled_too(settings):
    settings.KAMENG_LOGIN_MAX_FAILURES = 2
    UserFactory(username="jack")
    client = ApiClient()
    for _ in range(2):
        assert_error(client.post("/api/v1/auth/token", {"username": "jack", "password": "no"}), 401)
    assert_error(client.post("/api/v1/auth/token", {"username": "jack", "password": PASSWORD}), 429, "auth.locked_out")


def test_endpoints_need_authentication():
    assert_error(ApiClient().get("/api/v1/auth/me"), 401, "not_authenticated")
    assert_error(ApiClient().get("/api/v1/auth/me", headers={"Authorization": "Bearer km_nope"}), 401)
    assert_error(ApiClient().get("/api/v1/auth/tokens"), 401)


def test_a_user_sees_and_revokes_only_their_own_tokens():
    alice, bob = UserFactory(), UserFactory()
    alice_token, _ = issue_api_token(user=alice, name="alice-cli")
    client = ApiClient(bob)
    names = [t["name"] for t in client.get("/api/v1/auth/tokens").json()]
    assert "alice-cli" not in names
    assert_error(client.delete(f"/api/v1/auth/tokens/{alice_token.pk}"), 404, "not_found")
    alice_token.refresh_from_db()
    assert alice_token.revoked_at is None
    assert_error(client.delete("/api/v1/auth/tokens/abc"), 422, "invalid_input")
    assert_error(client.delete("/api/v1/auth/tokens/0"), 404)


def test_revoking_own_token_stops_it():
    user = UserFactory()
    client = ApiClient(user)
    own = client.get("/api/v1/auth/tokens").json()[0]
    response = client.delete(f"/api/v1/auth/tokens/{own['id']}")
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert_error(client.get("/api/v1/auth/me"), 401)


def test_session_auth_needs_csrf_for_writes():
    user = UserFactory()
    other_token, _ = issue_api_token(user=user, name="x")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/auth/me").status_code == 200
    response = client.delete(f"/api/v1/auth/tokens/{other_token.pk}")
    assert response.status_code in (401, 403)
    assert_error(response, response.status_code)
    other_token.refresh_from_db()
    assert other_token.revoked_at is None
