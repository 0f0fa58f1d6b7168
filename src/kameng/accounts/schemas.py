from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict


class In(Schema):
    """Request bodies: an unknown field (``"role": "operator"``) is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class LoginIn(In):
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


class ChallengeOut(Schema):
    question: str = Field(..., description="Shown to the person signing up; answered in digits.")
    token: str = Field(..., description="Send back unchanged as `challenge`.")


class RegisterIn(In):
    username: str = Field(..., min_length=1, max_length=150)
    email: str = Field("", max_length=254, description="an e-mail address, or give `phone` instead")
    phone: str = Field("", max_length=24, description="a mainland China mobile number, or give `email` instead")
    password: str = Field(..., min_length=1, max_length=256)
    challenge: str = Field(..., max_length=500)
    answer: str = Field(..., max_length=10)


class RegisteredOut(Schema):
    id: int
    username: str
    awaiting_verification: bool


class VerifyIn(In):
    token: str = Field(..., max_length=500)


class AcceptedOut(Schema):
    accepted: bool


class PhoneIn(In):
    phone: str = Field(..., min_length=1, max_length=24)


class PhoneCodeIn(PhoneIn):
    code: str = Field(..., min_length=6, max_length=6, pattern="^[0-9]{6}$")
