"""The evidence page of a case (/cases/<id>/evidence/): the list (uploads here and the files
attached on the case form or in the conversation), the upload form, withdraw buttons for one's
own files, and the permission-checked file view. Thin: parse, call one service
or selector, render. Refusals come back as a message on the page; someone else's case is "not
found"."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kameng.accounts.permissions import login_required
from kameng.aftersales.permissions import role_on
from kameng.aftersales.selectors import case_for
from kameng.core.errors import DomainError
from kameng.core.files import stored_file_response
from kameng.evidence import selectors, services, uploads
from kameng.evidence.models import EvidenceKind
from kameng.rulebook import selectors as rulebook

MAX_ID = 2**53  # as in the after-sales forms: larger ids cannot exist


def _check_ids(*ids: int) -> None:
    if not all(1 <= i <= MAX_ID for i in ids):
        raise DomainError("not_found")


def _flash(request, err: DomainError) -> None:
    if err.code in ("not_found", "not_authenticated"):
        raise err
    detail = " ".join(str(v) for v in err.fields.values())
    messages.error(request, f"{err.message} {detail}".strip())


@login_required
@require_GET
def case_evidence(request: HttpRequest, case_id: int) -> HttpResponse:
    _check_ids(case_id)
    case = case_for(request.user, case_id)
    role = role_on(case, request.user)
    items = selectors.evidence_for(request.user, case_id)
    attached = selectors.attached_files(case)
    book = rulebook.version(case.rulebook_id)
    return render(
        request,
        "evidence/case_evidence.html",
        {
            "case": case,
            "role": role,
            "items": items,
            "attached": attached,
            "kinds": EvidenceKind.choices,
            "can_upload": case.is_open and role in services.PARTIES,
            "max_files": services.max_files(book),
            "max_bytes": book.params["attachment_max_bytes"],
            "max_video_bytes": book.params["attachment_video_max_bytes"],
            "image_types": uploads.IMAGE_TYPES,
        },
    )


@login_required
@require_POST
def upload(request: HttpRequest, case_id: int) -> HttpResponse:
    _check_ids(case_id)
    case_for(request.user, case_id)
    try:
        services.upload_evidence(
            user=request.user,
            case_id=case_id,
            file=request.FILES.get("file"),
            kind=(request.POST.get("kind") or "")[:32],
            caption=(request.POST.get("caption") or "")[:1000],
        )
        messages.success(request, _("Evidence added. Its SHA-256 is on the case timeline."))
    except DomainError as err:
        _flash(request, err)
    return redirect("evidence:case_evidence", case_id=case_id)


@login_required
@require_POST
def withdraw(request: HttpRequest, case_id: int, item_id: int) -> HttpResponse:
    _check_ids(case_id, item_id)
    item = selectors.item_for(request.user, item_id)
    if item.case_id != case_id:
        raise DomainError("not_found")
    try:
        services.withdraw_evidence(user=request.user, item_id=item_id, reason=(request.POST.get("reason") or "")[:1000])
        messages.success(request, _("Marked withdrawn. The file and its record are kept."))
    except DomainError as err:
        _flash(request, err)
    return redirect("evidence:case_evidence", case_id=case_id)


def file_response(item, *, inline: bool = False) -> FileResponse:
    """The stored bytes with the type detected at upload; a browser may neither guess another type
    nor run anything in it. Only images are ever shown inline (thumbnails)."""
    ext = uploads.EXTENSIONS.get(item.content_type, "bin")
    return stored_file_response(
        item.file,
        filename=f"case-{item.case_id}-evidence-{item.pk}.{ext}",
        content_type=item.content_type,
        inline=inline and item.content_type in uploads.IMAGE_TYPES,
    )


@login_required
@require_GET
def item_file(request: HttpRequest, case_id: int, item_id: int) -> HttpResponse:
    _check_ids(case_id, item_id)
    item = selectors.item_for(request.user, item_id)
    if item.case_id != case_id:
        raise DomainError("not_found")
    return file_response(item, inline=request.GET.get("inline") == "1")
