"""Request and response shapes of /api/v1/cases. Money is integer fen; labels are in the request's
language. Enumerations are checked here (422); everything that needs the case is the services'."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Field, Schema

from kameng.aftersales.models import CaseState, Demand, Remedy
from kameng.aftersales.tags import SYSTEM_TAGS
from kameng.rulebook.problems import FAMILIES, SUBTYPES, Party

MAX_ID = 2**53  # larger ids cannot exist; refusing them keeps SQLite from overflowing
MAX_FEN = 10**12
Text = Annotated[str, Field(max_length=4000)]
Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
Fen = Annotated[int, Field(strict=True, ge=0, le=MAX_FEN)]


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# --- input ---------------------------------------------------------------------------------------


class CaseIn(Schema):
    order_id: Id
    subtype: Annotated[str, Field(min_length=1, max_length=32, description="a problem type code (rulebook)")]
    demand: Demand
    description: Text
    demand_fen: Fen = 0
    batch_seqs: Annotated[list[Annotated[int, Field(strict=True, ge=1, le=10**6)]], Field(max_length=1000)] = []
    order_key_ids: Annotated[list[Id], Field(max_length=1000)] = []
    self_check_run_id: Annotated[
        Id | None, Field(description="the buyer's self-check run that led here (its answers go on the case)")
    ] = None


class CaseNoteIn(Schema):
    note: Text = ""


class OfferIn(Schema):
    remedy: Remedy
    amount_fen: Fen = 0
    note: Text = ""


class AnswerIn(Schema):
    accept: Annotated[bool, Field(strict=True)]


class ReasonIn(Schema):
    reason: Text


class OptionalReasonIn(Schema):
    reason: Text = ""


class QuestionIn(Schema):
    question: Text


class InfoIn(Schema):
    answer: Text


class RuleIn(Schema):
    remedy: Remedy
    clause: Annotated[str, Field(min_length=1, max_length=16)]
    text: Text
    amount_fen: Fen = 0
    penalty_fen: Fen = 0
    responsible: Literal["merchant", "supplier", "platform", "buyer", "unknown"] = "unknown"


class ExternalIn(Schema):
    channel: Literal["12315", "court"]


class CaseFilter(Schema):
    state: CaseState | None = None
    open: bool = Field(False, description="only cases still open")
    page: int = Field(1, ge=1, le=10**6)


class PreviewIn(Schema):
    # Query parameters arrive as text: ints here are parsed, not strict.
    remedy: Remedy
    amount_fen: int = Field(0, ge=0, le=MAX_FEN)
    penalty_fen: int = Field(0, ge=0, le=MAX_FEN)


class TagIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=24)]


# --- output --------------------------------------------------------------------------------------


class CaseOut(Schema):
    id: int
    order_id: int
    state: str
    state_label: str
    subtype: str
    subtype_label: str
    family: str
    family_label: str
    demand: str
    demand_label: str
    demand_fen: int
    stake_fen: int
    refunded_fen: int
    due_at: datetime | None
    suggested_party: str
    suggested_party_label: str
    opened_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_state_label(obj) -> str:
        return _label(CaseState, obj.state)

    @staticmethod
    def resolve_subtype_label(obj) -> str:
        subtype = SUBTYPES.get(obj.subtype)
        return str(subtype.label) if subtype else obj.subtype

    @staticmethod
    def resolve_family_label(obj) -> str:
        family = FAMILIES.get(obj.family)
        return str(family.label) if family else obj.family

    @staticmethod
    def resolve_demand_label(obj) -> str:
        return _label(Demand, obj.demand)

    @staticmethod
    def resolve_suggested_party_label(obj) -> str:
        return str(Party.LABELS.get(obj.suggested_party, obj.suggested_party))


class CasePageOut(Schema):
    items: list[CaseOut]
    page: int
    pages: int
    total: int


class OfferOut(Schema):
    id: int
    remedy: str
    remedy_label: str
    amount_fen: int
    note: str
    state: str
    created_at: datetime

    @staticmethod
    def resolve_remedy_label(obj) -> str:
        return _label(Remedy, obj.remedy)


class RulingOut(Schema):
    id: int
    is_appeal: bool
    remedy: str
    remedy_label: str
    amount_fen: int
    penalty_fen: int
    responsible: str
    responsible_label: str
    clause: str
    clause_title: str
    clause_url: str
    text: str
    created_at: datetime

    @staticmethod
    def resolve_remedy_label(obj) -> str:
        return _label(Remedy, obj.remedy)

    @staticmethod
    def resolve_responsible_label(obj) -> str:
        return str(Party.LABELS.get(obj.responsible, obj.responsible))


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    url: str = Field(..., description="download it here (same permissions as the case)")

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("api-v1:case_attachment", kwargs={"case_id": obj.case_id, "attachment_id": obj.pk})


class CaseMessageOut(Schema):
    id: int
    author_role: str
    text: str
    created_at: datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.all())


class TagOut(Schema):
    name: str
    kind: str
    label: str

    @staticmethod
    def resolve_label(obj) -> str:
        return str(SYSTEM_TAGS.get(obj.name, obj.name)) if obj.kind == "system" else obj.name


class CaseEventOut(Schema):
    seq: int
    kind: str
    label: str
    actor_role: str
    created_at: datetime
    payload: dict[str, Any]
    hash: str


class StandingOut(Schema):
    opened: int
    upheld: int
    unfounded: int
    fast_refunds_lost: int
    flagged: bool


class CaseDetailOut(CaseOut):
    role: str = Field(..., description="the part the caller plays on this case")
    description: str
    self_check: dict | None = Field(
        None, description="the buyer's self-check answers that led to this case, as recorded"
    )
    batch_seqs: list[int]
    order_key_ids: list[int]
    facts: dict[str, Any]
    suggested_reason: str
    rulebook_number: int
    outcome: str
    external_escalation: str
    offers: list[OfferOut]
    rulings: list[RulingOut]
    messages: list[CaseMessageOut]
    tags: list[TagOut]
    actions: list[str] = Field(..., description="what the transition table lets the caller do now")
    timeline: list[CaseEventOut]
    buyer_standing: StandingOut | None = Field(None, description="the buyer's claim history, agents only (10.2)")


class MoneyLineOut(Schema):
    what: str
    amount_fen: int


# --- self-check wizards (自查) ----------------------------------------------------------------------


class WizardIn(Schema):
    steps: Annotated[list[Any], Field(max_length=200, description="the steps; the first is the start")]
    base_version: Annotated[int | None, Field(ge=0, le=10**6, description="the version the edit started from")] = None
    note: Annotated[str, Field(max_length=200)] = ""


class WizardOut(Schema):
    subtype: str
    version: int
    steps: list[Any]
    updated_at: datetime
    updated_by: str | None = None
    paths: int

    @staticmethod
    def resolve_updated_by(obj) -> str | None:
        return obj.updated_by.username if obj.updated_by_id else None

    @staticmethod
    def resolve_paths(obj) -> int:
        from kameng.aftersales.selfcheck import count_paths

        return count_paths(obj.steps)


class RunStartIn(Schema):
    order_id: Id
    subtype: Annotated[str, Field(min_length=1, max_length=32)]
    description: Annotated[str, Field(max_length=4000)] = ""


class RunAnswerIn(Schema):
    step: Annotated[str, Field(min_length=1, max_length=40, description="the current step's id")]
    answer: Annotated[int, Field(strict=True, ge=0, le=100, description="the index of the chosen answer")]


class RunChoiceOut(Schema):
    index: int
    label: str


class RunAnswerOut(Schema):
    step: str
    kind: str = "question"
    question: str
    answer: str


class RunOut(Schema):
    id: int
    order_id: int
    subtype: str
    wizard_version: int
    outcome: str
    step: str
    kind: str | None
    text: str
    choices: list[RunChoiceOut]
    article_slug: str | None
    answers: list[RunAnswerOut]
    case_id: int | None
    case_form_url: str


class DeflectionOut(Schema):
    subtype: str
    label: str
    version: int | None
    started: int
    in_progress: int
    solved: int
    article: int
    open_case: int
    abandoned: int
    skipped: int
    deflected: int
    rate: float | None
