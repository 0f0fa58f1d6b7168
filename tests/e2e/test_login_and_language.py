"""Proves the browser harness on pages that exist from the first commit: the login page in
Chinese by default, a wrong password, the language switch, and a good login."""

from __future__ import annotations

import pytest

from kameng.accounts.models import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser]


def test_buyer_sees_chinese_login_fails_once_switches_to_english_and_logs_in(page, shot, site):
    buyer = UserFactory(role=Role.BUYER, username="xiaoming")

    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("main h1").inner_text() == "登录"
    assert page.title().endswith("卡盟")
    shot("login-zh")

    page.fill("input[name=username]", buyer.username)
    page.fill("input[name=password]", "not-the-password")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    error = page.locator("main [role=alert]")
    assert error.get_attribute("data-code") == "auth.invalid_credentials"
    assert error.inner_text() == "用户名或密码错误。"
    shot("wrong-password-zh")

    # The switch posts and redirects back to the same URL: wait for the navigation itself.
    with page.expect_navigation():
        page.click("form.lang-switch button[value=en]")
    assert page.url.startswith(f"{site}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("main h1").inner_text() == "Log in"
    assert page.locator("form.lang-switch button").inner_text() == "中文"
    shot("login-en")

    page.fill("input[name=username]", buyer.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert page.url == f"{site}/"
    assert page.locator("header nav").get_by_text("Log out").is_visible()
    shot("home-logged-in-en")
