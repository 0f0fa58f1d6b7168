"""Every write to the community (用户社群): questions, answers, votes, accepted answers, article
links, anonymised cases, reports and moderation.

Check, lock, change. Locks are taken in one order: the author's user row (only to count posts for
the rate limit), then the question, then the answer, then vote/report rows. A post's moderation
state changes only in ``moderate`` (through ``transitions.MODERATION``).

Rate limits (settings, with the rulebook's 10.3 "new account" age): an account younger than the
rulebook's ``new_account_days`` may post ``KAMENG_COMMUNITY_NEW_ACCOUNT_POSTS_PER_HOUR`` questions
and answers per hour, any other ``KAMENG_COMMUNITY_POSTS_PER_HOUR``; reports
``KAMENG_COMMUNITY_REPORTS_PER_HOUR``. Agents and operators are not limited. A refusal writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_login, require_role
from kameng.catalog.models import Category
from kameng.community import search_hooks, selectors
from kameng.community.models import (
    ANSWER_MAX,
    ARTICLES_MAX,
    BODY_MAX,
    REASON_MAX,
    REPORT_TEXT_MAX,
    TITLE_MAX,
    Answer,
    CaseSummary,
    ModerationLog,
    PostState,
    Question,
    Report,
    ReportReason,
    ReportStatus,
    Vote,
)
from kameng.community.transitions import next_state
from kameng.core.errors import DomainError
from kameng.core.text import check_text
from kameng.rulebook import selectors as rulebook
from kameng.rulebook.problems import SUBTYPES

KINDS = ("question", "answer")
MODERATORS = (Role.AGENT, Role.OPERATOR)
TITLE_MIN = 4


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# --- checks ------------------------------------------------------------------------------------


def _text(value: object, field: str, *, min_len: int, max_len: int, one_line: bool = False) -> str:
    if not isinstance(value, str):
        raise DomainError("invalid_input", fields={field: "text"})
    value = value.strip()
    if not min_len <= len(value) <= max_len:
        raise DomainError("invalid_input", fields={field: f"{min_len} to {max_len} characters"})
    check_text(value, field)
    if one_line and ("\n" in value or "\r" in value):
        raise DomainError("invalid_input", fields={field: "one line"})
    return value


def _choice(value: object, field: str, allowed: Iterable[str]) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or value not in allowed:
        raise DomainError("invalid_input", fields={field: "one of " + ", ".join(allowed)})
    return value


def _kind(kind: object) -> str:
    if kind not in KINDS:
        raise DomainError("invalid_input", fields={"kind": "question or answer"})
    return kind  # type: ignore[return-value]


def _article_slugs(slugs: object) -> list[str]:
    """Each slug must name a published article of the knowledge base; duplicates fold."""
    from kameng.knowledge import selectors as knowledge

    if slugs is None:
        return []
    if isinstance(slugs, str) or not isinstance(slugs, (list, tuple)):
        raise DomainError("invalid_input", fields={"articles": "a list of article slugs"})
    out: list[str] = []
    for slug in slugs:
        if not isinstance(slug, str):
            raise DomainError("invalid_input", fields={"articles": "a list of article slugs"})
        slug = slug.strip()
        if not slug or slug in out:
            continue
        try:
            knowledge.article(slug)
        except DomainError:
            raise DomainError("community.unknown_article", fields={"articles": slug}, slug=slug[:64]) from None
        out.append(slug)
    if len(out) > ARTICLES_MAX:
        raise DomainError("invalid_input", fields={"articles": f"at most {ARTICLES_MAX}"})
    return out


def _check_rate(user: User, now: datetime) -> None:
    """Lock the author's row, then count their posts of the last hour."""
    if user.role in MODERATORS:
        return
    User.objects.select_for_update().filter(pk=user.pk).first()
    new_for = rulebook.in_force().hours("new_account_days")
    joined = user.date_joined or now
    if now - joined < new_for:
        limit = _limit("KAMENG_COMMUNITY_NEW_ACCOUNT_POSTS_PER_HOUR", 3)
    else:
        limit = _limit("KAMENG_COMMUNITY_POSTS_PER_HOUR", 20)
    since = now - timedelta(hours=1)
    count = (
        Question.objects.filter(author=user, created_at__gte=since).count()
        + Answer.objects.filter(author=user, created_at__gte=since).count()
    )
    if count >= limit:
        raise DomainError("community.rate_limited", count=count)


