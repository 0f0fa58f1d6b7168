"""/api/v1/community: questions, answers, votes, accepting, reports, moderation (agents), article
links and anonymised cases (the buyer, with consent). Thin: parse, call one service or selector,
shape. Every error is ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

import math

from django.urls import reverse
from ninja import Path, Query, Router

from kameng.accounts.auth import api_auth
from kameng.community import selectors, services
from kameng.community.models import Answer, Question
from kameng.community.schemas import (
    MAX_ID,
    AcceptIn,
    AnswerOut,
    ArticleLinkIn,
    CaseShareIn,
    CaseSummaryOut,
    CommunityAnswerIn,
    CommunityQuestionIn,
    DismissIn,
    ErrorOut,
    LockIn,
    ModerateIn,
    ModerationLogOut,
    PostReportOut,
    PostVoteIn,
    PostVoteOut,
    ProfileOut,
    QuestionDetailOut,
    QuestionFilter,
    QuestionOut,
    QuestionPage,
    QueueItemOut,
    ReportIn,
)
from kameng.core.markdown import plain, render

router = Router(tags=["community"])

# Documented error shape of every endpoint (the handlers in kameng.api produce it).
ERRORS = dict.fromkeys((400, 401, 403, 404, 409, 422, 429), ErrorOut)


def _anyone(request):
    """Public reads: a token or session when one is sent (the author sees their hidden post), else
    the anonymous user."""
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


# A token or session is read when present; a bad token is not refused on public reads.
public_auth = [*api_auth, _anyone]
_KIND = Path(..., pattern="^(question|answer)$", description="question or answer")


def _id():
    return Path(..., ge=1, le=MAX_ID)


def _user(request):
    user = getattr(request, "auth", None) or request.user
    return user if getattr(user, "is_authenticated", False) else None


def _author(user, reps: dict[int, int]) -> dict:
    return {"username": user.username, "name": user.shown_name, "role": user.role, "reputation": reps.get(user.pk, 0)}


def _articles(post) -> list[dict]:
    return [
        {"slug": a.slug, "title": a.title, "url": reverse("knowledge:article", args=[a.slug])}
        for a in selectors.articles_of(post)
    ]


def _cases(post) -> list[dict]:
    return [{**c.summary, "consent_at": c.consent_at} for c in selectors.cases_of(post)]


def _moderation(post) -> dict:
    return {"state": post.state, "reason": post.moderation_reason}


def _answer(a: Answer, reps, votes) -> dict:
    return {
        "id": a.pk,
        "question_id": a.question_id,
        "author": _author(a.author, reps),
        "body": a.body,
        "html": render(a.body),
        "official": a.official,
        "accepted": getattr(a, "accepted", False),
        "score": getattr(a, "score", 0),
        "my_vote": votes.get(f"a{a.pk}", 0),
        "moderation": _moderation(a),
        "articles": _articles(a),
        "cases": _cases(a),
        "created_at": a.created_at,
    }


def _question(q: Question, reps) -> dict:
    return {
        "id": q.pk,
        "title": q.title,
        "author": _author(q.author, reps),
        "subtype": q.subtype,
        "category": q.category,
        "score": getattr(q, "score", 0),
        "answer_count": getattr(q, "answer_count", 0),
        "locked": q.locked,
        "accepted_answer_id": q.accepted_answer_id,
        "moderation": _moderation(q),
        "created_at": q.created_at,
        "url": reverse("community:question", args=[q.pk]),
    }


def _detail(request, question_id: int) -> dict:
    user = _user(request)
    q = selectors.question_for(user, question_id)
    answers = selectors.answers_of(user, q)
    votes = selectors.my_votes(user, question=q, answers=answers)
    reps = selectors.reputation_of([q.author_id, *(a.author_id for a in answers)])
    return {
        **_question(q, reps),
        "answer_count": len(answers),
        "body": q.body,
        "html": render(q.body),
        "my_vote": votes.get(f"q{q.pk}", 0),
        "articles": _articles(q),
        "cases": _cases(q),
        "answers": [_answer(a, reps, votes) for a in answers],
    }


@router.get("/questions", auth=public_auth, response={200: QuestionPage, **ERRORS}, summary="Questions (filter, sort)")
def list_questions(request, filters: Query[QuestionFilter]):
    qs = selectors.questions(_user(request), subtype=filters.subtype, category=filters.category, sort=filters.sort)
    total = qs.count()
    size = selectors.PAGE_SIZE
    rows = list(qs[(filters.page - 1) * size : filters.page * size])
    reps = selectors.reputation_of([q.author_id for q in rows])
    return {
        "items": [_question(q, reps) for q in rows],
        "page": filters.page,
        "pages": max(1, math.ceil(total / size)),
        "total": total,
    }


@router.post("/questions", auth=api_auth, response={201: QuestionDetailOut, **ERRORS}, summary="Ask a question")
def ask(request, payload: CommunityQuestionIn):
    q = services.ask_question(author=request.auth, **payload.dict())
    return 201, _detail(request, q.pk)


@router.get(
    "/questions/{question_id}", auth=public_auth, response={200: QuestionDetailOut, **ERRORS}, summary="One question"
)
def get_question(request, question_id: int = _id()):
    return _detail(request, question_id)


@router.post(
    "/questions/{question_id}/answers", auth=api_auth, response={201: AnswerOut, **ERRORS}, summary="Answer a question"
)
def answer(request, payload: CommunityAnswerIn, question_id: int = _id()):
    a = services.post_answer(author=request.auth, question_id=question_id, **payload.dict())
    a = selectors.answer_for(request.auth, a.pk)
    return 201, _answer(a, selectors.reputation_of([a.author_id]), {})


@router.post(
    "/questions/{question_id}/accept",
    auth=api_auth,
    response={200: QuestionDetailOut, **ERRORS},
    summary="Accept an answer (the asker; null to accept none)",
)
def accept(request, payload: AcceptIn, question_id: int = _id()):
    services.accept_answer(user=request.auth, question_id=question_id, answer_id=payload.answer_id)
    return _detail(request, question_id)


@router.post(
    "/questions/{question_id}/lock",
    auth=api_auth,
    response={200: QuestionOut, **ERRORS},
    summary="Lock or unlock a question (support agent, operator)",
)
def lock(request, payload: LockIn, question_id: int = _id()):
    q = services.set_locked(moderator=request.auth, question_id=question_id, **payload.dict())
    q = selectors.question_for(request.auth, q.pk)
    return _question(q, selectors.reputation_of([q.author_id]))


@router.post("/{kind}/{post_id}/vote", auth=api_auth, response={200: PostVoteOut, **ERRORS}, summary="Vote +1 / -1 / 0")
def vote(request, payload: PostVoteIn, kind: str = _KIND, post_id: int = _id()):
    v = services.vote(user=request.auth, kind=kind, post_id=post_id, value=payload.value)
    return {"score": selectors.score_of(kind=kind, post_id=post_id), "my_vote": v.value if v else 0}


@router.post(
    "/{kind}/{post_id}/report", auth=api_auth, response={201: PostReportOut, **ERRORS}, summary="Report a post"
)
def report(request, payload: ReportIn, kind: str = _KIND, post_id: int = _id()):
    r = services.report_post(reporter=request.auth, kind=kind, post_id=post_id, **payload.dict())
    return 201, _report(r)


def _report(r) -> dict:
    return {
        "id": r.pk,
        "kind": "question" if r.question_id else "answer",
        "post_id": r.question_id or r.answer_id,
        "reason": r.reason,
        "text": r.text,
        "status": r.status,
        "created_at": r.created_at,
    }


@router.post(
    "/{kind}/{post_id}/moderate",
    auth=api_auth,
    response={200: dict, **ERRORS},
    summary="Hide, restore or delete a post with a reason (support agent, operator)",
)
def moderate(request, payload: ModerateIn, kind: str = _KIND, post_id: int = _id()):
    post = services.moderate(
        moderator=request.auth, kind=kind, post_id=post_id, action=payload.action, reason=payload.reason
    )
    return {"kind": kind, "id": post.pk, **_moderation(post)}


@router.post(
    "/{kind}/{post_id}/articles",
    auth=api_auth,
    response={200: list[dict], **ERRORS},
    summary="Link a knowledge-base article to one's post",
)
def link_article(request, payload: ArticleLinkIn, kind: str = _KIND, post_id: int = _id()):
    post = services.link_article(user=request.auth, kind=kind, post_id=post_id, slug=payload.slug)
    return _articles(post)


@router.post(
    "/{kind}/{post_id}/cases",
    auth=api_auth,
    response={201: CaseSummaryOut, **ERRORS},
    summary="Share one's ended after-sales case, anonymised (the buyer, with consent)",
)
def attach_case(request, payload: CaseShareIn, kind: str = _KIND, post_id: int = _id()):
    c = services.attach_case(
        buyer=request.auth, kind=kind, post_id=post_id, case_id=payload.case_id, consent=payload.consent
    )
    return 201, {**c.summary, "consent_at": c.consent_at}


@router.get(
    "/moderation/queue", auth=api_auth, response={200: list[QueueItemOut], **ERRORS}, summary="Reported posts (agents)"
)
def queue(request):
    out = []
    for item in selectors.moderation_queue(request.auth):
        post = item.post
        q = post if item.kind == "question" else post.question
        out.append(
            {
                "kind": item.kind,
                "post_id": post.pk,
                "question_id": q.pk,
                "title": q.title,
                "excerpt": plain(post.body)[:200],
                "state": post.state,
                "reports": [_report(r) for r in item.reports],
            }
        )
    return out


@router.post(
    "/reports/{report_id}/dismiss", auth=api_auth, response={200: PostReportOut, **ERRORS}, summary="Dismiss a report"
)
def dismiss(request, payload: DismissIn, report_id: int = _id()):
    return _report(services.dismiss_report(moderator=request.auth, report_id=report_id, reason=payload.reason))


@router.get(
    "/moderation/log", auth=api_auth, response={200: list[ModerationLogOut], **ERRORS}, summary="Moderation log"
)
def log(request):
    return [
        {
            "actor": e.actor.username,
            "kind": "question" if e.question_id else "answer",
            "post_id": e.question_id or e.answer_id,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "reason": e.reason,
            "created_at": e.created_at,
        }
        for e in selectors.moderation_log(request.auth)
    ]


@router.get(
    "/users/{username}", auth=public_auth, response={200: ProfileOut, **ERRORS}, summary="A member's community profile"
)
def profile(request, username: str = Path(..., max_length=150)):
    user = _user(request)
    p = selectors.profile(user, username)
    reps = {p.user.pk: p.reputation}
    return {
        "author": _author(p.user, reps),
        "accepted_count": p.accepted_count,
        "answers": [_answer(a, reps, {}) for a in p.answers],
    }
