"""API authentication: a bearer token, or the browser session (with CSRF, as ninja enforces)."""

from __future__ import annotations

from django.conf import settings
from ninja.security import APIKeyCookie, HttpBearer

from kameng.accounts.services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class Session(APIKeyCookie):
    """Django's session cookie; ninja checks the CSRF token for it."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


api_auth = [BearerToken(), Session()]
