from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictInt


class In(Schema):
    # Unknown fields are refused rather than silently ignored, so a typo is an error, not a no-op.
    model_config = ConfigDict(extra="forbid")


class ShopIn(In):
    name: str = Field(..., min_length=1, max_length=64)
    description: str = Field("", max_length=4000)


class ShopPatch(In):
    name: str | None = Field(None, min_length=1, max_length=64)
    description: str | None = Field(None, max_length=4000)


class ShopOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    status: str
    status_reason: str
    certified: bool
    certified_at: datetime | None
    created_at: datetime
    shows_certified: bool  # 平台认证商家 shown: approved and the deposit holds (10.5)
    is_gold: bool  # 金牌商家 (10.5)
    trust_score: int | None  # hundredths of a star (10.4); with no reviews, the prior alone
    trust_reviews: int  # reviews counted in the score's window
    demoted: bool  # a penalty demotes its listings (10.6)


class OperatorShopOut(ShopOut):
    owner_id: int
    owner_username: str = Field(..., alias="owner.username")


class StatusIn(In):
    status: str = Field(..., max_length=16)
    reason: str = Field(..., min_length=1, max_length=500)


class CertificationIn(In):
    certified: StrictBool
    reason: str = Field(..., min_length=1, max_length=500)


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    certified: bool | None
    reason: str
    changed_by_id: int | None  # None: the system changed it by a rule (4.5), no operator
    at: datetime


class StartConversationIn(In):
    shop_id: StrictInt = Field(..., ge=1, le=2**53)
    body: str = Field(..., min_length=1, max_length=2000)


class MessageIn(In):
    body: str = Field(..., min_length=1, max_length=2000)


class MessageOut(Schema):
    id: int
    sender_id: int
    mine: bool = False
    body: str
    created_at: datetime
    read_at: datetime | None


class ConversationOut(Schema):
    id: int
    shop_id: int
    shop_slug: str = Field(..., alias="shop.slug")
    shop_name: str = Field(..., alias="shop.name")
    buyer_id: int
    buyer_name: str = Field(..., alias="buyer.shown_name")
    created_at: datetime
    last_message_at: datetime
    unread: int = 0


class ConversationDetailOut(ConversationOut):
    messages: list[MessageOut] = Field(..., alias="thread")


class ReadOut(Schema):
    marked: int
