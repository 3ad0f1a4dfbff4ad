"""The book is built all or nothing: a failed or stopped build leaves ``_build/html`` as it was.

One small book (one month, English and Arabic) shared by the tests of this module, in order:
each leaves it built and good.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import jupyter_book.sphinx
import pytest
from test_book import _notebook, _two_editions

from helpers.base import messages
from helpers.base.paths import CODE_ROOT
from helpers.book import audit, build, chrome, toc

pytestmark = pytest.mark.e2e


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the sha256 of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _pages(snapshot: dict[str, str] | Path) -> dict[str, str]:
    """A snapshot without Sphinx's ``.buildinfo`` and the build manifest."""
    snapshot = _snapshot(snapshot) if isinstance(snapshot, Path) else snapshot
    return {k: v for k, v in snapshot.items() if k not in (".buildinfo", audit.BUILD_RECORD)}


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "_build").iterdir() if p.name not in ("html", ".work"))


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    root = tmp_path_factory.mktemp("swaproot")
    shutil.copytree(CODE_ROOT / "config", root / "config")
    for lang in ("en", "ar"):
        _notebook(root, "2024-01", lang, "01_overview")
    build.build_book(root, quiet=True, jobs=1)
    return root


def test_a_build_publishes_a_checked_copy_with_its_build_manifest(book):
    html = book / "_build" / "html"
    record = json.loads((html / audit.BUILD_RECORD).read_text(encoding="utf-8"))
    files = _snapshot(html)
    del files[audit.BUILD_RECORD]
    assert record["files"] == files and "searchindex.js" in files and "index.html" in files
    assert record["periods"] == {"2024-01": ["ar/months/2024-01.html", "en/months/2024-01.html",
                                             "reports/2024-01/ar/01_overview.html",
                                             "reports/2024-01/en/01_overview.html"]}
    # Sphinx's own output stays in the work folder (a copy is published), and nothing else is left
    assert _snapshot(book / "_build/.work/html") == files
    assert _leftovers(book) == []
    assert audit.check_pages("2024-01", book).ok


def test_a_failed_check_leaves_the_published_book_as_it_was(book):
    html = book / "_build" / "html"
    before = _snapshot(html)
    _notebook(book, "2024-01", "en", "02_leak", text="Customer 880123456 wrote in.")
    leak = book / "reports/2024-01/en/02_leak.ipynb"
    with pytest.raises(toc.BookError, match=r"reports/2024-01/en/02_leak.html:\d+: number that looks like a national ID"):
        build.build_book(book, quiet=True, jobs=1)
    assert _snapshot(html) == before and _leftovers(book) == []
    # _build/html is not the book that failed: the next build tries again, and fails again
    with pytest.raises(toc.BookError, match="left as it was"):
        build.build_book(book, quiet=True, jobs=1)
    assert _snapshot(html) == before
    # fixed without deleting _build by hand: _build/html is the book of these sources again
    leak.unlink()
    build.build_book(book, quiet=True, jobs=1)
    assert _snapshot(html) == before
    # and the next build that has work to do does not carry the leaked page over from the work folder
    assert (book / "_build/.work/html/reports/2024-01/en/02_leak.html").exists()
    (book / "reports/2024-01/en/01_overview.ipynb").touch()
    build.build_book(book, quiet=True, jobs=1)
    assert not (book / "_build/.work/html/reports/2024-01/en/02_leak.html").exists()
    assert not (html / "reports/2024-01/en/02_leak.html").exists()
    assert audit.check_pages("2024-01", book).ok and _leftovers(book) == []


def test_a_failed_sphinx_build_leaves_the_published_book_as_it_was(book, monkeypatch):
    html = book / "_build" / "html"
    before = _snapshot(html)

    def fails(src, out, **kw):
        Path(out, "half.html").write_text("<p>half a page</p>")
        return 1

    monkeypatch.setattr(jupyter_book.sphinx, "build_sphinx", fails)
    with pytest.raises(toc.BookError, match="jupyter-book build failed"):
        build.build_book(book, quiet=True, jobs=1, force=True)
    assert _snapshot(html) == before and _leftovers(book) == []
    # the work folder is marked unfinished: the next build starts it again
    assert (book / "_build/.work" / build.INCOMPLETE).exists()
    monkeypatch.undo()
    said = []
    # (an unchanged book is not rebuilt at all: _build/html is the book of these sources)
    (book / "reports/2024-01/en/01_overview.ipynb").touch()
    build.build_book(book, quiet=True, jobs=1, progress=said.append)
    assert said == ["removed _build/.work: a stopped build left it unfinished"]
    assert not (book / "_build/.work/html/half.html").exists() and not (html / "half.html").exists()
    # the same book, rebuilt from scratch: the same pages (.buildinfo hashes Sphinx's configuration,
    # which the theme grows on each build in one process; the build manifest records the fingerprint)
    assert _pages(html) == _pages(before)


