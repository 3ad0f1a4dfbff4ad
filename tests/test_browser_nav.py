"""Navigation as a reader meets it, in headless Chromium on the built demo book (issue 15, part 8):
the language link lands on the same page in the other language, previous/next on an Arabic page
stay Arabic, Arabic headings have readable anchors, and the archive lists every published week
and day."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright import sync_api as playwright

from helpers.book.sphinx_ext import language
from helpers.pipeline import runner

pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the screenshots go: the folder ``GOLDBOOK_SHOTS`` names (to be looked at), else a temporary one."""
    folder = os.environ.get("GOLDBOOK_SHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser(chromium):
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, offline=True)
    opened = context.new_page()
    yield opened
    context.close()


def docname(html: Path, url: str) -> str:
    """The page a ``file://`` URL shows, relative to the book, without ``.html``."""
    path = Path(url.split("#")[0].removeprefix("file://"))
    return path.relative_to(html).with_suffix("").as_posix()


def follow_language_link(page, html: Path, doc: str) -> str:
    page.goto((html / f"{doc}.html").as_uri())
    switch = page.locator("article .goldbook-lang-switch a.goldbook-lang-link")
    assert switch.count() == 1, f"{doc} has no link to its other language"
    switch.click()
    page.wait_for_load_state()
    return docname(html, page.url)


def test_language_link_lands_on_the_same_page_in_the_other_language(demo_book, page, shots):
    html = demo_book / "_build" / "html"
    month = runner.processed_months(demo_book)[-1]
    chapter = sorted((html / "reports" / month / "en").glob("*.html"))[1].stem   # the second chapter
    # an English chapter page: the Arabic page of the same period and notebook, and back
    there = follow_language_link(page, html, f"reports/{month}/en/{chapter}")
    assert there == f"reports/{month}/ar/{chapter}"
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("article .goldbook-lang-switch a").inner_text().strip() == "English"
    page.screenshot(path=str(shots / "nav_chapter_ar.png"))
    assert follow_language_link(page, html, there) == f"reports/{month}/en/{chapter}"
    # an Arabic generated page (the weekly archive) and the Arabic week it lists first
    assert follow_language_link(page, html, "ar/weekly") == "en/weekly"
    assert page.locator("article .goldbook-lang-switch a").inner_text().strip() == "العربية"
    week = runner.all_periods(demo_book)
    latest_week = [p for p in week if "-W" in p][-1]
    assert follow_language_link(page, html, f"reports/{latest_week}/ar/20_weekly") == \
        f"reports/{latest_week}/en/20_weekly"


def test_previous_and_next_of_arabic_pages_are_arabic(demo_book, page, shots):
    html = demo_book / "_build" / "html"
    checked = 0
    for doc in ("ar/months", "ar/weekly", "ar/daily", "ar/methods", "ar/audit"):
        page.goto((html / f"{doc}.html").as_uri())
        for side in ("left-prev", "right-next"):
            link = page.locator(f"footer .prev-next-area a.{side}")
            if link.count():
                target = (html / doc).parent / link.get_attribute("href")
                assert language(docname(html, target.resolve().as_uri())) == "ar", f"{doc}: {side} leaves Arabic"
                checked += 1
    assert checked >= 8, "too few previous/next links were checked"
    # the months page's previous page is no longer the English Audit page
    page.goto((html / "ar/months.html").as_uri())
    assert "Audit" not in page.locator("footer .prev-next-area").inner_text()
    page.screenshot(path=str(shots / "nav_months_ar.png"))


def test_arabic_headings_have_readable_anchors(demo_book, page):
    html = demo_book / "_build" / "html"
    month = runner.processed_months(demo_book)[-1]
    page.goto((html / "reports" / month / "ar" / "02_channels.html").as_uri())
    ids = page.locator("article section").evaluate_all("nodes => nodes.map(n => n.id)")
    assert ids and not [i for i in ids if re.fullmatch(r"id\d+", i)], ids
    assert any(re.search(r"[\u0600-\u06ff]", i) for i in ids)
    # the page's contents link to them, and the anchor takes the reader to its heading
    first = ids[1]
    assert page.locator(f'a[href="#{first}"]').count() >= 1
    page.goto((html / "reports" / month / "ar" / "02_channels.html").as_uri() + "#" + first)
    assert page.evaluate(f"document.getElementById({first!r}).getBoundingClientRect().top") < 768


def test_the_archive_lists_every_published_week_and_day(demo_book, page, shots):
    html = demo_book / "_build" / "html"
    periods = runner.all_periods(demo_book)
    weeks = [p for p in periods if "-W" in p]
    days = [p for p in periods if p.count("-") == 2]
    assert len(weeks) > 1 and len(days) > 1, "the demo's archive should hold several weeks and days"
    for lang in ("en", "ar"):
        for archive, labels, notebook in (("weekly", weeks, "20_weekly"), ("daily", days, "10_daily")):
            page.goto((html / lang / f"{archive}.html").as_uri())
            hrefs = page.locator("article a.reference.internal").evaluate_all(
                "nodes => nodes.map(n => n.getAttribute('href'))")
            listed = sorted({h.split("/")[2] for h in hrefs if h.startswith("../reports/") and notebook in h})
            assert listed == sorted(labels), (lang, archive)
            # grouped by month, newest first: one heading per month
            assert page.locator("article section section h2").count() >= 1
    page.goto((html / "ar" / "daily.html").as_uri())
    page.screenshot(path=str(shots / "nav_daily_archive_ar.png"), full_page=True)
