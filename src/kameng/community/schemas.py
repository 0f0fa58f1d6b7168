from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictInt

from kameng.community.models import ANSWER_MAX, BODY_MAX, REASON_MAX, REPORT_TEXT_MAX, TITLE_MAX

MAX_ID = 2**62


class Author(Schema):
    username: str
    name: str
    role: str
    reputation: int = Field(..., description="Community points: +10 accepted answer, +2 upvote, −1 downvote, floor 0")


class ArticleLink(Schema):
    slug: str
    title: str
    url: str


class CaseStage(Schema):
    stage: str = Field(..., description="merchant / platform / appeal / fast_refund")
    minutes: int


class CaseSummaryOut(Schema):
    subtype: str
    family: str
    category: str
    delivery_kind: str
    outcome: str = Field(
        ..., description="full_refund, partial_refund, replacement, redelivery, compensation, reject or ''"
    )
    final_state: str
    responsible: str
    clause: str = Field(..., description="The rulebook clause cited last")
    fast_refunded: bool
    appealed: bool
    stages: list[CaseStage]
    total_minutes: int
    consent_at: datetime


class Moderation(Schema):
    state: str = Field(..., description="visible / hidden / deleted")
    reason: str = Field(..., description="Shown as “hidden by moderation: reason” (to the author and moderators)")


class AnswerOut(Schema):
    id: int
    question_id: int
    author: Author
    body: str = Field(..., description="Markdown source")
    html: str = Field(..., description="Sanitised HTML rendered from the body")
    official: bool = Field(..., description="官方回答: by a support agent or operator")
    accepted: bool
    score: int
    my_vote: int = Field(0, description="+1 / -1 / 0 for the requesting user")
    moderation: Moderation
    articles: list[ArticleLink]
    cases: list[CaseSummaryOut]
    created_at: datetime


class QuestionOut(Schema):
    id: int
    title: str
    author: Author
    subtype: str
    category: str
    score: int
    answer_count: int
    locked: bool
    accepted_answer_id: int | None
    moderation: Moderation
    created_at: datetime
    url: str


class QuestionDetailOut(QuestionOut):
    body: str
    html: str
    my_vote: int = 0
    articles: list[ArticleLink]
    cases: list[CaseSummaryOut]
    answers: list[AnswerOut]


class QuestionPage(Schema):
    items: list[QuestionOut]
    page: int
    pages: int
    total: int


class QuestionFilter(Schema):
    subtype: str | None = Field(None, max_length=32)
    category: str | None = Field(None, max_length=16)
    sort: Literal["new", "votes", "unanswered"] = "new"
    page: int = Field(1, ge=1, le=10_000)


class CommunityQuestionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(..., min_length=1, max_length=TITLE_MAX)
    body: str = Field(..., min_length=1, max_length=BODY_MAX)
    subtype: str = Field("", max_length=32)
    category: str = Field("", max_length=16)
    articles: list[str] = Field(default_factory=list, max_length=5, description="knowledge-base article slugs")


class CommunityAnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(..., min_length=1, max_length=ANSWER_MAX)
    articles: list[str] = Field(default_factory=list, max_length=5)


class PostVoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    value: Literal[1, -1, 0] = Field(..., description="+1 up, -1 down, 0 take the vote back")


class PostVoteOut(Schema):
    score: int
    my_vote: int


class AcceptIn(Schema):
    model_config = ConfigDict(extra="forbid")

    answer_id: StrictInt | None = Field(..., ge=1, le=MAX_ID, description="null to accept none")


class ReportIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(..., max_length=16, description="spam, abuse, private, fraud, off_topic, other")
    text: str = Field("", max_length=REPORT_TEXT_MAX)


class PostReportOut(Schema):
    id: int
    kind: str
    post_id: int
    reason: str
    text: str
    status: str
    created_at: datetime


class ModerateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    action: Literal["hide", "restore", "delete"]
    reason: str = Field(..., min_length=1, max_length=REASON_MAX)


class LockIn(Schema):
    model_config = ConfigDict(extra="forbid")

    locked: StrictBool
    reason: str = Field(..., min_length=1, max_length=REASON_MAX)


class DismissIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(..., min_length=1, max_length=REASON_MAX)


class ArticleLinkIn(Schema):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(..., min_length=1, max_length=64)


class CaseShareIn(Schema):
    model_config = ConfigDict(extra="forbid")

    case_id: StrictInt = Field(..., ge=1, le=MAX_ID)
    consent: StrictBool = Field(..., description="The buyer agrees that the anonymised summary is public")


class QueueItemOut(Schema):
    kind: str
    post_id: int
    question_id: int
    title: str
    excerpt: str
    state: str
    reports: list[PostReportOut]


class ModerationLogOut(Schema):
    actor: str
    kind: str
    post_id: int
    action: str
    from_state: str
    to_state: str
    reason: str
    created_at: datetime


class ProfileOut(Schema):
    author: Author
    accepted_count: int
    answers: list[AnswerOut]


class ErrorBody(Schema):
    code: str = Field(..., description="Stable machine code, e.g. community.rate_limited")
    message: str
    fields: dict[str, str]


class ErrorOut(Schema):
    error: ErrorBody
