"""The after-sales journey in a real browser, on the demo data: a buyer whose card key does not
work opens a case (after the self-check article) with a screenshot, the merchant refuses, the buyer
asks the platform to step in, the evidence window passes, a support agent takes the case and rules
a full refund citing a rulebook clause, and the buyer finds the money back in the wallet. The books
and every hash chain verify afterwards."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from kameng.aftersales import services as aftersales
from kameng.aftersales.models import Case, CaseState
from kameng.catalog.models import Product
from kameng.ledger.selectors import balance_of
from kameng.orders.services import place_order

pytestmark = [pytest.mark.browser]

DEMO_PASSWORD = "kameng-demo-2026"


def _yuan(text: str) -> int:
    digits = re.sub(r"[^\d.]", "", text)
    yuan, _, fen = digits.partition(".")
    return int(yuan) * 100 + int((fen + "00")[:2])


def _log_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_buyer_opens_case_merchant_refuses_platform_rules_and_buyer_is_refunded(page, shot, tmp_path):
    call_command("demo", no_serve=True)
    product = Product.objects.get(title_zh__startswith="网易一卡通")
    from kameng.accounts.models import User

    buyer = User.objects.get(username="buyer")
    order = place_order(
        buyer=buyer, product_id=product.pk, quantity=1, buyer_fields=None, idempotency_key="e2e-after-sales"
    ).order
    key_id = order.batches.get().keys.get().pk

    # 1. The buyer reveals the key (it "does not work"), then opens a case from the order page.
    _log_in(page, "buyer")
    page.goto(f"/orders/{order.pk}/")
    page.click(f"[data-testid=reveal-{key_id}]")
    page.locator("[data-testid=key-code]").first.wait_for()
    screenshot = tmp_path / "error-screen.png"
    page.screenshot(path=str(screenshot))  # the buyer's "screenshot of the error"
    wallet_before = balance_of(kind="buyer_wallet", owner_id=buyer.pk)
    page.click("[data-testid=open-case]")
    page.click("[data-testid=family-product]")
    page.click("[data-testid=subtype-invalid_key]")
    page.locator("[data-testid=self-check]").wait_for()
    shot("self-check-offered")
    page.click("[data-testid=checked-continue]")
    form = page.locator("[data-testid=open-case-form]")
    form.locator(f"input[name=order_key_ids][value='{key_id}']").check()
    form.locator("input[name=demand][value=full_refund]").check()
    form.locator("textarea[name=description]").fill("充值时提示“卡密无效”，客服说没有问题。截图在附件里。")
    form.locator("input[name=files]").set_input_files(str(screenshot))
    shot("open-case-form")
    page.click("[data-testid=submit-case]")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(order=order)
    assert case.state == CaseState.MERCHANT
    assert page.locator("[data-testid=facts]").is_visible()
    assert page.locator("[data-testid=thumb]").count() == 1  # the screenshot, shown to its case only
    shot("case-opened")

    # 2. The merchant refuses, with reasons.
    _log_in(page, "xingchen")
    page.goto("/merchant/cases/")
    page.locator(f"[data-testid=case-row] a[href='/cases/{case.pk}/']").click()
    page.locator("[data-testid=act-refuse]").wait_for()
    page.locator("form:has([data-testid=act-refuse]) input[name=text]").fill("卡密出库前已校验有效，买家已查看过卡密。")
    shot("merchant-refuses")
    page.click("[data-testid=act-refuse]")
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == CaseState.NO_AGREEMENT

    # 3. The buyer asks the platform to step in.
    _log_in(page, "buyer")
    page.goto(f"/cases/{case.pk}/")
    page.click("[data-testid=act-escalate]")
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == CaseState.EVIDENCE
    shot("platform-intervening")

    # 4. The evidence window passes (the sweep moves the deadline, as `kameng sweep` would).
    aftersales.sweep(now=timezone.now() + timedelta(hours=25))
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW

    # 5. A support agent takes it from the workbench and rules a full refund, citing a clause.
    _log_in(page, "agent")
    page.goto("/agent/cases/")
    page.locator(f"[data-testid=case-row] a[href='/cases/{case.pk}/']").click()
    page.click("[data-testid=act-take]")
    page.wait_for_load_state()
    ruling = page.locator("[data-testid=ruling-form]")
    ruling.locator("select[name=remedy]").select_option("full_refund")
    ruling.locator("select[name=responsible]").select_option("merchant")
    ruling.locator("select[name=clause]").select_option("5.1")
    ruling.locator("textarea[name=text]").fill("平台记录显示该卡密导入批次已被其他买家反馈无效，依据第5.1条全额退款。")
    page.click("[data-testid=preview-ruling]")
    page.locator("[data-testid=ruling-preview]").filter(has_text="¥").wait_for()
    shot("ruling-preview")
    page.click("[data-testid=act-rule]")
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == CaseState.RULED
    assert case.rulings.get().clause == "5.1"
    shot("ruled")

    # 6. The buyer sees the refund in the wallet.
    _log_in(page, "buyer")
    page.goto("/wallet/")
    shot("wallet-refunded")
    shown = _yuan(page.locator("[data-testid=wallet-balance]").inner_text())
    assert shown == wallet_before + order.total_fen

    call_command("ledger", "check")
    call_command("timeline", "verify")
