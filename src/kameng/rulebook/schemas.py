from datetime import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict


class In(Schema):
    # Unknown fields are refused rather than silently ignored, so a typo is an error, not a no-op.
    model_config = ConfigDict(extra="forbid")


class ClauseIn(In):
    code: str = Field(..., max_length=8, description="clause number, e.g. 3.6")
    title_zh: str = Field("", max_length=200)
    title_en: str = Field("", max_length=200)
    body_zh: str = Field("", max_length=4000)
    body_en: str = Field("", max_length=4000)
    remove: bool = Field(False, description="drop this clause (only clauses the engine does not cite)")


class PublishIn(In):
    # Values are checked by the service (whole numbers within each parameter's range), so that a
    # wrong value gets the rulebook's own error code, not a generic one.
    params: dict[str, Any] = Field(default_factory=dict, description="changed parameters; the rest are kept")
    clauses: list[ClauseIn] | None = Field(None, max_length=200, description="clauses to replace, add or remove")
    note: str = Field("", max_length=500, description="what changed and why")


class ClauseOut(Schema):
    code: str
    title: str = Field(..., description="in the request's language, parameters filled in")
    body: str
    title_zh: str = Field(..., description="as written, with {parameter} placeholders")
    title_en: str
    body_zh: str
    body_en: str


class ParamOut(Schema):
    name: str
    label: str
    value: int
    shown: str = Field(..., description="the value as the rulebook text shows it")
    default: int
    min: int
    max: int
    unit: str
    clause: str


class SubtypeOut(Schema):
    code: str
    label: str
    usual_party: str
    usual_party_label: str
    clause: str


class FamilyOut(Schema):
    code: str
    label: str
    subtypes: list[SubtypeOut]


class RulebookOut(Schema):
    id: int
    number: int
    published_at: datetime
    published_by: str | None
    note: str
    params: dict[str, int]
    parameters: list[ParamOut]
    clauses: list[ClauseOut]
    problems: list[FamilyOut]


class VersionOut(Schema):
    number: int
    published_at: datetime
    published_by: str | None
    note: str
