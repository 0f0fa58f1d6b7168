"""Under /api/ every failure has the one error shape, including Django-level failures that never
reach a django-ninja handler (unknown URL, wrong method, oversized or unreadable body)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/auth/no-such-thing/", "/api/v2/", "/api/"])
def test_unknown_api_url_is_a_404_in_the_error_shape(client, path):
    assert_error(client.get(path), 404, "not_found")


def test_wrong_method_is_a_405_in_the_error_shape(client):
    assert_error(client.get("/api/v1/auth/token"), 405, "method_not_allowed")
    assert_error(client.put("/api/v1/auth/token", "{}", content_type="application/json"), 405, "method_not_allowed")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_oversized_body_is_a_413_in_the_error_shape_and_nothing_is_written(client):
    users_before = get_user_model().objects.count()
    body = '{"username": "a", "password": "' + "x" * 4096 + '"}'
    response = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert_error(response, 413, "payload_too_large")
    assert get_user_model().objects.count() == users_before


@pytest.mark.parametrize(
    "body",
    ['{"username": "buyer", "password": ', "not json at all", "[1, 2, 3]", '"a string"', "\xff\xfe"],
)
def test_malformed_json_is_a_4xx_in_the_error_shape(client, buyer, body):
    response = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    assert_error(response, response.status_code)
    assert buyer.api_tokens.count() == 0


def test_missing_and_wrongly_typed_fields_name_the_field(client):
    response = client.post("/api/v1/auth/token", {"username": ["x"]}, content_type="application/json")
    error = assert_error(response, 422, "invalid_input")
    assert "password" in error["fields"]


def test_unauthenticated_api_call_is_a_401_in_the_error_shape(client):
    assert_error(client.get("/api/v1/auth/me"), 401, "not_authenticated")


def test_api_errors_are_json_even_when_the_browser_asks_for_html(client):
    response = client.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 404, "not_found")
