"""/api/v1/evidence: evidence files on cases (list, upload, withdraw, download), plus the bundle
and PDF routes of api_bundle / api_pdf. Mounted with api_auth. Thin: parse, call one service or
selector, shape."""

from __future__ import annotations

from ninja import File, Form, Path, Router, UploadedFile

from kameng.evidence import selectors, services
from kameng.evidence.api_bundle import router as bundle_router
from kameng.evidence.api_pdf import router as pdf_router
from kameng.evidence.schemas import MAX_ID, AttachedFileOut, EvidenceItemOut, WithdrawIn
from kameng.evidence.views import file_response

router = Router(tags=["evidence"])


def _id():
    return Path(..., ge=1, le=MAX_ID)


@router.get("/cases/{case_id}/items", response=list[EvidenceItemOut], summary="Evidence files of a case")
def list_items(request, case_id: int = _id()):
    return selectors.evidence_for(request.auth, case_id)


@router.get(
    "/cases/{case_id}/attachments",
    response=list[AttachedFileOut],
    summary="Files attached to a case (case form and conversation), as evidence",
)
def list_attachments(request, case_id: int = _id()):
    return selectors.attached_files_for(request.auth, case_id)


@router.post(
    "/cases/{case_id}/items",
    response={201: EvidenceItemOut},
    summary="Add an evidence file (multipart: file, kind, caption)",
)
def upload(
    request,
    case_id: int = _id(),
    kind: Form[str] = "",
    caption: Form[str] = "",
    file: File[UploadedFile] = None,
):
    return 201, services.upload_evidence(
        user=request.auth, case_id=case_id, file=file, kind=kind[:32], caption=caption[:1000]
    )


@router.post("/items/{item_id}/withdraw", response=EvidenceItemOut, summary="Mark my evidence file withdrawn")
def withdraw(request, payload: WithdrawIn, item_id: int = _id()):
    return services.withdraw_evidence(user=request.auth, item_id=item_id, reason=payload.reason)


@router.get(
    "/items/{item_id}/file", url_name="evidence_file", summary="Download an evidence file", response={200: None}
)
def item_file(request, item_id: int = _id()):
    return file_response(selectors.item_for(request.auth, item_id))


@router.get(
    "/proofs/{stream}/{seq}",
    summary="Inclusion proof of one timeline event up to a sealed, timestamped root",
    response=dict,
)
def proof(request, stream: str, seq: int = Path(..., ge=1, le=2**31 - 1)):
    """For a stream the caller may see ("order:17", "case:5"). 409 evidence.not_sealed until the
    next seal covers the event. Check it with evidence.merkle.verify_event_proof and the platform's
    published key (/evidence/keys/)."""
    return selectors.proof_for(request.auth, stream=stream, seq=seq)


router.add_router("", bundle_router)
router.add_router("", pdf_router)
