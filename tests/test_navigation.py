"""Navigation and the archive (issue 15, part 4): the other-language link, previous/next within a
language, readable anchors, links on mentions of Methods and Data dictionary, the weekly and daily
archive pages, and which weeks and days ``run --all`` publishes."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from helpers.base.periods import parse
from helpers.book import pages, sphinx_ext, toc
from helpers.book.toc import ReportIndex, ReportNotebook
from helpers.pipeline import runner
from helpers.pipeline.jobs import RunError


# --- the same page in the other language -----------------------------------------------------------

def test_counterpart_is_the_same_page_in_the_other_language():
    assert sphinx_ext.counterpart("reports/2024-12/en/02_channels", "ar") == "reports/2024-12/ar/02_channels"
    assert sphinx_ext.counterpart("reports/2024-W52/ar/20_weekly", "en") == "reports/2024-W52/en/20_weekly"
    assert sphinx_ext.counterpart("en/months/2024-12", "ar") == "ar/months/2024-12"
    assert sphinx_ext.counterpart("ar/methods", "en") == "en/methods"
    # the landing pages: index is English, ar/index Arabic
    assert sphinx_ext.counterpart("index", "ar") == "ar/index"
    assert sphinx_ext.counterpart("ar/index", "en") == "index"
    # a page in the language asked for, or in none, has no counterpart
    assert sphinx_ext.counterpart("en/methods", "en") is None
    assert sphinx_ext.counterpart("genindex", "ar") is None
    assert sphinx_ext.counterpart("reports/2024-12/tables/x", "ar") is None


# a hand-made reading order: the English part, then the Arabic part (Sphinx's relations:
# {doc: [parent, previous, next]})
ORDER = ["index", "en/months", "en/weekly", "reports/2024-W52/en/20_weekly", "en/audit",
         "ar/index", "ar/months", "ar/weekly", "reports/2024-W52/ar/20_weekly", "ar/audit"]
RELATIONS = {doc: [None, ORDER[i - 1] if i else None, ORDER[i + 1] if i + 1 < len(ORDER) else None]
             for i, doc in enumerate(ORDER)}


def test_previous_and_next_stay_within_the_language():
    near = sphinx_ext.same_language_neighbour
    assert near(RELATIONS, "ar/months", 1) == "ar/index"
    assert near(RELATIONS, "ar/months", 2) == "ar/weekly"
    # the first Arabic page has no Arabic page before it; the last English none after it
    assert near(RELATIONS, "ar/index", 1) is None
    assert near(RELATIONS, "en/audit", 2) is None
    assert near(RELATIONS, "en/months", 1) == "index"
    # without the Arabic landing page in the order, the Arabic months page has no previous page
    # (never "Audit", the last English page)
    order = [d for d in ORDER if d != "ar/index"]
    relations = {doc: [None, order[i - 1] if i else None, order[i + 1] if i + 1 < len(order) else None]
                 for i, doc in enumerate(order)}
    assert relations["ar/months"][1] == "en/audit"
    assert near(relations, "ar/months", 1) is None
    # a loop in the relations ends
    assert near({"ar/a": [None, "en/b", None], "en/b": [None, "en/c", None], "en/c": [None, "en/b", None]},
                "ar/a", 1) is None


class FakeBuilder:
    """What the hooks ask of Sphinx's HTML builder."""

    format = "html"
    relations = RELATIONS

    def get_relative_uri(self, here: str, target: str) -> str:
        import posixpath
        return posixpath.relpath(target, posixpath.dirname(here) or ".") + ".html"

    def render_partial(self, node) -> dict:
        return {"title": node.astext()}


def fake_app(found: list[str]) -> SimpleNamespace:
    titles = {doc: nodes.title(text=f"T {doc}") for doc in found}
    return SimpleNamespace(builder=FakeBuilder(), env=SimpleNamespace(found_docs=set(found), titles=titles))


