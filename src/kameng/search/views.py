"""Search pages: /help/search/ (public results) and the operator's synonym editor
/console/search/synonyms/ (htmx: each form swaps the list; without JavaScript it redirects)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kameng.accounts.models import Role
from kameng.accounts.permissions import role_required
from kameng.core.errors import DomainError
from kameng.search import selectors, services
from kameng.search.models import Kind

PER_PAGE = 10
PAGE_MAX = selectors.OFFSET_MAX // PER_PAGE


def _page(raw: str) -> int:
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= PAGE_MAX else 0


@require_GET
def help_search(request):
    q = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    page = _page(request.GET.get("page", "1") or "1")
    ctx = {"q": q, "kind": kind, "kinds": Kind.choices, "page": page, "found": None}
    status = 200
    if q:
        try:
            if kind and kind not in Kind.values:
                raise DomainError("invalid_input", fields={"kind": "article | question"})
            if not page:
                raise DomainError("invalid_input", fields={"page": f"1 to {PAGE_MAX}"})
            found = selectors.search(q, kinds=[kind] if kind else None, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
            pages = max(1, -(-found.total // PER_PAGE))
            ctx.update(found=found, pages=pages)
        except DomainError as err:
            ctx["error"] = err
            status = err.status
    return render(request, "search/results.html", ctx, status=status)


def _editor(request, *, error=None, status=200, editing=None, draft=""):
    ctx = {"groups": selectors.synonym_groups(), "error": error, "editing": editing, "draft": draft}
    template = "search/_synonyms.html" if request.headers.get("HX-Request") else "search/synonyms.html"
    return render(request, template, ctx, status=status)


def _terms(raw: str) -> list[str]:
    # One group per form: terms separated by commas (either width), 、, spaces or line breaks.
    for sep in ("，", "、", "\n", "\r", " ", "\t"):
        raw = raw.replace(sep, ",")
    return [t for t in raw.split(",") if t.strip()]


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def synonyms(request):
    if request.method == "GET":
        return _editor(request)
    raw = request.POST.get("terms", "")
    group_raw = request.POST.get("group", "")
    group_id = int(group_raw) if group_raw.isdigit() and len(group_raw) < 10 else None
    try:
        if group_raw and group_id is None:
            raise DomainError("search.synonym_group_not_found")
        services.save_synonyms(operator=request.user, terms=_terms(raw), group_id=group_id)
    except DomainError as err:
        return _editor(request, error=err, status=err.status, editing=group_id, draft=raw)
    if request.headers.get("HX-Request"):
        return _editor(request)
    messages.success(request, _("The synonym group is saved."))
    return redirect("search:synonyms")


@role_required(Role.OPERATOR)
@require_POST
def synonyms_delete(request, group_id: int):
    try:
        services.delete_synonyms(operator=request.user, group_id=group_id)
    except DomainError as err:
        return _editor(request, error=err, status=err.status)
    if request.headers.get("HX-Request"):
        return _editor(request)
    messages.success(request, _("The synonym group is deleted."))
    return redirect("search:synonyms")
