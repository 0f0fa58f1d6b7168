from __future__ import annotations

from ninja import Field, Schema
from pydantic import ConfigDict, StrictInt

MAX_ID = 2**53


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class SuggestIn(In):
    order_id: StrictInt = Field(..., ge=1, le=MAX_ID)
    description: str = Field(..., description="The buyer's own words, at most 1000 characters")


class SuggestTextIn(In):
    description: str = Field(..., description="The buyer's own words, at most 1000 characters")


class SuggestionOut(Schema):
    subtype: str = Field(..., description="A problem subtype code (see the rulebook's taxonomy)")
    label: str
    family: str
    confidence: float = Field(..., description="0–1; over all subtypes the confidences sum to 1")


class ModelOut(Schema):
    version: str = Field(..., description="The first 12 hex digits of the shipped model file's SHA-256")
    dataset_sha256: str


class SuggestOut(Schema):
    suggestions: list[SuggestionOut]
    model: ModelOut