def test_page_context_gets_the_language_link_and_same_language_neighbours():
    app = fake_app(ORDER)
    context = {"body": "<section><h1>x</h1></section>", "metatags": "",
               "prev": {"link": "../en/audit.html", "title": "Audit"}, "next": {"link": "weekly.html", "title": "W"},
               "rellinks": [("genindex", "Index", "I", "index"), ("ar/weekly", "W", "N", "next"),
                            ("en/audit", "Audit", "P", "previous")]}
    sphinx_ext._navigation(app, "ar/months", "page.html", context, doctree=object())
    assert context["body"].startswith(
        '<p class="goldbook-lang-switch"><a class="goldbook-lang-link" href="../en/months.html" hreflang="en" '
        'lang="en" dir="ltr" title="هذه الصفحة باللغة الإنجليزية">English</a></p>\n<section>')
    assert '<link rel="alternate" hreflang="en" href="../en/months.html" />' in context["metatags"]
    assert context["prev"] == {"link": "index.html", "title": "T ar/index"}
    assert context["next"] == {"link": "weekly.html", "title": "T ar/weekly"}
    assert sorted(context["rellinks"]) == [("ar/index", "T ar/index", "P", "previous"),
                                           ("ar/weekly", "T ar/weekly", "N", "next"),
                                           ("genindex", "Index", "I", "index")]
    # an English notebook page links to its Arabic twin; its Arabic name is the label
    context = {"body": "<p>b</p>", "metatags": "", "prev": None, "next": None}
    sphinx_ext._navigation(app, "reports/2024-W52/en/20_weekly", "page.html", context, doctree=object())
    assert 'href="../ar/20_weekly.html" hreflang="ar" lang="ar" dir="rtl" ' \
           'title="This page in Arabic">العربية</a>' in context["body"]
    assert context["prev"] is None and context["next"] is None


def test_no_language_link_when_the_other_page_is_not_in_the_book():
    app = fake_app([d for d in ORDER if d != "ar/weekly"])
    context = {"body": "<p>b</p>", "metatags": "", "prev": None, "next": None}
    sphinx_ext._navigation(app, "en/weekly", "page.html", context, doctree=object())
    assert context["body"] == "<p>b</p>" and context["metatags"] == ""
    # the English part's last page: its next page (the first Arabic one) is dropped
    context = {"body": "<p>b</p>", "metatags": "", "prev": {"link": "x", "title": "x"},
               "next": {"link": "../ar/index.html", "title": "الرئيسية"}}
    sphinx_ext._navigation(app, "en/audit", "page.html", context, doctree=object())
    assert context["next"] is None
    assert context["prev"] == {"link": "../reports/2024-W52/en/20_weekly.html",
                               "title": "T reports/2024-W52/en/20_weekly"}
    # a page with its own switch (the landing page's) gets no second one, only the head's link
    context = {"body": '<p class="gb-lang goldbook-lang-switch"><a>English</a></p>', "metatags": "",
               "prev": None, "next": None}
    sphinx_ext._navigation(app, "ar/index", "page.html", context, doctree=object())
    assert context["body"] == '<p class="gb-lang goldbook-lang-switch"><a>English</a></p>'
    assert context["metatags"] == '<link rel="alternate" hreflang="en" href="../index.html" />\n'


# --- readable anchors -----------------------------------------------------------------------------

def parsed(text: str) -> nodes.document:
    """reStructuredText parsed by docutils, which gives a title without ASCII letters an ``idN`` id."""
    settings = get_default_settings(Parser)
    settings.auto_id_prefix = "id"          # as Sphinx sets it
    document = new_document("<test>", settings)
    Parser().parse(text, document)
    return document


def test_anchor_slug_keeps_words_of_any_script():
    assert sphinx_ext.anchor_slug("الفصول الشهرية") == "الفصول-الشهرية"
    assert sphinx_ext.anchor_slug("أداء القنوات: ديسمبر 2024") == "أداء-القنوات-ديسمبر-2024"
    assert sphinx_ext.anchor_slug("مُرقّمة بإصدارات") == "مرقمة-بإصدارات"     # diacritics dropped
    assert sphinx_ext.anchor_slug("الأسبوع 52، 2024 (من 2024-12-22)") == "الأسبوع-52-2024-من-2024-12-22"
    assert sphinx_ext.anchor_slug("Channels: December (A–B)") == "channels-december-a-b"
    assert sphinx_ext.anchor_slug("؟ – !") == ""


