"""core/_chart.html and its kept chart files (docs/charts.md): safe JSON, a readable table, and a
chart that Chromium really draws, also when htmx brings it in later."""

from __future__ import annotations

import hashlib
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

STATIC = Path(__file__).resolve().parents[1] / "static" / "kameng"
UPLOT_JS = "uPlot-1.6.32.iife.min.js"
UPLOT_JS_SHA256 = "19c8d4c6ad88929a79f4ae49d6f7161566dfd0ba3d15cc495e974f787eb78f1f"  # as in docs/charts.md
KEPT_FILES = [UPLOT_JS, "uPlot-1.6.32.min.css", "uPlot-1.6.32.LICENSE.txt", "charts.js", "charts.css"]
EVIL = "</script><script>alert(1)</script>"
DAYS = ["2026-12-01", "2026-12-02", "2026-12-03"]


def _context(**extra):
    return {
        "chart_id": "chart-orders",
        "title": "订单与收入",
        "labels": DAYS,
        "series": [
            {"label": "订单数", "values": [0, 12, None], "unit": "单"},
            {"label": "收入", "values": [Decimal("1234.50"), Decimal("88.00"), Decimal("7.25")], "unit": "元"},
            {"label": "售后率", "values": [1.5, None, 37.25], "unit": "%"},
        ],
        "date_label": "日期",
        "table_label": "查看数据表",
        **extra,
    }


class _Page(HTMLParser):
    """Script bodies, table rows (cell texts) and tag counts of a rendered fragment."""

    def __init__(self):
        super().__init__()
        self.scripts: dict[str, str] = {}
        self.rows: list[list[str]] = []
        self.tags: dict[str, int] = {}
        self._script: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        attrs = dict(attrs)
        if tag == "script":
            assert attrs.get("type") == "application/json"
            self._script = attrs["id"]
            self.scripts[self._script] = ""
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._script is not None:
            self.scripts[self._script] += data
        elif self._cell is not None:
            self._cell.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def test_the_figure_carries_its_data_as_json():
    html = render_to_string("core/_chart.html", _context())
    assert re.search(r'<figure class="chart" id="chart-orders" data-chart="line">', html)
    assert "<figcaption" in html and "订单与收入" in html
    page = _parse(html)
    assert json.loads(page.scripts["chart-orders-labels"]) == DAYS
    series = json.loads(page.scripts["chart-orders-series"])
    assert [s["label"] for s in series] == ["订单数", "收入", "售后率"]
    assert series[0]["values"] == [0, 12, None]
    assert series[1]["values"] == ["1234.50", "88.00", "7.25"]  # Decimal as text: charts.js reads it as a number
    assert series[2]["unit"] == "%"


def test_a_hostile_label_never_leaves_its_script_block():
    context = _context(title=EVIL)
    context["series"][0]["label"] = EVIL
    context["labels"] = [*DAYS[:2], EVIL]
    html = render_to_string("core/_chart.html", context)
    assert "<script>" not in html
    assert "alert(1)</script>" not in html
    page = _parse(html)
    assert page.tags["script"] == 2  # the two JSON blocks, nothing injected
    assert json.loads(page.scripts["chart-orders-series"])[0]["label"] == EVIL
    assert json.loads(page.scripts["chart-orders-labels"])[2] == EVIL
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html  # caption and table show it as text


def test_the_table_holds_the_same_numbers():
    page = _parse(render_to_string("core/_chart.html", _context()))
    assert page.rows[0] == ["日期", "订单数 (单)", "收入 (元)", "售后率 (%)"]
    assert page.rows[1:] == [
        ["2026-12-01", "0", "1234.50", "1.5"],
        ["2026-12-02", "12", "88.00", "—"],
        ["2026-12-03", "—", "7.25", "37.25"],
    ]


