"""``goldbook pdf``: the printed month, sealed into the published period.

The first tests use a hand-made published period (a manifest and its ledger line, no notebooks):
adding a print re-seals the manifest as the same edition, crash-safely, and ``verify
--published-only`` checks it. The end-to-end tests print the small demo's built book
(``demo_book``, copied: printing writes) with Debian's headless chromium.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader

from helpers import cli
from helpers.base.files import canonical_json, sha256_bytes, sha256_file
from helpers.base.messages import period_title, t
from helpers.base.periods import parse
from helpers.book import build as book_build
from helpers.book import pdf
from helpers.pipeline import ledger, manifest, runner, verify

PERIOD = "2024-02"          # the small demo's last month
A4 = (595.28, 841.89)       # points
ARABIC_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# --- a hand-made published period ---------------------------------------------------------------

def _published(root, period="2024-01"):
    """A published period: two output files, its manifest and the ledger line naming it."""
    folder = root / "reports" / period
    (folder / "tables").mkdir(parents=True)
    (folder / "tables" / "x.csv").write_bytes(b"a,b\n1,2\n")
    (folder / "figures").mkdir()
    (folder / "figures" / "y.svg").write_bytes(b"<svg/>")
    recorded = {"run": {"period": period}, "outputs": manifest.output_hashes(folder, roots=[root]),
                "volatile": {"recorded_at": "2024-02-01T10:00:00+00:00"}}
    (folder / manifest.MANIFEST_NAME).write_bytes(canonical_json(recorded))
    ledger.append(ledger.new_entry(period, 1, sha256_file(folder / manifest.MANIFEST_NAME), "first publication"), root)
    return folder


def test_a_print_is_listed_in_the_manifest_and_sealed_as_the_same_edition(tmp_path):
    folder = _published(tmp_path)
    before = (folder / manifest.MANIFEST_NAME).read_bytes()
    sealed = ledger.publish_print("2024-01", "print/2024-01-ar.pdf", b"%PDF-1.4 one", tmp_path,
                                  made_from=ledger.run_manifest_sha256(json.loads(before)))
    assert sealed.changed and sealed.edition == 1 and sealed.path == "reports/2024-01/print/2024-01-ar.pdf"
    assert (folder / "print" / "2024-01-ar.pdf").read_bytes() == b"%PDF-1.4 one"
    after = json.loads((folder / manifest.MANIFEST_NAME).read_bytes())
    assert after["prints"] == {"print/2024-01-ar.pdf": sha256_bytes(b"%PDF-1.4 one")}
    assert manifest.with_prints(after, {}) == json.loads(before)       # nothing else changed
    lines = ledger.read_ledger(tmp_path)
    assert [(e["edition"], e["reason"]) for e in lines] == [(1, "first publication"), (1, ledger.PRINT_ADDED)]
    assert lines[-1]["manifest_sha256"] == sha256_file(folder / manifest.MANIFEST_NAME)
    assert ledger.check_ledger(tmp_path) == []
    assert [e.reason for e in ledger.editions("2024-01", tmp_path)] == ["first publication"]  # one edition still
    check = verify.verify_published("2024-01", tmp_path)
    assert check.ok and check.total == 3, check.report()
    assert manifest.listed_print("2024-01", "ar", tmp_path) == folder / "print" / "2024-01-ar.pdf"
    assert manifest.listed_print("2024-01", "en", tmp_path) is None
    assert not list((tmp_path / "reports").glob(".staging-*"))
    assert not (tmp_path / "reports" / ".ledger-pending").exists()


def test_the_same_print_again_changes_nothing_and_another_replaces_it(tmp_path):
    folder = _published(tmp_path)
    ledger.publish_print("2024-01", "print/2024-01-ar.pdf", b"one", tmp_path)
    ledger.publish_print("2024-01", "print/2024-01-en.pdf", b"two", tmp_path)
    again = ledger.publish_print("2024-01", "print/2024-01-ar.pdf", b"one", tmp_path)
    assert not again.changed and len(ledger.read_ledger(tmp_path)) == 3
    ledger.publish_print("2024-01", "print/2024-01-ar.pdf", b"three", tmp_path)
    prints = json.loads((folder / manifest.MANIFEST_NAME).read_bytes())["prints"]
    assert prints == {"print/2024-01-ar.pdf": sha256_bytes(b"three"), "print/2024-01-en.pdf": sha256_bytes(b"two")}
    assert len(ledger.read_ledger(tmp_path)) == 4 and verify.verify_published("2024-01", tmp_path).ok


def test_the_manifests_of_the_latest_run_are_its_own_and_those_its_prints_added(tmp_path):
    folder = _published(tmp_path)
    run = sha256_file(folder / manifest.MANIFEST_NAME)
    ledger.publish_print("2024-01", "print/2024-01-ar.pdf", b"one", tmp_path)
    first = sha256_file(folder / manifest.MANIFEST_NAME)
    ledger.publish_print("2024-01", "print/2024-01-ar.pdf", b"two", tmp_path)
    second = sha256_file(folder / manifest.MANIFEST_NAME)
    assert ledger.run_manifests("2024-01", tmp_path) == {run, first, second}
    ledger.append(ledger.new_entry("2024-01", 1, "f" * 64, "rerun, inputs unchanged"), tmp_path)
    assert ledger.run_manifests("2024-01", tmp_path) == {"f" * 64}
    assert ledger.run_manifests("2023-12", tmp_path) == set()


def test_an_edited_missing_or_unlisted_print_fails_the_published_check(tmp_path):
    folder = _published(tmp_path)
    ledger.publish_print("2024-01", "print/2024-01-ar.pdf", b"%PDF-1.4 one", tmp_path)
    target = folder / "print" / "2024-01-ar.pdf"
    target.write_bytes(b"%PDF-1.4 onf")
    check = verify.verify_published("2024-01", tmp_path)
    assert not check.ok and check.edited == ["print/2024-01-ar.pdf"]
    assert manifest.listed_print("2024-01", "ar", tmp_path) is None      # the book no longer links it
    target.unlink()
    assert verify.verify_published("2024-01", tmp_path).missing == ["print/2024-01-ar.pdf"]
    target.write_bytes(b"%PDF-1.4 one")
    (folder / "print" / "2024-01-en.pdf").write_bytes(b"not listed")
    assert verify.verify_published("2024-01", tmp_path).extra == ["print/2024-01-en.pdf"]


def test_a_print_is_refused_when_the_manifest_is_not_the_ledgers(tmp_path):
    folder = _published(tmp_path)
    (folder / manifest.MANIFEST_NAME).write_bytes((folder / manifest.MANIFEST_NAME).read_bytes() + b" ")
    with pytest.raises(ledger.LedgerError, match="not the manifest the ledger names"):
        ledger.publish_print("2024-01", "print/2024-01-ar.pdf", b"one", tmp_path)
    assert not (folder / "print").exists() and len(ledger.read_ledger(tmp_path)) == 1


def test_a_print_made_from_an_earlier_run_is_refused(tmp_path):
    _published(tmp_path)
    with pytest.raises(ledger.LedgerError, match="published again while it was printed"):
        ledger.publish_print("2024-01", "print/2024-01-ar.pdf", b"one", tmp_path, made_from="0" * 64)


def test_a_print_killed_before_its_swap_leaves_the_period_as_it_was(tmp_path, monkeypatch):
    folder = _published(tmp_path)
    before = (folder / manifest.MANIFEST_NAME).read_bytes()

    def killed(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(ledger, "swap_dir", killed)
    with pytest.raises(KeyboardInterrupt):
        ledger.publish_print("2024-01", "print/2024-01-ar.pdf", b"one", tmp_path)
    monkeypatch.undo()
    assert (folder / manifest.MANIFEST_NAME).read_bytes() == before and not (folder / "print").exists()
    said = ledger.reconcile(tmp_path)
    assert any("dropped the pending entry" in s for s in said)
    assert len(ledger.read_ledger(tmp_path)) == 1 and verify.verify_published("2024-01", tmp_path).ok


def test_a_print_killed_after_its_swap_is_recorded_by_the_next_command(tmp_path, monkeypatch):
    folder = _published(tmp_path)

    def killed(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(ledger, "publish", killed)
    with pytest.raises(KeyboardInterrupt):
        ledger.publish_print("2024-01", "print/2024-01-ar.pdf", b"one", tmp_path)
    monkeypatch.undo()
    assert (folder / "print" / "2024-01-ar.pdf").is_file()
    assert not verify.verify_published("2024-01", tmp_path).ok       # the ledger names the old manifest
    said = ledger.reconcile(tmp_path)
    assert any("recorded edition 1 of 2024-01" in s for s in said)
    assert verify.verify_published("2024-01", tmp_path).ok and ledger.check_ledger(tmp_path) == []


def test_a_full_verify_says_prints_are_not_rebuilt(tmp_path):
    _published(tmp_path)
    ledger.publish_print("2024-01", "print/2024-01-ar.pdf", b"one", tmp_path)
    result = verify.verify("2024-01", tmp_path)     # the rebuild fails here (no config): the notes stand
    assert result.published.ok and "print/2024-01-ar.pdf" in result.published.matching
    assert "print/2024-01-ar.pdf" not in result.missing       # never expected from the rebuild
    assert any("print/2024-01-ar.pdf" in n and "not rebuilt" in n for n in result.notes), result.notes


def test_prints_are_not_outputs_and_the_reason_has_words():
    assert ledger.REASONS[ledger.PRINT_ADDED] == "print"
    assert t("book.edition.reason.print", "ar") and t("book.edition.reason.print", "en")
    assert manifest.print_name("2024-12", "ar") == "print/2024-12-ar.pdf"
    assert manifest.with_prints({"a": 1, "prints": {"x": "1"}}, {}) == {"a": 1}


def test_the_footer_comes_from_the_catalogue_with_chromiums_page_numbers():
    footer = pdf.footer_html("2024-12", "ar", 2)
    assert footer == ("ديسمبر 2024 · الإصدار 2 · صفحة <span class=\"pageNumber\"></span> من "
                      "<span class=\"totalPages\"></span>")
    english = pdf.footer_html("2024-12", "en", 1)
    assert english.startswith("December 2024 · edition 1 · page <span class=\"pageNumber\">")
    assert 'dir="rtl"' in pdf.footer_template(footer, "ar") and "url" not in pdf.footer_template(footer, "ar")
    assert pdf.blank_sheets(3, "ar").count("break-after:page") == 2


def test_the_documents_date_is_fixed(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    recorded = {"volatile": {"recorded_at": "2024-02-01T10:00:00+00:00"}}
    assert pdf.print_time(recorded) == datetime(2024, 2, 1, 10, tzinfo=timezone.utc)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    assert pdf.print_time(recorded) == datetime(1970, 1, 2, tzinfo=timezone.utc)


# --- the demo's built book, printed ---------------------------------------------------------

def _text(path, first=None, last=None) -> str:
    """pdftotext of the PDF, bidi marks removed and spaces folded."""
    args = ["pdftotext", "-enc", "UTF-8"] + (["-f", str(first), "-l", str(last)] if first else []) + [str(path), "-"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", ARABIC_MARKS.sub("", out))


def _bare(text: str) -> str:
    """Text without spaces and separator dots: pdftotext places the spaces around numbers in a
    right-to-left line by its own rules ("صفحة 1من 26"), the order of the words stays."""
    return re.sub(r"[\s·]", "", text)


def _as_extracted(text: str) -> str:
    """Arabic text as pdftotext gives it back: a lam-alef ligature comes out alef first."""
    return re.sub("ل([اأإآ])", r"\1ل", re.sub(r"\s+", " ", text))


@pytest.fixture(scope="module")
def printed(tmp_path_factory, demo_book, chromium):
    """A copy of the built demo with ``goldbook pdf 2024-02 --lang ar`` done; read-only."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    root = tmp_path_factory.mktemp("printed") / "root"
    shutil.copytree(demo_book, root, symlinks=True, ignore=shutil.ignore_patterns(".ready"))
    code = cli.main(["--root", str(root), "pdf", PERIOD, "--lang", "ar"])
    assert code == 0
    return root


