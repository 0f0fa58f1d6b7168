"""A merchant logs in, pastes card keys into the inventory console and reads the import report."""

from __future__ import annotations

import re

import pytest

from kameng.catalog.models import DeliveryKind, Product
from kameng.inventory import crypto
from kameng.inventory.models import CardKey, CardKeyStatus
from tests.factories import ProductFactory, ShopFactory

pytestmark = [pytest.mark.browser]

# Four good keys (plain, `code,password`, `code----password`, leading zeros kept), one line repeated
# inside the paste, one line with a password but no code, blank lines and Windows line ends.
PASTE = "\r\n".join(
    [
        "QB100-0001-AAAA",
        "QB100-0002-BBBB,pw2222",
        "",
        "QB100-0003-CCCC----pw3333",
        "QB100-0001-AAAA",
        ",password-without-code",
        "000712345678",
        "",
    ]
)


def _number(page, testid: str) -> int:
    text = page.locator(f"[data-testid=import-report] [data-testid={testid}]").inner_text()
    found = re.search(r"\d+", text)
    assert found, f"{testid} shows no number: {text!r}"
    return int(found.group())


def test_merchant_pastes_keys_and_sees_the_import_report(page, shot, log_in):
    shop = ShopFactory(name="星辰点卡")
    product = ProductFactory(shop=shop, title_zh="腾讯Q币100元卡", delivery_kind=DeliveryKind.CARD_KEY)
    ProductFactory(shop=shop, title_zh="王者荣耀点券", delivery_kind=DeliveryKind.CARD_KEY)

    log_in(shop.owner)
    shot("logged-in")

    page.goto("/console/inventory/")
    shot("inventory-console")
    page.select_option("select[name=product]", value=str(product.pk))
    page.fill("textarea[name=text]", PASTE)
    shot("keys-pasted")
    page.click("[data-testid=import-submit]")

    page.locator("[data-testid=import-report]").wait_for(state="visible")
    shot("import-report")
    assert _number(page, "accepted-count") == 4
    assert _number(page, "duplicate-in-file-count") == 1
    assert _number(page, "malformed-count") == 1

    keys = CardKey.objects.filter(product=product)
    assert set(keys.values_list("status", flat=True)) == {CardKeyStatus.AVAILABLE}
    expected = {"QB100-0001-AAAA", "QB100-0002-BBBB", "QB100-0003-CCCC", "000712345678"}
    assert set(keys.values_list("fingerprint", flat=True)) == {crypto.fingerprint(code) for code in expected}
    stored = {crypto.decrypt(key_id=k.key_id, blob=k.ciphertext, fingerprint=k.fingerprint) for k in keys}
    assert stored == {
        ("QB100-0001-AAAA", None),
        ("QB100-0002-BBBB", "pw2222"),
        ("QB100-0003-CCCC", "pw3333"),
        ("000712345678", None),
    }
    assert Product.objects.get(pk=product.pk).stock_available == 4


def test_after_an_import_the_form_is_cleared_and_the_stock_shown_is_current(page, log_in):
    shop = ShopFactory(name="小鹿游戏")
    product = ProductFactory(shop=shop, title_zh="Steam钱包50元", delivery_kind=DeliveryKind.CARD_KEY)
    log_in(shop.owner)
    page.goto("/console/inventory/")
    page.select_option("select[name=product]", value=str(product.pk))
    page.fill("textarea[name=text]", "STEAM-0001\nSTEAM-0002\nSTEAM-0003")
    page.click("[data-testid=import-submit]")
    page.locator("[data-testid=import-report]").wait_for(state="visible")
    assert page.input_value("textarea[name=text]") == ""  # a second click cannot re-send the codes
    option = page.locator(f"select[name=product] option[value='{product.pk}']")
    assert "3" in option.inner_text()
    assert page.input_value("select[name=product]") == str(product.pk)
