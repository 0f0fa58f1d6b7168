"""Badges by published rule (10.5) — earned, lost and regained — and automatic penalties (4.5,
10.6) — applied, appealed, decided, lifted — each citing its clause and the figures behind it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kameng.aftersales import services as cases
from kameng.aftersales.tests.test_scenarios import revealed_order
from kameng.catalog.models import Product
from kameng.core.errors import DomainError
from kameng.ledger.models import AccountKind
from kameng.ledger.services import get_or_create_account, transfer
from kameng.orders import funds
from kameng.reputation import penalties, trust
from kameng.reputation.models import BadgeChange, Penalty, PenaltyKind, PenaltyState
from kameng.reputation.tests.conftest import run_on_commit_callbacks
from kameng.shops.models import Shop, ShopStatus
from kameng.timeline.selectors import events_of
from tests.helpers import publish_rules

pytestmark = pytest.mark.django_db
SEC = timedelta(seconds=1)
EASY_GOLD = {
    "gold_min_orders": 2,
    "gold_min_months": 0,
    "gold_min_score": 100,
    "gold_max_aftersales_bps": 10_000,
    "gold_max_dispute_bps": 10_000,
    "gold_max_invalid_key_bps": 2500,
    "gold_max_sla_breaches": 5,
    # No penalty gets in the way of these tests of the badge.
    "penalty_min_keys": 1000,
    "penalty_min_orders": 1000,
}


def upheld_invalid_key(buyer, merchant, order):
    case = cases.open_case(buyer=buyer, order_id=order.pk, subtype="invalid_key", demand="replace", description="x")
    cases.accept_case(merchant=merchant, case_id=case.pk)
    run_on_commit_callbacks()
    return case


def evaluate(shop, now=None):
    run_on_commit_callbacks()
    return trust.evaluate_shop(shop_id=shop.pk, now=now)


def test_gold_is_earned_lost_with_the_figure_that_fell_short_and_regained(buyer, merchant, card_product):
    publish_rules(**EASY_GOLD)
    shop = card_product.shop
    revealed_order(buyer, card_product)
    assert not evaluate(shop).is_gold  # one order: below the minimum
    first = revealed_order(buyer, card_product)
    assert evaluate(shop).is_gold
    assert Shop.objects.get(pk=shop.pk).is_gold
    upheld_invalid_key(buyer, merchant, first)  # 1 invalid key of 2 sold: 50 % > 25 %
    lost = evaluate(shop)
    assert not lost.is_gold
    short = [c for c in lost.gold if not c.holds]
    assert [(c.code, c.value, c.threshold) for c in short] == [("invalid_key_rate", 5000, 2500)]
    for _ in range(3):  # 1 of 5: 20 %
        revealed_order(buyer, card_product)
    assert evaluate(shop).is_gold
    history = list(BadgeChange.objects.filter(shop=shop, badge="gold").order_by("at", "pk"))
    assert [h.earned for h in history] == [True, False, True]
    assert history[1].figures["invalid_key_rate"] == {
        "code": "invalid_key_rate",
        "value": 5000,
        "threshold": 2500,
        "holds": False,
    }
    assert Shop.objects.get(pk=shop.pk).is_gold


def _deposit(shop, amount_fen):
    transfer(
        source=f"test-deposit:{shop.pk}:{amount_fen}",
        from_account=get_or_create_account(kind=AccountKind.GATEWAY_CLEARING),
        to_account=get_or_create_account(kind=AccountKind.MERCHANT_DEPOSIT, owner_id=shop.pk),
        amount_fen=amount_fen,
    )


def test_certified_needs_the_approval_and_the_deposit(operator, shop):
    from kameng.shops.services import set_shop_certification

    publish_rules(certified_min_deposit_fen=50_000)
    set_shop_certification(operator=operator, shop_id=shop.pk, certified=True, reason="营业执照已审核")
    assert not evaluate(shop).shows_certified  # no deposit yet
    _deposit(shop, 50_000)
    assert evaluate(shop).shows_certified and Shop.objects.get(pk=shop.pk).shows_certified
    funds.charge_penalty(shop_id=shop.pk, amount_fen=1, source="test-penalty", reason="penalty")
    criteria = {c.code: c for c in evaluate(shop).certified}
    assert not criteria["deposit"].holds and criteria["documents"].holds
    assert not Shop.objects.get(pk=shop.pk).shows_certified


def test_a_product_that_sends_invalid_keys_is_delisted_appealed_and_relisted_when_the_window_rolls(
    buyer, merchant, operator, card_product
):
    publish_rules(
        penalty_min_keys=2, delist_invalid_key_bps=3000, warn_invalid_key_bps=9000, freeze_shop_invalid_key_bps=10_000
    )
    shop = card_product.shop
    o1 = revealed_order(buyer, card_product)
    revealed_order(buyer, card_product)
    upheld_invalid_key(buyer, merchant, o1)
    evaluate(shop)
    penalty = Penalty.objects.get(shop=shop)
    assert (penalty.kind, penalty.clause, penalty.product_id, penalty.state) == (
        PenaltyKind.DELISTING,
        "10.6",
        card_product.pk,
        PenaltyState.ACTIVE,
    )
    assert penalty.figures == {
        "value": 5000,
        "threshold": 3000,
        "unit": "bps",
        "invalid_keys": 1,
        "keys_sold": 2,
        "minimum": 2,
    }
    product = Product.objects.get(pk=card_product.pk)
    assert not product.published and product.delisted_clause == "10.6"
    from kameng.catalog.services import publish_product

    with pytest.raises(DomainError) as exc:
        publish_product(merchant=merchant, product_id=product.pk)
    assert exc.value.code == "catalog.delisted"
    # The merchant appeals once; the operator upholds.
    penalties.appeal_penalty(merchant=merchant, penalty_id=penalty.pk, text="供货商批次问题，已更换")
    with pytest.raises(DomainError) as exc:
        penalties.appeal_penalty(merchant=merchant, penalty_id=penalty.pk, text="再次申诉")
    assert exc.value.code == "penalties.already_appealed"
    penalties.decide_appeal(operator=operator, penalty_id=penalty.pk, uphold=True, note="数据属实")
    penalty.refresh_from_db()
    assert penalty.state == PenaltyState.ACTIVE and not Product.objects.get(pk=product.pk).published
    # Ninety days later nothing of it is in the window: the rule lifts it, the product is back.
    later = timezone.now() + timedelta(days=91)
    evaluate(shop, now=later)
    penalty.refresh_from_db()
    assert penalty.state == PenaltyState.LIFTED and penalty.end_figures["keys_sold"] == 0
    product.refresh_from_db()
    assert product.published and not product.delisted_clause
    kinds = [e.kind for e in events_of(stream=penalty.stream)]
    assert kinds == ["penalty.applied", "penalty.appeal", "penalty.uphold", "penalty.lift"]


def test_an_overturned_warning_ends_at_once_and_is_not_applied_again(buyer, merchant, operator, card_product):
    publish_rules(
        penalty_min_keys=2, warn_invalid_key_bps=3000, delist_invalid_key_bps=10_000, freeze_shop_invalid_key_bps=10_000
    )
    shop = card_product.shop
    o1 = revealed_order(buyer, card_product)
    revealed_order(buyer, card_product)
    upheld_invalid_key(buyer, merchant, o1)
    evaluate(shop)
    penalty = Penalty.objects.get(shop=shop, kind=PenaltyKind.WARNING)
    shop.refresh_from_db()
    assert shop.status == ShopStatus.WARNED and "10.6" in shop.status_reason
    with pytest.raises(DomainError):  # only the shop's own merchant
        penalties.appeal_penalty(merchant=operator, penalty_id=penalty.pk, text="x")
    penalties.appeal_penalty(merchant=merchant, penalty_id=penalty.pk, text="买家恶意索赔")
    penalties.decide_appeal(operator=operator, penalty_id=penalty.pk, uphold=False, note="证据支持商家")
    penalty.refresh_from_db()
    shop.refresh_from_db()
    assert penalty.state == PenaltyState.OVERTURNED and shop.status == ShopStatus.ACTIVE
    evaluate(shop)  # the figures still breach, but the operator overturned it
    assert Penalty.objects.filter(shop=shop, state__in=["active", "appealed"]).count() == 0
    assert Shop.objects.get(pk=shop.pk).status == ShopStatus.ACTIVE


def test_disputes_lost_demote_then_freeze_payouts(buyer, merchant, agent, card_product):
    publish_rules(penalty_min_orders=1, demote_dispute_bps=2000, freeze_payouts_dispute_bps=5000)
    shop = card_product.shop
    o1 = revealed_order(buyer, card_product)
    for _ in range(3):
        revealed_order(buyer, card_product)
    case = cases.open_case(
        buyer=buyer, order_id=o1.pk, subtype="key_already_used", demand="full_refund", description="x"
    )
    cases.refuse_case(merchant=merchant, case_id=case.pk, reason="有效")
    cases.request_intervention(buyer=buyer, case_id=case.pk, reason="请介入")
    case.refresh_from_db()
    cases.sweep(now=case.due_at + SEC)
    case.refresh_from_db()
    cases.rule(
        agent=agent,
        case_id=case.pk,
        remedy="full_refund",
        clause="5.1",
        text="退款",
        responsible="merchant",
        now=case.due_at - SEC,
    )
    evaluate(shop, now=case.due_at)  # 1 of 4 orders: 25 %, demoted; payouts not frozen yet
    shop.refresh_from_db()
    assert shop.demoted and not shop.payouts_frozen
    publish_rules(freeze_payouts_dispute_bps=2500)
    evaluate(shop, now=case.due_at)
    shop.refresh_from_db()
    assert shop.payouts_frozen
    assert funds.payout_freeze(shop).code == "penalty"


def test_rule_4_5_warns_a_shop_that_misses_deadlines_and_lifts_after_thirty_days(buyer, card_product):
    publish_rules(sla_breaches_to_warn_shop=1)
    shop = card_product.shop
    order = revealed_order(buyer, card_product)
    case = cases.open_case(buyer=buyer, order_id=order.pk, subtype="invalid_key", demand="replace", description="x")
    case.refresh_from_db()
    cases.sweep(now=case.due_at + SEC)  # the merchant stays silent (3.6): a breach, and 4.5 at once
    shop.refresh_from_db()
    assert shop.status == ShopStatus.WARNED and "4.5" in shop.status_reason
    penalty = Penalty.objects.get(shop=shop)
    assert (penalty.rule, penalty.clause, penalty.figures["value"]) == ("sla_breaches", "4.5", 1)
    evaluate(shop, now=case.due_at + timedelta(days=31))
    penalty.refresh_from_db()
    shop.refresh_from_db()
    assert penalty.state == PenaltyState.LIFTED and shop.status == ShopStatus.ACTIVE


def test_the_penalty_table_is_the_only_way(merchant, operator):
    from kameng.reputation.transitions import PENALTY_TRANSITIONS, next_penalty_state

    for (state, action, role), to in PENALTY_TRANSITIONS.items():
        assert next_penalty_state(state, action, role) == to
    for state in PenaltyState.values:
        for action in ("appeal", "uphold", "overturn", "lift"):
            for role in ("merchant", "operator", "system", "buyer"):
                if (state, action, role) not in PENALTY_TRANSITIONS:
                    with pytest.raises(DomainError):
                        next_penalty_state(state, action, role)