@pytest.mark.e2e
def test_the_print_holds_the_month_page_its_chapters_and_the_footer(printed):
    path = printed / "reports" / PERIOD / "print" / f"{PERIOD}-ar.pdf"
    reader = PdfReader(path)
    pages = len(reader.pages)
    assert pages >= 3
    for sheet in reader.pages:
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert abs(width - A4[0]) < 2 and abs(height - A4[1]) < 2, (width, height)
    month = parse(PERIOD)
    first = _text(path, 1, 1)
    assert _as_extracted(period_title(month, "ar")) in first
    assert _as_extracted(t("book.month.reports", "ar")) in first
    footer = t("print.footer", "ar", period=period_title(month, "ar"), edition=1, page=1, pages=pages)
    assert _bare(_as_extracted(footer)) in _bare(first)
    whole = _text(path)
    last = t("print.footer", "ar", period=period_title(month, "ar"), edition=1, page=pages, pages=pages)
    assert _bare(_as_extracted(last)) in _bare(whole)
    assert _bare(_as_extracted(t("print.footer", "ar", period=period_title(month, "ar"), edition=1, page=pages + 1,
                                 pages=pages))) not in _bare(whole)
    assert _as_extracted(t("overview.title", "ar")) in whole          # a chapter after the month page
    assert reader.metadata["/Producer"] == pdf.PRODUCER


