"""用户社群 pages: the list, a question with its answers, asking, a member's profile, and the
moderation queue for support agents. Votes and accepting answer through htmx (fragments) and
work without it (a redirect back). A refused act is the error page / fragment with its status."""

from __future__ import annotations

import math

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kameng.accounts.models import Role
from kameng.accounts.permissions import login_required, role_required
from kameng.catalog.models import Category
from kameng.community import selectors, services
from kameng.community.models import TITLE_MAX, ReportReason
from kameng.core.errors import DomainError
from kameng.rulebook.problems import SUBTYPES


def _id(value) -> int | None:
    value = value if isinstance(value, str) else ""
    ok = value.isascii() and value.isdigit() and 0 < len(value) <= 15
    return int(value) if ok else None


def _page_number(request) -> int:
    value = request.GET.get("page", "")
    ok = value.isascii() and value.isdigit() and len(value) <= 5 and int(value) > 0
    return min(int(value), 10_000) if ok else 1


def _kind(kind: str) -> str:
    if kind not in ("question", "answer"):
        raise DomainError("not_found")
    return kind


def _user(request):
    return request.user if request.user.is_authenticated else None


def _choices() -> dict:
    return {"subtypes": list(SUBTYPES.values()), "categories": Category.choices}


@require_safe
def index(request):
    subtype = request.GET.get("subtype") or None
    category = request.GET.get("category") or None
    sort = request.GET.get("sort") or "new"
    qs = selectors.questions(_user(request), subtype=subtype, category=category, sort=sort)
    total = qs.count()
    size = selectors.PAGE_SIZE
    page = _page_number(request)
    rows = list(qs[(page - 1) * size : page * size])
    return render(
        request,
        "community/index.html",
        {
            "questions": rows,
            "reputation": selectors.reputation_of([q.author_id for q in rows]),
            "subtype": subtype or "",
            "category": category or "",
            "sort": sort,
            "sorts": [("new", _("Newest")), ("votes", _("Most votes")), ("unanswered", _("Unanswered"))],
            "page": page,
            "pages": max(1, math.ceil(total / size)),
            **_choices(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ask(request):
    ctx = {"values": request.POST, "error": None, "title_max": TITLE_MAX, **_choices()}
    status = 200
    if request.method == "POST":
        try:
            q = services.ask_question(
                author=request.user,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                subtype=request.POST.get("subtype", ""),
                category=request.POST.get("category", ""),
                articles=[s for s in request.POST.get("articles", "").replace(",", " ").split() if s],
            )
            messages.success(request, _("Your question is posted."))
            return redirect("community:question", question_id=q.pk)
        except DomainError as err:
            ctx["error"], status = err, err.status
    return render(request, "community/ask.html", ctx, status=status)


def _question_context(request, question_id: int) -> dict:
    user = _user(request)
    q = selectors.question_for(user, question_id)
    answers = selectors.answers_of(user, q)
    for a in answers:
        a.articles = selectors.articles_of(a)
        a.shared_cases = selectors.cases_of(a)
    votes = selectors.my_votes(user, question=q, answers=answers)
    for a in answers:
        a.my_vote = votes.get(f"a{a.pk}", 0)
    return {
        "q": q,
        "answers": answers,
        "my_q": votes.get(f"q{q.pk}", 0),
        "reputation": selectors.reputation_of([q.author_id, *(a.author_id for a in answers)]),
        "articles": selectors.articles_of(q),
        "cases": selectors.cases_of(q),
        "is_moderator": selectors.is_moderator(user),
        "is_asker": user is not None and q.author_id == user.pk,
        "reasons": ReportReason.choices,
        "moderation": selectors.moderation_of(q) if selectors.is_moderator(user) else [],
    }


@require_http_methods(["GET", "HEAD", "POST"])
def question(request, question_id: int):
    error, status = None, 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            raise DomainError("not_authenticated")
        try:
            services.post_answer(
                author=request.user,
                question_id=question_id,
                body=request.POST.get("body", ""),
                articles=[s for s in request.POST.get("articles", "").replace(",", " ").split() if s],
            )
            messages.success(request, _("Your answer is posted."))
            return redirect("community:question", question_id=question_id)
        except DomainError as err:
            error, status = err, err.status
    ctx = _question_context(request, question_id)
    ctx.update(error=error, values=request.POST)
    return render(request, "community/question.html", ctx, status=status)


def _post(request, kind: str, post_id: int):
    if kind == "question":
        return selectors.question_for(request.user, post_id)
    return selectors.answer_for(request.user, post_id)


def _back(post) -> int:
    return post.pk if hasattr(post, "title") else post.question_id


@login_required
@require_POST
def vote(request, kind: str, post_id: int):
    kind = _kind(kind)
    value = {"up": 1, "down": -1, "clear": 0}.get(request.POST.get("value", ""))
    if value is None:
        raise DomainError("invalid_input", fields={"value": "up, down or clear"})
    services.vote(user=request.user, kind=kind, post_id=post_id, value=value)
    post = _post(request, kind, post_id)
    if request.htmx:
        ctx = {
            "kind": kind,
            "post": post,
            "score": selectors.score_of(kind=kind, post_id=post_id),
            "my": value,
            "can_vote": True,
        }
        return render(request, "community/_vote.html", ctx)
    return redirect("community:question", question_id=_back(post))


@login_required
@require_POST
def accept(request, question_id: int):
    raw = request.POST.get("answer", "")
    answer_id = None if raw == "none" else _id(raw)
    if answer_id is None and raw != "none":
        raise DomainError("not_found")
    services.accept_answer(user=request.user, question_id=question_id, answer_id=answer_id)
    if request.htmx:
        return render(request, "community/_answers.html", _question_context(request, question_id))
    return redirect("community:question", question_id=question_id)


@login_required
@require_POST
def report(request, kind: str, post_id: int):
    kind = _kind(kind)
    services.report_post(
        reporter=request.user,
        kind=kind,
        post_id=post_id,
        reason=request.POST.get("reason", ""),
        text=request.POST.get("text", ""),
    )
    post = _post(request, kind, post_id)
    if request.htmx:
        return render(request, "community/_reported.html")
    messages.success(request, _("Thank you. A moderator will look at this post."))
    return redirect("community:question", question_id=_back(post))


@login_required
@require_POST
def link_article(request, kind: str, post_id: int):
    post = services.link_article(
        user=request.user, kind=_kind(kind), post_id=post_id, slug=request.POST.get("slug", "").strip()
    )
    messages.success(request, _("Article linked."))
    return redirect("community:question", question_id=_back(post))


@role_required(Role.BUYER)
@require_POST
def attach_case(request, kind: str, post_id: int):
    case_id = _id(request.POST.get("case_id", ""))
    services.attach_case(
        buyer=request.user,
        kind=_kind(kind),
        post_id=post_id,
        case_id=case_id or 0,
        consent=request.POST.get("consent") == "yes",
    )
    post = _post(request, kind, post_id)
    messages.success(request, _("Your case is shared, anonymised."))
    return redirect("community:question", question_id=_back(post))


@require_safe
def profile(request, username: str):
    p = selectors.profile(_user(request), username)
    return render(request, "community/profile.html", {"profile": p})


@role_required(Role.AGENT, Role.OPERATOR)
@require_safe
def console(request):
    return render(
        request,
        "community/console.html",
        {"queue": selectors.moderation_queue(request.user), "log": selectors.moderation_log(request.user, limit=30)},
    )


@role_required(Role.AGENT, Role.OPERATOR)
@require_POST
def moderate(request, kind: str, post_id: int):
    post = services.moderate(
        moderator=request.user,
        kind=_kind(kind),
        post_id=post_id,
        action=request.POST.get("action", ""),
        reason=request.POST.get("reason", ""),
    )
    messages.success(request, _("Done: the moderation log has the reason."))
    if request.POST.get("next") == "question":
        return redirect("community:question", question_id=_back(post))
    return redirect("community:console")


@role_required(Role.AGENT, Role.OPERATOR)
@require_POST
def lock(request, question_id: int):
    services.set_locked(
        moderator=request.user,
        question_id=question_id,
        locked=request.POST.get("locked") == "yes",
        reason=request.POST.get("reason", ""),
    )
    return redirect("community:question", question_id=question_id)


@role_required(Role.AGENT, Role.OPERATOR)
@require_POST
def dismiss(request, report_id: int):
    services.dismiss_report(moderator=request.user, report_id=report_id, reason=request.POST.get("reason", ""))
    messages.success(request, _("Report dismissed."))
    return redirect("community:console")