def test_sections_with_automatic_ids_get_a_readable_first_id():
    doctree = parsed("الفصول\n======\n\nنص.\n\nحسب المركز\n----------\n\nأ.\n\nحسب المركز\n----------\n\nب.\n\n"
                     "Methods\n-------\n\nc.\n\n؟\n-\n\nd.\n")
    before = [list(s["ids"]) for s in doctree.findall(nodes.section)]
    assert before == [["id1"], ["id2"], ["id3"], ["methods"], ["id4"]]   # what docutils gives
    sphinx_ext._readable_anchors(None, doctree)
    after = [s["ids"] for s in doctree.findall(nodes.section)]
    # unique in the page, the automatic id kept second; an ASCII id and a title of no word untouched
    assert after == [["الفصول", "id1"], ["حسب-المركز", "id2"], ["حسب-المركز-2", "id3"], ["methods"], ["id4"]]
    assert doctree.ids["حسب-المركز-2"] is list(doctree.findall(nodes.section))[2]
    assert doctree.ids["id3"] is list(doctree.findall(nodes.section))[2]


# --- mentions of Methods and Data dictionary -------------------------------------------------------

def test_mentions_of_the_reference_pages_become_links():
    doctree = parsed("Channels\n========\n\nDefinitions are on the Methods page; columns in the Data dictionary.\n\n"
                     "Methods and more\n----------------\n\nCode ``Methods`` and Methodsx stay.\n")
    app = fake_app(["en/methods", "en/data_dictionary", "reports/2024-12/en/02_channels"])
    sphinx_ext._link_mentions(app, doctree, "reports/2024-12/en/02_channels")
    links = [(r.astext(), r["refuri"]) for r in doctree.findall(nodes.reference)]
    assert links == [("Methods", "../../../en/methods.html"), ("Data dictionary", "../../../en/data_dictionary.html")]
    first = next(iter(doctree.findall(nodes.paragraph)))
    assert first.astext() == "Definitions are on the Methods page; columns in the Data dictionary."
    # the section title and the code keep their text
    assert [t.astext() for t in doctree.findall(nodes.title)] == ["Channels", "Methods and more"]


def test_arabic_mentions_link_to_the_arabic_pages_and_a_page_never_links_itself():
    doctree = parsed("عنوان\n=====\n\nالتعريفات في صفحة المنهجية، والأعمدة في قاموس البيانات.\n")
    app = fake_app(["ar/methods", "ar/data_dictionary"])
    sphinx_ext._link_mentions(app, doctree, "ar/data_dictionary")
    assert [(r.astext(), r["refuri"]) for r in doctree.findall(nodes.reference)] == [("المنهجية", "methods.html")]
    # a page not in the book is not linked
    doctree = parsed("عنوان\n=====\n\nانظر المنهجية.\n")
    sphinx_ext._link_mentions(fake_app(["ar/data_dictionary"]), doctree, "ar/audit")
    assert not list(doctree.findall(nodes.reference))


# --- the archive ------------------------------------------------------------------------------------

def archive_index() -> ReportIndex:
    """Three English weeks (one reaching into November but with its middle day in October) and
    three days over two months; one Arabic week."""
    specs = [("2024-W40", "en"), ("2024-W44", "en"), ("2024-W48", "en"), ("2024-W48", "ar"),
             ("2024-12-31", "en"), ("2024-12-01", "en"), ("2024-11-28", "en")]
    return ReportIndex([ReportNotebook(parse(p, week_starts="Sun"), lang, "20_weekly" if "W" in p else "10_daily",
                                       "weekly.title" if "W" in p else "daily.title") for p, lang in specs])


