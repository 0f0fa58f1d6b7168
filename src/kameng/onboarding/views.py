"""Pages for opening a shop: the applicant's form and status (/shops/apply/), the operators'
review queue and decision page, and the documents (applicant and operators only). Thin: parse,
call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kameng.accounts.models import Role
from kameng.accounts.permissions import login_required, role_required
from kameng.catalog.models import Category
from kameng.core.errors import DomainError
from kameng.core.files import stored_file_response
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of
from kameng.onboarding import selectors, services
from kameng.onboarding.models import ApplicationDocument, ShopApplication
from kameng.payments.forms import parse_yuan
from kameng.rulebook import selectors as rulebook
from kameng.timeline.labels import kind_label

ALIASES = {"name": "shop_name", "amount": "deposit_fen"}  # shops' and payments' field names, as this form names them


def _error_context(err: DomainError) -> dict:
    fields = {k.split(".")[0]: v for k, v in err.fields.items()}
    return {"error": err, "field_errors": {ALIASES.get(k, k): v for k, v in fields.items()}}


def _documents(request) -> list[services.Document]:
    return [
        services.Document(kind, file)
        for kind in ApplicationDocument.Kind.values
        for file in request.FILES.getlist(kind)
    ]


def _timeline(application) -> list[dict]:
    return [
        {"event": e, "label": kind_label(e.kind), "reason": e.payload.get("reason") or e.payload.get("note")}
        for e in selectors.timeline_of(application)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def apply(request):
    """The applicant's page: the form (no open application) or where the application stands."""
    application = selectors.latest_application(user=request.user)
    book = rulebook.in_force()
    ctx: dict = {
        "application": application,
        "values": request.POST,
        "field_errors": {},
        "categories": Category.choices,
        "kinds": ApplicationDocument.Kind.choices,
        "minimum_fen": book.params["shop_deposit_min_fen"],
        "wallet_fen": balance_of(kind=AccountKind.BUYER_WALLET, owner_id=request.user.pk),
        "clause_url": book.clause_url("10.1"),
    }
    status = 200
    if request.method == "POST":
        try:
            raw = (request.POST.get("deposit_yuan") or "").strip()
            deposit = parse_yuan(raw) if raw else None
            services.submit_application(
                applicant=request.user,
                shop_name=request.POST.get("shop_name", ""),
                description=request.POST.get("description", ""),
                category=request.POST.get("category", ""),
                contact=request.POST.get("contact", ""),
                slug=request.POST.get("slug", ""),
                deposit_fen=deposit,
                documents=_documents(request),
            )
            messages.success(request, _("Your application is in the review queue; your deposit is held."))
            return redirect("onboarding:apply")
        except DomainError as err:
            ctx.update(_error_context(err))
            status = err.status
    if application is not None:
        ctx["timeline"] = _timeline(application)
    return render(request, "onboarding/apply.html", ctx, status=status)


@login_required
@require_POST
def resubmit(request, application_id: int):
    try:
        services.resubmit_application(
            applicant=request.user,
            application_id=application_id,
            note=request.POST.get("note", ""),
            documents=_documents(request),
        )
        messages.success(request, _("Sent back for review."))
    except DomainError as err:
        messages.error(request, err.message)
    return redirect("onboarding:apply")


@login_required
@require_POST
def withdraw(request, application_id: int):
    try:
        services.withdraw_application(applicant=request.user, application_id=application_id)
        messages.success(request, _("Application withdrawn; your deposit is back in your wallet."))
    except DomainError as err:
        messages.error(request, err.message)
    return redirect("onboarding:apply")


def document_response(doc):
    """The stored bytes with the type detected at upload, always as a download."""
    return stored_file_response(
        doc.file,
        filename=f"application-{doc.application_id}-{doc.pk}.{doc.file.name.rsplit('.', 1)[-1]}",
        content_type=doc.content_type,
    )


@login_required
@require_GET
def document(request, document_id: int):
    return document_response(selectors.document_for(user=request.user, document_id=document_id))


@role_required(Role.OPERATOR)
@require_GET
def operator_queue(request):
    state = request.GET.get("state") or ShopApplication.State.SUBMITTED
    state = state if state in ShopApplication.State.values else ShopApplication.State.SUBMITTED
    return render(
        request,
        "onboarding/operator_queue.html",
        {
            "applications": selectors.queue(operator=request.user, state=state)[:500],
            "state": state,
            "states": ShopApplication.State.choices,
        },
    )


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def operator_application(request, application_id: int):
    application = selectors.application_for(user=request.user, application_id=application_id)
    ctx: dict = {"application": application, "field_errors": {}}
    status = 200
    if request.method == "POST":
        try:
            services.decide_application(
                operator=request.user,
                application_id=application.pk,
                action=request.POST.get("action", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Decision recorded."))
            return redirect("onboarding:operator_application", application_id=application.pk)
        except DomainError as err:
            ctx.update(_error_context(err))
            ctx["reason"] = request.POST.get("reason", "")
            status = err.status
    ctx["timeline"] = _timeline(application)
    return render(request, "onboarding/operator_application.html", ctx, status=status)