def _locked_question(question_id: object) -> Question:
    if not isinstance(question_id, int) or isinstance(question_id, bool) or not 0 < question_id < 2**62:
        raise DomainError("not_found")
    found = Question.objects.select_for_update().filter(pk=question_id).first()
    if found is None:
        raise DomainError("not_found")
    return found


def _locked_answer(answer_id: object) -> Answer:
    if not isinstance(answer_id, int) or isinstance(answer_id, bool) or not 0 < answer_id < 2**62:
        raise DomainError("not_found")
    row = Answer.objects.filter(pk=answer_id).values_list("question_id", flat=True).first()
    if row is None:
        raise DomainError("not_found")
    _locked_question(row)  # question before answer, always
    return Answer.objects.select_for_update().select_related("question").get(pk=answer_id)


def _locked_post(kind: str, post_id: object) -> Question | Answer:
    return _locked_question(post_id) if _kind(kind) == "question" else _locked_answer(post_id)


def _may_see(user: User, post: Question | Answer) -> bool:
    return selectors.may_see(user, post)


def _public(user: User, post: Question | Answer) -> None:
    """Votes, answers, reports and accepting are for posts everyone sees; anything else is
    simply not found."""
    if not _may_see(user, post):
        raise DomainError("not_found")
    question = post if isinstance(post, Question) else post.question
    if post.state != PostState.VISIBLE or question.state != PostState.VISIBLE:
        raise DomainError("not_found")


def _question_of(post: Question | Answer) -> Question:
    return post if isinstance(post, Question) else post.question


# --- questions and answers ---------------------------------------------------------------------


def ask_question(
    *,
    author: User,
    title: str,
    body: str,
    subtype: str = "",
    category: str = "",
    articles: list[str] | None = None,
) -> Question:
    require_login(author)
    title = _text(title, "title", min_len=TITLE_MIN, max_len=TITLE_MAX, one_line=True)
    body = _text(body, "body", min_len=1, max_len=BODY_MAX)
    subtype = _choice(subtype, "subtype", SUBTYPES)
    category = _choice(category, "category", Category.values)
    slugs = _article_slugs(articles)
    now = timezone.now()
    with transaction.atomic():
        _check_rate(author, now)
        question = Question.objects.create(
            author=author,
            title=title,
            body=body,
            subtype=subtype,
            category=category,
            article_slugs=slugs,
            created_at=now,
            updated_at=now,
        )
        search_hooks.changed(question.pk)
    return question


def post_answer(*, author: User, question_id: int, body: str, articles: list[str] | None = None) -> Answer:
    require_login(author)
    body = _text(body, "body", min_len=1, max_len=ANSWER_MAX)
    slugs = _article_slugs(articles)
    now = timezone.now()
    with transaction.atomic():
        _check_rate(author, now)
        question = _locked_question(question_id)
        _public(author, question)
        if question.locked:
            raise DomainError("community.locked")
        answer = Answer.objects.create(
            question=question,
            author=author,
            body=body,
            official=author.role in MODERATORS,
            article_slugs=slugs,
            created_at=now,
            updated_at=now,
        )
        question.updated_at = now
        question.save(update_fields=["updated_at"])
        search_hooks.changed(question.pk)
    return answer


def vote(*, user: User, kind: str, post_id: int, value: int) -> Vote | None:
    """Up (+1), down (-1) or take back (0) one's vote on a question or an answer. One vote per user
    per post, changeable; never on one's own post. Returns the vote (None when taken back)."""
    require_login(user)
    kind = _kind(kind)
    if value not in (1, -1, 0) or isinstance(value, bool):
        raise DomainError("invalid_input", fields={"value": "1, -1 or 0"})
    with transaction.atomic():
        post = _locked_post(kind, post_id)
        _public(user, post)
        if post.author_id == user.pk:
            raise DomainError("community.own_post")
        if _question_of(post).locked:
            raise DomainError("community.locked")
        target = {kind: post}
        existing = Vote.objects.select_for_update().filter(user=user, **target).first()
        if value == 0:
            if existing is not None:
                existing.delete()
            return None
        if existing is not None:
            if existing.value != value:
                existing.value = value
                existing.save(update_fields=["value"])
            return existing
        return Vote.objects.create(user=user, value=value, **target)