def test_weekly_archive_lists_every_week_by_month_newest_first():
    page = pages.archive_page(archive_index(), "week", "en")
    body = page[page.index("# Weekly reports"):]
    assert body == (
        "# Weekly reports\n\n"
        "Every published weekly customer-satisfaction report for centre supervisors, by month, newest first "
        "(3 in all). The latest: [Week 48, 2024 (2024-11-24 to 2024-11-30)]"
        "(../reports/2024-W48/en/20_weekly.ipynb).\n\n"
        "## November 2024\n\n"
        "- [Week 48, 2024 (2024-11-24 to 2024-11-30)](../reports/2024-W48/en/20_weekly.ipynb)\n\n"
        "## October 2024\n\n"
        # 27 October – 2 November: its middle day, the 30th, is in October
        "- [Week 44, 2024 (2024-10-27 to 2024-11-02)](../reports/2024-W44/en/20_weekly.ipynb)\n"
        "- [Week 40, 2024 (2024-09-29 to 2024-10-05)](../reports/2024-W40/en/20_weekly.ipynb)\n")
    assert "page-dir: ltr" in page


def test_daily_archive_by_month_and_in_arabic():
    page = pages.archive_page(archive_index(), "day", "en")
    assert page[page.index("## December"):] == (
        "## December 2024\n\n"
        "- [Tuesday 31 December 2024](../reports/2024-12-31/en/10_daily.ipynb)\n"
        "- [Sunday 1 December 2024](../reports/2024-12-01/en/10_daily.ipynb)\n\n"
        "## November 2024\n\n"
        "- [Thursday 28 November 2024](../reports/2024-11-28/en/10_daily.ipynb)\n")
    assert "(3 in all)" in page
    ar = pages.archive_page(archive_index(), "week", "ar")
    assert "# التقارير الأسبوعية\n" in ar and "(عددها 1)" in ar and "## نوفمبر 2024\n" in ar
    assert "- [الأسبوع 48، 2024 (من 2024-11-24 إلى 2024-11-30)](../reports/2024-W48/ar/20_weekly.ipynb)" in ar
    assert "page-dir: rtl" in ar
    # nothing published yet: one sentence
    assert "لم يُنشر أي تقرير يومي بعد." in pages.archive_page(archive_index(), "day", "ar")
    assert "## " not in pages.archive_page(archive_index(), "day", "ar")


def test_a_period_with_several_notebooks_links_each_by_name():
    week = parse("2024-W48", week_starts="Sun")
    reports = ReportIndex([ReportNotebook(week, "en", "20_weekly", "weekly.title"),
                           ReportNotebook(week, "en", "21_extra", None)])
    page = pages.archive_page(reports, "week", "en")
    assert ("- Week 48, 2024 (2024-11-24 to 2024-11-30): [Weekly customer satisfaction](../reports/2024-W48/en/"
            "20_weekly.ipynb) · [21_extra](../reports/2024-W48/en/21_extra.ipynb)\n") in page.replace(
        pages.t("weekly.title", "en"), "Weekly customer satisfaction")
    assert [e["title"] for e in toc.archive_entries(reports, "week", "en")] == [
        f"Week 48, 2024 (2024-11-24 to 2024-11-30) · {pages.t('weekly.title', 'en')}",
        "Week 48, 2024 (2024-11-24 to 2024-11-30) · 21_extra"]


def test_toc_holds_every_published_week_and_day():
    contents = toc.book_toc(archive_index())
    en, ar = ({c["file"]: c for c in part["chapters"]} for part in contents["parts"])
    weekly, daily = en["en/weekly"], en["en/daily"]
    assert (weekly["file"], weekly["title"]) == ("en/weekly", "Weekly reports")
    assert [s["file"] for s in weekly["sections"]] == [
        "reports/2024-W48/en/20_weekly", "reports/2024-W44/en/20_weekly", "reports/2024-W40/en/20_weekly"]
    assert weekly["sections"][0]["title"] == "Week 48, 2024 (2024-11-24 to 2024-11-30)"
    assert [s["title"] for s in daily["sections"]] == [
        "Tuesday 31 December 2024", "Sunday 1 December 2024", "Thursday 28 November 2024"]
    assert [s["file"] for s in ar["ar/weekly"]["sections"]] == ["reports/2024-W48/ar/20_weekly"]
    assert "sections" not in ar["ar/daily"]