@pytest.mark.e2e
def test_the_print_names_no_local_file_and_no_chromium_header(printed):
    path = printed / "reports" / PERIOD / "print" / f"{PERIOD}-ar.pdf"
    data = path.read_bytes()
    assert str(printed).encode() not in data and b"file:" not in data
    reader = PdfReader(path)
    uris = [a.get_object().get("/A", {}).get("/URI") for sheet in reader.pages for a in sheet.get("/Annots") or []]
    assert all(str(u).startswith(("http://", "https://", "mailto:")) for u in uris), uris
    assert "file:" not in _text(path) and ".html" not in _text(path)


@pytest.mark.e2e
def test_the_manifest_lists_the_print_and_verify_checks_it_byte_for_byte(printed, tmp_path):
    path = printed / "reports" / PERIOD / "print" / f"{PERIOD}-ar.pdf"
    recorded = manifest.read_manifest(PERIOD, printed)
    assert recorded["prints"] == {f"print/{PERIOD}-ar.pdf": sha256_file(path)}
    assert ledger.latest(PERIOD, printed)["manifest_sha256"] == sha256_file(path.parent.parent / "manifest.json")
    assert verify.verify_published(PERIOD, printed).ok
    root = shutil.copytree(printed, tmp_path / "root", symlinks=True)
    copy = root / "reports" / PERIOD / "print" / f"{PERIOD}-ar.pdf"
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 1
    copy.write_bytes(bytes(data))
    check = verify.verify_published(PERIOD, root)
    assert not check.ok and check.edited == [f"print/{PERIOD}-ar.pdf"]


