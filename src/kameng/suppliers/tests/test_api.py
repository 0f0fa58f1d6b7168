"""GET /api/v1/suppliers/requests: operators only, with a status filter, and its bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kameng.suppliers.models import RequestStatus, SupplierRequest
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db
URL = "/api/v1/suppliers/requests"


def make(ref, status, minutes_ago=0):
    now = timezone.now() - timedelta(minutes=minutes_ago)
    return SupplierRequest.objects.create(
        ref=ref,
        sku="sku",
        face_value_fen=100,
        quantity=1,
        fields={"account": "1"},
        status=status,
        give_up_at=now + timedelta(hours=6),
        created_at=now,
    )


@pytest.fixture
def requests_(db):
    return [
        make("order_item:1", RequestStatus.SUCCEEDED, 3),
        make("order_item:2", RequestStatus.FAILED, 2),
        make("order_item:3", RequestStatus.UNKNOWN, 1),
    ]


def test_an_operator_sees_every_request_newest_first(api_client, operator, requests_):
    response = api_client(operator).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [item["ref"] for item in body["items"]] == ["order_item:3", "order_item:2", "order_item:1"]
    assert set(body["items"][0]) >= {"request_id", "status", "attempts", "next_check_at", "reason", "give_up_at"}


def test_the_status_filter_and_paging(api_client, operator, requests_):
    client = api_client(operator)
    body = client.get(URL, {"status": "unknown"}).json()
    assert (body["count"], [i["ref"] for i in body["items"]]) == (1, ["order_item:3"])
    body = client.get(URL, {"limit": 1, "offset": 1}).json()
    assert (body["count"], [i["ref"] for i in body["items"]]) == (3, ["order_item:2"])


@pytest.mark.parametrize("role", ["buyer", "merchant", "agent"])
def test_other_roles_are_refused(api_client, request, role, requests_):
    assert_error(api_client(request.getfixturevalue(role)).get(URL), 403, "auth.role_required")


def test_anonymous_is_refused(api_client, requests_):
    assert_error(api_client().get(URL), 401, "not_authenticated")


@pytest.mark.parametrize(
    "query",
    [
        {"status": "lost"},
        {"status": "x" * 10_000},
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"offset": -1},
        {"offset": 10**7},
        {"offset": "1.5"},
    ],
)
def test_bad_filters_are_422_with_the_error_shape(api_client, operator, requests_, query):
    error = assert_error(api_client(operator).get(URL, query), 422, "invalid_input")
    assert error["fields"]


def test_the_list_is_read_only(api_client, operator, requests_):
    response = api_client(operator).post(URL, {"status": "failed"})
    assert response.status_code == 405
    assert SupplierRequest.objects.filter(status=RequestStatus.FAILED).count() == 1
