"""Reads of the community, already filtered to what the user may see.

Everyone sees visible posts. The author of a hidden or deleted post still sees it, with the
moderator's reason; support agents and operators see everything. Anything else is not found.

Scores are sums of votes and reputation is computed from votes and accepted answers, always from
the rows themselves (``REPUTATION`` is the table), so nothing stored can drift from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from kameng.accounts.models import Role, User
from kameng.catalog.models import Category
from kameng.community.models import Answer, CaseSummary, ModerationLog, PostState, Question, Report, ReportStatus, Vote
from kameng.core.errors import DomainError
from kameng.rulebook.problems import SUBTYPES

# Reputation points (shown next to names). Only votes on visible posts count, and accepting one's
# own answer earns nothing. The total never goes below zero.
REPUTATION = {"accepted": 10, "upvote": 2, "downvote": -1}
PAGE_SIZE = 20
SORTS = ("new", "votes", "unanswered")
MODERATORS = (Role.AGENT, Role.OPERATOR)


def _user(user) -> User | None:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def is_moderator(user) -> bool:
    user = _user(user)
    return bool(user and user.is_active and user.role in MODERATORS)


def may_see(user, post: Question | Answer) -> bool:
    user = _user(user)
    if is_moderator(user):
        return True
    uid = user.pk if user else None
    if isinstance(post, Answer):
        if not may_see(user, post.question):
            return False
    return post.state == PostState.VISIBLE or (uid is not None and post.author_id == uid)


def _visible(user, prefix: str = "") -> Q:
    user = _user(user)
    if is_moderator(user):
        return Q()
    q = Q(**{f"{prefix}state": PostState.VISIBLE})
    if user is not None:
        q |= Q(**{f"{prefix}author": user})
    return q


def _score(kind: str) -> Subquery:
    votes = (
        Vote.objects.filter(**{kind: OuterRef("pk")})
        .order_by()
        .values(kind)
        .annotate(total=Sum("value"))
        .values("total")
    )
    return Coalesce(Subquery(votes, output_field=IntegerField()), Value(0))


def _id(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**62:
        raise DomainError("not_found")
    return value


# --- questions ---------------------------------------------------------------------------------


def question_for(user, question_id: int) -> Question:
    question = (
        Question.objects.select_related("author", "accepted_answer")
        .annotate(score=_score("question"))
        .filter(pk=_id(question_id))
        .first()
    )
    if question is None or not may_see(user, question):
        raise DomainError("not_found")
    return question


def answer_for(user, answer_id: int) -> Answer:
    answer = Answer.objects.select_related("question", "author").filter(pk=_id(answer_id)).first()
    if answer is None or not may_see(user, answer):
        raise DomainError("not_found")
    return answer


def questions(
    user, *, subtype: str | None = None, category: str | None = None, sort: str = "new", author: User | None = None
) -> QuerySet[Question]:
    """The list page and the API: filters by problem subtype and product category; sorted by
    newest, by votes or unanswered first."""
    if subtype and subtype not in SUBTYPES:
        raise DomainError("invalid_input", fields={"subtype": "one of " + ", ".join(SUBTYPES)})
    if category and category not in Category.values:
        raise DomainError("invalid_input", fields={"category": "one of " + ", ".join(Category.values)})
    if sort not in SORTS:
        raise DomainError("invalid_input", fields={"sort": "one of " + ", ".join(SORTS)})
    qs = (
        Question.objects.filter(_visible(user))
        .select_related("author")
        .annotate(
            score=_score("question"),
            answer_count=Count("answers", filter=Q(answers__state=PostState.VISIBLE), distinct=True),
            has_official=Exists(Answer.objects.filter(question=OuterRef("pk"), official=True, state=PostState.VISIBLE)),
        )
    )
    if subtype:
        qs = qs.filter(subtype=subtype)
    if category:
        qs = qs.filter(category=category)
    if author is not None:
        qs = qs.filter(author=author)
    if sort == "votes":
        return qs.order_by("-score", "-created_at", "-pk")
    if sort == "unanswered":
        return qs.order_by("answer_count", "-created_at", "-pk")
    return qs.order_by("-created_at", "-pk")


def answers_of(user, question: Question) -> list[Answer]:
    """A question's answers the user may see: the accepted one first, then official answers (官方
    回答), then by score, oldest first among equals."""
    answers = list(
        question.answers.filter(_visible(user))
        .select_related("author")
        .annotate(score=_score("answer"))
        .order_by("-official", "-score", "created_at", "pk")
    )
    for a in answers:
        a.accepted = a.pk == question.accepted_answer_id
    answers.sort(key=lambda a: not a.accepted)  # stable: accepted first, the rest in their order
    return answers


def my_votes(user, *, question: Question, answers: list[Answer]) -> dict[str, int]:
    """{"q<id>" | "a<id>": +1/-1} for the user's own votes on this page."""
    user = _user(user)
    if user is None:
        return {}
    out = {}
    for v in Vote.objects.filter(user=user).filter(Q(question=question) | Q(answer__in=[a.pk for a in answers])):
        out[f"q{v.question_id}" if v.question_id else f"a{v.answer_id}"] = v.value
    return out


