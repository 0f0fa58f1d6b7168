"""Suppliers API: operator monitoring of upstream top-up requests."""

from __future__ import annotations

from ninja import Query, Router

from kameng.accounts.auth import api_auth
from kameng.suppliers import selectors
from kameng.suppliers.schemas import RequestFilter, SupplierRequestPage

router = Router(tags=["suppliers"])


@router.get("/requests", auth=api_auth, response=SupplierRequestPage, summary="Supplier requests (operator)")
def list_requests(request, filters: Query[RequestFilter]):
    requests = selectors.requests_for_operator(user=request.auth, status=filters.status)
    return {"count": requests.count(), "items": list(requests[filters.offset : filters.offset + filters.limit])}
