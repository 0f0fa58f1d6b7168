from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict, StrictInt

CategoryName = Literal["game_card", "phone_topup", "membership", "virtual_item"]
DeliveryKindName = Literal["card_key", "direct_topup", "manual"]


class In(Schema):
    # Unknown fields are refused rather than silently ignored, so a typo is an error, not a no-op.
    model_config = ConfigDict(extra="forbid")


class RequiredFieldIn(In):
    key: str = Field(..., max_length=32)
    label_zh: str = Field(..., max_length=32)
    label_en: str = Field("", max_length=64)
    pattern: str = Field("", max_length=200)
    help_zh: str = Field("", max_length=200)
    help_en: str = Field("", max_length=200)
    kind: Literal["text", "number", "choice", "account"] = Field(
        "text", description="choice: a dropdown of `choices`; account: a preset pattern"
    )
    preset: Literal["", "qq", "phone", "game_id", "email"] = Field("", description="for kind=account")
    choices: list[str] = Field(default_factory=list, max_length=20, description="for kind=choice")
    required: bool = True


class ProductIn(In):
    title_zh: str = Field(..., min_length=1, max_length=120)
    title_en: str = Field("", max_length=120)
    description: str = Field("", max_length=8000)
    category: CategoryName
    delivery_kind: DeliveryKindName
    face_value_fen: StrictInt = Field(..., ge=1, le=100_000_000)
    price_fen: StrictInt = Field(..., ge=1, le=100_000_000)
    usage_rules: str = Field("", max_length=4000)
    refund_policy: str = Field("", max_length=4000)
    region_notes: str = Field("", max_length=2000)
    required_fields: list[RequiredFieldIn] = Field(default_factory=list, max_length=8)
    min_per_order: StrictInt = Field(1, ge=1, le=1000)
    max_per_order: StrictInt = Field(10, ge=1, le=1000)
    manual_delivery_hours: StrictInt = Field(24, ge=1, le=168)


class ProductPatch(In):
    title_zh: str | None = Field(None, min_length=1, max_length=120)
    title_en: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=8000)
    category: CategoryName | None = None
    delivery_kind: DeliveryKindName | None = None
    face_value_fen: StrictInt | None = Field(None, ge=1, le=100_000_000)
    price_fen: StrictInt | None = Field(None, ge=1, le=100_000_000)
    usage_rules: str | None = Field(None, max_length=4000)
    refund_policy: str | None = Field(None, max_length=4000)
    region_notes: str | None = Field(None, max_length=2000)
    required_fields: list[RequiredFieldIn] | None = Field(None, max_length=8)
    min_per_order: StrictInt | None = Field(None, ge=1, le=1000)
    max_per_order: StrictInt | None = Field(None, ge=1, le=1000)
    manual_delivery_hours: StrictInt | None = Field(None, ge=1, le=168)


class RequiredFieldOut(Schema):
    key: str
    label_zh: str
    label_en: str
    pattern: str
    help_zh: str
    help_en: str
    # Fields saved before the structured editor have none of these: a required text field.
    kind: str = "text"
    preset: str = ""
    choices: list[str] = Field(default_factory=list)
    required: bool = True


class ShopBriefOut(Schema):
    id: int
    slug: str
    name: str
    status: str
    certified: bool
    shows_certified: bool = Field(description="平台认证商家 shown: approved and the deposit holds (10.5)")
    is_gold: bool = Field(description="金牌商家 (10.5)")
    trust_score: int | None = Field(
        description="the shop's score in hundredths of a star (10.4); with no reviews, the prior alone"
    )
    trust_reviews: int = Field(description="reviews counted in the score's window")


class ProductOut(Schema):
    id: int
    shop: ShopBriefOut
    title_zh: str
    title_en: str
    description: str
    category: str
    delivery_kind: str
    face_value_fen: int
    price_fen: int
    usage_rules: str
    refund_policy: str
    region_notes: str
    required_fields: list[RequiredFieldOut]
    min_per_order: int
    max_per_order: int
    manual_delivery_hours: int
    published: bool
    stock_available: int
    out_of_stock: bool
    on_sale: bool
    created_at: datetime
    updated_at: datetime


class ProductPageOut(Schema):
    items: list[ProductOut]
    page: int
    pages: int
    total: int


class BrowseFilter(Schema):
    q: str = Field("", max_length=100)
    category: CategoryName | None = None
    delivery_kind: DeliveryKindName | None = None
    shop: str | None = Field(None, max_length=64, description="shop slug")
    page: int = Field(1, ge=1, le=10_000)
    sort: Literal["", "score"] = Field("", description="empty: recommended; score: the shops' scores (10.4)")
    gold_only: bool = False
    certified_only: bool = False
