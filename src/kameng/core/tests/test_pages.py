"""Error pages, the health check, and what a DomainError becomes on a page."""

from __future__ import annotations

import json

import pytest
from django.http import HttpResponse
from django.urls import include, path

from kameng.core.errors import DomainError
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


def _raise(code):
    def view(request):
        raise DomainError(code)

    return view


def _ok(request):
    return HttpResponse("ok")


# A tiny URLconf for the middleware tests: pages that refuse with a DomainError, next to the real
# site (error pages extend base.html, which needs the real URL names).
urlpatterns = [
    path("test-refuse/conflict/", _raise("conflict")),
    path("test-refuse/login/", _raise("not_authenticated")),
    path("api/test-refuse/conflict/", _raise("conflict")),
    path("", include("kameng.urls")),
]


def test_unknown_page_is_a_404_page_in_chinese_by_default(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'data-code="not_found"' in html
    assert "未找到。" in html
    assert "返回首页" in html


@pytest.mark.parametrize("accept", ["fr-FR,fr;q=0.9", "en-US,en;q=0.9"])
def test_chinese_is_the_default_whatever_the_browser_asks_for(client, accept):
    response = client.get("/no-such-page/", headers={"Accept-Language": accept})
    html = response.content.decode()
    assert 'lang="zh-CN"' in html
    assert "未找到。" in html


def test_unknown_page_is_a_404_page_in_english_after_the_language_switch(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "Not found." in html


def test_healthz_reports_ok_and_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}


@pytest.mark.urls(__name__)
def test_domain_error_on_a_page_becomes_an_error_page_with_its_status(client):
    response = client.get("/test-refuse/conflict/")
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-code="conflict"' in html
    assert "<html" in html


@pytest.mark.urls(__name__)
def test_domain_error_on_an_htmx_request_becomes_a_fragment(client):
    response = client.get("/test-refuse/conflict/", headers={"HX-Request": "true"})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "<html" not in html


@pytest.mark.urls(__name__)
def test_not_authenticated_on_a_page_redirects_to_login(client):
    response = client.get("/test-refuse/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.urls(__name__)
def test_domain_error_under_api_is_the_error_shape(client):
    assert_error(client.get("/api/test-refuse/conflict/"), 409, "conflict")


@pytest.mark.parametrize(
    ("handler", "status", "code"),
    [
        ("bad_request", 400, "bad_request"),
        ("permission_denied", 403, "permission_denied"),
        ("page_not_found", 404, "not_found"),
        ("server_error", 500, "internal_error"),
        ("csrf_failure", 403, "csrf_failed"),
    ],
)
def test_django_error_handlers_answer_in_the_error_shape_under_api_and_as_a_page_elsewhere(rf, handler, status, code):
    from kameng.core import views

    api_response = getattr(views, handler)(rf.post("/api/v1/anything"))
    assert api_response.status_code == status
    assert json.loads(api_response.content) == {
        "error": {"code": code, "message": DomainError(code).message, "fields": {}}
    }

    page_response = getattr(views, handler)(rf.get("/console/anything/"))
    assert page_response.status_code == status
    assert f'data-code="{code}"'.encode() in page_response.content


def test_a_page_form_without_csrf_token_gets_the_csrf_page(buyer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert b'data-code="csrf_failed"' in response.content
