"""Rulebook pages: the published rulebook (public) and the operator's editor.
Thin: parse, call one service or selector, render. Service errors are shown inline."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kameng.accounts.models import Role
from kameng.accounts.permissions import role_required
from kameng.core.errors import DomainError
from kameng.rulebook import selectors, services
from kameng.rulebook.defaults import CHAPTERS, REQUIRED
from kameng.rulebook.params import PARAMS
from kameng.rulebook.selectors import Rulebook

TEXTS = ("title_zh", "title_en", "body_zh", "body_en")


def _chapters(rulebook: Rulebook) -> list[dict[str, Any]]:
    return [
        {"number": chapter, "title": CHAPTERS.get(chapter, ""), "clauses": list(clauses)}
        for chapter, clauses in groupby(rulebook.clauses, key=lambda c: c.chapter)
    ]


def _render_rulebook(request: HttpRequest, rulebook: Rulebook, current: Rulebook) -> HttpResponse:
    return render(
        request,
        "rulebook/rulebook.html",
        {
            "rulebook": rulebook,
            "current": current,
            "is_current": rulebook.id == current.id,
            "chapters": _chapters(rulebook),
            "parameters": selectors.parameter_rows(rulebook),
            "taxonomy": selectors.taxonomy(),
            "versions": selectors.versions(),
        },
    )


def rulebook_page(request):
    current = selectors.current()
    return _render_rulebook(request, current, current)


def version_page(request, number: int):
    current = selectors.current()
    return _render_rulebook(request, selectors.version_by_number(number), current)


# --- the operator's editor ----------------------------------------------------------------------


def _number_or_text(raw: str) -> int | str:
    # Anything that is not a plain whole number goes to the service as it is, which refuses it
    # with the parameter's range.
    raw = raw.strip()
    try:
        return int(raw)
    except ValueError:
        return raw


def _posted(post) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    params = {spec.name: _number_or_text(post.get(f"param-{spec.name}", "")) for spec in PARAMS}
    clauses: list[dict[str, Any]] = []
    for code in post.getlist("clause"):
        if post.get(f"remove-{code}"):
            clauses.append({"code": code, "remove": True})
        else:
            clauses.append({"code": code, **{t: post.get(f"{t}-{code}", "") for t in TEXTS}})
    new_code = post.get("new-code", "").strip()
    if new_code:
        clauses.append({"code": new_code, **{t: post.get(f"new-{t}", "") for t in TEXTS}})
    return params, clauses


def _form_errors(err: DomainError) -> dict[str, str]:
    """The service's field paths (params.x, clauses.3.6.body_zh) as the editor's input names."""
    found: dict[str, str] = {}
    for path, message in err.fields.items():
        if path.startswith("params."):
            found[f"param-{path.removeprefix('params.')}"] = message
        elif path.startswith("clauses."):
            rest = path.removeprefix("clauses.")
            head, _sep, last = rest.rpartition(".")
            found[f"{last}-{head}" if last in TEXTS else f"clause-{rest}"] = message
        else:
            found[path] = message
    return found


def _editor_rows(rulebook: Rulebook, post=None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    errors = errors or {}
    params = []
    for row in selectors.parameter_rows(rulebook):
        key = f"param-{row['name']}"
        params.append({**row, "input": post.get(key, "") if post else row["value"], "error": errors.get(key)})
    clauses = []
    for c in rulebook.clauses:
        texts = {t: (post.get(f"{t}-{c.code}", "") if post else getattr(c, t)) for t in TEXTS}
        clauses.append(
            {
                "code": c.code,
                "required": c.code in REQUIRED,
                "remove": bool(post and post.get(f"remove-{c.code}")),
                "error": errors.get(f"clause-{c.code}"),
                "fields": [{"name": t, "value": texts[t], "error": errors.get(f"{t}-{c.code}")} for t in TEXTS],
            }
        )
    new = {t: (post.get(f"new-{t}", "") if post else "") for t in ("code", *TEXTS)}
    new_code = new["code"].strip()
    new_errors = {t: errors.get(f"{t}-{new_code}") for t in TEXTS} if new_code else {}
    return {
        "params": params,
        "clauses": clauses,
        "new": new,
        "new_errors": new_errors,
        "new_error": errors.get(f"clause-{new_code}") if new_code else None,
        "note": post.get("note", "") if post else "",
        "note_error": errors.get("note"),
    }


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def editor(request):
    rulebook = selectors.current()
    ctx: dict[str, Any] = {"rulebook": rulebook, "versions": selectors.versions()}
    status = 200
    if request.method == "POST":
        params, clauses = _posted(request.POST)
        try:
            published = services.publish_version(
                operator=request.user, params=params, clauses=clauses, note=request.POST.get("note", "")
            )
            messages.success(request, _("Version %(number)s is published.") % {"number": published.number})
            return redirect("rulebook:editor")
        except DomainError as err:
            ctx["error"] = err
            ctx.update(_editor_rows(rulebook, request.POST, _form_errors(err)))
            status = err.status
    else:
        ctx.update(_editor_rows(rulebook))
    return render(request, "rulebook/editor.html", ctx, status=status)
