from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict, StrictInt


class HitOut(Schema):
    kind: str = Field(..., description="article | question")
    key: str = Field(..., description="The article's slug or the question's id")
    language: str
    url: str
    title_html: str = Field(..., description="Escaped title, matched terms in <mark>")
    snippet_html: str = Field(..., description="Escaped excerpt around the first match, matched terms in <mark>")
    score: float
    title_match: bool


class SearchOut(Schema):
    total: int = Field(..., description="Matches, counted up to 1000")
    total_capped: bool = Field(..., description="There are more than `total` matches")
    page: int
    per_page: int
    terms: list[str] = Field(..., description="The terms looked for, synonyms included")
    hits: list[HitOut]


class SynonymOut(Schema):
    id: int
    terms: list[str]
    default: bool = Field(..., description="One of the groups a fresh install starts with")
    updated_at: datetime


class SynonymIn(Schema):
    model_config = ConfigDict(extra="forbid")

    terms: list[str] = Field(..., max_length=50)
    id: StrictInt | None = Field(None, ge=1, le=2**31 - 1, description="Replace this group's terms")
