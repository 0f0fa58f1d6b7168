from datetime import datetime

from ninja import Field, Schema


class NotificationOut(Schema):
    id: int
    kind: str
    title: str = Field(..., description="In the request's language")
    body: str
    url: str = Field(..., description="A path on this site, or empty")
    subject: str = Field(..., description='What it is about, e.g. "case:12"')
    params: dict
    created_at: datetime
    read_at: datetime | None
    unread: bool


class UnreadCountOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int
