from datetime import datetime

from ninja import Field, Schema


class LoginIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=256)
    token_name: str = Field("", max_length=64)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class IssuedTokenOut(Schema):
    token: str = Field(..., description="Shown once. Send as `Authorization: Bearer <token>`.")
    details: TokenOut


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
