"""/api/v1/evidence/cases/{id}/bundle.zip and /api/v1/evidence/status (added to evidence/api.py's
router)."""

from __future__ import annotations

from datetime import datetime

from ninja import Path, Router, Schema

from kameng.accounts.models import Role
from kameng.accounts.permissions import require_role
from kameng.aftersales.selectors import case_for
from kameng.evidence import audit, bundle
from kameng.evidence.views_bundle import bundle_response

router = Router(tags=["evidence"])
MAX_ID = 2**53  # as evidence.schemas: larger ids cannot exist


class SealStatusOut(Schema):
    id: int
    created_at: datetime
    stamped_at: datetime
    method: str
    leaf_count: int
    root: str


class AuditProblemOut(Schema):
    item: str
    problem: str


class AuditStatusOut(Schema):
    id: int
    started_at: datetime
    finished_at: datetime | None
    ok: bool
    files_checked: int
    streams_checked: int
    seals_checked: int
    problems: list[AuditProblemOut]


class EvidenceStatusOut(Schema):
    seal: SealStatusOut | None
    audit: AuditStatusOut | None


@router.get(
    "/cases/{case_id}/bundle.zip",
    url_name="evidence_bundle",
    summary="The case's evidence bundle (ZIP), verifiable offline with `kameng evidence verify`",
    response={200: None},
)
def case_bundle(request, case_id: int = Path(..., ge=1, le=MAX_ID)):
    case = case_for(request.auth, case_id)
    return bundle_response(bundle.build_bundle(user=request.auth, case_id=case.pk), bundle.bundle_name(case))


@router.get("/status", response=EvidenceStatusOut, summary="Operator: the last seal and the last audit")
def evidence_status(request):
    require_role(request.auth, Role.OPERATOR)
    return audit.status()
