"""The published book: pages, table of contents, the publish check, and one small real build."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers import book, messages
from helpers.book import ReportIndex, ReportNotebook
from helpers.paths import CODE_ROOT
from helpers.periods import parse


# --- small pure pieces ---------------------------------------------------------------------------

def test_page_language_from_the_page_path():
    assert book.page_language("ar/months/2024-03") == "ar"
    assert book.page_language("en/methods") == "en"
    assert book.page_language("reports/2024-03/ar/01_overview") == "ar"
    assert book.page_language("reports/2024-W05/en/01_overview") == "en"
    assert book.page_language("index") is None
    assert book.page_language("reports/2024-03/tables/x") is None


def test_metric_unit_explicit_unit_wins_then_the_metric_id():
    assert book.metric_unit("csat") == "share"
    assert book.metric_unit("virtual_share") == "share"
    assert book.metric_unit("median_wait") == "seconds"
    assert book.metric_unit("transactions") == "count"
    assert book.metric_unit("transactions", unit="share") == "share"
    assert book.metric_unit("csat", unit="") == "share"


def test_headline_table_formats_each_measure_in_each_language():
    rows = [
        {"metric": "transactions", "value": "31000", "previous": "30000", "change": "1000", "low": "", "high": ""},
        {"metric": "virtual_share", "value": "0.45", "previous": "0.43", "change": "0.02", "low": "", "high": ""},
        {"metric": "csat", "value": "0.86", "previous": "0.85", "change": "-0.01", "low": "0.84", "high": "0.88"},
    ]
    en = book.headline_table(rows, "en").splitlines()
    # low/high become one interval column after the change
    assert en[0] == "| Measure | Value | Previous month | Change | 95% interval |"
    assert en[2] == "| Transactions | 31,000 | 30,000 | +1,000 |  |"
    assert en[3] == "| Virtual share (digital take-up) | 45.0% | 43.0% | +2.0 pp |  |"
    assert en[4] == "| CSAT (share scoring 4–5) | 86.0% | 85.0% | -1.0 pp | 84.0% – 88.0% |"
    ar = book.headline_table(rows, "ar")
    assert "+2.0 نقطة مئوية" in ar and "المعاملات" in ar
    assert book.headline_table([], "en") == ""


def test_headline_table_reads_significance_and_escapes_unknown_text():
    rows = [{"metric": "<b>x</b>", "value": "3", "significant": "True", "note": "a|b"}]
    table = book.headline_table(rows, "en")
    assert "statistically significant" in table
    assert "<b>" not in table and "&lt;b&gt;" in table
    assert "a\\|b" in table          # a pipe in data cannot split the table


def test_md_escape_neutralises_markup_from_data():
    assert book.md_escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert book.md_escape("[x](http://a)") == "\\[x\\](http://a)"
    assert book.md_escape("$5 *bold*") == "\\$5 \\*bold\\*"


def test_link_is_relative_to_the_page():
    assert book.link("Overview", "reports/2024-03/en/01_overview.ipynb", "en/months/2024-03.md") == \
        "[Overview](../../reports/2024-03/en/01_overview.ipynb)"
    assert book.link("a [b]", "en/methods.md", "index.md") == "[a \\[b\\]](en/methods.md)"


def test_setting_values_for_readers():
    assert book.setting_value("service_level.thresholds_seconds.walk_in", 900, "en") == "15.0 min"
    assert book.setting_value("csat.target", 0.9, "en") == "90%"
    assert book.setting_value("nps.promoters", [9, 10], "en") == "9–10"
    assert book.setting_value("x.scores", [3, 5], "en") == "3, 5"
    assert book.setting_value("feedback.resolution_sla_days", 5, "en") == "5 days"
    assert book.setting_value("digital_take_up.assisted_digital_counts_as_digital", True, "ar") == "نعم"
    assert book.setting_value("service_level.variant", "served_only", "en").startswith("served only")
    assert book.setting_label("service_level.thresholds_seconds.phone", "en") == "Service-level threshold: phone"
    assert book.setting_label("new.thing", "en") == "`new.thing`"


def _index(*specs) -> ReportIndex:
    return ReportIndex([ReportNotebook(parse(p), lang, name, "overview.title") for p, lang, name in specs])


def test_toc_parts_months_newest_first_notebooks_in_file_order():
    reports = _index(("2024-01", "en", "02_b"), ("2024-01", "en", "01_a"), ("2024-02", "en", "01_a"),
                     ("2024-02", "ar", "01_a"), ("2024-W05", "en", "01_a"), ("2024-W04", "en", "01_a"),
                     ("2024-01-31", "ar", "01_a"), ("2024", "en", "01_a"))
    toc = book.book_toc(reports)
    assert toc["format"] == "jb-book" and toc["root"] == "index"
    en, ar = toc["parts"]
    assert en["caption"] == "English" and ar["caption"] == "العربية"
    files = [c["file"] for c in en["chapters"]]
    assert files == ["en/months", "en/weekly", "en/daily", "en/annual", "en/methods", "en/data_dictionary",
                     "en/assumptions", "en/audit"]
    months = en["chapters"][0]["sections"]
    assert [m["file"] for m in months] == ["en/months/2024-02", "en/months/2024-01"]
    assert [m["title"] for m in months] == ["February 2024", "January 2024"]
    assert [s["file"] for s in months[1]["sections"]] == ["reports/2024-01/en/01_a", "reports/2024-01/en/02_b"]
    assert months[1]["sections"][0]["title"] == "Overview"
    weekly = en["chapters"][1]
    assert [s["file"] for s in weekly["sections"]] == ["reports/2024-W05/en/01_a"]   # latest week only
    assert "sections" not in en["chapters"][2]                                     # no English day
    assert [s["file"] for s in ar["chapters"][2]["sections"]] == ["reports/2024-01-31/ar/01_a"]
    assert [m["file"] for m in ar["chapters"][0]["sections"]] == ["ar/months/2024-02"]
    assert en["chapters"][3]["sections"][0]["sections"][0]["file"] == "reports/2024/en/01_a"


def test_methods_page_prints_kpi_settings_and_every_methods_key(monkeypatch):
    real = messages.catalogue()
    extra = {"methods.zeta.1": {"en": "Zeta one.", "ar": "زيتا واحد."},
             "methods.zeta.10": {"en": "Zeta ten.", "ar": "زيتا عشرة."},
             "methods.zeta.2": {"en": "Zeta two.", "ar": "زيتا اثنان."},
             "methods.alpha.two": {"en": "Alpha two.", "ar": "ألفا اثنان."}}
    monkeypatch.setattr(messages, "catalogue", lambda *a, **k: {**real, **extra})
    from helpers.config import load_config

    cfg = load_config()
    page = book.methods_page(cfg, "en")
    # sorted by key, numbered keys in number order
    assert page.index("Alpha two.") < page.index("Zeta one.") < page.index("Zeta two.") < page.index("Zeta ten.")
    assert f"Version {cfg.kpi['version']} of the KPI settings, from configuration version {cfg.version}." in page
    assert "| Service-level variant | served only" in page
    assert "| Short abandons left out (below) | 10 s |" in page
    assert "page-dir: ltr" in page
    assert "page-dir: rtl" in book.methods_page(cfg, "ar")


def test_audit_page_one_table_per_kind_with_the_verify_command():
    rows = [{"period": "2024-01", "kind": "month", "input_files": 5, "commit": "abc123def456", "clean": False,
             "verify": "goldbook verify 2024-01"},
            {"period": "2024-W05", "kind": "week", "input_files": 2, "commit": None, "clean": True,
             "verify": "goldbook verify 2024-W05"}]
    page = book.audit_page(rows, "en")
    assert "## Months" in page and "## Weeks" in page and "## Days" not in page
    assert "| 2024-01 | 5 | `abc123def456` | No | `goldbook verify 2024-01` |" in page
    assert "| 2024-W05 | 2 | – | Yes | `goldbook verify 2024-W05` |" in page
    assert "No period has a manifest yet." in book.audit_page([], "en")


# --- the publish check ---------------------------------------------------------------------------

CLEAN_PAGE = """<html><head><script src="_static/goldbook.js"></script>
<link rel="stylesheet" href="_static/goldbook.css"></head><body><article class="bd-article">
<p>Commit a1b2c3d4e5f6123456789abc, 1234567890 rows, 123456789.5 s, 2024-03-01, 45.0%.</p>
<p>&lt;script&gt;alert(1)&lt;/script&gt; escaped text is fine; so is a <a href="https://gov.example/home/x">link</a>.</p>
<p>onboarding=fine as text, C-12 is short.</p>
</article><script>var inline = "theme code outside the article";</script></body></html>"""


def _site(tmp_path: Path, pages: dict[str, str]) -> Path:
    for rel, text in pages.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


def test_check_published_passes_a_clean_page(tmp_path):
    assert book.check_published(_site(tmp_path, {"index.html": CLEAN_PAGE})) == []


@pytest.mark.parametrize("planted, what", [
    ("<p>saved in /home/alice/goldbook/x.csv</p>", "absolute path"),
    ("<p>see /tmp/pytest-1/reports</p>", "absolute path"),
    ('<p>"C:\\\\Users\\\\bob"</p>', "absolute path"),
    ("<p>customer 880123456 called</p>", "national ID"),
    ("<td>C-7F3A9B21</td>", "customer reference"),
    ('<img src="https://cdn.example.org/x.png">', "asset loaded from the internet"),
    ('</head><script src="//cdn.example.org/x.js"></script>', "asset loaded from the internet"),
    ("<style>@import url(https://fonts.example/x.css);</style>", "stylesheet loads from the internet"),
    ("<script>alert(1)</script>", "script or event handler"),
    ('<img src="x" onerror="alert(1)">', "script or event handler"),
    ('<a href="javascript:alert(1)">x</a>', "script or event handler"),
])
def test_check_published_flags_each_planted_problem(tmp_path, planted, what):
    if planted.startswith("</head>"):       # a theme-level script: in the head, not the content
        page = CLEAN_PAGE.replace("</head>", planted)
    else:
        page = CLEAN_PAGE.replace("</article>", planted + "</article>")
    problems = book.check_published(_site(tmp_path, {"en/page.html": page}))
    assert len(problems) == 1, problems
    assert problems[0].startswith("en/page.html:") and what in problems[0]


def test_check_published_knows_this_machines_own_folders(tmp_path):
    page = CLEAN_PAGE.replace("</article>", "<p>/srv/gold/data/raw, /srv/golden and /opt/env/lib</p></article>")
    site = _site(tmp_path, {"index.html": page})
    assert book.check_published(site) == []
    problems = book.check_published(site, forbidden=("/srv/gold", "/opt/env/", "relative", "/"))
    assert [p.split(": ")[1].split(" (")[0] for p in problems] == ["absolute path of this machine"] * 2
    assert "/srv/gold/data/raw" in problems[0] and "/opt/env/lib" in problems[1]


def test_check_published_reads_data_files_and_lets_theme_code_be(tmp_path):
    site = _site(tmp_path, {
        "searchindex.js": 'Search.setIndex({"t": "customer 880123456"})',
        "_static/theme.js": 'var tmp = "/tmp/"; var n = 123456789;',      # third-party code, not content
        "_static/theme.css": "body { background: url(https://example.org/bg.png); }",
    })
    problems = book.check_published(site)
    assert len(problems) == 2, problems
    assert problems[0].startswith("_static/theme.css:1: stylesheet loads from the internet")
    assert problems[1].startswith("searchindex.js:1: number that looks like a national ID")


# --- one small real build ------------------------------------------------------------------------

def _notebook(root: Path, period: str, lang: str, name: str, text: str = "", direction_meta: bool = True) -> None:
    """A hand-made executed notebook, with the metadata the runner writes (``direction_meta``:
    the ``myst.html_meta`` page direction; without it the book's Sphinx hook must add it)."""
    title = "نظرة عامة" if lang == "ar" else "Overview"
    md = new_markdown_cell(f"# {title}: {period}\n\nA sentence for readers. {text}")
    code = new_code_cell("rep.table(frame, 'overview_volumes')", execution_count=1)
    code.outputs = [new_output("display_data", data={
        "text/html": "<table class='goldbook-table'><tr><th>Centre</th></tr><tr><td>Seef Mall</td></tr></table>",
        "text/plain": "Seef Mall"})]
    nb = new_notebook(cells=[md, code])
    nb.metadata["goldbook"] = {"periods": ["month"], "title": "overview.title", "period": period, "lang": lang}
    if direction_meta:
        nb.metadata["myst"] = {"html_meta": {"page-dir": "rtl" if lang == "ar" else "ltr", "language": lang}}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = root / "reports" / period / lang / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


MONTHS = ("2024-01", "2024-02")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("bookroot")
    shutil.copytree(CODE_ROOT / "config", root / "config")
    for month in MONTHS:
        for lang in ("en", "ar"):
            _notebook(root, month, lang, "01_overview", direction_meta=month != MONTHS[0])
        tables = root / "reports" / month / "tables"
        tables.mkdir(parents=True)
        (tables / "overview_headline.csv").write_text(
            "metric,value,previous,change,low,high\ntransactions,1200,1000,200,,\n"
            "csat,0.8,0.75,0.05,0.7,0.9\n", encoding="utf-8")
        (root / "reports" / month / "manifest.json").write_text(json.dumps({
            "period": month, "inputs": [{"path": f"data/raw/{month}/tickets.csv", "sha256": "ab" * 32, "rows": 3}],
            "code": {"commit": "0123456789abcdef" * 2, "clean": True}, "lock": {"sha256": "cd" * 32},
            "outputs": {f"reports/{month}/en/01_overview.ipynb": "ef" * 32}}), encoding="utf-8")
    index = book.build_book(root, quiet=True, jobs=1)
    return root, index


@pytest.mark.e2e
def test_build_lists_every_notebook_in_the_toc(built):
    root, index = built
    assert index == root / "_build" / "html" / "index.html" and index.is_file()
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    listed = json.dumps(toc)
    for month in MONTHS:
        for lang in ("en", "ar"):
            assert f'"reports/{month}/{lang}/01_overview"' in listed


@pytest.mark.e2e
def test_built_index_links_to_every_month_in_both_languages(built):
    root, index = built
    html = index.read_text(encoding="utf-8")
    for month in MONTHS:
        for lang in ("en", "ar"):
            assert f'href="{lang}/months/{month}.html"' in html
            assert (root / "_build" / "html" / lang / "months" / f"{month}.html").is_file()
    # the headline figures of the latest month, formatted for readers
    assert "Headline figures: February 2024" in html and "+5.0 pp" in html and "70.0% – 90.0%" in html
    month_page = (root / "_build/html/en/months/2024-02.html").read_text(encoding="utf-8")
    assert 'href="../../reports/2024-02/en/01_overview.html"' in month_page


@pytest.mark.e2e
def test_arabic_pages_are_marked_right_to_left(built):
    root, _ = built
    html_dir = root / "_build" / "html"
    meta = re.compile(r'<meta (?:content="rtl" name="page-dir"|name="page-dir" content="rtl") ?/?>')
    # 2024-01's notebooks lack the runner's metadata: the book's Sphinx hook marks them
    for page in ("reports/2024-01/ar/01_overview.html", "reports/2024-02/ar/01_overview.html",
                 "ar/months/2024-01.html", "ar/methods.html"):
        text = (html_dir / page).read_text(encoding="utf-8")
        assert len(meta.findall(text)) == 1, page
        assert '<script src="' in text and "_static/goldbook.js" in text
    english = (html_dir / "reports/2024-01/en/01_overview.html").read_text(encoding="utf-8")
    assert not meta.search(english)


@pytest.mark.e2e
def test_built_book_loads_nothing_from_the_internet_and_passes_the_check(built):
    root, _ = built
    html_dir = root / "_build" / "html"
    remote = re.compile(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="(?:https?:)?//')
    for page in sorted(html_dir.rglob("*.html")):
        assert not remote.search(page.read_text(encoding="utf-8")), page
    assert not (html_dir / "_sources").exists()          # notebook sources (and their metadata) stay out
    assert book.check_published(html_dir) == []


@pytest.mark.e2e
def test_unchanged_book_skips_sphinx_and_a_touched_notebook_does_not(built, monkeypatch):
    import jupyter_book.sphinx

    root, index = built
    calls = []
    monkeypatch.setattr(jupyter_book.sphinx, "build_sphinx", lambda *a, **k: calls.append(k["jobs"]) or 0)
    assert book.build_book(root, jobs=1) == index and calls == []
    notebook = root / "reports/2024-01/en/01_overview.ipynb"
    stat = notebook.stat()
    os.utime(notebook, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    book.build_book(root, jobs=1)
    assert calls == [1]


@pytest.mark.e2e
def test_check_flags_a_planted_path_and_id_and_build_refuses_them(built, tmp_path):
    root, _ = built
    copy = tmp_path / "html"
    shutil.copytree(root / "_build" / "html", copy)
    page = copy / "en" / "methods.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</article>", "<p>/root/goldbook/data 880123456</p></article>"), encoding="utf-8")
    problems = book.check_published(copy)
    assert len(problems) == 2 and all(p.startswith("en/methods.html:") for p in problems)
    assert "absolute path" in problems[0] and "national ID" in problems[1]

    _notebook(root, "2024-02", "en", "02_leak", text="Customer 880123456 wrote in.")
    try:
        with pytest.raises(book.BookError, match=r"reports/2024-02/en/02_leak.html:\d+: number that looks like a national ID"):
            book.build_book(root, quiet=True, jobs=1)
    finally:
        (root / "reports/2024-02/en/02_leak.ipynb").unlink()