@pytest.mark.e2e
def test_printing_again_gives_the_same_bytes(printed, tmp_path):
    root = shutil.copytree(printed, tmp_path / "root", symlinks=True)
    path = root / "reports" / PERIOD / "print" / f"{PERIOD}-ar.pdf"
    before, lines = path.read_bytes(), len(ledger.read_ledger(root))
    again = pdf.print_month(PERIOD, "ar", root)
    assert not again.changed and path.read_bytes() == before and len(ledger.read_ledger(root)) == lines


@pytest.mark.e2e
def test_the_book_links_the_listed_print_and_a_rerun_drops_it(printed, tmp_path):
    root = shutil.copytree(printed, tmp_path / "root", symlinks=True)
    book_build.build_book(root, quiet=True, jobs=1)
    html = root / "_build" / "html"
    page = (html / "ar" / "months" / f"{PERIOD}.html").read_text(encoding="utf-8")
    assert "goldbook-print-link" in page and f"{PERIOD}-ar.pdf" in page
    copied = list((html / "_downloads").glob(f"*/{PERIOD}-ar.pdf"))
    assert [p.read_bytes() for p in copied] == [(root / "reports" / PERIOD / "print" / f"{PERIOD}-ar.pdf").read_bytes()]
    assert f"{PERIOD}-en.pdf" not in (html / "en" / "months" / f"{PERIOD}.html").read_text(encoding="utf-8")
    # printing from the book that links the PDF gives the same PDF: the link is never printed
    assert not pdf.print_month(PERIOD, "ar", root).changed
    result = runner.run_period(PERIOD, root, langs=("ar", "en"), force=True, progress=lambda line: None)
    assert result.status == "published"
    assert not (root / "reports" / PERIOD / "print").exists()
    assert "prints" not in manifest.read_manifest(PERIOD, root)
    assert verify.verify_published(PERIOD, root).ok
    assert manifest.listed_print(PERIOD, "ar", root) is None