def accept_answer(*, user: User, question_id: int, answer_id: int | None) -> Question:
    """The asker accepts one answer (or another one later, or none with ``answer_id=None``)."""
    require_login(user)
    with transaction.atomic():
        question = _locked_question(question_id)
        _public(user, question)
        if question.author_id != user.pk:
            raise DomainError("community.not_asker")
        if question.locked:
            raise DomainError("community.locked")
        if answer_id is None:
            question.accepted_answer = None
        else:
            answer = None
            if isinstance(answer_id, int) and not isinstance(answer_id, bool):
                answer = Answer.objects.filter(pk=answer_id, question=question).first()
            if answer is None or answer.state != PostState.VISIBLE:
                raise DomainError("not_found")
            question.accepted_answer = answer
        question.save(update_fields=["accepted_answer"])
    return question


def link_article(*, user: User, kind: str, post_id: int, slug: str) -> Question | Answer:
    """Link a published knowledge-base article to one's own post (agents and operators: to any)."""
    require_login(user)
    with transaction.atomic():
        post = _locked_post(kind, post_id)
        if not _may_see(user, post):
            raise DomainError("not_found")
        if post.author_id != user.pk and user.role not in MODERATORS:
            raise DomainError("community.not_author")
        if _question_of(post).locked and user.role not in MODERATORS:
            raise DomainError("community.locked")
        post.article_slugs = _article_slugs([*post.article_slugs, slug])
        post.updated_at = timezone.now()
        post.save(update_fields=["article_slugs", "updated_at"])
    return post


# --- anonymised after-sales cases ----------------------------------------------------------------

STAGES = {
    "merchant": "merchant",
    "buyer_info": "merchant",
    "offer": "merchant",
    "no_agreement": "merchant",
    "evidence": "platform",
    "review": "platform",
    "ruled": "appeal",
    "appeal": "appeal",
    "fast_refunded": "fast_refund",
}


def anonymise_case(*, case, events: list, rulings: list) -> dict:
    """Only what a stranger may learn from a case: the problem subtype, the product category, the
    delivery kind, how it ended (outcome, final state, the party found responsible, the clause
    cited) and how long each stage took, in whole minutes. No names, shop, order, amounts, keys,
    messages or evidence; nothing else is ever copied."""
    entered = case.opened_at
    stages: dict[str, int] = {}
    clause = ""
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        if payload.get("clause"):
            clause = str(payload["clause"])[:16]
        before, after = payload.get("from"), payload.get("to")
        if before and after and before != after:
            stage = STAGES.get(str(before))
            if stage:
                stages[stage] = stages.get(stage, 0) + max(0, int((event.created_at - entered).total_seconds()))
            entered = event.created_at
    if rulings:
        clause = str(rulings[-1].clause)[:16]
    total = int(((case.closed_at or entered) - case.opened_at).total_seconds())
    product = case.order.product
    return {
        "subtype": str(case.subtype),
        "family": str(case.family),
        "category": str(product.category),
        "delivery_kind": str(case.order.delivery_kind),
        "outcome": str(case.outcome or ""),
        "final_state": str(case.state),
        "responsible": str(case.responsible or ""),
        "clause": clause,
        "fast_refunded": bool(case.fast_refunded),
        "appealed": bool(case.buyer_appealed or case.merchant_appealed),
        "stages": [{"stage": s, "minutes": round(sec / 60)} for s, sec in stages.items()],
        "total_minutes": round(max(0, total) / 60),
    }


def attach_case(*, buyer: User, kind: str, post_id: int, case_id: int, consent: bool) -> CaseSummary:
    """The buyer of an ended case shows it, anonymised, on their own post, having ticked the consent
    box (recorded with the time). Someone else's case is not found; an open case is refused."""
    from kameng.aftersales import selectors as aftersales
    from kameng.timeline.selectors import events_of

    require_role(buyer, Role.BUYER)
    if consent is not True:
        raise DomainError("community.consent_required", fields={"consent": "required"})
    if not isinstance(case_id, int) or isinstance(case_id, bool) or not 0 < case_id < 2**62:
        raise DomainError("not_found")
    with transaction.atomic():
        post = _locked_post(kind, post_id)
        if not _may_see(buyer, post):
            raise DomainError("not_found")
        if post.author_id != buyer.pk:
            raise DomainError("community.not_author")
        case = aftersales.case_for(buyer, case_id)
        if case.buyer_id != buyer.pk:
            raise DomainError("not_found")
        if case.is_open or case.closed_at is None:
            raise DomainError("community.case_not_closed")
        if CaseSummary.objects.filter(case_id=case.pk).exists():
            raise DomainError("community.case_already_shared")
        summary = anonymise_case(
            case=case,
            events=list(events_of(stream=case.stream)),
            rulings=list(case.rulings.order_by("created_at", "pk")),
        )
        now = timezone.now()
        return CaseSummary.objects.create(
            buyer=buyer, case_id=case.pk, summary=summary, consent_at=now, created_at=now, **{kind: post}
        )


