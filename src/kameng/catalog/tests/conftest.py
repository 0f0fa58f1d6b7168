import pytest

TOPUP_FIELDS = [
    {
        "key": "qq",
        "label_zh": "QQ号",
        "label_en": "QQ number",
        "pattern": "[1-9][0-9]{4,11}",
        "help_zh": "5–12 位数字",
        "help_en": "5 to 12 digits",
    },
    {"key": "server", "label_zh": "区服", "label_en": "Server", "pattern": "", "help_zh": "", "help_en": ""},
]


@pytest.fixture
def topup_fields():
    return [dict(f) for f in TOPUP_FIELDS]


@pytest.fixture
def product_data(topup_fields):
    return {
        "title_zh": "QQ会员月卡直充",
        "title_en": "QQ VIP monthly top-up",
        "category": "membership",
        "delivery_kind": "direct_topup",
        "face_value_fen": 1500,
        "price_fen": 1390,
        "required_fields": topup_fields,
        "min_per_order": 1,
        "max_per_order": 5,
    }
