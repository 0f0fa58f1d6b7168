"""Turns domain errors and stray failures into the promised shapes.

Under /api/ every error response is ``{"error": {"code", "message", "fields"}}`` (even Django's own
404/405/413 that never reach django-ninja). On pages a DomainError becomes an error page with its
message and status, never a 500.
"""

from __future__ import annotations

import json
import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from kameng.core.errors import DomainError, payload_for

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid_input",
    429: "throttled",
    500: "internal_error",
}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_api(request) and response.status_code >= 400 and not _is_error_shape(response):
            code = _STATUS_CODES.get(response.status_code, "bad_request")
            _status, payload = payload_for(code)
            return JsonResponse(payload, status=response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, DomainError):
            err = exc
        elif isinstance(exc, RequestDataTooBig):
            err = DomainError("payload_too_large")
        elif isinstance(exc, Http404):
            err = DomainError("not_found")
        elif isinstance(exc, PermissionDenied):
            err = DomainError("permission_denied")
        else:
            return None  # a real bug: Django's handler logs it and shows the 500 page
        if is_api(request):
            return JsonResponse(err.as_payload(), status=err.status)
        return render_error_page(request, err)


def render_error_page(request: HttpRequest, err: DomainError) -> HttpResponse:
    if err.code == "not_authenticated":
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    template = "core/error_fragment.html" if getattr(request, "htmx", False) else "core/error.html"
    return render(request, template, {"error": err}, status=err.status)


def _is_error_shape(response: HttpResponse) -> bool:
    if response.get("Content-Type", "").split(";")[0] != "application/json":
        return False
    try:
        data = json.loads(response.content)
    except (ValueError, AttributeError):
        return False
    return isinstance(data, dict) and isinstance(data.get("error"), dict) and "code" in data["error"]


class NoStoreMiddleware:
    """API answers and every page a signed-in user sees carry ``Cache-Control: no-store``: a shared
    computer's back button or a proxy must not keep someone's wallet, orders or card keys."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if is_api(request) or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response


class LanguageMiddleware:
    """Chinese unless the visitor chose otherwise with the language switch (a cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language on purpose: the
    marketplace's default language is Chinese for everyone, English is a choice."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary = response.get("Vary", "")
        if "Cookie" not in patch_vary:
            response["Vary"] = f"{patch_vary}, Cookie" if patch_vary else "Cookie"
        translation.deactivate()
        return response


class NulInputMiddleware:
    """A NUL character is never meaningful in anything a person or a client sends us, and
    PostgreSQL cannot store it in text: a request carrying one, in its path, query, form fields
    or JSON strings, is refused (422 ``invalid_input``, naming the field) before any view runs.
    Uploaded files are not looked at: binary files are full of NULs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            field = _field_with_nul(request)
        except RequestDataTooBig:
            err = DomainError("payload_too_large")
        except (MultiPartParserError, SuspiciousOperation):  # no boundary, cut short, too many fields …
            err = DomainError("bad_request")
        else:
            if field is None:
                return self.get_response(request)
            err = DomainError("invalid_input", fields={field: "contains a NUL character"})
        if is_api(request):
            return JsonResponse(err.as_payload(), status=err.status)
        return render_error_page(request, err)


def _field_with_nul(request: HttpRequest) -> str | None:
    if "\x00" in request.path:
        return "path"
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in v for v in values):
            return name.replace("\x00", "") or "query"
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if content_type == "application/json":
            body = request.body
            if b"\x00" in body:
                return "body"
            if b"\\u0000" in body:
                try:
                    return _json_nul(json.loads(body), "body")
                except ValueError:
                    return None  # not JSON: the view says so
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for name, values in request.POST.lists():
                if "\x00" in name or any("\x00" in v for v in values):
                    return name.replace("\x00", "") or "form"
    return None


def _json_nul(value, where: str) -> str | None:
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return where
            found = _json_nul(item, key)
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _json_nul(item, where)
            if found:
                return found
    return None