def score_of(*, kind: str, post_id: int) -> int:
    return Vote.objects.filter(**{f"{kind}_id": post_id}).aggregate(s=Coalesce(Sum("value"), 0))["s"]


def cases_of(post: Question | Answer) -> list[CaseSummary]:
    kind = "question" if isinstance(post, Question) else "answer"
    return list(CaseSummary.objects.filter(**{kind: post}).order_by("created_at", "pk"))


def articles_of(post: Question | Answer) -> list:
    """The linked articles that are still published (an unpublished one simply drops out)."""
    from kameng.knowledge import selectors as knowledge

    found = []
    for slug in post.article_slugs or []:
        try:
            found.append(knowledge.article(slug))
        except DomainError:
            continue
    return found


def moderation_of(post: Question | Answer) -> list[ModerationLog]:
    kind = "question" if isinstance(post, Question) else "answer"
    return list(ModerationLog.objects.filter(**{kind: post}).select_related("actor"))


# --- reputation --------------------------------------------------------------------------------


def reputation_of(user_ids) -> dict[int, int]:
    """Points per user id (0 for none): +10 per accepted answer, +2 per upvote and -1 per downvote
    received on visible posts, floor 0."""
    ids = {int(i) for i in user_ids if i is not None}
    if not ids:
        return {}
    points = dict.fromkeys(ids, 0)
    for kind in ("question", "answer"):
        rows = (
            Vote.objects.filter(**{f"{kind}__author_id__in": ids, f"{kind}__state": PostState.VISIBLE})
            .values(f"{kind}__author_id")
            .annotate(up=Count("pk", filter=Q(value=1)), down=Count("pk", filter=Q(value=-1)))
        )
        for row in rows:
            points[row[f"{kind}__author_id"]] += row["up"] * REPUTATION["upvote"] + row["down"] * REPUTATION["downvote"]
    accepted = (
        Question.objects.filter(
            accepted_answer__author_id__in=ids, accepted_answer__state=PostState.VISIBLE, state=PostState.VISIBLE
        )
        .exclude(author_id=F("accepted_answer__author_id"))
        .values("accepted_answer__author_id")
        .annotate(n=Count("pk"))
    )
    for row in accepted:
        points[row["accepted_answer__author_id"]] += row["n"] * REPUTATION["accepted"]
    return {uid: max(0, p) for uid, p in points.items()}


@dataclass
class Profile:
    user: User
    reputation: int
    answers: list[Answer] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    accepted_count: int = 0


def profile(viewer, username: str) -> Profile:
    if not isinstance(username, str) or not 0 < len(username) <= 150:
        raise DomainError("not_found")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise DomainError("not_found")
    answers = list(
        Answer.objects.filter(author=user)
        .filter(_visible(viewer))
        .filter(_visible(viewer, "question__"))
        .select_related("question")
        .annotate(score=_score("answer"))
        .order_by("-created_at", "-pk")[:50]
    )
    for a in answers:
        a.accepted = a.question.accepted_answer_id == a.pk
    return Profile(
        user=user,
        reputation=reputation_of([user.pk])[user.pk],
        answers=answers,
        questions=list(questions(viewer, author=user)[:50]),
        accepted_count=sum(1 for a in answers if a.accepted),
    )


# --- moderation ----------------------------------------------------------------------------------


@dataclass
class QueueItem:
    kind: str
    post: Question | Answer
    reports: list[Report]


def moderation_queue(moderator) -> list[QueueItem]:
    """Posts with open reports, the most reported first."""
    if not is_moderator(moderator):
        raise DomainError("auth.role_required", role=" / ".join(str(Role(r).label) for r in MODERATORS))
    open_reports = (
        Report.objects.filter(status=ReportStatus.OPEN)
        .select_related("reporter", "question__author", "answer__author", "answer__question")
        .order_by("created_at", "pk")
    )
    items: dict[tuple[str, int], QueueItem] = {}
    for r in open_reports[:500]:
        kind, post = ("question", r.question) if r.question_id else ("answer", r.answer)
        items.setdefault((kind, post.pk), QueueItem(kind, post, [])).reports.append(r)
    return sorted(items.values(), key=lambda i: (-len(i.reports), i.reports[0].created_at))


def moderation_log(moderator, *, limit: int = 50) -> list[ModerationLog]:
    if not is_moderator(moderator):
        raise DomainError("auth.role_required", role=" / ".join(str(Role(r).label) for r in MODERATORS))
    return list(ModerationLog.objects.select_related("actor", "question", "answer")[:limit])
