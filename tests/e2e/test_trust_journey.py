"""Issue 10 in a real browser, on the demo data: a new visitor signs up (human check, e-mailed
confirmation), tops up, compares the gold shop's trust card with a warned shop's, searches gold
shops only, buys from the gold one, confirms and reviews it; the review shows on the shop page. A
second newcomer applies to open a shop with a document and the deposit, an operator approves, and
the new merchant lists a product."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from kameng.accounts.models import Role, User
from kameng.catalog.models import Product
from kameng.ledger.models import AccountKind
from kameng.ledger.selectors import balance_of
from kameng.onboarding.models import ShopApplication
from kameng.reputation.models import Review
from kameng.shops.models import Shop

pytestmark = [pytest.mark.browser]

DEMO_PASSWORD = "kameng-demo-2026"
ZH_DIGITS = "零一二三四五六七八九十"


def _answer(question: str) -> str:
    """五加七等于几？ → 12: what a person reads, worked out."""
    a, b = re.search(r"([一二三四五六七八九十])加([一二三四五六七八九十])", question).groups()
    return str(ZH_DIGITS.index(a) + ZH_DIGITS.index(b))


def _log_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _top_up(page, yuan: str) -> None:
    page.goto("/wallet/")
    page.fill("[data-testid=topup-amount]", yuan)
    page.click("[data-testid=topup-submit]")
    page.wait_for_url(re.compile(r"/sandbox-gateway/checkout/"))
    page.click("[data-testid=sandbox-pay]")
    page.locator("[data-testid=payment-credited]").wait_for(timeout=20_000)


def test_a_visitor_signs_up_buys_and_reviews_and_a_newcomer_opens_a_shop(page, shot, site, settings, tmp_path):
    settings.SITE_URL = site
    settings.KAMENG_SIGNUP_MIN_SECONDS = 0
    call_command("demo", no_serve=True)
    shop = Shop.objects.get(name="星辰数卡")
    product = Product.objects.get(title_zh__startswith="网易一卡通")

    # 1. Sign up: the question is read and answered; the account waits for its e-mail link.
    page.goto("/")
    page.click("[data-testid=signup-link]")
    page.fill("input[name=username]", "xiaoming")
    page.fill("input[name=email]", "xiaoming@example.com")
    page.fill("input[name=password]", "Qiu-shui-2026!")
    question = page.locator("label:has([data-testid=human-check])").inner_text()
    page.fill("[data-testid=human-check]", _answer(question))
    shot("signup")
    page.click("form:has([data-testid=human-check]) button[type=submit]")
    page.wait_for_load_state()
    link = re.search(r"https?://\S+/accounts/verify/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link[link.index("/accounts/") :])
    page.click("[data-testid=confirm-email]")
    page.wait_for_load_state()
    assert User.objects.get(username="xiaoming").is_active

    # 2. Compare two shops' trust cards: the gold one and the warned one.
    _top_up(page, "100")
    page.goto(f"/shops/{shop.slug}/")
    page.locator("[data-testid=shop-reviews] [data-testid=review]").first.wait_for()  # reviews load on the page
    card = page.locator("[data-testid=trust-card]")
    assert card.locator("[data-testid=gold]").count() == 1 and "★ 4.8" in card.inner_text()
    shot("shop-gold")
    page.goto(f"/shops/{Shop.objects.get(name='速发卡铺').slug}/")
    card = page.locator("[data-testid=trust-card]")
    assert card.locator("[data-testid=gold]").count() == 0 and "暂无评价" in card.inner_text()
    shot("shop-warned")

    # 3. Search for gold shops only, and buy from the gold shop.
    page.goto("/products/")
    page.check("[data-testid=trust-filters] input[name=gold]")
    page.click("[data-testid=trust-filters] button[type=submit]")
    page.wait_for_url(re.compile(r"gold=1"))
    cards = page.locator(".product-card")
    cards.first.wait_for()
    assert cards.count() == Product.objects.filter(shop=shop, published=True).count()
    assert all("星辰数卡" in text and "金牌商家" in text for text in cards.all_inner_texts())
    shot("gold-only")
    cards.filter(has_text=product.title_zh).click()
    page.wait_for_url(re.compile(rf"/products/{product.pk}/$"))
    page.click("[data-testid=buy-now]")
    page.wait_for_url(re.compile(r"/orders/new/"))
    if page.locator("[data-testid=accept-terms]").count():  # the shop wrote terms: read and confirmed
        page.check("[data-testid=accept-terms]")
    page.click("[data-testid=place-order]")
    page.wait_for_url(re.compile(r"/orders/\d+/$"))
    page.click("[data-testid=confirm-receipt]")
    page.wait_for_load_state()

    # 4. Review it from the order page.
    form = page.locator("[data-testid=review-form]")
    form.wait_for()
    form.locator("input[name=stars_service][value='4']").check()
    form.locator("input[name=tags][value=key_valid]").check()
    form.locator("textarea[name=text]").fill("到账很快，卡密能用。")
    shot("review-form")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    review = Review.objects.get(buyer__username="xiaoming")
    assert (review.stars_described, review.stars_service, review.tags) == (5, 4, ["key_valid"])
    page.goto(f"/shops/{shop.slug}/")
    page.locator("[data-testid=shop-reviews] >> text=到账很快，卡密能用。").wait_for()
    shot("shop-with-review")

    # 5. A newcomer (who has bought nothing) applies to open a shop.
    page.context.clear_cookies()
    newcomer = User.objects.create_user(username="laowang", password="Lao-wang-2026!", role=Role.BUYER)
    _log_in(page, "laowang", "Lao-wang-2026!")
    _top_up(page, "600")
    page.click("[data-testid=apply-link]")
    licence = Path(tmp_path) / "licence.png"
    from PIL import Image

    Image.new("RGB", (320, 200), (230, 235, 250)).save(licence)
    form = page.locator("[data-testid=apply-form]")
    form.locator("input[name=shop_name]").fill("老王点卡")
    form.locator("textarea[name=description]").fill("网易一卡通与 Q 币，自动发货。")
    form.locator("input[name=contact]").fill("QQ 20001")
    form.locator("input[name=business]").set_input_files(str(licence))
    shot("apply-form")
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=application-status][data-state=submitted]").wait_for()
    shot("applied")
    application = ShopApplication.objects.get(applicant=newcomer)
    assert balance_of(kind=AccountKind.APPLICATION_DEPOSIT, owner_id=application.pk) == 50_000

    # 6. The operator approves it from the queue.
    page.context.clear_cookies()
    _log_in(page, "operator")
    page.goto("/operator/applications/")
    page.click("text=老王点卡")
    page.locator("[data-testid=application-documents] a").first.wait_for()
    shot("operator-review")
    page.click("[data-testid=decision-form] button[value=approve]")
    page.wait_for_load_state()
    new_shop = Shop.objects.get(owner=newcomer)
    assert new_shop.slug == "laowangdianka"
    assert balance_of(kind=AccountKind.MERCHANT_DEPOSIT, owner_id=new_shop.pk) == 50_000

    # 7. The new merchant lists a product.
    page.context.clear_cookies()
    _log_in(page, "laowang", "Lao-wang-2026!")
    page.goto("/console/products/new/")
    page.fill("input[name=title_zh]", "网易一卡通 30元")
    page.select_option("select[name=delivery_kind]", "manual")
    page.fill("input[name=face_value_fen]", "30")
    page.fill("input[name=price_fen]", "29.50")
    page.click("form[novalidate] button[type=submit]")
    page.wait_for_load_state()
    shot("product-saved")
    page.goto("/console/products/")
    page.locator("[data-testid=product-row] button.btn-primary").first.click()
    page.wait_for_load_state()
    shot("merchant-products")
    assert Product.objects.get(shop=new_shop).published
    call_command("ledger", "check")
    call_command("timeline", "verify")