def test_landing_reading_links_count_the_archive():
    text = pages._reading_links(archive_index(), "en", "index.md")
    assert ("- [Weekly reports](en/weekly.md): 3 published, the latest "
            "[Week 48, 2024 (2024-11-24 to 2024-11-30)](reports/2024-W48/en/20_weekly.ipynb)\n") in text
    assert "- [Daily reports](en/daily.md): 3 published, the latest [Tuesday 31 December 2024]" in text
    ar = pages._reading_links(archive_index(), "ar", "ar/index.md")
    assert "- [التقارير اليومية](daily.md): لا يوجد تقرير يومي بعد\n" in ar
    assert "المنشور منها 1، وأحدثها [الأسبوع 48" in ar


# --- which weeks and days run --all publishes ------------------------------------------------------

def archive_root(base: Path, archive: str, week_starts: str = "Sun") -> Path:
    root = base / f"root{len(list(base.iterdir()))}"
    (root / "config").mkdir(parents=True)
    (root / "config" / "entity.yaml").write_text(f"calendar: {{week_starts: {week_starts}}}\narchive: {archive}\n")
    return root


# days with tickets per month, by hand: working days only (16 and 17 December are holidays)
TICKET_DAYS = {"2024-09": ["2024-09-29", "2024-09-30"],
               "2024-10": ["2024-10-01", "2024-10-31"],
               "2024-11": ["2024-11-28"],
               "2024-12": ["2024-12-01", "2024-12-02", "2024-12-15", "2024-12-18", "2024-12-29", "2024-12-30",
                           "2024-12-31"]}


@pytest.fixture
def processed(monkeypatch):
    def use(months):
        monkeypatch.setattr(runner, "processed_months", lambda r=None: list(months))
        monkeypatch.setattr(runner, "ticket_days", lambda month, r=None: TICKET_DAYS.get(month, []))
        monkeypatch.setattr(runner, "latest_day_with_tickets", lambda month, r=None: TICKET_DAYS[month][-1])
    return use


def test_run_all_publishes_the_weeks_of_the_latest_quarter_and_the_days_of_the_latest_month(processed, tmp_path):
    processed(["2024-09", "2024-10", "2024-11", "2024-12"])
    periods = runner.all_periods(archive_root(tmp_path, "{weeks: quarter, days: month}"))
    assert periods[:5] == ["2024-09", "2024-10", "2024-11", "2024-12", "2024"]
    # Sunday weeks: W40 is 29 September – 5 October (middle day 2 October, in Q4) … W52 is
    # 22–28 December; 29 December – 4 January reaches into unprocessed January
    assert periods[5:18] == [f"2024-W{n}" for n in range(40, 53)]
    assert periods[18:] == TICKET_DAYS["2024-12"]
    # without September, week 40 cannot be published
    processed(["2024-10", "2024-11", "2024-12"])
    periods = runner.all_periods(archive_root(tmp_path, "{weeks: quarter, days: month}"))
    assert [p for p in periods if "W" in p] == [f"2024-W{n}" for n in range(41, 53)]


def test_archive_spans_shorter_and_longer(processed, tmp_path):
    processed(["2024-09", "2024-10", "2024-11", "2024-12"])
    # the month's weeks (middle day in December: 1–7 … 22–28 December) and its last week's days
    # (Sunday 29 December – Saturday 4 January: the 29th, 30th and 31st had tickets)
    periods = runner.all_periods(archive_root(tmp_path, "{weeks: month, days: week}"))
    assert periods[5:] == ["2024-W49", "2024-W50", "2024-W51", "2024-W52", "2024-12-29", "2024-12-30", "2024-12-31"]
    # the latest only, as before the archive
    assert runner.all_periods(archive_root(tmp_path, "{weeks: latest, days: latest}"))[5:] == ["2024-W52", "2024-12-31"]
    # a quarter of days reaches back to the quarter's first processed day; a year of weeks to the
    # first week whose months are all processed (1–7 September, W36; W35 ends on 31 August)
    periods = runner.all_periods(archive_root(tmp_path, "{weeks: year, days: quarter}"))
    assert [p for p in periods if "W" in p] == [f"2024-W{n}" for n in range(36, 53)]
    assert [p for p in periods if p.count("-") == 2] == ["2024-10-01", "2024-10-31", "2024-11-28",
                                                         *TICKET_DAYS["2024-12"]]
    # ISO weeks (Monday): the quarter's weeks run from 30 September (W40, middle day 3 October)
    # to 23–29 December (W52); 30 December – 5 January reaches into January
    iso = runner.all_periods(archive_root(tmp_path, "{weeks: quarter, days: latest}", week_starts="Mon"))
    assert [p for p in iso if "W" in p] == [f"2024-W{n}" for n in range(40, 53)]
    assert iso[-1] == "2024-12-31"


