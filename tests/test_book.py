"""The published book: pages, table of contents, the publish check, and one small real build."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import jupyter_book.sphinx
import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from test_headline import VIRTUAL, _month, _scores

from helpers.base import messages
from helpers.base.config import load_config
from helpers.base.messages import LANGS
from helpers.base.paths import CODE_ROOT, get_paths
from helpers.base.periods import parse
from helpers import cli
from helpers.book import build, check, chrome, pages, toc
from helpers.book.toc import ReportIndex, ReportNotebook
from helpers.chapters import headline
from helpers.pipeline import ledger
from helpers.pipeline.ledger import Edition
from helpers.report import publish
from helpers.report.publish import table_csv

# --- small pure pieces ---------------------------------------------------------------------------

def test_page_language_from_the_page_path():
    assert toc.page_language("ar/months/2024-03") == "ar"
    assert toc.page_language("en/methods") == "en"
    assert toc.page_language("reports/2024-03/ar/01_overview") == "ar"
    assert toc.page_language("reports/2024-W05/en/01_overview") == "en"
    assert toc.page_language("index") is None
    assert toc.page_language("reports/2024-03/tables/x") is None


def _real_headline_csv(tmp_path: Path) -> Path:
    """``overview_headline.csv`` as the overview chapter writes it, from real ``headline()`` output
    on the hand-worked month of ``test_headline`` (1,200 transactions, 60% virtual, 85% CSAT)."""
    kpi = {"digital_take_up": {"assisted_digital_counts_as_digital": True, "target": 0.6},
           "csat": {"top_box": [4, 5], "confidence": 0.95, "target": 0.9}, "significance": {"alpha": 0.05}}
    frame = headline.headline(_month(1000, 600, abandoned=200), _scores(850, 1000), _month(1000, 550),
                              _scores(830, 1000), kpi, VIRTUAL, _month(800, 400), _scores(800, 1000))
    path = tmp_path / "overview_headline.csv"
    path.write_bytes(table_csv(frame))
    return path


def test_headline_table_renders_the_chapters_csv_in_each_language(tmp_path):
    rows = pages.read_csv_records(_real_headline_csv(tmp_path))
    assert rows[0]["value"] == "1200" and rows[1]["significant"] == "True"     # strings, as read
    en = pages.headline_table(rows, "en").splitlines()
    # p-values worked out in test_headline: 0.0237 and 2.2e-5 (virtual share), 0.2225 and 0.00326 (CSAT)
    assert en[0] == ("| Measure | Value | Previous month | Change | 95% interval | Same month last year | "
                     "Change in a year | Target | p-value | Significant | p-value (last year) | "
                     "Significant (last year) |")
    assert en[2] == "| Transactions | 1,200 | 1,000 | +200 | – | 800 | +400 | – | – | – | – | – |"
    assert en[3] == ("| Virtual share (digital take-up) | 60.0% | 55.0% | +5.0 pp | – | 50.0% | +10.0 pp | 60.0% | "
                     "0.024 | statistically significant | &lt; 0.001 | statistically significant |")
    assert en[4] == ("| CSAT (share scoring 4–5) | 85.0% | 83.0% | +2.0 pp | 82.7% – 87.1% | 80.0% | +5.0 pp | "
                     "90.0% | 0.223 | within normal variation | 0.003 | statistically significant |")
    ar = pages.headline_table(rows, "ar")
    assert "| المعاملات | 1,200 | 1,000 | \u2066+200\u2069 |" in ar and "\u2066+5.0\u2069 نقطة مئوية" in ar and "ذو دلالة إحصائية" in ar
    assert pages.headline_table([], "en") == ""


def test_headline_table_escapes_unknown_text_from_the_csv():
    rows = [{"metric": "<b>x|y</b>", "value": "3", "significant": "True"}]
    table = pages.headline_table(rows, "en")
    assert table.splitlines()[2] == "| &lt;b&gt;x\\|y&lt;/b&gt; | 3 | statistically significant |"


def test_book_escapes_with_the_one_escaper():
    assert pages.escape_markdown is publish.escape_markdown
    assert not hasattr(pages, "md_escape")


def test_link_is_relative_to_the_page():
    assert pages.link("Overview", "reports/2024-03/en/01_overview.ipynb", "en/months/2024-03.md") == \
        "[Overview](../../reports/2024-03/en/01_overview.ipynb)"
    assert pages.link("a [b]", "en/methods.md", "index.md") == "[a \\[b\\]](en/methods.md)"


def test_setting_values_for_readers():
    assert pages.setting_value("service_level.thresholds_seconds.walk_in", 900, "en") == "15.0 min"
    assert pages.setting_value("csat.target", 0.9, "en") == "90%"
    assert pages.setting_value("nps.promoters", [9, 10], "en") == "9–10"
    assert pages.setting_value("x.scores", [3, 5], "en") == "3, 5"
    # [low, high] under a range setting is a range, consecutive or not
    assert pages.setting_value("nps.detractors", [0, 6], "en") == "0–6"
    assert pages.setting_value("nps.promoters", [9, 10], "ar") == "9–10"
    assert pages.setting_value("x.scores", [0, 6], "en") == "0, 6"
    assert pages.setting_value("csat.top_box", [4, 5], "en") == "4–5"
    assert pages.setting_value("feedback.resolution_sla_days", 5, "en") == "5 days"
    assert pages.setting_value("digital_take_up.assisted_digital_counts_as_digital", True, "ar") == "نعم"
    assert pages.setting_value("service_level.variant", "served_only", "en").startswith("served only")
    assert pages.setting_label("service_level.thresholds_seconds.phone", "en") == "Service-level threshold: phone"
    assert pages.setting_label("new.thing", "en") == "`new.thing`"


def _index(*specs, week_starts="Sun") -> ReportIndex:
    return ReportIndex([ReportNotebook(parse(p, week_starts=week_starts), lang, name, "overview.title")
                        for p, lang, name in specs])


def test_toc_parts_months_newest_first_notebooks_in_file_order():
    reports = _index(("2024-01", "en", "02_b"), ("2024-01", "en", "01_a"), ("2024-02", "en", "01_a"),
                     ("2024-02", "ar", "01_a"), ("2024-W05", "en", "01_a"), ("2024-W04", "en", "01_a"),
                     ("2024-01-31", "ar", "01_a"), ("2024", "en", "01_a"))
    contents = toc.book_toc(reports)
    assert contents["format"] == "jb-book" and contents["root"] == "index"
    en, ar = contents["parts"]
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
    # every published week, newest first (tests/test_navigation.py tests the archive)
    assert [s["file"] for s in weekly["sections"]] == ["reports/2024-W05/en/01_a", "reports/2024-W04/en/01_a"]
    assert "sections" not in en["chapters"][2]                                     # no English day
    assert ar["chapters"][0]["file"] == "ar/index"                                 # the Arabic landing first
    assert [s["file"] for s in ar["chapters"][3]["sections"]] == ["reports/2024-01-31/ar/01_a"]
    assert [m["file"] for m in ar["chapters"][1]["sections"]] == ["ar/months/2024-02"]
    assert en["chapters"][3]["sections"][0]["sections"][0]["file"] == "reports/2024/en/01_a"


def test_methods_page_prints_kpi_settings_and_every_methods_key(monkeypatch):
    real = messages.catalogue()
    extra = {"methods.zeta.1": {"en": "Zeta one.", "ar": "زيتا واحد."},
             "methods.zeta.10": {"en": "Zeta ten.", "ar": "زيتا عشرة."},
             "methods.zeta.2": {"en": "Zeta two.", "ar": "زيتا اثنان."},
             "methods.alpha.two": {"en": "Alpha two.", "ar": "ألفا اثنان."}}
    monkeypatch.setattr(messages, "catalogue", lambda *a, **k: {**real, **extra})

    cfg = load_config()
    page = pages.methods_page(cfg, "en")
    # sorted by key, numbered keys in number order
    assert page.index("Alpha two.") < page.index("Zeta one.") < page.index("Zeta two.") < page.index("Zeta ten.")
    assert f"Version {cfg.kpi['version']} of the KPI settings, from configuration version {cfg.version}." in page
    assert "| Service-level variant | served only" in page
    assert "| Short abandons left out (below) | 10 s |" in page
    assert f"| NPS detractors (scores) | {cfg.kpi['nps']['detractors'][0]}–{cfg.kpi['nps']['detractors'][1]} |" in page
    assert "page-dir: ltr" in page
    assert "page-dir: rtl" in pages.methods_page(cfg, "ar")


TEAM_CSV = ("centre_id,staff,leavers,responses,team_csat,team_csat_previous,team_csat_change,compliments,"
            "compliments_per_1000,compliments_per_1000_before,morale\n"
            "seef,10,0,1411,0.887314,0.874396,0.0129178,25,3.72967,4.19699,steady\n"
            "virtual,26,1,3557,0.888951,0.883946,0.00500497,58,3.00036,3.91107,under_strain\n")


def _landing(tmp_path: Path, team: str | None) -> dict[str, str]:
    """The English and the Arabic landing page of a root whose 2024-12 has a team view (no tiles)."""
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    tables = tmp_path / "reports" / "2024-12" / "tables"
    tables.mkdir(parents=True)
    shutil.copy(_real_headline_csv(tmp_path), tables / "overview_headline.csv")
    if team is not None:
        (tables / "recognition_team.csv").write_text(team, encoding="utf-8")
    reports = _index(("2024-12", "en", "01_overview"), ("2024-12", "ar", "01_overview"))
    return {lang: pages.landing_page(get_paths(tmp_path), reports, load_config(tmp_path), lang) for lang in LANGS}


def test_landing_page_per_language_shows_the_team_view(tmp_path):
    page = _landing(tmp_path, TEAM_CSV)
    en, ar = page["en"], page["ar"]
    assert "page-dir: ltr" in en and "page-dir: rtl" in ar
    # the recognition chapter's team view, per centre, names from config, below the (missing) tiles
    assert "## Team morale by centre: December 2024" in en
    assert "| Centre | Team satisfaction | Change | Compliments per 1,000 | Morale |" in en
    assert "| Seef Mall | 88.7% | +1.3 pp | 3.7 | steady |" in en
    assert "| Virtual Service Centre | 88.9% | +0.5 pp | 3.0 | under strain |" in en
    assert "| مجمع السيف | 88.7% | \u2066+1.3\u2069 نقطة مئوية | 3.7 | مستقرة |" in ar
    assert "Seef Mall" not in ar and "مجمع السيف" not in en


@pytest.mark.parametrize("team", [None, "centre_id,morale\nseef,steady\n", TEAM_CSV.replace("steady", "<b>x</b>")])
def test_landing_page_without_a_readable_team_view_leaves_it_out(tmp_path, team):
    page = _landing(tmp_path, team)
    assert "Team morale" not in page["en"] and "<b>x</b>" not in page["en"] + page["ar"]


def test_audit_page_one_table_per_kind_with_the_verify_command():
    rows = [{"period": "2024-01", "kind": "month", "input_files": 5, "commit": "abc123def456", "clean": False,
             "verify": "goldbook verify 2024-01"},
            {"period": "2024-W05", "kind": "week", "input_files": 2, "commit": None, "clean": True,
             "verify": "goldbook verify 2024-W05"}]
    page = pages.audit_page(rows, "en")
    assert "## Months" in page and "## Weeks" in page and "## Days" not in page
    assert "| 2024-01 | 5 | `abc123def456` | No | `goldbook verify 2024-01` |" in page
    assert "| 2024-W05 | 2 | – | Yes | `goldbook verify 2024-W05` |" in page
    assert "No period has a manifest yet." in pages.audit_page([], "en")


EDITIONS = [Edition(1, "a" * 64, "2024-06-01", "first publication", (), "reports/2024-05/editions/1", False),
            Edition(2, "b" * 64, "2024-06-03", "inputs changed", ("data/raw/2024-05/surveys.csv",), "reports/2024-05",
                    True)]


def test_a_corrected_month_shows_the_correction_notice_in_each_language(tmp_path):
    paths, reports = get_paths(tmp_path), _index(("2024-05", "en", "01_overview"), ("2024-05", "ar", "01_overview"))
    period, kpi = parse("2024-05"), load_config().kpi
    en = pages.month_page(paths, reports, period, "en", kpi, EDITIONS)
    assert (":::{admonition} Corrected\n:class: note goldbook-correction\n\nCorrected on 2024-06-03: these inputs "
            "changed: `data/raw/2024-05/surveys.csv`. This is edition 2; the previous edition is edition 1, kept "
            "unchanged and listed on the Audit page.\n:::\n") in en
    assert en.index("# May 2024") < en.index(":::{admonition}") < en.index("The monthly chapter")
    assert "editions/" not in en                          # never a link into an unpublished folder
    ar = pages.month_page(paths, reports, period, "ar", kpi, EDITIONS)
    assert ":::{admonition} تصحيح\n" in ar and "صُحّح في 2024-06-03: تغيّرت هذه المدخلات: `data/raw/2024-05/surveys.csv`." in ar
    assert "هذه الطبعة 2، والطبعة السابقة هي الطبعة 1" in ar
    # one edition, or none: no notice
    for eds in ((), EDITIONS[:1]):
        assert "admonition" not in pages.month_page(paths, reports, period, "en", kpi, eds)
    # a republication without a changed input says so; the HTML form escapes and marks code
    rerun = [EDITIONS[0], dataclasses.replace(EDITIONS[1], changed_inputs=())]
    assert "Corrected on 2024-06-03: no input file changed. This is edition 2;" in pages.correction_notice(rerun, "en")
    odd = [EDITIONS[0], dataclasses.replace(EDITIONS[1], changed_inputs=("data/raw/<b>.csv",))]
    assert pages.notice_html(odd, "en") == (
        '<div class="admonition note goldbook-correction">\n<p class="admonition-title">Corrected</p>\n'
        '<p>Corrected on 2024-06-03: these inputs changed: <code class="docutils literal notranslate">'
        'data/raw/&lt;b&gt;.csv</code>. This is edition 2; the previous edition is edition 1, kept unchanged and '
        'listed on the Audit page.</p>\n</div>\n')
    assert pages.notice_html(EDITIONS[:1], "en") is None


def test_a_year_that_only_gained_a_month_is_updated_not_corrected():
    added = [EDITIONS[0], dataclasses.replace(EDITIONS[1], reason="inputs added",
                                              changed_inputs=("data/raw/2024-06/tickets.csv",))]
    assert pages.correction_notice(added, "en").startswith(
        "Updated on 2024-06-03 with new data: these inputs changed: `data/raw/2024-06/tickets.csv`. This is edition 2;")
    assert pages.correction_notice(added, "ar").startswith("حُدّث في 2024-06-03 ببيانات جديدة:")
    assert '<p class="admonition-title">Updated</p>' in pages.notice_html(added, "en")


def test_every_reason_the_runner_records_reads_in_both_languages():
    for reason in ledger.REASONS:
        en, ar = pages.reason_text(reason, "en"), pages.reason_text(reason, "ar")
        assert en and ar and en != ar, reason


def test_audit_page_lists_the_editions_of_each_period():
    rows = [{"period": "2024-05", "kind": "month", "verify": "goldbook verify 2024-05"}]
    page = pages.audit_page(rows, "en", {"2024-05": EDITIONS, "2024-06": [dataclasses.replace(EDITIONS[0],
                                                                                              current=True)]})
    table = page[page.index("## Editions"):]
    assert "| Period | Edition | Date | Reason | Inputs changed | Verify with |" in table
    assert "| 2024-05 | 1 | 2024-06-01 | first publication | – | `goldbook verify 2024-05 --edition 1` |" in table
    assert ("| 2024-05 | 2 (Current) | 2024-06-03 | inputs corrected | `data/raw/2024-05/surveys.csv` | "
            "`goldbook verify 2024-05` |") in table
    assert "| 2024-06 | 1 (Current) | 2024-06-01 | first publication | – | `goldbook verify 2024-06` |" in table
    ar = pages.audit_page(rows, "ar", {"2024-05": EDITIONS})
    assert "## الطبعات" in ar and "| 2 (الحالية) | 2024-06-03 | صُحّحت المدخلات |" in ar
    odd = dataclasses.replace(EDITIONS[0], reason="a reason <b>from elsewhere</b>")
    assert "| a reason &lt;b&gt;from elsewhere&lt;/b&gt; |" in pages.audit_page(rows, "en", {"2024-05": [odd]})
    assert "The ledger records no edition yet." in pages.audit_page(rows, "en")


# --- the publish check ---------------------------------------------------------------------------

CLEAN_PAGE = """<html><head><script src="_static/goldbook.js"></script>
<link rel="stylesheet" href="_static/goldbook.css"></head><body><article class="bd-article">
<p>Commit a1b2c3d4e5f6123456789abc, 1234567890 rows, 123456789.5 s, 2024-03-01, 45.0%.</p>
<p>&lt;script&gt;alert(1)&lt;/script&gt; escaped text is fine; so is a <a href="https://gov.example/home/x">link</a>.</p>
<p>onboarding=fine as text, C-12 is short.</p>
</article><script>var inline = "theme code outside the article";</script></body></html>"""


def _site(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


def test_check_published_passes_a_clean_page(tmp_path):
    assert check.check_published(_site(tmp_path, {"index.html": CLEAN_PAGE})) == []


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
    ('<a href=" JavaScript:alert(1)">x</a>', "script or event handler"),
    ("<a href='&#106;ava\tscript:alert(1)'>x</a>", "script or event handler"),
    ('<form><button formaction="javascript:x()">go</button></form>', "script or event handler"),
    ("<img src=x onerror=alert(1)>", "script or event handler"),
    ('<svg><a xlink:href="javascript:x()">x</a></svg>', "script or event handler"),
    ('<iframe src="x.html"></iframe>', "script or event handler"),
    ("<pre>&lt;IPython.core.display.Markdown object&gt;</pre>", "Python object shown"),
    ("<p>IPython.core.display.HTML</p>", "Python object shown"),
    ("<pre>&lt;IPython.lib.display.Audio at 1&gt;</pre>", "Python object shown"),
    ("<pre>&lt;pandas.io.formats.style.Styler object at 0x7f3a2c&gt;</pre>", "Python object shown"),
])
def test_check_published_flags_each_planted_problem(tmp_path, planted, what):
    if planted.startswith("</head>"):       # a theme-level script: in the head, not the content
        page = CLEAN_PAGE.replace("</head>", planted)
    else:
        page = CLEAN_PAGE.replace("</article>", planted + "</article>")
    problems = check.check_published(_site(tmp_path, {"en/page.html": page}))
    assert len(problems) == 1, problems
    assert problems[0].startswith("en/page.html:") and what in problems[0]


def test_check_published_lets_code_shown_as_text_be(tmp_path):
    quoted = ('<p>The customer wrote: &lt;a href=&quot;javascript: void(0)&quot;&gt; and javascript: void(0),'
              ' onclick=&quot;x()&quot; &lt;script&gt;alert(1)&lt;/script&gt;</p>'
              '<td title="javascript: void(0)">a href="javascript:x" onload=y</td><pre>&lt;img src=x onerror=a&gt;</pre>')
    page = CLEAN_PAGE.replace("</article>", quoted + "</article>")
    assert check.check_published(_site(tmp_path, {"en/page.html": page})) == []


def test_check_published_names_the_line_of_the_live_link(tmp_path):
    page = CLEAN_PAGE.replace("</article>", '<p>javascript: void(0)</p>\n<p>é\n<a href=" JavaScript:alert(1)">x</a></p></article>')
    problems = check.check_published(_site(tmp_path, {"en/page.html": page}))
    line = page[:page.index('<a href=" Java')].count("\n") + 1
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"en/page.html:{line}: script or event handler in the page content (")
    assert '<p>é <a href=" JavaScript:alert(1)">x</a>' in problems[0]


def test_check_published_knows_this_machines_own_folders(tmp_path):
    page = CLEAN_PAGE.replace("</article>", "<p>/srv/gold/data/raw, /srv/golden and /opt/env/lib</p></article>")
    site = _site(tmp_path, {"index.html": page})
    assert check.check_published(site) == []
    problems = check.check_published(site, forbidden=("/srv/gold", "/opt/env/", "relative", "/"))
    assert [p.split(": ")[1].split(" (")[0] for p in problems] == ["absolute path of this machine"] * 2
    assert "/srv/gold/data/raw" in problems[0] and "/opt/env/lib" in problems[1]


def test_check_published_reads_data_files_and_lets_theme_code_be(tmp_path):
    site = _site(tmp_path, {
        "searchindex.js": 'Search.setIndex({"t": "customer 880123456"})',
        "_static/theme.js": 'var tmp = "/tmp/"; var n = 123456789;',      # third-party code, not content
        "_static/theme.css": "body { background: url(https://example.org/bg.png); }",
    })
    problems = check.check_published(site)
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
        (tables / "recognition_team.csv").write_text(TEAM_CSV, encoding="utf-8")
        (root / "reports" / month / "manifest.json").write_text(json.dumps({
            "period": month, "inputs": [{"path": f"data/raw/{month}/tickets.csv", "sha256": "ab" * 32, "rows": 3}],
            "code": {"commit": "0123456789abcdef" * 2, "clean": True}, "lock": {"sha256": "cd" * 32},
            "outputs": {f"reports/{month}/en/01_overview.ipynb": "ef" * 32}}), encoding="utf-8")
    _plant_unpublished(root)
    _two_editions(root, "2024-02")
    # a feedback text quoting code, in a sentence and in a table cell (escaped, as pandas writes it)
    _notebook(root, "2024-02", "en", "03_quote", text='A customer wrote "javascript: void(0)" in the feedback.')
    quote = nbformat.read(root / "reports/2024-02/en/03_quote.ipynb", as_version=4)
    quote.cells[1].outputs[0]["data"]["text/html"] = (
        "<table class='goldbook-table'><tr><th>Comment</th></tr>"
        "<tr><td>click &lt;a href=&quot;javascript: void(0)&quot;&gt;here&lt;/a&gt;</td></tr></table>")
    nbformat.write(quote, root / "reports/2024-02/en/03_quote.ipynb")
    assert cli.main(["--root", str(root), "build"]) == 0         # `goldbook build` exits 0
    return root, root / "_build" / "html" / "index.html"


@pytest.mark.e2e
def test_build_lists_every_notebook_in_the_toc(built):
    root, index = built
    assert index == root / "_build" / "html" / "index.html" and index.is_file()
    contents = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    listed = json.dumps(contents)
    for month in MONTHS:
        for lang in ("en", "ar"):
            assert f'"reports/{month}/{lang}/01_overview"' in listed


@pytest.mark.e2e
def test_built_index_links_to_every_month_in_both_languages(built):
    """The English landing (index.html) and the Arabic one (ar/index.html) each link to every month
    of their language; the team view follows the (here missing) tiles, which say they are missing."""
    root, index = built
    landing = {"en": index.read_text(encoding="utf-8"),
               "ar": (root / "_build" / "html" / "ar" / "index.html").read_text(encoding="utf-8")}
    for month in MONTHS:
        assert f'href="en/months/{month}.html"' in landing["en"]
        assert f'href="../ar/months/{month}.html"' in landing["ar"] or f'href="months/{month}.html"' in landing["ar"]
        for lang in ("en", "ar"):
            assert (root / "_build" / "html" / lang / "months" / f"{month}.html").is_file()
    assert "Team morale by centre: February 2024" in landing["en"]
    assert "Seef Mall" in landing["en"] and "under strain" in landing["en"]
    assert "Seef Mall" not in landing["ar"] and "مجمع السيف" in landing["ar"]
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
def test_arabic_content_is_right_to_left_in_the_static_html(built):
    """Without JavaScript, an Arabic page's content is a dir="rtl" block inside <article>."""
    root, _ = built
    html_dir = root / "_build" / "html"
    block = '<div class="goldbook-rtl" dir="rtl" lang="ar">'
    for page in ("reports/2024-01/ar/01_overview.html", "ar/months/2024-02.html", "ar/methods.html"):
        text = (html_dir / page).read_text(encoding="utf-8")
        article = text[text.index("<article"):text.index("</article>")]
        assert article.count(block) == 1, page
        # the whole content is inside it: the page title and the last paragraph
        inner = article[article.index(block):]
        assert "<h1" in inner and article.rstrip().endswith("</div>"), page
    for page in ("reports/2024-01/en/01_overview.html", "en/methods.html", "index.html"):
        # only the link to the Arabic twin (its label is Arabic) reads right to left on an English page
        text = re.sub(r'<a [^>]*hreflang="ar"[^>]*>[^<]*</a>', "", (html_dir / page).read_text(encoding="utf-8"))
        assert 'dir="rtl"' not in text, page
    css = (html_dir / "_static" / "goldbook.css").read_text(encoding="utf-8")
    assert re.search(r"\.goldbook-rtl \{\s*direction: rtl;", css)


