"""Timeline API. Orders and cases expose their own streams through their own endpoints (after their
own permission checks); here is only the operator's integrity check.

Authentication: the timeline sits beside accounts in the layers and may not import it, so this
router takes its auth from its mount (``api.add_router("/timeline", router, auth=api_auth)``) and
otherwise falls back to the browser session that Django's middleware already resolved."""

from __future__ import annotations

from ninja import Router

from kameng.core.errors import DomainError
from kameng.timeline.labels import role_label
from kameng.timeline.schemas import VerifyOut
from kameng.timeline.selectors import verify

router = Router(tags=["timeline"])

OPERATOR = "operator"


def _require_operator(request):
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        raise DomainError("not_authenticated")
    if not user.is_active:
        raise DomainError("auth.inactive")
    if getattr(user, "role", None) != OPERATOR:
        raise DomainError("auth.role_required", role=role_label(OPERATOR))
    return user


@router.get("/verify", response=VerifyOut, summary="Verify every timeline hash chain (operators)")
def verify_timeline(request, stream: str | None = None):
    _require_operator(request)
    if stream is not None and len(stream) > 80:
        raise DomainError("invalid_input", fields={"stream": "at most 80 characters"})
    return verify(stream=stream).as_dict()
