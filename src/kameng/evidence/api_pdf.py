"""/api/v1/evidence/cases/{id}/complaint.pdf and court-list.pdf (added to evidence/api.py's router)."""

from __future__ import annotations

from ninja import Path, Router

from kameng.evidence import pdf
from kameng.evidence.views_pdf import pdf_response

router = Router(tags=["evidence"])
MAX_ID = 2**53  # as evidence.schemas: larger ids cannot exist


def _id():
    return Path(..., ge=1, le=MAX_ID)


@router.get(
    "/cases/{case_id}/complaint.pdf",
    url_name="evidence_complaint_pdf",
    summary="The buyer's 12315 complaint package (PDF, Chinese)",
    response={200: None},
)
def complaint(request, case_id: int = _id()):
    return pdf_response(pdf.complaint_pdf(user=request.auth, case_id=case_id), f"case-{case_id}-complaint-12315.pdf")


@router.get(
    "/cases/{case_id}/court-list.pdf",
    url_name="evidence_court_list_pdf",
    summary="The case's evidence list as a court 证据目录 (PDF)",
    response={200: None},
)
def court_list(request, case_id: int = _id()):
    return pdf_response(pdf.court_list_pdf(user=request.auth, case_id=case_id), f"case-{case_id}-evidence-list.pdf")
