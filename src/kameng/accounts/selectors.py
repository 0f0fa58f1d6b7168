from django.db.models import QuerySet

from kameng.accounts.models import ApiToken, User


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def client_ip(request) -> str | None:
    """The caller's address. Behind a proxy the operator sets KAMENG_BEHIND_TLS_PROXY and the proxy
    overwrites X-Forwarded-For; we take the last hop it added."""
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None
