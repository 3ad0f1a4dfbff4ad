"""The landing pages as leadership sees them: headless Chromium at 1366x768 (issue 15, section 8).

The headline sentence and every tile must lie inside the first screen, with no horizontal scroll,
on ``index.html`` (English) and ``ar/index.html`` (Arabic, right to left). The screenshots go to the
folder named by ``GOLDBOOK_SHOTS`` when it is set (to be looked at and quoted), else to a temporary
folder. Needs Debian's chromium (the ``chromium`` fixture skips or fails where it is absent) and
Playwright.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright import sync_api

pytestmark = [pytest.mark.e2e]

WIDTH, HEIGHT = 1366, 768
BOXES = """() => [...document.querySelectorAll('.gb-landing .gb-headline, .gb-landing .gb-tile')].map(e => {
    const r = e.getBoundingClientRect();
    return {cls: e.className, text: e.textContent.trim(), left: r.left, top: r.top, right: r.right, bottom: r.bottom};
})"""
PAGE = """() => ({scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
          dir: document.documentElement.getAttribute('dir'), lang: document.documentElement.getAttribute('lang'),
          landingDir: (document.querySelector('.gb-landing') || {}).dir})"""


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("GOLDBOOK_SHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser(chromium):
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.mark.parametrize("page, direction", [("index.html", "ltr"), ("ar/index.html", "rtl")])
def test_headline_and_tiles_fit_the_first_laptop_screen(browser, demo_book, shots, page, direction):
    html = demo_book / "_build" / "html" / page
    tab = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        tab.goto(html.as_uri())
        tab.wait_for_load_state("load")
        tab.screenshot(path=str(shots / f"landing_{page.replace('/', '_').removesuffix('.html')}_1366x768.png"))
        boxes, info = tab.evaluate(BOXES), tab.evaluate(PAGE)
    finally:
        tab.close()
    headline = [b for b in boxes if "gb-headline" in b["cls"]]
    tiles = [b for b in boxes if "gb-tile" in b["cls"].split()]
    assert len(headline) == 1 and len(headline[0]["text"]) > 20, boxes
    # six measures of all centres and the centres' readiness (the demo provides every table)
    assert len(tiles) == 7 and sum("gb-tile-readiness" in b["cls"] for b in tiles) == 1, boxes
    for box in headline + tiles:
        assert box["top"] >= 0 and box["bottom"] <= HEIGHT, (page, box)
        assert box["left"] >= 0 and box["right"] <= WIDTH, (page, box)
        assert "nan" not in box["text"].lower().split() and "None" not in box["text"], box
    assert info["scrollWidth"] <= info["clientWidth"], (page, info)
    assert info["landingDir"] == direction
    if direction == "rtl":
        assert info["dir"] == "rtl" and info["lang"] == "ar", info
    else:
        assert info["dir"] != "rtl", info
