import pytest

from kameng.catalog import services
from kameng.core.errors import DomainError

ZONE = {"key": "zone", "label_zh": "大区", "kind": "choice", "choices": ["安卓QQ", "苹果QQ"]}
QQ = {"key": "qq", "label_zh": "QQ号", "kind": "account", "preset": "qq"}


def test_structured_definitions_round_trip_and_legacy_ones_still_pass():
    cleaned = services.clean_required_fields([ZONE, QQ, {"key": "old", "label_zh": "旧", "pattern": "[0-9]+"}])
    assert cleaned[0]["choices"] == ["安卓QQ", "苹果QQ"] and cleaned[0]["pattern"] == ""
    assert cleaned[1]["pattern"] == "[1-9][0-9]{4,11}"  # the preset's pattern is stored too
    assert cleaned[2]["kind"] == "text" and cleaned[2]["required"] is True
    assert services.clean_required_fields(cleaned) == cleaned


def test_a_choice_list_needs_options():
    with pytest.raises(DomainError):
        services.clean_required_fields([{**ZONE, "choices": ["安卓QQ"]}])


class _Product:
    required_fields = services.clean_required_fields([ZONE, QQ])


def test_checkout_refuses_a_value_not_in_the_list():
    assert services.validate_buyer_fields(product=_Product, values={"zone": "苹果QQ", "qq": "123456"}) == {
        "zone": "苹果QQ",
        "qq": "123456",
    }
    with pytest.raises(DomainError) as exc:
        services.validate_buyer_fields(product=_Product, values={"zone": "微信区", "qq": "0123"})
    assert set(exc.value.fields) == {"zone", "qq"}
