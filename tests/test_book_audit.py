"""The build manifest of the book's pages (helpers.book.audit) and `goldbook verify` checking them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from helpers import cli
from helpers.book import audit, build
from helpers.pipeline import ledger
from helpers.pipeline import verify as verify_module


def test_the_period_of_a_page():
    assert audit.period_of_page("reports/2024-06/en/01_overview.html") == "2024-06"
    assert audit.period_of_page("reports/2024-W05/ar/20_weekly.html") == "2024-W05"
    assert audit.period_of_page("en/months/2024-06.html") == "2024-06"
    assert audit.period_of_page("ar/annual/2024.html") == "2024"
    for other in ("index.html", "en/months.html", "en/audit.html", "searchindex.js", "_static/goldbook.css",
                  "en/weekly.html", "fr/months/2024-06.html", "en/months/x/2024-06.html", "reports/x.html",
                  "reports/.staging-1-a/en/x.html"):
        assert audit.period_of_page(other) is None, other


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


SITE = {
    "index.html": b"<p>home</p>",
    "searchindex.js": b"Search.setIndex({})",
    "en/months/2024-06.html": b"<p>June</p>",
    "ar/months/2024-06.html": "<p>يونيو</p>".encode(),
    "reports/2024-06/en/01_overview.html": b"<p>62.5%</p>",
    "reports/2024-06/ar/01_overview.html": b"<p>62.5%</p>",
    "reports/2024-05/en/01_overview.html": b"<p>May</p>",
    "ar/annual/2024.html": b"<p>2024</p>",
}


def test_build_record_lists_every_file_and_each_period_s_pages():
    files = {rel: _sha(data) for rel, data in SITE.items()}
    record = audit.build_record(files, "f" * 64)
    assert record["fingerprint"] == "f" * 64 and record["files"] == dict(sorted(files.items()))
    assert record["files"]["en/months/2024-06.html"] == _sha(b"<p>June</p>")
    assert record["periods"] == {
        "2024": ["ar/annual/2024.html"],
        "2024-05": ["reports/2024-05/en/01_overview.html"],
        "2024-06": ["ar/months/2024-06.html", "en/months/2024-06.html", "reports/2024-06/ar/01_overview.html",
                    "reports/2024-06/en/01_overview.html"],
    }
    # the same files give the same bytes
    assert audit.record_bytes(record) == audit.record_bytes(audit.build_record(dict(reversed(files.items())), "f" * 64))


def _built_site(root: Path) -> Path:
    """``SITE`` as ``_build/html`` with its build manifest, as ``build_book`` publishes it."""
    html = root / "_build" / "html"
    for rel, data in SITE.items():
        (html / rel).parent.mkdir(parents=True, exist_ok=True)
        (html / rel).write_bytes(data)
    files = build.copy_tree(html, root / "copy")      # the copy build_book makes, and its hashes
    assert files == {rel: _sha(data) for rel, data in SITE.items()}
    (html / audit.BUILD_RECORD).write_bytes(audit.record_bytes(audit.build_record(files, "f" * 64)))
    return html


def test_check_pages_passes_the_pages_as_built(tmp_path):
    _built_site(tmp_path)
    result = audit.check_pages("2024-06", tmp_path)
    assert result.ok and result.exit_code == 0 and (len(result.matching), result.total) == (4, 4)
    assert result.report() == "2024-06: 4 of 4 book pages match the build manifest"
    # a period the book was built without: nothing differs, and it says so
    assert audit.check_pages("2024-07", tmp_path).report() == \
        "2024-07: no book page for this period in _build/html (the book was built without it)"


def test_check_pages_names_each_edited_missing_and_extra_page(tmp_path):
    html = _built_site(tmp_path)
    page = html / "reports/2024-06/en/01_overview.html"
    page.write_bytes(page.read_bytes().replace(b"62.5", b"72.5"))       # one number edited
    (html / "ar/months/2024-06.html").unlink()
    (html / "reports/2024-06/en/99_added.html").write_bytes(b"<p>added</p>")
    (html / "searchindex.js").write_bytes(b"edited")                     # not a page of a period
    result = audit.check_pages("2024-06", tmp_path)
    assert not result.ok and result.exit_code == 1
    assert result.report().splitlines() == [
        "2024-06: NOT verified: 2 of 4 book pages match the build manifest",
        "  book page edited: reports/2024-06/en/01_overview.html",
        "  book page missing: ar/months/2024-06.html",
        "  book page not in the build manifest: reports/2024-06/en/99_added.html",
    ]
    assert audit.check_pages("2024-05", tmp_path).ok                     # the other period untouched


def test_check_pages_without_a_build_or_its_manifest(tmp_path):
    result = audit.check_pages("2024-06", tmp_path)
    assert result.ok and not result.checked
    assert result.report() == "2024-06: no _build/html here: the book's pages were not checked"
    html = _built_site(tmp_path)
    (html / audit.BUILD_RECORD).write_text("{not json", encoding="utf-8")
    broken = audit.check_pages("2024-06", tmp_path)
    assert not broken.ok and broken.report() == (
        "2024-06: NOT verified: the book's pages were not checked: _build/html has no readable "
        ".goldbook-build.json; run `goldbook build`")


# --- goldbook verify ------------------------------------------------------------------------------

@pytest.fixture
def published_ok(monkeypatch):
    """``verify_published`` (helper pipeline's) passing: only the book's pages decide."""
    def verify_published(label, root, manifest=None, edition=None):
        return verify_module.PublishedCheck(period=label, matching=["manifest.json"])

    monkeypatch.setattr(verify_module, "verify_published", verify_published)
    monkeypatch.setattr("helpers.pipeline.runner.settle", lambda root, adopt=False: [], raising=False)


def _verify(capsys, root: Path, *args) -> tuple[int, str, str]:
    code = cli.main(["--root", str(root), "verify", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_names_an_edited_page_of_the_period(tmp_path, capsys, published_ok):
    html = _built_site(tmp_path)
    code, out, err = _verify(capsys, tmp_path, "2024-06", "--published-only")
    assert code == 0 and "2024-06: 4 of 4 book pages match the build manifest" in out
    page = html / "en/months/2024-06.html"
    page.write_bytes(b"<p>July</p>")
    code, out, err = _verify(capsys, tmp_path, "2024-06", "--published-only")
    assert code == 1
    assert "  book page edited: en/months/2024-06.html" in err.splitlines()
    code, _, _ = _verify(capsys, tmp_path, "2024-05", "--published-only")
    assert code == 0


def test_verify_without_a_built_book_says_so_and_passes(tmp_path, capsys, published_ok):
    code, out, _ = _verify(capsys, tmp_path, "2024-06", "--published-only")
    assert code == 0 and out.splitlines()[-1] == "no _build/html here: the book's pages were not checked"


def test_verify_all_checks_the_pages_of_every_period(tmp_path, capsys, published_ok):
    html = _built_site(tmp_path)
    for period in ("2024-05", "2024-06"):
        (tmp_path / "reports" / period).mkdir(parents=True)
        (tmp_path / "reports" / period / "manifest.json").write_text(json.dumps({"period": period}))
    (html / "reports/2024-05/en/01_overview.html").unlink()
    code, out, err = _verify(capsys, tmp_path, "--all", "--published-only")
    assert code == 1
    assert "2024-06: 4 of 4 book pages match the build manifest" in out
    assert "  book page missing: reports/2024-05/en/01_overview.html" in err
    assert out.splitlines()[-1] == "verify: 1 of 2 periods identical; not identical: 2024-05"


# --- what the book was built from: the period manifests and the ledger's head ----------------------

def _anchored_site(root: Path, manifests: dict[str, str], head: dict) -> Path:
    html = _built_site(root)
    record = audit.build_record(json.loads((html / audit.BUILD_RECORD).read_text())["files"], "f" * 64,
                                manifests, head)
    (html / audit.BUILD_RECORD).write_bytes(audit.record_bytes(record))
    return html


def test_the_record_keeps_each_manifest_and_the_ledger_head_and_notes_a_book_built_before_a_rerun(tmp_path):
    manifest = tmp_path / "reports" / "2024-06" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_bytes(b'{"run": {"period": "2024-06"}}\n')
    ledger.append(ledger.new_entry("2024-06", 1, _sha(manifest.read_bytes()), "first publication"), tmp_path)
    manifests, head = audit.built_from(tmp_path)
    assert manifests == {"2024-06": _sha(b'{"run": {"period": "2024-06"}}\n')}
    line = (tmp_path / "reports" / "ledger.jsonl").read_bytes().split(b"\n")[0]
    assert head == {"lines": 1, "sha256": _sha(line)}
    _anchored_site(tmp_path, manifests, head)
    assert audit.check_pages("2024-06", tmp_path).report() == "2024-06: 4 of 4 book pages match the build manifest"
    manifest.write_bytes(b'{"run": {"period": "2024-06"}, "rerun": 1}\n')       # republished, book not rebuilt
    result = audit.check_pages("2024-06", tmp_path)
    assert result.ok and result.stale
    assert result.report() == (
        "2024-06: 4 of 4 book pages match the build manifest; note: the book shows the manifest of 2024-06 that "
        "was current when it was built, not the one published now (`goldbook build` shows it)")


def test_a_ledger_edited_or_rewritten_after_the_build_is_caught_by_its_recorded_head(tmp_path):
    for period in ("2024-05", "2024-06"):
        ledger.append(ledger.new_entry(period, 1, "a" * 64, "first publication", time="2024-07-01T08:00:00+00:00"),
                      tmp_path)
    _anchored_site(tmp_path, {}, ledger.head(tmp_path))
    assert audit.check_ledger_anchor(tmp_path) is None
    ledger.append(ledger.new_entry("2024-06", 1, "b" * 64, "rerun, inputs unchanged"), tmp_path)
    assert audit.check_ledger_anchor(tmp_path) is None                  # a later line pins nothing recorded
    path = tmp_path / "reports" / "ledger.jsonl"
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"a' + b"a" * 63, b'"c' + b"c" * 63)    # line 2 was the last line at build time
    path.write_bytes(b"\n".join(lines))
    assert ledger.check_ledger(tmp_path) != []                           # the chain sees it through line 3 ...
    path.write_bytes(b"\n".join(lines[:2]) + b"\n")                       # ... not once line 3 is gone too
    assert ledger.check_ledger(tmp_path) == []
    problem = audit.check_ledger_anchor(tmp_path)
    assert problem.startswith("reports/ledger.jsonl is not the ledger the book (_build/html) was built with: "
                              "its first 2 line(s) were edited, removed or rewritten")
    path.unlink()                                                        # deleting it is no way out either
    assert audit.check_ledger_anchor(tmp_path) == problem


def test_verify_fails_every_period_when_the_ledger_is_not_the_one_the_book_recorded(tmp_path, capsys, published_ok):
    ledger.append(ledger.new_entry("2024-06", 1, "a" * 64, "first publication"), tmp_path)
    _anchored_site(tmp_path, {}, ledger.head(tmp_path))
    (tmp_path / "reports" / "ledger.jsonl").unlink()
    code, out, err = _verify(capsys, tmp_path, "2024-06", "--published-only")
    assert code == 1 and "ledger: reports/ledger.jsonl is not the ledger the book (_build/html) was built with" in err
