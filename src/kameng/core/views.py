"""Error pages and health check. Each page view elsewhere is thin: parse, call a service, render."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from kameng.core.errors import DomainError
from kameng.core.middleware import is_api


def _error(request: HttpRequest, code: str) -> HttpResponse:
    err = DomainError(code)
    if is_api(request):
        return JsonResponse(err.as_payload(), status=err.status)
    try:
        body = render_to_string("core/error.html", {"error": err}, request=request)
    except Exception:  # the error page must never fail itself
        body = f"<h1>{err.status}</h1><p>{err.message}</p>"
    return HttpResponse(body, status=err.status)


def bad_request(request, exception=None):
    return _error(request, "bad_request")


def permission_denied(request, exception=None):
    return _error(request, "permission_denied")


def page_not_found(request, exception=None):
    return _error(request, "not_found")


def server_error(request):
    return _error(request, "internal_error")


def csrf_failure(request, reason=""):
    return _error(request, "csrf_failed")


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
