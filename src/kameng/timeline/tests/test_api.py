import pytest
from django.test import Client

from kameng.timeline.models import Event
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db
URL = "/api/v1/timeline/verify"


def session_client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_operator_gets_the_summary(operator, chain):
    response = session_client(operator).get(URL)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "streams": 2, "events": 5, "problems": []}


def test_operator_sees_each_problem(operator, chain):
    Event.objects.filter(pk=chain[1].pk).update(payload={"n": 99})
    body = session_client(operator).get(URL).json()
    assert body["ok"] is False
    assert body["problems"] == [
        {
            "stream": "order:1",
            "code": "edited",
            "seq": 2,
            "field": "payload",
            "detail": "content does not match the event's hash",
        }
    ]


def test_one_stream(operator, chain):
    Event.objects.filter(pk=chain[1].pk).update(payload={"n": 99})
    assert session_client(operator).get(URL, {"stream": "order:2"}).json()["ok"] is True
    assert session_client(operator).get(URL, {"stream": "order:1"}).json()["ok"] is False


@pytest.mark.parametrize("role_fixture", ["buyer", "merchant", "agent"])
def test_other_roles_are_refused(request, role_fixture, chain):
    user = request.getfixturevalue(role_fixture)
    assert_error(session_client(user).get(URL), 403, "auth.role_required")


def test_anonymous_is_refused(chain):
    assert_error(session_client().get(URL), 401, "not_authenticated")


def test_inactive_operator_is_refused(operator, chain):
    client = session_client(operator)
    operator.is_active = False
    operator.save()
    response = client.get(URL)
    assert response.status_code in (401, 403)
    assert_error(response, response.status_code)


def test_oversized_stream_is_invalid_input(operator):
    assert_error(session_client(operator).get(URL, {"stream": "x" * 81}), 422, "invalid_input")


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_only_get_is_allowed(operator, method, chain):
    response = getattr(session_client(operator), method)(URL)
    assert response.status_code == 405
    assert Event.objects.count() == 5


def test_bearer_token_operator_and_buyer(api_client, operator, buyer, chain):
    response = api_client(operator).get(URL)
    assert response.json()["ok"] is True
    assert_error(api_client(buyer).get(URL), 403, "auth.role_required")
    assert_error(api_client().get(URL), 401, "not_authenticated")
