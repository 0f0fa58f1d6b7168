"""suggest / suggest_for_order: confidences, bad input, and the order's facts changing the ranking
on real orders (a 直充 the supplier has not answered vs a card-key order the buyer revealed)."""

from __future__ import annotations

import pytest

from kameng.core.errors import DomainError
from kameng.orders import services as orders
from kameng.orders.models import OrderKey
from kameng.rulebook.problems import SUBTYPES
from kameng.triage import priors, selectors
from kameng.triage.tests.conftest import buy

pytestmark = pytest.mark.django_db

AMBIGUOUS = "卡密用不了 充不进去"
NOT_ARRIVED = "充了100话费到现在还没到账"


@pytest.fixture
def waiting_topup(buyer, topup_product, supplier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(buyer, topup_product, fields={"phone": "13800138007"})  # 7: accepted, answers later
    return order


@pytest.fixture
def revealed_card_order(buyer, card_product):
    order = buy(buyer, card_product)
    for okey in OrderKey.objects.filter(batch__order=order):
        orders.reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip="1.2.3.4", user_agent="t")
    return order


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("充了100话费三个小时还没到账", "late_delivery"),
        ("卡密提示已被使用", "key_already_used"),
        ("客服一直不回", "no_response"),
        ("卡蜜无效！！", "invalid_key"),
        ("一个订单扣了我两次钱", "charged_twice"),
    ],
)
def test_text_alone_ranks_the_obvious_subtype_first(text, expected):
    found = selectors.suggest(text=text)
    assert found[0].subtype == expected
    assert len(found) == 3 and found[0].confidence >= found[1].confidence >= found[2].confidence
    assert found[0].family == SUBTYPES[expected].family and found[0].label == str(SUBTYPES[expected].label)


def test_confidences_over_every_subtype_sum_to_one_with_or_without_facts():
    facts = {"delivery_kind": "direct_topup", "delivered": False, "delivered_batches": [], "supplier_answers": []}
    for f in (None, facts):
        every = selectors.suggest(text=AMBIGUOUS, facts=f, limit=len(SUBTYPES))
        assert {s.subtype for s in every} == set(SUBTYPES)
        assert 0.999 <= sum(s.confidence for s in every) <= 1.001


def test_the_facts_change_the_ranking(buyer, waiting_topup, revealed_card_order):
    topup_facts = selectors.order_facts(order=waiting_topup)
    card_facts = selectors.order_facts(order=revealed_card_order)
    assert topup_facts["supplier_answers"][0]["status"] == "sent" and not topup_facts["delivered"]
    assert card_facts["revealed"] and card_facts["delivered"]

    text_only = [s.subtype for s in selectors.suggest(text=AMBIGUOUS)]
    topup = selectors.suggest_for_order(user=buyer, order_id=waiting_topup.pk, text=AMBIGUOUS)
    card = selectors.suggest_for_order(user=buyer, order_id=revealed_card_order.pk, text=AMBIGUOUS)
    assert text_only[0] == "invalid_key"
    # A 直充 the supplier has not answered: on its way (延迟到账), and it has no card key at all.
    assert topup[0].subtype == "late_delivery"
    assert "invalid_key" not in [s.subtype for s in topup]
    # A card-key order whose key the buyer has seen: the key itself.
    assert card[0].subtype == "invalid_key"

    # The sentence: 延迟到账 ranks higher, and weighs more, on the waiting 直充.
    every = len(SUBTYPES)
    on_topup = selectors.suggest_for_order(user=buyer, order_id=waiting_topup.pk, text=NOT_ARRIVED, limit=every)
    on_card = selectors.suggest_for_order(user=buyer, order_id=revealed_card_order.pk, text=NOT_ARRIVED, limit=every)
    rank = {
        name: [s.subtype for s in found].index("late_delivery") for name, found in (("t", on_topup), ("c", on_card))
    }
    assert rank["t"] < rank["c"] and rank["t"] <= 1
    late = {
        name: next(s.confidence for s in found if s.subtype == "late_delivery")
        for name, found in (("t", on_topup), ("c", on_card))
    }
    assert late["t"] > 2 * late["c"]


def test_duplicate_payments_and_part_delivery_lift_their_subtypes():
    text = "钱扣了 东西只到了一部分"
    plain = selectors.probabilities(text=text)
    doubled = selectors.probabilities(text=text, facts={"duplicate_payments": True, "payments_captured": 2})
    part = selectors.probabilities(
        text=text, facts={"delivered": False, "delivered_batches": [1], "undelivered_batches": [2]}
    )
    assert doubled["charged_twice"] > plain["charged_twice"] * 3
    assert part["partly_delivered"] > plain["partly_delivered"]
    assert {line.name for line in priors.applying({"duplicate_payments": True})} == {"duplicate_payments"}


def test_another_buyers_order_is_not_found(other_buyer, revealed_card_order):
    with pytest.raises(DomainError) as err:
        selectors.suggest_for_order(user=other_buyer, order_id=revealed_card_order.pk, text="卡密无效")
    assert err.value.code == "not_found"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "triage.description_empty"),
        ("   \n\t ", "triage.description_empty"),
        ("卡" * 1001, "triage.description_too_long"),
        ("卡密\x07无效", "invalid_input"),
        ("卡密\x00无效", "invalid_input"),
    ],
)
def test_bad_descriptions_are_refused(text, code):
    with pytest.raises(DomainError) as err:
        selectors.suggest(text=text)
    assert err.value.code == code and 400 <= err.value.status < 500


@pytest.mark.parametrize("limit", [0, 14, -1, True, "3"])
def test_bad_limits_are_refused(limit):
    with pytest.raises(DomainError) as err:
        selectors.suggest(text="卡密无效", limit=limit)
    assert err.value.code == "invalid_input"


def test_the_fact_table_names_real_subtypes_and_positive_factors():
    names = [line.name for line in priors.TABLE]
    assert len(names) == len(set(names))
    for line in priors.TABLE:
        assert line.factors and set(line.factors) <= set(SUBTYPES), line.name
        assert all(0 < f for f in line.factors.values()), line.name
