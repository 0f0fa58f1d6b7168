"""The one permission layer: pages and API handlers both call these.

Role checks live here. Object checks live in each domain's selectors, which only ever return the
objects the user may see (another shop's product is "not found", not "forbidden", so ids leak
nothing)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from kameng.accounts.models import Role, User
from kameng.core.errors import DomainError


def require_login(user: User | None) -> User:
    if user is None or not getattr(user, "is_authenticated", False):
        raise DomainError("not_authenticated")
    if not user.is_active:
        raise DomainError("auth.inactive")
    return user


def require_role(user: User | None, *roles: Role) -> User:
    user = require_login(user)
    if user.role not in roles:
        raise DomainError("auth.role_required", role=" / ".join(str(Role(r).label) for r in roles))
    return user


def has_role(user: User | None, *roles: Role) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and user.is_active and user.role in roles)


def role_required(*roles: Role) -> Callable:
    """Page-view decorator: the same check as the API's, through the same function."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require_role(request.user, *roles)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def login_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_login(request.user)
        return view(request, *args, **kwargs)

    return wrapper