@pytest.mark.e2e
def test_no_built_book_is_one_line_and_exit_1(demo_run, tmp_path, capsys, chromium):
    root = shutil.copytree(demo_run, tmp_path / "root", symlinks=True, ignore=shutil.ignore_patterns(".ready"))
    before = (root / "reports" / PERIOD / "manifest.json").read_bytes()
    assert cli.main(["--root", str(root), "pdf", PERIOD, "--lang", "ar"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "build the book first: goldbook build" in err[0], err
    assert not (root / "reports" / PERIOD / "print").exists()
    assert (root / "reports" / PERIOD / "manifest.json").read_bytes() == before


@pytest.mark.e2e
def test_no_chromium_is_one_line_and_exit_1_with_nothing_written(printed, tmp_path, capsys, monkeypatch):
    root = shutil.copytree(printed, tmp_path / "root", symlinks=True)
    shutil.rmtree(root / "reports" / PERIOD / "print")       # as if never printed: the manifest still lists it
    manifest_before = (root / "reports" / PERIOD / "manifest.json").read_bytes()
    monkeypatch.setattr(pdf, "CHROMIUM", tmp_path / "no-chromium")
    assert cli.main(["--root", str(root), "pdf", PERIOD, "--lang", "ar"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "chromium is not installed" in err[0], err
    assert not (root / "reports" / PERIOD / "print").exists()
    assert (root / "reports" / PERIOD / "manifest.json").read_bytes() == manifest_before


def test_a_failing_chromium_is_one_error(tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    page = tmp_path / "p.html"
    page.write_text("<p>x</p>")
    with pytest.raises(pdf.PrintError, match="^chromium failed: "):
        pdf.render([page], "x", "en", chromium=fake)


def test_only_web_links_are_kept():
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    def link(uri):
        return DictionaryObject({NameObject("/Subtype"): NameObject("/Link"), NameObject("/A"): DictionaryObject(
            {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject(uri)})})

    assert pdf._keep_annotation(link("https://www.gov.uk/"))
    assert not pdf._keep_annotation(link("file:///tmp/x/_build/html/a.html"))
    assert not pdf._keep_annotation(DictionaryObject({NameObject("/Subtype"): NameObject("/Link")}))


def test_a_print_merges_in_order_with_fixed_metadata(tmp_path):
    """Two one-sheet PDFs (made by pypdf, no chromium) merge in order, each with its footer laid over it;
    the same input gives the same bytes and the /ID is the content's."""
    from pypdf import PdfWriter

    def sheets(n):
        writer = PdfWriter()
        for _ in range(n):
            writer.add_blank_page(595.28, 841.89)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    when = datetime(2024, 2, 1, 10, tzinfo=timezone.utc)
    one = pdf.merge([sheets(1), sheets(2)], sheets(3), "Title", "ar", when)
    assert one == pdf.merge([sheets(1), sheets(2)], sheets(3), "Title", "ar", when)
    reader = PdfReader(io.BytesIO(one))
    assert len(reader.pages) == 3
    assert reader.metadata["/CreationDate"] == "D:20240201100000+00'00'" == reader.metadata["/ModDate"]
    assert reader.trailer["/ID"][0] == reader.trailer["/ID"][1] != b"\0" * 16
    with pytest.raises(pdf.PrintError, match="2 footers for 3 pages"):
        pdf.merge([sheets(1), sheets(2)], sheets(2), "Title", "ar", when)
