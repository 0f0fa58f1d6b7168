"""Help pages (/help/, public) and the editors' console (/console/help/, operators and agents)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kameng.accounts.permissions import role_required
from kameng.catalog.models import Category
from kameng.core.errors import DomainError
from kameng.core.markdown import render as markdown
from kameng.knowledge import selectors, services
from kameng.knowledge.models import ArticleState
from kameng.knowledge.transitions import EDITORS, allowed_actions
from kameng.rulebook.problems import FAMILIES, SUBTYPES


# --- public ------------------------------------------------------------------------------------------
@require_safe
def index(request):
    return render(
        request,
        "knowledge/index.html",
        {
            "groups": selectors.articles_by_family(),
            "general": selectors.general_articles(),
            "categories": selectors.articles_by_category(),
        },
    )


def _session_key(request, *, create: bool) -> str:
    if not request.session.session_key and create:
        request.session["knowledge_voter"] = True  # a session worth keeping
        request.session.save()
    return request.session.session_key or ""


def _vote_context(request, found) -> dict:
    user = request.user if request.user.is_authenticated else None
    return {
        "article": found,
        "my_vote": selectors.my_vote(found=found, user=user, session_key=_session_key(request, create=False)),
        "is_editor": bool(user and user.role in EDITORS),
    }


@require_safe
def article(request, slug: str):
    found = selectors.article(slug)
    return render(
        request,
        "knowledge/article.html",
        {
            **_vote_context(request, found),
            "html": markdown(found.body),
            "related": selectors.related(found),
            "last_editor": selectors.last_editor(found),
        },
    )


@require_POST
def vote(request, slug: str):
    choice = request.POST.get("helpful", "")
    helpful = {"yes": True, "no": False}.get(choice, choice)
    user = request.user if request.user.is_authenticated else None
    status = 200
    error = None
    try:
        found = services.vote(
            slug=slug, helpful=helpful, user=user, session_key="" if user else _session_key(request, create=True)
        )
    except DomainError as err:
        if err.code == "not_found":
            raise
        found, error, status = selectors.article(slug), err, err.status
    if not request.htmx:
        if error is None:
            messages.success(request, _("Thank you for your feedback."))
        else:
            messages.error(request, error.message)
        return redirect("knowledge:article", slug=slug)
    ctx = {**_vote_context(request, found), "error": error, "thanks": error is None}
    return render(request, "knowledge/_vote.html", ctx, status=status)


# --- console ----------------------------------------------------------------------------------------------
editor_required = role_required(*EDITORS)


@editor_required
@require_safe
def console_list(request):
    state = request.GET.get("state") or None
    sort = request.GET.get("sort") or "updated"
    articles = selectors.editor_articles(user=request.user, state=state, sort=sort)
    return render(
        request,
        "knowledge/console_list.html",
        {"articles": articles, "state": state or "", "sort": sort, "states": ArticleState.choices},
    )


def _form_values(post) -> dict:
    position = post.get("position", "0").strip() or "0"
    try:
        position_value: object = int(position) if len(position) <= 6 else position
    except ValueError:
        position_value = position
    return {
        "title_zh": post.get("title_zh", ""),
        "title_en": post.get("title_en", ""),
        "body_zh": post.get("body_zh", ""),
        "body_en": post.get("body_en", ""),
        "subtypes": post.getlist("subtypes"),
        "categories": post.getlist("categories"),
        "position": position_value,
        "note": post.get("note", ""),
    }


def _form_context(**extra) -> dict:
    return {
        "families": [(f, [s for s in SUBTYPES.values() if s.family == f.code]) for f in FAMILIES.values()],
        "all_categories": Category.choices,
        **extra,
    }


@editor_required
@require_http_methods(["GET", "POST"])
def console_new(request):
    values: dict = {"subtypes": [], "categories": [], "position": 0}
    error, status = None, 200
    if request.method == "POST":
        values = {**_form_values(request.POST), "slug": request.POST.get("slug", "")}
        try:
            found = services.create_article(author=request.user, **values)
            messages.success(request, _("Draft saved."))
            return redirect("knowledge:console_edit", slug=found.slug)
        except DomainError as err:
            error, status = err, err.status
    return render(
        request, "knowledge/console_edit.html", _form_context(values=values, error=error, new=True), status=status
    )


@editor_required
@require_http_methods(["GET", "POST"])
def console_edit(request, slug: str):
    found = selectors.editable_article(user=request.user, slug=slug)
    error, status = None, 200
    values = {
        "title_zh": found.title_zh,
        "title_en": found.title_en,
        "body_zh": found.body_zh,
        "body_en": found.body_en,
        "subtypes": found.subtype_codes,
        "categories": found.category_codes,
        "position": found.position,
        "note": "",
    }
    if request.method == "POST":
        values = _form_values(request.POST)
        base = request.POST.get("base_version", "")
        base_version = int(base) if base.isascii() and base.isdigit() and len(base) <= 9 else None
        try:
            services.update_article(author=request.user, slug=slug, base_version=base_version, **values)
            messages.success(request, _("Saved."))
            return redirect("knowledge:console_edit", slug=slug)
        except DomainError as err:
            error, status = err, err.status
    ctx = _form_context(
        values=values,
        error=error,
        new=False,
        article=found,
        actions=allowed_actions(found.state, request.user.role),
    )
    return render(request, "knowledge/console_edit.html", ctx, status=status)


@editor_required
@require_POST
def console_preview(request):
    """htmx: the Markdown of the edit form rendered as the article page will show it."""
    lang = "en" if request.POST.get("lang") == "en" else "zh"
    source = request.POST.get(f"body_{lang}", "")
    if not isinstance(source, str) or len(source) > services.BODY_MAX:
        raise DomainError("invalid_input", fields={f"body_{lang}": f"at most {services.BODY_MAX} characters"})
    return render(request, "knowledge/_preview.html", {"html": markdown(source)})


@editor_required
@require_POST
def console_move(request, slug: str, action: str):
    moves = {"publish": services.publish_article, "archive": services.archive_article}
    if action not in moves:
        raise DomainError("not_found")
    moves[action](actor=request.user, slug=slug)
    messages.success(request, _("Published.") if action == "publish" else _("Archived."))
    return redirect("knowledge:console_edit", slug=slug)


@editor_required
@require_safe
def console_history(request, slug: str):
    found = selectors.editable_article(user=request.user, slug=slug)
    versions = selectors.versions_of(user=request.user, slug=slug)
    return render(request, "knowledge/console_history.html", {"article": found, "versions": versions})


@editor_required
@require_safe
def console_version(request, slug: str, number: int):
    found = selectors.editable_article(user=request.user, slug=slug)
    version = selectors.version_of(user=request.user, slug=slug, number=number)
    return render(
        request,
        "knowledge/console_version.html",
        {
            "article": found,
            "version": version,
            "html_zh": markdown(version.body_zh),
            "html_en": markdown(version.body_en),
        },
    )


@editor_required
@require_POST
def console_restore(request, slug: str, number: int):
    services.restore_version(author=request.user, slug=slug, number=number, note=request.POST.get("note", ""))
    messages.success(request, _("Version %(n)s restored as a new version.") % {"n": number})
    return redirect("knowledge:console_history", slug=slug)
