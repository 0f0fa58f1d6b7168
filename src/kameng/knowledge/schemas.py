from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictInt


class ArticleOut(Schema):
    slug: str
    subtype: str = Field(..., description="A problem subtype code (see the rulebook's taxonomy)")
    family: str
    title: str = Field(..., description="In the request's language (Chinese when there is no English)")
    body: str = Field(..., description="Plain text; a blank line separates paragraphs")
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    published: bool
    position: int
    updated_at: datetime
    url: str = Field(..., description="The article's page")


class ArticleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    subtype: str = Field(..., max_length=32)
    title_zh: str = Field(..., min_length=1, max_length=120)
    title_en: str = Field("", max_length=120)
    body_zh: str = Field(..., min_length=1, max_length=20000)
    body_en: str = Field("", max_length=20000)
    published: StrictBool = True
    position: StrictInt | None = Field(None, ge=-10_000, le=10_000)


class ArticleFilter(Schema):
    subtype: str | None = Field(None, max_length=32)
