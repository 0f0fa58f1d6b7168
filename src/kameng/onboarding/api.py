"""/api/v1/onboarding: shop applications (入驻申请, rule 10.1). Multipart for the ones that carry
documents. Thin: parse, call one service or selector, shape."""

from __future__ import annotations

from ninja import File, Form, Path, Query, Router, Schema, UploadedFile

from kameng.onboarding import selectors, services
from kameng.onboarding.schemas import MAX_ID, ApplicationDetailOut, ApplicationOut, DecisionIn
from kameng.onboarding.views import document_response

router = Router(tags=["onboarding"])


def _id():
    return Path(..., ge=1, le=MAX_ID)


def _documents(identity, business, other) -> list[services.Document]:
    return [
        services.Document(kind, file)
        for kind, files in (("identity", identity), ("business", business), ("other", other))
        for file in files or []
    ]


def _detail(application):
    application.applicant_username = application.applicant.username
    application.timeline = selectors.timeline_of(application)
    return application


@router.get("/applications", response=list[ApplicationOut], summary="My shop applications, newest first")
def mine(request):
    return selectors.my_applications(user=request.auth)


@router.post(
    "/applications",
    response={201: ApplicationOut},
    summary="Apply to open a shop (multipart: fields, identity/business/other files); the deposit leaves the wallet",
)
def apply(
    request,
    shop_name: Form[str] = "",
    description: Form[str] = "",
    category: Form[str] = "",
    contact: Form[str] = "",
    slug: Form[str] = "",
    deposit_fen: Form[int | None] = None,
    identity: File[list[UploadedFile]] = None,
    business: File[list[UploadedFile]] = None,
    other: File[list[UploadedFile]] = None,
):
    return 201, services.submit_application(
        applicant=request.auth,
        shop_name=shop_name,
        description=description,
        category=category,
        contact=contact,
        slug=slug,
        deposit_fen=deposit_fen,
        documents=_documents(identity, business, other),
    )


@router.get(
    "/applications/{application_id}", response=ApplicationDetailOut, summary="One application, with its timeline"
)
def detail(request, application_id: int = _id()):
    return _detail(selectors.application_for(user=request.auth, application_id=application_id))


@router.post(
    "/applications/{application_id}/resubmit",
    response=ApplicationOut,
    summary="Answer a request for more (multipart: note, more files)",
)
def resubmit(
    request,
    application_id: int = _id(),
    note: Form[str] = "",
    identity: File[list[UploadedFile]] = None,
    business: File[list[UploadedFile]] = None,
    other: File[list[UploadedFile]] = None,
):
    return services.resubmit_application(
        applicant=request.auth,
        application_id=application_id,
        note=note,
        documents=_documents(identity, business, other),
    )


@router.post(
    "/applications/{application_id}/withdraw", response=ApplicationOut, summary="Withdraw; the deposit returns"
)
def withdraw(request, application_id: int = _id()):
    return services.withdraw_application(applicant=request.auth, application_id=application_id)


@router.get(
    "/documents/{document_id}/file",
    url_name="application_document",
    response={200: None},
    summary="Download a document (its applicant and operators only)",
)
def document_file(request, document_id: int = _id()):
    return document_response(selectors.document_for(user=request.auth, document_id=document_id))


class QueueFilter(Schema):
    state: str | None = None


@router.get("/operator/applications", response=list[ApplicationOut], summary="Review queue (operators)")
def operator_queue(request, filters: Query[QueueFilter]):
    return selectors.queue(operator=request.auth, state=filters.state)


@router.post(
    "/operator/applications/{application_id}/decision",
    response=ApplicationOut,
    summary="Approve, reject (reason) or ask for more (operators)",
)
def decide(request, payload: DecisionIn, application_id: int = _id()):
    return services.decide_application(
        operator=request.auth, application_id=application_id, action=payload.action, reason=payload.reason
    )
