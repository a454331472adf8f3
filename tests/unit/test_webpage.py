"""The accessible web page: self-contained, readable without JavaScript, filterable with
it, and without serious or critical axe-core violations in a real Chromium."""

from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import ROOT, require
from tests.unit.report_frames import KENMERK, PERIOD, report_frame
from wijkopvolging.documents.overview import overview_items
from wijkopvolging.documents.webpage import write_webpage
from wijkopvolging.layout import SetLayout
from wijkopvolging.trend import Trend, trend_point

CHROMIUM = "/usr/bin/chromium"


def axe_path() -> Path:
    """axe-core as `make test` installs it from npm (see the Makefile's AXE)."""
    env = os.environ.get("WIJKOPVOLGING_AXE")
    if env:
        return Path(env)
    found = sorted(ROOT.glob(".node/axe-core-*/node_modules/axe-core/axe.min.js"))
    return found[-1] if found else ROOT / ".node" / "axe.min.js"


def trend_of(report):
    earlier = trend_point(report, PERIOD.previous())
    return Trend(period=PERIOD, points=(earlier, trend_point(report, PERIOD)))


@pytest.fixture
def page_path(tmp_path) -> Path:
    return write_webpage(report_frame(), PERIOD, path=SetLayout(tmp_path).webpage,
                         trend=trend_of(report_frame()), kenmerk=KENMERK)


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parsed(path: Path) -> list[tuple[str, dict]]:
    collector = Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector.tags


def test_page_is_dutch_self_contained_and_requests_nothing(page_path):
    tags = parsed(page_path)
    assert ("html", {"lang": "nl"}) in tags
    for tag, attrs in tags:
        for name in ("src", "href", "action"):
            value = attrs.get(name) or ""
            assert not re.match(r"^(https?:)?//", value), f"<{tag} {name}={value}>"
        assert tag not in ("img", "iframe", "link", "object", "embed")
    csp = next(a["content"] for t, a in tags if a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp


def test_page_has_landmarks_captions_and_column_headers(page_path):
    tags = parsed(page_path)
    names = [tag for tag, _ in tags]
    for landmark in ("header", "nav", "main", "footer"):
        assert landmark in names
    # the trend, then per kind and gebied one table, as in the Word overview
    assert names.count("caption") == 1 + 6
    headers = [a for t, a in tags if t == "th"]
    assert headers and all(a.get("scope") in ("col", "row") for a in headers)
    labels = {a["for"] for t, a in tags if t == "label"}
    selects = {a["id"] for t, a in tags if t == "select"}
    assert selects == labels == {"filter-gebied", "filter-wijk", "filter-wethouder",
                                 "filter-status"}


def test_page_lists_every_overview_row_and_says_the_status_in_words(page_path):
    html = page_path.read_text(encoding="utf-8")
    items = [i for kind in overview_items(report_frame()).values() for i in kind]
    assert html.count("<tr><td>") == len(items) == 10
    for item in items:
        assert f"<td>{item.onderwerp}</td>" in html
    assert html.count('<td class="verlopen">Open, termijn verlopen</td>') == 2
    assert "peildatum" in html.lower() and "31 oktober 2026" in html


def test_filters_are_hidden_without_javascript(page_path):
    tags = parsed(page_path)
    form = next(a for t, a in tags if t == "form")
    assert "hidden" in form  # the script shows it; without it the full table is the page


def test_same_input_gives_identical_bytes(page_path, tmp_path):
    again = write_webpage(report_frame(), PERIOD, path=tmp_path / "again.html",
                          trend=trend_of(report_frame()), kenmerk=KENMERK)
    assert again.read_bytes() == page_path.read_bytes()


def test_hostile_titles_are_escaped(tmp_path):
    report = report_frame()
    report.loc[0, "onderwerp"] = '<script>alert("x")</script> & co'
    path = write_webpage(report, PERIOD, path=tmp_path / "p.html", trend=trend_of(report),
                         kenmerk=KENMERK)
    html = path.read_text(encoding="utf-8")
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html


# --------------------------------------------------------------------------- browser


@pytest.fixture
def browser():
    require(Path(CHROMIUM).exists() or shutil.which("chromium") is not None,
            "Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Debian's Chromium, never a downloaded one (no `playwright install`).
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, path: Path, *, javascript: bool = True):
    context = browser.new_context(java_script_enabled=javascript, locale="nl-NL")
    requests: list[str] = []
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    return page, requests


@pytest.mark.browser
def test_axe_finds_no_serious_or_critical_violations(browser, page_path):
    axe = axe_path()
    require(axe.is_file(), f"axe-core is missing at {axe}; `make test` installs it with npm")
    page, requests = open_page(browser, page_path)
    # evaluate() runs outside the page's Content-Security-Policy.
    page.evaluate(axe.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == []
    assert result["passes"], "axe ran no rules"
    assert [url for url in requests if not url.startswith("file:")] == []


@pytest.mark.browser
def test_choosing_a_wijk_shows_only_its_rows(browser, page_path):
    page, _ = open_page(browser, page_path)
    assert page.locator(".groep tbody tr").count() == 10
    page.get_by_label("Wijk", exact=True).select_option("Tarwewijk")
    visible = page.locator(".groep:not([hidden]) tbody tr:not([hidden])")
    assert visible.count() == 1
    assert visible.first.locator("td").nth(1).inner_text() == "Tarwewijk"
    assert page.locator(".groep:not([hidden])").count() == 1  # Charlois, vragen
    assert page.locator("#aantal").inner_text() == "1 van 10 vragen en adviezen getoond"

    page.get_by_label("Wijk", exact=True).select_option("")
    page.get_by_label("Wethouder").select_option("Kasmi")
    page.get_by_label("Status").select_option("Open, termijn verlopen")
    assert page.locator(".groep:not([hidden]) tbody tr:not([hidden])").count() == 2
    page.get_by_role("button", name="Alle filters wissen").click()
    page.wait_for_function("document.querySelectorAll('.groep:not([hidden]) tbody "
                           "tr:not([hidden])').length === 10")
    page.get_by_label("Gebied").select_option("Noord")
    assert page.locator(".groep:not([hidden]) tbody tr:not([hidden])").count() == 2
    assert page.locator("#aantal").inner_text() == "2 van 10 vragen en adviezen getoond"


@pytest.mark.browser
def test_filters_are_reachable_by_keyboard(browser, page_path):
    page, _ = open_page(browser, page_path)
    page.keyboard.press("Tab")  # the skip link first
    assert page.evaluate("document.activeElement.textContent") == "Direct naar het overzicht"
    focused = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id"))
    assert {"filter-gebied", "filter-wijk", "filter-wethouder", "filter-status"} <= set(focused)


@pytest.mark.browser
def test_without_javascript_the_whole_table_shows_and_no_filters(browser, page_path):
    page, _ = open_page(browser, page_path, javascript=False)
    assert page.locator(".groep:not([hidden]) tbody tr:not([hidden])").count() == 10
    assert not page.locator("#filters").is_visible()
    assert page.get_by_text("Advies jongerenhub SPOT").count() == 1