def test_without_optional_words_the_partial_still_renders():
    context = _context()
    del context["date_label"], context["table_label"]
    context["series"] = [{"label": "订单数", "values": [1, 2], "unit": ""}]  # shorter than labels
    html = render_to_string("core/_chart.html", context)
    assert "<summary>" not in html  # the browser's own "Details" toggle
    page = _parse(html)
    assert page.rows[0] == ["", "订单数"]
    assert page.rows[3] == ["2026-12-03", ""]
    assert '<details class="chart-data" open>' in html  # no script: the numbers are in view


@pytest.mark.parametrize("name", KEPT_FILES)
def test_the_kept_files_are_there_and_served_as_static(name):
    path = STATIC / name
    assert path.stat().st_size > 0
    assert finders.find(f"kameng/{name}") == str(path)


def test_the_vendored_build_is_the_recorded_one():
    assert hashlib.sha256((STATIC / UPLOT_JS).read_bytes()).hexdigest() == UPLOT_JS_SHA256
    assert "MIT License" in (STATIC / "uPlot-1.6.32.LICENSE.txt").read_text()
    css = (STATIC / "charts.css").read_text()
    imported = re.findall(r'@import url\("([^"]+)"\)', css)
    assert imported == ["uPlot-1.6.32.min.css"]


def test_nothing_loads_from_elsewhere():
    template = Path(__file__).resolve().parents[1] / "templates" / "core" / "_chart.html"
    for path in (STATIC / "charts.js", STATIC / "charts.css", template):
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", path.read_text()), path


# --- In a real browser ------------------------------------------------------------------------

CHROMIUM = Path(os.environ.get("KAMENG_CHROMIUM", "/usr/bin/chromium"))


def _browser_required() -> bool:
    return os.environ.get("KAMENG_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.mark.browser
def test_chromium_draws_charts_with_gaps_and_ones_htmx_inserts_later(tmp_path):
    if not CHROMIUM.exists():
        if _browser_required():
            pytest.fail(f"KAMENG_REQUIRE_BROWSER=1 but {CHROMIUM} not found", pytrace=False)
        pytest.skip(f"{CHROMIUM} not found (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    first = render_to_string("core/_chart.html", _context())
    later = render_to_string(
        "core/_chart.html",
        {"chart_id": "chart-empty", "title": EVIL, "labels": DAYS, "series": [{"label": EVIL, "values": [None] * 3}]},
    )
    base = STATIC.as_uri()
    (tmp_path / "page.html").write_text(
        f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<link rel="stylesheet" href="{base}/charts.css">
<script src="{base}/htmx-2.0.11.min.js" defer></script>
<script src="{base}/{UPLOT_JS}" defer></script>
<script src="{base}/charts.js" defer></script>
</head><body><div id="now">{first}</div><div id="later"></div>
<template id="later-html">{later}</template></body></html>""",
        encoding="utf-8",
    )
    problems: list[str] = []

    def drive() -> None:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page(viewport={"width": 900, "height": 800})
                page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.on("dialog", lambda d: (problems.append("dialog: " + d.message), d.dismiss()))
                page.goto((tmp_path / "page.html").as_uri())
                page.wait_for_selector("#chart-orders.chart-drawn canvas")
                assert page.locator("#chart-orders details").evaluate("d => d.open") is False
                page.evaluate(
                    "htmx.swap('#later', document.getElementById('later-html').innerHTML, {swapStyle: 'innerHTML'})"
                )
                page.wait_for_selector("#chart-empty.chart-drawn canvas")
                legend = page.locator("#chart-orders .u-legend").inner_text()
                assert "订单数" in legend and "7.25元" in legend  # the last day, away from the cursor
                page.set_viewport_size({"width": 420, "height": 800})
                page.wait_for_function("document.querySelector('#chart-orders canvas').clientWidth < 420")
                page.evaluate("htmx.swap('#later', '<p>gone</p>', {swapStyle: 'innerHTML'})")
                page.wait_for_timeout(100)
            finally:
                browser.close()

    # In a thread of its own: the e2e tests' session browser keeps an asyncio loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(drive).result()
    assert problems == []