def _frame_labels(page: str) -> set[str]:
    """Text and label attributes a reader meets outside the content (<article>) and code."""
    class Frame(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.found = 0, set()

        def handle_starttag(self, tag, attrs):
            if tag in ("article", "script", "style"):
                self.inside += 1
            elif not self.inside:
                self.found |= {v.strip() for k, v in attrs
                               if k in ("title", "aria-label", "placeholder", "data-bs-title") and v}

        def handle_endtag(self, tag):
            if tag in ("article", "script", "style"):
                self.inside -= 1

        def handle_data(self, data):
            if not self.inside and data.strip():
                self.found.add(data.strip())

    parser = Frame()
    parser.feed(page)
    return parser.found


@pytest.mark.e2e
def test_the_theme_s_labels_are_arabic_on_arabic_pages(built):
    root, _ = built
    html_dir = root / "_build" / "html"
    english = chrome.labels("en", {"en": "Labour Fund"})
    frame_en = set().union(*(_frame_labels((html_dir / p).read_text(encoding="utf-8"))
                             for p in ("reports/2024-02/en/01_overview.html", "en/methods.html")))
    # the catalogue names the theme's labels as the theme writes them
    assert set(english) - frame_en == set()
    for page in ("reports/2024-02/ar/01_overview.html", "ar/methods.html"):
        frame_ar = _frame_labels((html_dir / page).read_text(encoding="utf-8"))
        assert frame_ar & set(english) == set(), page
        assert messages.t("chrome.back_to_top", "ar") in frame_ar and messages.t("chrome.search", "ar") in frame_ar
        # the sidebar's English part keeps its English page titles
        assert messages.t("book.methods.title", "en") in frame_ar, page


@pytest.mark.e2e
def test_built_book_loads_nothing_from_the_internet_and_passes_the_check(built):
    root, _ = built
    html_dir = root / "_build" / "html"
    remote = re.compile(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="(?:https?:)?//')
    for page in sorted(html_dir.rglob("*.html")):
        assert not remote.search(page.read_text(encoding="utf-8")), page
    assert not (html_dir / "_sources").exists()          # notebook sources (and their metadata) stay out
    assert check.check_published(html_dir) == []


@pytest.mark.e2e
def test_unchanged_book_skips_sphinx_and_a_touched_notebook_does_not(built, monkeypatch):
    root, index = built
    calls = []
    monkeypatch.setattr(jupyter_book.sphinx, "build_sphinx", lambda *a, **k: calls.append(k["jobs"]) or 0)
    assert build.build_book(root, jobs=1) == index and calls == []
    notebook = root / "reports/2024-01/en/01_overview.ipynb"
    stat = notebook.stat()
    os.utime(notebook, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    build.build_book(root, jobs=1)
    assert calls == [1]


@pytest.mark.e2e
def test_check_flags_a_planted_path_and_id_and_build_refuses_them(built, tmp_path):
    root, _ = built
    copy = tmp_path / "html"
    shutil.copytree(root / "_build" / "html", copy)
    page = copy / "en" / "methods.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</article>", "<p>/root/goldbook/data 880123456</p></article>"), encoding="utf-8")
    problems = check.check_published(copy)
    assert len(problems) == 2 and all(p.startswith("en/methods.html:") for p in problems)
    assert "absolute path" in problems[0] and "national ID" in problems[1]

    _notebook(root, "2024-02", "en", "02_leak", text="Customer 880123456 wrote in.")
    try:
        with pytest.raises(toc.BookError, match=r"reports/2024-02/en/02_leak.html:\d+: number that looks like a national ID"):
            build.build_book(root, quiet=True, jobs=1)
    finally:
        (root / "reports/2024-02/en/02_leak.ipynb").unlink()


# --- weeks follow the entity's first day (config calendar.week_starts) ----------------------------

def _with_week_start(cfg, week_starts: str):
    return dataclasses.replace(cfg, raw={**cfg.raw, "calendar": {**cfg.raw["calendar"], "week_starts": week_starts}})


def test_methods_page_says_what_a_week_is_and_defines_asa(tmp_path):
    cfg = load_config()                       # the model entity: weeks from Sunday
    en = pages.methods_page(cfg, "en")
    assert "## Periods" in en and en.index("## KPI definitions") < en.index("## Periods") < en.index("## KPI settings")
    assert "A week is the seven days from Sunday to Saturday (configuration calendar.week_starts)." in en
    assert "its middle day, the Wednesday," in en and "the one holding 4 January" in en
    assert "Example: week 2024-W01 runs from 2023-12-31 to 2024-01-06." in en
    ar = pages.methods_page(cfg, "ar")
    assert "## الفترات" in ar and "من الأحد إلى السبت" in ar and "يومه الأوسط، الأربعاء،" in ar
    assert "يمتد الأسبوع 2024-W01 من 2023-12-31 إلى 2024-01-06." in ar
    iso = pages.methods_page(_with_week_start(cfg, "Mon"), "en")
    assert "from Monday to Sunday" in iso and "the Thursday," in iso and "from 2024-01-01 to 2024-01-07." in iso
    # the wait definition names the average speed of answer beside the median and P90
    assert "average speed of answer (ASA, the mean wait), the median and the 90th percentile" in en
    assert "سرعة الرد (متوسط الانتظار) والوسيط والمئين التسعون" in ar
    # and the assumptions page says which days a weekly report covers
    paths = get_paths(tmp_path)
    assert "- Weekly reports run from Sunday to Saturday," in pages.assumptions_page(paths, cfg, "en")
    assert "تمتد التقارير الأسبوعية من الأحد إلى السبت" in pages.assumptions_page(paths, cfg, "ar")
    assert "run from Monday to Sunday" in pages.assumptions_page(paths, _with_week_start(cfg, "Mon"), "en")


def _week_reports(tmp_path: Path, week_starts: str) -> Path:
    root = tmp_path / week_starts
    shutil.copytree(CODE_ROOT / "config", root / "config")
    entity = root / "config" / "entity.yaml"
    entity.write_text(entity.read_text(encoding="utf-8").replace("week_starts: Sun", f"week_starts: {week_starts}"),
                      encoding="utf-8")
    for period in ("2024-W23", "2024-W24"):
        folder = root / "reports" / period / "en"
        folder.mkdir(parents=True)
        nb = new_notebook(cells=[new_markdown_cell("# x")])
        nb.metadata["goldbook"] = {"periods": ["week"], "title": "weekly.title"}
        nbformat.write(nb, str(folder / "20_weekly.ipynb"))
        (root / "reports" / period / "tables").mkdir()
        (root / "reports" / period / "tables" / "weekly_centres.csv").write_text("centre_id\nseef\n")
    return root


def test_book_reads_week_folders_with_the_configured_first_day(tmp_path):
    sunday = toc.find_reports(_week_reports(tmp_path, "Sun"))
    latest = sunday.latest("week", "en")
    assert (latest.label, latest.start.isoformat(), latest.last.isoformat()) == ("2024-W24", "2024-06-09", "2024-06-15")
    page = pages.archive_page(sunday, "week", "en")
    assert "Week 24, 2024 (2024-06-09 to 2024-06-15)" in page
    weekly = toc.book_toc(sunday)["parts"][0]["chapters"][1]
    assert [s["file"] for s in weekly["sections"]] == ["reports/2024-W24/en/20_weekly", "reports/2024-W23/en/20_weekly"]
    monday = toc.find_reports(_week_reports(tmp_path, "Mon")).latest("week", "en")
    assert (monday.start.isoformat(), monday.last.isoformat()) == ("2024-06-10", "2024-06-16")
    iso_page = pages.archive_page(toc.find_reports(tmp_path / "Mon"), "week", "en")
    assert "Week 24, 2024 (2024-06-10 to 2024-06-16)" in iso_page
    # the data dictionary only needs a folder's kind, whatever the first day
    assert pages.analyst_tables(get_paths(tmp_path / "Sun"))["weekly_centres"]["kinds"] == {"week"}


def test_the_build_fingerprint_covers_every_module_of_the_book_package(tmp_path, monkeypatch):
    """A change to any module under helpers/book (pages, toc, check, the Sphinx extension…) rebuilds."""
    package = Path(build.__file__).parent
    assert {p.name for p in build.BOOK_MODULES} == {p.name for p in package.glob("*.py")}
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    copies = []
    for module in build.BOOK_MODULES:
        copies.append(tmp_path / "code" / module.name)
        copies[-1].parent.mkdir(exist_ok=True)
        copies[-1].write_bytes(module.read_bytes())
    monkeypatch.setattr(build, "BOOK_MODULES", tuple(copies))
    paths, reports = get_paths(tmp_path), toc.find_reports(tmp_path)
    before = build._fingerprint(paths, {}, "", reports)
    assert build._fingerprint(paths, {}, "", reports) == before
    sphinx_ext = next(c for c in copies if c.name == "sphinx_ext.py")
    sphinx_ext.write_bytes(sphinx_ext.read_bytes() + b"# a change\n")
    assert build._fingerprint(paths, {}, "", reports) != before


# --- only published periods reach the book -------------------------------------------------------

UNPUBLISHED = (".staging-x/2024-03/en", ".staging-x/en", ".failed/2024-03/en", ".ingest/2024-03/en",
               "2024-02/editions/1/en", "2024-02.old-1/en", ".hidden/en", "2024-01/.draft/en")


def test_find_reports_takes_only_published_period_folders(tmp_path):
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    _notebook(tmp_path, "2024-01", "en", "01_overview")
    for folder in UNPUBLISHED:
        _notebook(tmp_path, folder.rsplit("/", 1)[0], "en", "01_overview")
    _notebook(tmp_path, "2024-01", "en", ".02_hidden")
    found = toc.find_reports(tmp_path)
    assert len(found) == 1
    assert [nb.file for p in found.periods("month") for nb in found.notebooks(p, "en")] == [
        "reports/2024-01/en/01_overview.ipynb"]


def _plant_unpublished(root: Path) -> None:
    """A notebook with a marker sentence in every ``UNPUBLISHED`` folder, and a table beside some."""
    for folder in UNPUBLISHED:
        _notebook(root, folder.rsplit("/", 1)[0], "en", "01_overview", text="Zyxwunpublished sentence.")
    for folder in (".staging-x/2024-03", ".failed/2024-03", "2024-02/editions/1", "2024-02.old-1"):
        tables = root / "reports" / folder / "tables"
        tables.mkdir(parents=True, exist_ok=True)
        (tables / "zyxw_leaked.csv").write_text("zyxw_column\n1\n", encoding="utf-8")


def test_unpublished_names():
    assert [n for n in ("2024-01", ".staging-1-x", ".failed", "_x", "2024-01.old-3", "en", ".draft")
            if not toc.unpublished(n)] == ["2024-01", "en"]


def test_data_dictionary_reads_only_published_tables(tmp_path):
    (tmp_path / "reports/2024-01/tables").mkdir(parents=True)
    (tmp_path / "reports/2024-01/tables/overview_headline.csv").write_text("metric\n", encoding="utf-8")
    _plant_unpublished(tmp_path)
    assert list(pages.analyst_tables(get_paths(tmp_path))) == ["overview_headline"]


@pytest.mark.e2e
def test_unpublished_folders_stay_out_of_the_html_and_the_search_index(built):
    """Staging, failed runs, old editions, old copies and hidden folders hold notebooks (planted by
    ``built``): the build exited 0 and none of them is a page, in the search index or in the data
    dictionary."""
    root, _ = built
    html_dir = root / "_build" / "html"
    leaked = [p.relative_to(html_dir).as_posix() for p in html_dir.rglob("*")
              if any(part in p.relative_to(html_dir).as_posix() for part in
                     (".staging", ".failed", ".ingest", "editions", ".old-", ".hidden", ".draft"))]
    assert leaked == []
    assert "zyxw" not in (html_dir / "searchindex.js").read_text(encoding="utf-8").lower()
    assert not any("zyxw" in p.read_text(encoding="utf-8").lower() for p in html_dir.rglob("*.html"))
    assert "A sentence for readers" in (html_dir / "reports/2024-01/en/01_overview.html").read_text(encoding="utf-8")
    # the sources hold them indeed: only the build leaves them out
    assert "Zyxwunpublished" in (root / "reports/.failed/2024-03/en/01_overview.ipynb").read_text(encoding="utf-8")


@pytest.mark.e2e
def test_a_feedback_text_quoting_code_is_published_as_text(built):
    root, _ = built
    page = (root / "_build/html/reports/2024-02/en/03_quote.html").read_text(encoding="utf-8")
    article = page[page.index("<article"):page.index("</article>")]
    assert "A customer wrote “javascript: void(0)” in the feedback." in article or \
        'A customer wrote "javascript: void(0)" in the feedback.' in article
    assert "click &lt;a href=&quot;javascript: void(0)&quot;&gt;here&lt;/a&gt;" in article
    assert 'href="javascript' not in article


def _two_editions(root: Path, period: str) -> None:
    """Two ledger lines for ``period`` (pipeline.ledger): the first publication and a correction."""
    ledger.append(ledger.new_entry(period, 1, "a" * 64, "first publication", time="2024-06-01T08:00:00+00:00"), root)
    ledger.append(ledger.new_entry(period, 2, "b" * 64, "inputs changed", time="2024-06-03T09:30:00+00:00",
                                   changed_inputs=[{"path": f"data/raw/{period}/surveys.csv", "before": "c" * 64,
                                                    "after": "d" * 64}]), root)


@pytest.mark.e2e
def test_the_corrected_month_s_pages_carry_the_notice_and_the_audit_page_its_editions(built):
    root, _ = built
    html_dir = root / "_build" / "html"
    # MyST's inline code (the month page) and the extension's (the notebook pages)
    code = ('<code class="docutils literal notranslate"><span class="pre">data/raw/2024-02/surveys.csv</span></code>',
            '<code class="docutils literal notranslate">data/raw/2024-02/surveys.csv</code>')
    for page in ("en/months/2024-02.html", "reports/2024-02/en/01_overview.html", "reports/2024-02/en/03_quote.html"):
        text = (html_dir / page).read_text(encoding="utf-8")
        article = text[text.index("<article"):text.index("</article>")]
        assert "Corrected on 2024-06-03: these inputs changed: " in article, page
        assert "This is edition 2; the previous edition is edition 1" in article, page
        assert any(c in article for c in code), page
        assert article.index("</h1>") < article.index("Corrected on"), page
        assert "editions/" not in article, page
    for page in ("ar/months/2024-02.html", "reports/2024-02/ar/01_overview.html"):
        text = (html_dir / page).read_text(encoding="utf-8")
        assert "صُحّح في 2024-06-03" in text and '<div class="goldbook-rtl" dir="rtl" lang="ar">' in text, page
    for page in ("en/months/2024-01.html", "reports/2024-01/en/01_overview.html"):
        assert "Corrected on" not in (html_dir / page).read_text(encoding="utf-8"), page
    audit_text = re.sub(r"<[^>]+>", "", (html_dir / "en/audit.html").read_text(encoding="utf-8"))
    assert "goldbook verify 2024-02 --edition 1" in audit_text and "inputs changed" in audit_text