def test_archive_defaults_and_a_wrong_span(processed, tmp_path):
    processed(["2024-12"])
    root = tmp_path / "plain"
    (root / "config").mkdir(parents=True)
    (root / "config" / "entity.yaml").write_text("calendar: {week_starts: Sun}\n")
    # no archive block: the weeks of the quarter (here only December's, the one processed month)
    # and the days of the month
    assert runner.all_periods(root)[2:] == ["2024-W49", "2024-W50", "2024-W51", "2024-W52", *TICKET_DAYS["2024-12"]]
    assert runner.archive_spans({}) == ("quarter", "month")
    assert runner.archive_spans({"archive": {"days": "week"}}) == ("quarter", "week")
    with pytest.raises(RunError, match="archive.weeks is 'fortnight'"):
        runner.all_periods(archive_root(tmp_path, "{weeks: fortnight}"))


class FakeSiteMap(dict):
    """sphinx-external-toc's site map in short: ``{doc: children}`` from the root ``index``."""

    root = SimpleNamespace(docname="index")

    def __getitem__(self, doc):
        return SimpleNamespace(child_files=lambda: dict.__getitem__(self, doc))


def site_map(days: list[str]) -> FakeSiteMap:
    return FakeSiteMap({"index": ["en/daily", "ar/index"], "ar/index": ["ar/daily"],
                        "en/daily": [f"reports/{d}/en/10_daily" for d in days],
                        "ar/daily": [f"reports/{d}/ar/10_daily.ipynb" for d in days],
                        **{f"reports/{d}/{lang}/10_daily": [] for d in days for lang in ("en", "ar")},
                        **{f"reports/{d}/ar/10_daily.ipynb": [] for d in days}})


def test_reading_order_and_the_pages_whose_navigation_a_new_report_changes():
    order = sphinx_ext.reading_order(site_map(["2024-12-31", "2024-12-30"]))
    assert order == ["index", "en/daily", "reports/2024-12-31/en/10_daily", "reports/2024-12-30/en/10_daily",
                     "ar/index", "ar/daily", "reports/2024-12-31/ar/10_daily", "reports/2024-12-30/ar/10_daily"]
    signatures = sphinx_ext.navigation_signatures(order, set(order))
    assert signatures["ar/index"] == (None, "ar/daily", ("index",))
    assert signatures["reports/2024-12-30/en/10_daily"] == ("reports/2024-12-31/en/10_daily", None,
                                                            ("reports/2024-12-30/ar/10_daily",))
    # a build that adds a day (newest first): read again are the pages whose previous/next page
    # changed, the archive pages and the former newest day of each language; the first build
    # only records
    env = SimpleNamespace(found_docs=set(order))
    app = SimpleNamespace(config=SimpleNamespace(external_site_map=site_map(["2024-12-31", "2024-12-30"])))
    assert sphinx_ext._navigation_changed(app, env) == set()
    assert sphinx_ext._navigation_changed(app, env) == set()
    new = sphinx_ext.reading_order(site_map(["2025-01-01", "2024-12-31", "2024-12-30"]))
    env.found_docs = set(new)
    app.config.external_site_map = site_map(["2025-01-01", "2024-12-31", "2024-12-30"])
    assert sphinx_ext._navigation_changed(app, env) == {
        "en/daily", "reports/2024-12-31/en/10_daily", "ar/daily", "reports/2024-12-31/ar/10_daily",
        "reports/2025-01-01/en/10_daily", "reports/2025-01-01/ar/10_daily"}
