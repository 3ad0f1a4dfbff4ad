"""A real browser opens a built Arabic page: goldbook.js must turn it right-to-left.

Needs Debian's chromium (``.ci/run`` installs it): the ``chromium`` fixture skips with the reason
where it is absent, and fails instead in CI.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_book import _notebook

from helpers.base.paths import CODE_ROOT
from helpers.book import build

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium")]


def dump_dom(page: Path, profile: Path) -> str:
    """The DOM after scripts ran, from headless chromium with every network feature off."""
    result = subprocess.run(
        ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )
    return result.stdout


@pytest.fixture(scope="module")
def html_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("browserbook")
    shutil.copytree(CODE_ROOT / "config", root / "config")
    for lang in ("en", "ar"):
        _notebook(root, "2024-03", lang, "01_overview")
    return build.build_book(root, quiet=True, jobs=1).parent


def _html_tag(dom: str) -> str:
    start = dom.index("<html")
    return dom[start:dom.index(">", start) + 1]


def test_arabic_notebook_and_page_are_right_to_left(html_dir, tmp_path):
    for page in ("reports/2024-03/ar/01_overview.html", "ar/months/2024-03.html"):
        tag = _html_tag(dump_dom(html_dir / page, tmp_path / "profile"))
        assert 'dir="rtl"' in tag and 'lang="ar"' in tag, (page, tag)


def test_english_page_stays_left_to_right(html_dir, tmp_path):
    tag = _html_tag(dump_dom(html_dir / "reports/2024-03/en/01_overview.html", tmp_path / "profile"))
    assert 'dir="rtl"' not in tag and 'lang="en"' in tag, tag
