from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictInt


class ArticleOut(Schema):
    slug: str
    subtype: str = Field(..., description="The first linked problem subtype ('' for a general article)")
    subtypes: list[str] = Field(..., description="Problem subtype codes (see the rulebook's taxonomy)")
    categories: list[str] = Field(..., description="Product category codes")
    family: str
    title: str = Field(..., description="In the request's language (Chinese when there is no English)")
    body: str = Field(..., description="Markdown source, in the request's language")
    html: str = Field(..., description="The body rendered to sanitised HTML")
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    state: str
    published: bool
    position: int
    version: int
    author: str = Field(..., description="Who wrote it ('' for the starter set)")
    updated_at: datetime
    url: str = Field(..., description="The article's page")


class EditorArticleOut(ArticleOut):
    helpful_count: int
    unhelpful_count: int
    helpful_ratio: float | None


class ArticleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title_zh: str = Field(..., min_length=1, max_length=120)
    title_en: str = Field("", max_length=120)
    body_zh: str = Field(..., min_length=1, max_length=20000)
    body_en: str = Field("", max_length=20000)
    subtypes: list[str] = Field(default_factory=list, max_length=20)
    categories: list[str] = Field(default_factory=list, max_length=10)
    position: StrictInt | None = Field(None, ge=-10_000, le=10_000)
    note: str = Field("", max_length=200)
    base_version: StrictInt | None = Field(None, ge=0, description="Refuse the save if someone saved since")


class ArticleCreateIn(ArticleIn):
    slug: str = Field(..., min_length=1, max_length=64)


class ArticleFilter(Schema):
    subtype: str | None = Field(None, max_length=32)
    category: str | None = Field(None, max_length=16)


class EditorFilter(Schema):
    state: str | None = Field(None, max_length=16)
    sort: str = Field("updated", max_length=16)


class ArticleVersionOut(Schema):
    number: int
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    subtypes: list[str]
    categories: list[str]
    author: str
    note: str
    created_at: datetime


class RestoreIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=200)


class ArticleVoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    helpful: StrictBool


class ArticleVoteOut(Schema):
    slug: str
    helpful: bool
    helpful_count: int
    unhelpful_count: int