# --- reports and moderation --------------------------------------------------------------------


def report_post(*, reporter: User, kind: str, post_id: int, reason: str, text: str = "") -> Report:
    require_login(reporter)
    kind = _kind(kind)
    if reason not in ReportReason.values:
        raise DomainError("invalid_input", fields={"reason": "one of " + ", ".join(ReportReason.values)})
    text = _text(text or "", "text", min_len=0, max_len=REPORT_TEXT_MAX)
    now = timezone.now()
    with transaction.atomic():
        if reporter.role not in MODERATORS:
            User.objects.select_for_update().filter(pk=reporter.pk).first()
            since = now - timedelta(hours=1)
            count = Report.objects.filter(reporter=reporter, created_at__gte=since).count()
            if count >= _limit("KAMENG_COMMUNITY_REPORTS_PER_HOUR", 10):
                raise DomainError("community.rate_limited", count=count)
        post = _locked_post(kind, post_id)
        _public(reporter, post)
        if Report.objects.filter(reporter=reporter, status=ReportStatus.OPEN, **{kind: post}).exists():
            raise DomainError("community.report_open")
        return Report.objects.create(reporter=reporter, reason=reason, text=text, created_at=now, **{kind: post})


def _reason(reason: object) -> str:
    return _text(reason, "reason", min_len=1, max_len=REASON_MAX, one_line=True)


def _log(*, actor: User, post: Question | Answer, action: str, reason: str, before: str = "", after: str = ""):
    kind = "question" if isinstance(post, Question) else "answer"
    return ModerationLog.objects.create(
        actor=actor, action=action, reason=reason, from_state=before, to_state=after, **{kind: post}
    )


def moderate(*, moderator: User, kind: str, post_id: int, action: str, reason: str) -> Question | Answer:
    """Hide, restore or delete a post with a logged reason (transitions.MODERATION). Hiding or
    deleting settles the post's open reports as acted on."""
    require_role(moderator, *MODERATORS)
    kind = _kind(kind)
    reason = _reason(reason)
    with transaction.atomic():
        post = _locked_post(kind, post_id)
        before = post.state
        after = next_state(before, action, moderator.role)
        now = timezone.now()
        post.state = after
        post.moderation_reason = "" if after == PostState.VISIBLE else reason
        post.updated_at = now
        post.save(update_fields=["state", "moderation_reason", "updated_at"])
        _log(actor=moderator, post=post, action=action, reason=reason, before=before, after=after)
        if after != PostState.VISIBLE:
            Report.objects.filter(status=ReportStatus.OPEN, **{kind: post}).update(
                status=ReportStatus.ACTIONED, resolved_by=moderator, resolved_at=now
            )
        search_hooks.changed(_question_of(post).pk)
    return post


def set_locked(*, moderator: User, question_id: int, locked: bool, reason: str) -> Question:
    """Lock a question (no new answers, votes or accepting) or unlock it, with a logged reason."""
    require_role(moderator, *MODERATORS)
    if not isinstance(locked, bool):
        raise DomainError("invalid_input", fields={"locked": "true or false"})
    reason = _reason(reason)
    with transaction.atomic():
        question = _locked_question(question_id)
        if question.locked != locked:
            question.locked = locked
            question.save(update_fields=["locked"])
            _log(actor=moderator, post=question, action="lock" if locked else "unlock", reason=reason)
    return question


def dismiss_report(*, moderator: User, report_id: int, reason: str) -> Report:
    require_role(moderator, *MODERATORS)
    reason = _reason(reason)
    if not isinstance(report_id, int) or isinstance(report_id, bool) or not 0 < report_id < 2**62:
        raise DomainError("not_found")
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None:
            raise DomainError("not_found")
        if report.status != ReportStatus.OPEN:
            raise DomainError("conflict")
        report.status = ReportStatus.DISMISSED
        report.resolved_by = moderator
        report.resolved_at = timezone.now()
        report.save(update_fields=["status", "resolved_by", "resolved_at"])
        post = report.question or report.answer
        _log(actor=moderator, post=post, action="dismiss", reason=reason, before=post.state, after=post.state)
    return report
