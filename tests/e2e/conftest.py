"""Real-browser harness: Playwright's sync API driving Debian's Chromium against pytest-django's
live server.

Playwright cannot download its own browsers here, so we launch /usr/bin/chromium. Without it the
browser tests are skipped, unless KAMENG_REQUIRE_BROWSER=1 (CI), where a missing browser fails.
Each test gets a fresh browser context (own cookies, Chinese Accept-Language) and a `shot(step)`
helper that saves a full-page screenshot to test-artifacts/<test>/<n>-<step>.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in the main thread; Django would then refuse ORM
# calls from the test body. The loop never runs our database code, so the check is a false alarm.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# Debian's Chromium; KAMENG_CHROMIUM points elsewhere (e.g. to check the skip/fail rule below).
CHROMIUM = Path(os.environ.get("KAMENG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 15_000


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text)


def _browser_required() -> bool:
    return os.environ.get("KAMENG_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found (Debian package `chromium`)"
        if _browser_required():
            pytest.fail(f"KAMENG_REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def site(live_server, transactional_db) -> str:
    """Base URL of the live server, without a trailing slash."""
    return live_server.url.rstrip("/")


@pytest.fixture
def page(browser, site):
    context = browser.new_context(
        base_url=site,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def shot(page, request):
    """shot("step-name") saves a full-page screenshot of the current page and returns its path."""
    folder = ARTIFACTS / _safe_name(request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    counter = iter(range(1, 1000))

    def take(step: str) -> Path:
        path = folder / f"{next(counter):02d}-{_safe_name(step)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def log_in(page):
    """log_in(user) fills the login form as a person would and waits to leave the login page."""
    from tests.factories import PASSWORD

    def do(user, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("form[action='/accounts/login/'] button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return do
