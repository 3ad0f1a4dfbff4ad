"""A chapter page printed by headless Chromium (book_assets/print.css), in both languages: only the
article reaches the paper, its title included, and a long table folded in a closed <details> stays
folded (its rows are in the CSV)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from pypdf import PdfReader

pytestmark = pytest.mark.e2e

# Everything around the article: none of it may be printed.
AROUND = [".bd-header", ".bd-sidebar-primary", ".bd-sidebar-secondary", ".bd-header-article",
          ".prev-next-footer", ".bd-footer", "#jb-print-docs-body"]


def _chapter(demo_book: Path, lang: str) -> Path:
    pages = sorted((demo_book / "_build" / "html" / "reports").glob(f"*/{lang}/03_satisfaction.html"))
    assert pages, f"no {lang} satisfaction chapter in the demo book"
    return pages[-1]


def _print(page, path: Path, *, open_details: bool = False) -> int:
    """Print the loaded page to an A4 PDF at ``path``; its number of pages."""
    if open_details:
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.pdf(path=str(path), format="A4")
    return len(PdfReader(str(path)).pages)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode("utf-8")


@pytest.fixture(scope="module")
def browser(chromium):
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_only_the_article_is_printed(browser, demo_book, tmp_path, lang):
    page = browser.new_page()
    page.goto(_chapter(demo_book, lang).as_uri(), wait_until="load")
    on_screen = [s for s in AROUND if page.locator(s).count() and page.locator(s).first.is_visible()]
    assert {".bd-header", ".bd-sidebar-primary"} <= set(on_screen)     # there is something to hide
    page.emulate_media(media="print")
    printed = [s for s in AROUND if page.locator(s).count() and page.locator(s).first.is_visible()]
    assert printed == [], f"printed around the article: {printed}"
    title = page.locator("article.bd-article h1").first
    assert title.is_visible()                   # the theme hides it in print; print.css brings it back
    article_box, page_width = page.locator("article.bd-article").bounding_box(), page.viewport_size["width"]
    assert article_box["width"] > 0.9 * page_width                     # full width, no sidebar column
    pages = _print(page, tmp_path / f"chapter_{lang}.pdf")
    assert pages >= 1
    if lang == "en":                            # pdftotext reads English reliably; Arabic glyphs not always
        text = _pdf_text(tmp_path / "chapter_en.pdf")
        assert title.inner_text().strip() in " ".join(text.split())
        page.emulate_media(media="screen")
        sidebar = page.locator(".bd-sidebar-primary").inner_text()
        article = page.locator("article.bd-article").inner_text()
        only_sidebar = {line.strip() for line in sidebar.splitlines()
                        if len(line.strip()) > 3 and line.strip() not in article}
        assert only_sidebar, "the sidebar has no text of its own to look for"
        leaked = sorted(line for line in only_sidebar if line in text)
        assert not leaked, f"sidebar text in the printed chapter: {leaked}"
    page.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_folded_table_stays_folded_on_paper(browser, demo_book, tmp_path, lang):
    page = browser.new_page()
    page.goto(_chapter(demo_book, lang).as_uri(), wait_until="load")
    folded = page.locator("details.goldbook-collapsed")
    assert folded.count() >= 1, "the demo's satisfaction chapter has a table of more than 15 rows (every change tested)"
    closed = _print(page, tmp_path / "closed.pdf")
    opened = _print(page, tmp_path / "opened.pdf", open_details=True)
    assert opened > closed                      # the folded rows would take paper; closed, they take none
    if lang == "en":
        summary = folded.first.locator("summary").inner_text().strip()
        assert summary.startswith("Show all ") and summary in " ".join(_pdf_text(tmp_path / "closed.pdf").split())
    page.close()
