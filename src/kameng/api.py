"""The JSON API root, /api/v1/. Each domain contributes a router; this module only composes them
and maps every failure to the one error shape."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kameng.accounts.api import router as accounts_router
from kameng.accounts.auth import api_auth
from kameng.aftersales.api import router as aftersales_router
from kameng.catalog.api import router as catalog_router
from kameng.community.api import router as community_router
from kameng.core.errors import DomainError
from kameng.evidence.api import router as evidence_router
from kameng.inventory.api import router as inventory_router
from kameng.knowledge.api import router as knowledge_router
from kameng.notifications.api import router as notifications_router
from kameng.onboarding.api import router as onboarding_router
from kameng.orders.api import router as orders_router
from kameng.payments.api import router as payments_router
from kameng.reputation.api import router as reputation_router
from kameng.rulebook.api import router as rulebook_router
from kameng.search.api import router as search_router
from kameng.shops.api import router as shops_router
from kameng.suppliers.api import router as suppliers_router
from kameng.timeline.api import router as timeline_router
from kameng.triage.api import router as triage_router

log = logging.getLogger(__name__)

api = NinjaAPI(
    title="Kameng API",
    version="1",
    description=(
        "Kameng marketplace API. Money is integer fen. Errors always have the shape "
        '`{"error": {"code": "...", "message": "...", "fields": {...}}}`. Authenticate with '
        "`Authorization: Bearer <token>` from `POST /api/v1/auth/token`, or a browser session."
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _respond(request: HttpRequest, err: DomainError):
    return api.create_response(request, err.as_payload(), status=err.status)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return _respond(request, exc)


def _field_name(loc: list) -> str:
    # ninja locations look like ["body", "payload", "price_fen"]; clients care about the last parts
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header", "file", "payload")]
    return ".".join(parts) or "__all__"


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    fields: dict[str, str] = {}
    for item in exc.errors:
        fields.setdefault(_field_name(list(item.get("loc", []))), str(item.get("msg", "invalid")))
    return _respond(request, DomainError("invalid_input", fields=fields))


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return _respond(request, DomainError("not_authenticated"))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    code = {
        400: "bad_request",
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "payload_too_large",
        429: "throttled",
    }.get(exc.status_code, "bad_request")
    return _respond(request, DomainError(code))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _respond(request, DomainError("not_found"))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _respond(request, DomainError("permission_denied"))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return _respond(request, DomainError("payload_too_large"))


@api.exception_handler(MultiPartParserError)
def _bad_multipart(request, exc):
    # e.g. multipart/form-data with no boundary: the client's mistake, not ours
    return _respond(request, DomainError("bad_request"))


@api.exception_handler(Exception)
def _unexpected(request, exc: Exception):
    # A bug, not a user error: log it with its traceback; the client still gets the shape.
    log.exception("unhandled API error on %s %s", request.method, request.path)
    return _respond(request, DomainError("internal_error"))


api.add_router("/auth", accounts_router, auth=api_auth)
api.add_router("/shops", shops_router)
api.add_router("/catalog", catalog_router)
api.add_router("/inventory", inventory_router, auth=api_auth)
api.add_router("/timeline", timeline_router, auth=api_auth)
api.add_router("/payments", payments_router)
api.add_router("/suppliers", suppliers_router)
api.add_router("/orders", orders_router)
api.add_router("/rulebook", rulebook_router)
api.add_router("/notifications", notifications_router, auth=api_auth)
api.add_router("/knowledge", knowledge_router)
api.add_router("/cases", aftersales_router, auth=api_auth)
api.add_router("/evidence", evidence_router, auth=api_auth)
api.add_router("/onboarding", onboarding_router, auth=api_auth)
api.add_router("/reviews", reputation_router)
api.add_router("/search", search_router)
api.add_router("/community", community_router)
api.add_router("/triage", triage_router)
