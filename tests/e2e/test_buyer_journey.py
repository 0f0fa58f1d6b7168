"""The main journey, in a real browser on the demo data: a buyer tops up through the sandbox
gateway (whose signed notification reaches our callback over HTTP), buys a card key, sees it and
confirms receipt; the merchant's balance then shows the settlement. Afterwards the books and every
hash chain still verify."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from kameng.catalog.models import Product
from kameng.inventory.models import CardKey
from kameng.ledger.selectors import balance_of
from kameng.orders.models import Order, OrderState
from kameng.shops.models import Shop

pytestmark = [pytest.mark.browser]

DEMO_PASSWORD = "kameng-demo-2026"


def _yuan(text: str) -> int:
    """'¥1,234.50' → 123450 fen."""
    digits = re.sub(r"[^\d.]", "", text)
    yuan, _, fen = digits.partition(".")
    return int(yuan) * 100 + int((fen + "00")[:2])


def _log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_buyer_tops_up_buys_a_card_key_sees_it_confirms_and_the_merchant_is_paid(page, shot, site, settings):
    settings.SITE_URL = site  # the sandbox gateway notifies this address
    call_command("demo", no_serve=True)
    shop = Shop.objects.get(name="星辰数卡")
    product = Product.objects.get(title_zh__startswith="腾讯Q币")
    merchant_before = balance_of(kind="merchant_available", owner_id=shop.pk)

    # 1. The buyer tops up ¥100 through the sandbox gateway.
    _log_in(page, "buyer")
    page.goto("/wallet/")
    before = _yuan(page.locator("[data-testid=wallet-balance]").inner_text())
    page.fill("[data-testid=topup-amount]", "100")
    shot("wallet-topup")
    page.click("[data-testid=topup-submit]")
    page.wait_for_url(re.compile(r"/sandbox-gateway/checkout/"))
    shot("sandbox-gateway")
    assert _yuan(page.locator("[data-testid=sandbox-amount]").inner_text()) == 10_000
    page.click("[data-testid=sandbox-pay]")
    page.locator("[data-testid=payment-credited]").wait_for(timeout=20_000)
    page.goto("/wallet/")
    shot("wallet-credited")
    assert _yuan(page.locator("[data-testid=wallet-balance]").inner_text()) == before + 10_000

    # 2. From the product page to checkout to the order page.
    page.goto(f"/products/{product.pk}/")
    shot("product")
    page.click("[data-testid=buy-now]")
    page.wait_for_url(re.compile(r"/orders/new/"))
    shot("checkout")
    if page.locator("[data-testid=accept-terms]").count():  # the shop wrote terms: read and confirmed
        page.check("[data-testid=accept-terms]")
    page.click("[data-testid=place-order]")
    page.wait_for_url(re.compile(r"/orders/\d+/$"))
    order = Order.objects.filter(buyer__username="buyer", product=product).latest("pk")
    assert order.state == OrderState.DELIVERED

    # 3. The buyer reveals the key: the page shows exactly the code that was sold to them.
    key_id = order.batches.get().keys.get().pk
    page.click(f"[data-testid=reveal-{key_id}]")
    shown = page.locator("[data-testid=key-code]").first
    shown.wait_for()
    shot("key-revealed")
    card_key = CardKey.objects.get(pk=order.batches.get().keys.get().card_key_id)
    assert card_key.sold_to.username == "buyer"
    assert card_key.first_revealed_at is not None
    assert len(shown.inner_text().strip()) >= 10
    assert shown.inner_text().strip() not in page.locator("body").inner_text().replace(shown.inner_text(), "", 1)

    # 4. Confirm receipt: escrow settles to the merchant, minus the platform's 3 %.
    page.click("[data-testid=confirm-receipt]")
    page.wait_for_load_state()
    shot("confirmed")
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED
    settled = order.total_fen - order.total_fen * 300 // 10_000

    # 5. The merchant sees it in their balance.
    page.context.clear_cookies()
    _log_in(page, "xingchen")
    page.goto("/console/balance/")
    shot("merchant-balance")
    shown_balance = _yuan(page.locator("[data-testid=available-balance]").inner_text())
    assert shown_balance == merchant_before + settled

    # 6. The books and every hash chain still hold.
    call_command("ledger", "check")
    call_command("timeline", "verify")
