"""Reviews (评价 / 追评, rule 10.2): one per completed order, by its buyer, within the window; one
follow-up after a case ends; one reply by the shop; hiding only under a clause, recorded; reviews
excluded from scores stay visible with a mark. Every refusal writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kameng.aftersales import services as aftersales
from kameng.aftersales.models import Remedy, Ruling
from kameng.aftersales.tests.conftest import buy
from kameng.core.errors import DomainError
from kameng.orders import services as orders
from kameng.reputation import selectors, services
from kameng.reputation.models import FollowUp, Moderation, Review
from kameng.timeline.selectors import events_of, verify_stream
from tests.factories import PASSWORD, ProductFactory
from tests.helpers import assert_error, publish_rules

STARS = {"stars_described": 5, "stars_delivery": 4, "stars_service": 3}


@pytest.fixture
def done_order(buyer, card_product):
    order = buy(buyer, card_product)
    return orders.confirm_receipt(buyer=buyer, order_id=order.pk)


def snapshot():
    return (
        list(Review.objects.values_list("pk", "reply", "hidden_clause")),
        FollowUp.objects.count(),
        Moderation.objects.count(),
    )


def test_the_buyer_reviews_a_completed_order_once(buyer, merchant, done_order):
    review = services.post_review(
        buyer=buyer, order_id=done_order.pk, text="秒到，卡密有效", tags=["fast_delivery", "key_valid"], **STARS
    )
    assert (review.stars_described, review.stars_delivery, review.stars_service) == (5, 4, 3)
    assert review.tags == ["key_valid", "fast_delivery"]  # in the published order, deduplicated
    assert review.shop_id == done_order.shop_id and review.product_id == done_order.product_id
    assert [e.kind for e in events_of(stream=done_order.stream)][-1] == "review.posted"
    assert verify_stream(done_order.stream) == []
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        services.post_review(buyer=buyer, order_id=done_order.pk, **STARS)
    assert exc.value.code == "reviews.already_reviewed"
    assert snapshot() == before
    assert merchant.notifications.filter(kind="review.posted").count() == 1


def test_who_and_when(buyer, other_buyer, merchant, card_product, done_order):
    before = snapshot()
    with pytest.raises(DomainError) as exc:  # someone else's order: not even seen
        services.post_review(buyer=other_buyer, order_id=done_order.pk, **STARS)
    assert exc.value.code == "not_found"
    with pytest.raises(DomainError) as exc:  # a merchant never reviews (itself or anyone)
        services.post_review(buyer=merchant, order_id=done_order.pk, **STARS)
    assert exc.value.code == "auth.role_required"
    open_order = buy(buyer, card_product)  # delivered, not yet confirmed
    with pytest.raises(DomainError) as exc:
        services.post_review(buyer=buyer, order_id=open_order.pk, **STARS)
    assert exc.value.code == "reviews.not_completed"
    late = timezone.now() + timedelta(days=16)
    with pytest.raises(DomainError) as exc:
        services.post_review(buyer=buyer, order_id=done_order.pk, now=late, **STARS)
    assert exc.value.code == "reviews.window_over"
    for bad in ({"stars_described": 0}, {"stars_service": 6}, {"stars_delivery": "5"}, {"stars_delivery": True}):
        with pytest.raises(DomainError) as exc:
            services.post_review(buyer=buyer, order_id=done_order.pk, **{**STARS, **bad})
        assert exc.value.code == "invalid_input"
    with pytest.raises(DomainError) as exc:
        services.post_review(buyer=buyer, order_id=done_order.pk, tags=["bribe"], **STARS)
    assert exc.value.code == "invalid_input"
    assert snapshot() == before
    publish_rules(review_window_days=30)  # the window is the rulebook's
    assert services.post_review(buyer=buyer, order_id=done_order.pk, now=late, **STARS)


def test_follow_up_after_a_case_ends(buyer, card_product):
    order = buy(buyer, card_product)
    case = aftersales.open_case(
        buyer=buyer, order_id=order.pk, subtype="invalid_key", demand="replace", description="不能用"
    )
    review_order = buy(buyer, card_product)
    review_order = orders.confirm_receipt(buyer=buyer, order_id=review_order.pk)
    review = services.post_review(buyer=buyer, order_id=review_order.pk, **STARS)
    with pytest.raises(DomainError) as exc:  # no case on the reviewed order has ended
        services.post_follow_up(buyer=buyer, review_id=review.pk, text="后续")
    assert exc.value.code == "reviews.no_closed_case"
    aftersales.withdraw_case(buyer=buyer, case_id=case.pk)
    # The case was on another order: still nothing to follow up on this one.
    with pytest.raises(DomainError) as exc:
        services.post_follow_up(buyer=buyer, review_id=review.pk, text="后续")
    assert exc.value.code == "reviews.no_closed_case"
    second = aftersales.open_case(
        buyer=buyer, order_id=review_order.pk, subtype="invalid_key", demand="replace", description="又坏了"
    )
    aftersales.withdraw_case(buyer=buyer, case_id=second.pk)
    follow = services.post_follow_up(buyer=buyer, review_id=review.pk, text="商家处理得很快")
    assert follow.case_id == second.pk
    with pytest.raises(DomainError) as exc:
        services.post_follow_up(buyer=buyer, review_id=review.pk, text="再说一次")
    assert exc.value.code == "reviews.already_followed_up"


def test_the_shop_replies_once(buyer, merchant, other_shop, done_order):
    review = services.post_review(buyer=buyer, order_id=done_order.pk, **STARS)
    with pytest.raises(DomainError) as exc:  # another shop's merchant
        services.reply_to_review(merchant=other_shop.owner, review_id=review.pk, text="?")
    assert exc.value.code == "not_found"
    services.reply_to_review(merchant=merchant, review_id=review.pk, text="感谢支持")
    with pytest.raises(DomainError) as exc:
        services.reply_to_review(merchant=merchant, review_id=review.pk, text="再回复")
    assert exc.value.code == "reviews.already_replied"
    review.refresh_from_db()
    assert review.reply == "感谢支持"


def test_hiding_needs_a_clause_and_is_recorded(buyer, operator, agent, done_order):
    review = services.post_review(buyer=buyer, order_id=done_order.pk, text="加我 QQ 123456 便宜卖", **STARS)
    for clause, code in (("99.9", "reviews.unknown_clause"), ("", "reviews.unknown_clause")):
        with pytest.raises(DomainError) as exc:
            services.hide_review(operator=operator, review_id=review.pk, clause=clause, reason="站外引流")
        assert exc.value.code == code
    with pytest.raises(DomainError) as exc:
        services.hide_review(operator=agent, review_id=review.pk, clause="10.2", reason="x")
    assert exc.value.code == "auth.role_required"
    assert Moderation.objects.count() == 0
    services.hide_review(operator=operator, review_id=review.pk, clause="10.2", reason="站外引流")
    review.refresh_from_db()
    assert review.hidden_clause == "10.2" and review.text  # the text is kept, not shown
    record = Moderation.objects.get()
    assert (record.operator, record.clause, record.reason) == (operator, "10.2", "站外引流")
    assert [e.kind for e in events_of(stream=done_order.stream)][-1] == "review.hidden"
    page = Client().get(f"/shops/{done_order.shop.slug}/reviews/").content.decode()
    assert "第 10.2 条" in page and "QQ 123456" not in page


def test_excluded_reviews_stay_visible_with_a_mark(buyer, other_buyer, agent, card_product):
    honest = orders.confirm_receipt(buyer=other_buyer, order_id=buy(other_buyer, card_product).pk)
    blamed = orders.confirm_receipt(buyer=buyer, order_id=buy(buyer, card_product).pk)
    case = aftersales.open_case(
        buyer=buyer, order_id=blamed.pk, subtype="invalid_key", demand="replace", description="不能用"
    )
    # A ruling that found the buyer responsible (the record as a ruling leaves it).
    Ruling.objects.create(
        case=case, agent=agent, remedy=Remedy.REJECT, responsible="buyer", clause="5.1", text="卡密已被买家使用"
    )
    r1 = services.post_review(buyer=other_buyer, order_id=honest.pk, **STARS)
    r2 = services.post_review(buyer=buyer, order_id=blamed.pk, stars_described=1, stars_delivery=1, stars_service=1)
    marks = {row.review.pk: row.excluded for row in selectors.reviews_of_shop(shop=honest.shop).rows}
    assert marks == {r1.pk: None, r2.pk: selectors.BUYER_RESPONSIBLE}
    page = Client().get(f"/shops/{honest.shop.slug}/reviews/").content.decode()
    assert "不计入店铺评分" in page


def test_a_buyer_with_many_unfounded_claims_is_not_counted(buyer, card_product):
    from kameng.aftersales.models import Case, CaseState

    publish_rules(claim_abuse_flag_count=2)
    for _ in range(2):
        other = buy(buyer, card_product)
        case = aftersales.open_case(
            buyer=buyer, order_id=other.pk, subtype="invalid_key", demand="replace", description="不能用"
        )
        Case.objects.filter(pk=case.pk).update(
            state=CaseState.RESOLVED, outcome=Remedy.REJECT, closed_at=timezone.now()
        )
    order = orders.confirm_receipt(buyer=buyer, order_id=buy(buyer, card_product).pk)
    review = services.post_review(buyer=buyer, order_id=order.pk, **STARS)
    assert selectors.rows([review])[0].excluded == selectors.CLAIM_ABUSE


def test_reviews_through_the_api(buyer, merchant, operator, done_order, api_client):
    base = "/api/v1/reviews"
    assert_error(api_client(buyer).post(f"{base}/orders/{done_order.pk}", {**STARS, "stars_service": 9}), 422)
    assert_error(api_client(merchant).post(f"{base}/orders/{done_order.pk}", STARS), 403, "auth.role_required")
    assert_error(api_client().post(f"{base}/orders/{done_order.pk}", STARS), 401)
    made = api_client(buyer).post(f"{base}/orders/{done_order.pk}", {**STARS, "text": "好", "tags": ["key_valid"]})
    assert made.status_code == 201, made.content
    review_id = made.json()["id"]
    assert made.json()["counted"] is True
    assert_error(api_client(buyer).post(f"{base}/orders/{done_order.pk}", STARS), 409, "reviews.already_reviewed")
    replied = api_client(merchant).post(f"{base}/{review_id}/reply", {"text": "谢谢"})
    assert replied.json()["reply"] == "谢谢"
    assert_error(api_client(merchant).post(f"{base}/{review_id}/reply", {"text": "again"}), 409)
    public = api_client().get(f"{base}/shops/{done_order.shop.slug}").json()
    assert [r["id"] for r in public] == [review_id] and public[0]["text"] == "好"
    assert api_client(merchant).get(f"{base}/mine").json()[0]["id"] == review_id
    hidden = api_client(operator).post(f"{base}/{review_id}/hide", {"clause": "10.2", "reason": "广告"}).json()
    assert hidden["hidden"] and hidden["text"] == "" and hidden["stars_described"] is None
    assert hidden["hidden_clause"] == "10.2" and hidden["counted"] is False


def test_the_review_form_on_the_order_page(buyer, done_order):
    page = Client()
    page.login(username=buyer.username, password=PASSWORD)
    order_page = page.get(f"/orders/{done_order.pk}/").content.decode()
    assert f"/orders/{done_order.pk}/review/" in order_page
    form = page.get(f"/orders/{done_order.pk}/review/").content.decode()
    assert 'data-testid="review-form"' in form
    posted = page.post(
        f"/orders/{done_order.pk}/review/",
        {"stars_described": "5", "stars_delivery": "5", "stars_service": "4", "text": "不错", "tags": ["key_valid"]},
    )
    assert posted.status_code == 302
    assert Review.objects.get().stars_service == 4
    again = page.post(
        f"/orders/{done_order.pk}/review/", {"stars_described": "5", "stars_delivery": "5", "stars_service": "5"}
    )
    assert again.status_code == 409
    shop_page = Client().get(f"/shops/{done_order.shop.slug}/reviews/", headers={"HX-Request": "true"})
    assert "不错" in shop_page.content.decode()
    product = ProductFactory(shop=done_order.shop)
    assert product  # the shop page itself links its reviews
    assert f"/shops/{done_order.shop.slug}/reviews/" in Client().get(f"/shops/{done_order.shop.slug}/").content.decode()


def test_a_shops_reviews_come_a_page_at_a_time(buyer, card_product, api_client):
    """Seen in the demo: a shop with 81 reviews printed all of them on its page. Ten a page, the
    next ten appended by "More reviews"; the API pages by 20; a bad page number is refused."""
    from kameng.inventory.services import import_card_keys

    import_card_keys(
        user=card_product.shop.owner,
        product_id=card_product.pk,
        text="\n".join(f"PAGE{n:04d},PW{n}" for n in range(12)),
    )
    for n in range(12):
        order = orders.confirm_receipt(buyer=buyer, order_id=buy(buyer, card_product).pk)
        services.post_review(buyer=buyer, order_id=order.pk, text=f"第{n}条", **STARS)
    slug = card_product.shop.slug
    first = Client().get(f"/shops/{slug}/reviews/", headers={"HX-Request": "true"}).content.decode()
    assert first.count('data-testid="review"') == 10 and "第11条" in first and "第1条" not in first
    assert 'data-testid="more-reviews"' in first and "?page=2" in first
    more = Client().get(f"/shops/{slug}/reviews/?page=2", headers={"HX-Request": "true"}).content.decode()
    assert more.count('data-testid="review"') == 2 and "第0条" in more
    assert 'id="shop-reviews"' not in more and "more-reviews" not in more  # appended where the button was
    assert Client().get(f"/shops/{slug}/reviews/?page=x").status_code == 200  # a bad link: the first page
    page = selectors.reviews_of_shop(shop=card_product.shop, page=2, per_page=5)
    assert [r.review.text for r in page.rows] == [f"第{n}条" for n in (6, 5, 4, 3, 2)] and page.has_next
    assert len(api_client().get(f"/api/v1/reviews/shops/{slug}").json()) == 12
    assert api_client().get(f"/api/v1/reviews/shops/{slug}?page=2").json() == []
    assert_error(api_client().get(f"/api/v1/reviews/shops/{slug}?page=0"), 422)