def test_what_a_killed_swap_left_is_finished(book, dead_pid):
    html = book / "_build" / "html"
    before = _snapshot(html)
    pid = dead_pid
    # killed between swap_dir's two renames: the old book aside, no _build/html; and a copy half made
    old = book / "_build" / f".old-html-{pid}-123"
    os.rename(html, old)
    (book / "_build" / f".tmp-html-{pid}-abc").mkdir()
    (book / "_build" / f".tmp-html-{pid}-abc" / "index.html").write_text("<p>half</p>")
    said = []
    assert build.build_book(book, quiet=True, jobs=1, progress=said.append) == html / "index.html"
    assert said == [f"restored _build/html from _build/.old-html-{pid}-123, left by a stopped swap",
                    f"removed leftover _build/.tmp-html-{pid}-abc (an unfinished folder)"]
    assert _snapshot(html) == before and _leftovers(book) == []


def test_localising_is_idempotent_and_a_half_localised_work_folder_is_finished(book, monkeypatch):
    work = book / "_build/.work/html"
    author = {"en": "", "ar": ""}
    assert chrome.localise_book(work, toc.page_language, author=author) == []     # done already: no change
    page = work / "reports/2024-01/ar/01_overview.html"
    localised = page.read_text(encoding="utf-8")
    search_ar, search_en = messages.t("chrome.search", "ar"), messages.t("chrome.search", "en")
    assert search_ar in localised
    # a build stopped while localising: this page still has the theme's English labels
    page.write_text(localised.replace(search_ar, search_en), encoding="utf-8")
    monkeypatch.setattr(jupyter_book.sphinx, "build_sphinx", lambda *a, **k: 0)   # Sphinx rewrites nothing
    notebook = book / "reports/2024-01/en/01_overview.ipynb"
    stat = notebook.stat()
    os.utime(notebook, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))       # something to build
    build.build_book(book, quiet=True, jobs=1)
    assert page.read_text(encoding="utf-8") == localised
    assert (book / "_build/html/reports/2024-01/ar/01_overview.html").read_text(encoding="utf-8") == localised
    assert chrome.localise_book(work, toc.page_language, author=author) == []


def _goldbook_build(root: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(CODE_ROOT / "src")}
    done = subprocess.run([sys.executable, "-m", "helpers.cli", "--root", str(root), "build"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_build_killed_during_sphinx_leaves_the_book_and_the_next_build_works(book):
    html = book / "_build" / "html"
    before = _snapshot(html)
    (book / "reports/2024-01/en/01_overview.ipynb").touch()
    env = {**os.environ, "PYTHONPATH": str(CODE_ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "helpers.cli", "--root", str(book), "build"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    marker = book / "_build/.work" / build.INCOMPLETE
    while proc.poll() is None and not marker.exists():
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)     # Sphinx and any worker it started
    proc.wait()
    assert proc.returncode == -signal.SIGKILL and marker.exists()     # killed while Sphinx was writing
    assert _snapshot(html) == before
    build.build_book(book, quiet=True, jobs=1)
    after = _snapshot(html)
    assert _pages(after) == _pages(before)      # the same pages: the touched notebook is unchanged
    assert audit.check_pages("2024-01", book).ok and _leftovers(book) == []


def test_a_new_edition_puts_its_notice_on_notebook_pages_sphinx_had_not_changed(book):
    """The notice of a notebook page comes from the ledger, not the notebook: when a period gets a
    second edition, its unchanged notebook pages are rewritten with the notice."""
    # Each build in its own process, as `goldbook build` runs: in one process the theme changes
    # Sphinx's configuration from one build to the next, and Sphinx then rewrites every page.
    (book / "reports/2024-01/manifest.json").write_text(json.dumps({"period": "2024-01"}), encoding="utf-8")
    _goldbook_build(book)
    notebook = book / "reports/2024-01/en/01_overview.ipynb"
    before = notebook.stat().st_mtime_ns
    _two_editions(book, "2024-01")
    _goldbook_build(book)
    assert notebook.stat().st_mtime_ns == before
    for lang, words in (("en", "Corrected on 2024-06-03"), ("ar", "صُحّح في 2024-06-03")):
        page = (book / f"_build/html/reports/2024-01/{lang}/01_overview.html").read_text(encoding="utf-8")
        assert words in page and 'class="admonition note goldbook-correction"' in page, lang
    assert audit.check_pages("2024-01", book).ok


def test_the_check_scans_only_files_that_changed_since_the_published_book(book, monkeypatch):
    work = book / "_build/.work/html"
    page = work / "en/methods.html"

    def sphinx_changes_one_page(*args, **kwargs):
        page.write_text(page.read_text(encoding="utf-8").replace("</article>", "<p>new</p></article>"),
                        encoding="utf-8")
        return 0

    scanned = []
    real_check = build.check_published
    monkeypatch.setattr(jupyter_book.sphinx, "build_sphinx", sphinx_changes_one_page)
    monkeypatch.setattr(build, "check_published", lambda *a, **k: scanned.append(k["only"]) or real_check(*a, **k))
    (book / "reports/2024-01/en/01_overview.ipynb").touch()
    build.build_book(book, quiet=True, jobs=1)
    assert scanned == [{"en/methods.html"}]
    assert "<p>new</p>" in (book / "_build/html/en/methods.html").read_text(encoding="utf-8")
    # another check (its code, or this machine's folders): every file is scanned again
    monkeypatch.setattr(build, "check_key", lambda forbidden: "another check")
    (book / "reports/2024-01/en/01_overview.ipynb").touch()
    build.build_book(book, quiet=True, jobs=1)
    assert scanned[1] is None
