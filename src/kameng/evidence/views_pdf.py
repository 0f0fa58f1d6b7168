"""Downloads of the external-escalation PDFs: the buyer's 12315 complaint and the court evidence
list. Thin: the PDF functions check who may have them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from kameng.accounts.permissions import login_required
from kameng.core.files import protect_download
from kameng.evidence import pdf


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return protect_download(response)


@login_required
@require_GET
def complaint(request: HttpRequest, case_id: int) -> HttpResponse:
    return pdf_response(pdf.complaint_pdf(user=request.user, case_id=case_id), f"case-{case_id}-complaint-12315.pdf")


@login_required
@require_GET
def court_list(request: HttpRequest, case_id: int) -> HttpResponse:
    return pdf_response(pdf.court_list_pdf(user=request.user, case_id=case_id), f"case-{case_id}-evidence-list.pdf")
