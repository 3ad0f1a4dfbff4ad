"""The landing page's tiles, headline sentence and sparklines, worked out by hand on tiny frames
(helpers.chapters.landing, landing_view, helpers.book.landing)."""

import math
import shutil
from types import SimpleNamespace

import pandas as pd
import pytest

from helpers.base.config import ConfigError, load_config
from helpers.base.paths import CODE_ROOT, get_paths
from helpers.base.periods import parse
from helpers.book import landing as book_landing
from helpers.book import pages
from helpers.book.toc import ReportIndex, ReportNotebook, book_toc
from helpers.chapters import landing, landing_view
from helpers.measures import kpis
from helpers.report.publish import table_csv

ST = kpis.KpiSettings(thresholds={"walk_in": 900.0, "phone": 20.0}, virtual_channels=("phone",))
KPI = {"digital_take_up": {"target": 0.6, "assisted_digital_counts_as_digital": True},
       "csat": {"top_box": [4, 5], "target": 0.9}, "service_level": {"target": 0.8}}
NEAR = {"share_pp": 0.02, "relative": 0.10, "points": 2.0}
STEADY = {"share": 0.002, "relative": 0.02}
CFG = {"near": NEAR, "steady": STEADY, "months": 12}


def _ticket(i, month, centre, channel, wait):
    created = pd.Timestamp(f"{month}-10 09:00")
    started = created + pd.Timedelta(seconds=wait)
    return {"ticket_id": f"t{i}", "centre_id": centre, "channel_id": channel, "service_id": "s",
            "created_at": created, "booked": False, "called_at": started, "started_at": started,
            "ended_at": started + pd.Timedelta(minutes=5), "outcome": "completed", "resolved_first_contact": True,
            "assisted_digital": False}


# (month, centre, channel, waits in seconds): every ticket completed
TICKETS = [("2024-12", "A", "walk_in", [600, 600, 1200, 1200]), ("2024-12", "B", "phone", [10, 10, 10, 30]),
           ("2024-11", "A", "walk_in", [300, 300]), ("2024-11", "B", "phone", [10, 10]),
           ("2023-12", "A", "walk_in", [1200]), ("2023-12", "B", "phone", [30, 30, 30])]
SURVEYS = [("2024-12", "A", [5, 4, 2]), ("2024-12", "B", [5, 5, 5, 1]), ("2024-11", "A", [5]), ("2024-11", "B", [1])]


def _frames():
    rows = [_ticket(f"{m}{c}{k}", m, c, ch, w) for m, c, ch, waits in TICKETS for k, w in enumerate(waits)]
    tickets = pd.DataFrame(rows)
    surveys = pd.DataFrame([{"centre_id": c, "submitted_at": pd.Timestamp(f"{m}-12 10:00"), "csat": s}
                            for m, c, scores in SURVEYS for s in scores])
    fb = pd.DataFrame([
        {"received_at": pd.Timestamp("2024-12-03"), "kind": "complaint", "source": "email", "centre_id": "A"},
        {"received_at": pd.Timestamp("2024-12-04"), "kind": "compliment", "source": "email", "centre_id": "A"},
        {"received_at": pd.Timestamp("2024-12-05"), "kind": "compliment", "source": "satisfaction_system",
         "centre_id": "B"},
        {"received_at": pd.Timestamp("2024-12-06"), "kind": "compliment", "source": "satisfaction_system",
         "centre_id": "B"},
        # October has no ticket: its complaint makes no rate, and October is no month at all
        {"received_at": pd.Timestamp("2024-10-06"), "kind": "complaint", "source": "email", "centre_id": "A"},
    ])
    return tickets, surveys, fb


@pytest.fixture(scope="module")
def computed():
    tickets, surveys, fb = _frames()
    tiles, trend = landing.overview(tickets, surveys, fb, None, ST, KPI, CFG, "2024-12", ["A", "B"])
    return tiles.set_index(["scope", "measure"]), trend


def test_the_series_by_hand(computed):
    _, trend = computed
    assert landing.window("2024-12")[0] == "2023-12" and len(landing.window("2024-12")) == 13
    assert landing.window("2024-12", 6)[0] == "2023-12"        # a shorter sparkline still has last year
    assert len(landing.window("2024-12", 24)) == 25
    at = trend.set_index(["scope", "measure", "month"])["value"]
    # December: all 8 tickets; A 2 of 4 walk-ins within 900 s, B 3 of 4 phone calls within 20 s
    assert at[("all", "service_level", "2024-12")] == pytest.approx(5 / 8)
    assert at[("A", "service_level", "2024-12")] == pytest.approx(0.5)
    assert at[("B", "service_level", "2024-12")] == pytest.approx(0.75)
    assert at[("all", "virtual_share", "2024-12")] == pytest.approx(0.5)
    assert at[("all", "wait_walk_in", "2024-12")] == pytest.approx(900)
    assert math.isnan(at[("B", "wait_walk_in", "2024-12")])          # no walk-in counter
    assert at[("all", "csat", "2024-12")] == pytest.approx(5 / 7)     # 5, 4 | 5, 5, 5 of 7
    assert at[("A", "csat", "2024-12")] == pytest.approx(2 / 3)
    assert at[("all", "complaints_per_1000", "2024-12")] == pytest.approx(1000 / 8)
    assert at[("A", "complaints_per_1000", "2024-12")] == pytest.approx(250)
    assert at[("B", "complaints_per_1000", "2024-12")] == 0
    assert at[("all", "thank_yous", "2024-12")] == 2 and at[("A", "thank_yous", "2024-12")] == 0
    # November traded, so no complaint is 0; October did not, so it has no value at all
    assert at[("all", "complaints_per_1000", "2024-11")] == 0
    assert math.isnan(at[("all", "complaints_per_1000", "2024-10")])
    assert math.isnan(at[("all", "thank_yous", "2024-10")])


def test_the_tiles_by_hand(computed):
    tiles, _ = computed
    sl = tiles.loc[("all", "service_level")]
    assert (sl["value"], sl["previous"], sl["last_year"]) == (pytest.approx(0.625), 1.0, 0.0)
    assert sl["change"] == pytest.approx(-0.375) and sl["change_last_year"] == pytest.approx(0.625)
    assert sl["target"] == 0.8 and sl["status"] == "off"
    assert sl["months_off_target"] == 1 and sl["months_shown"] == 13     # November was on target
    assert tiles.loc[("all", "csat"), "status"] == "off"                 # 71.4% against 90%
    assert tiles.loc[("all", "virtual_share"), "status"] == "off"        # 50% against 60%
    # the take-up target is the entity's: a centre's own share is shown, not judged
    assert tiles.loc[("B", "virtual_share"), "status"] == "no_target"
    assert tiles.loc[("B", "virtual_share"), "value"] == 1.0
    wait = tiles.loc[("all", "wait_walk_in")]
    assert (wait["value"], wait["previous"], wait["last_year"], wait["status"]) == (900, 300, 1200, "no_target")
    assert tiles.loc[("B", "wait_walk_in"), "status"] == "no_data"
    assert tiles.loc[("A", "service_level"), "value"] == 0.5
    assert list(tiles.index.get_level_values(0).unique()) == ["all", "A", "B"]


@pytest.mark.parametrize("value, target, measure, expected", [
    (0.80, 0.8, "service_level", "on"), (0.79, 0.8, "service_level", "near"), (0.78, 0.8, "service_level", "near"),
    (0.77, 0.8, "service_level", "off"),
    (900, 900, "wait_walk_in", "on"), (990, 900, "wait_walk_in", "near"), (991, 900, "wait_walk_in", "off"),
    (600, 900, "wait_walk_in", "on"),                         # a shorter wait is better than its target
    (1.1, 1.0, "complaints_per_1000", "near"), (0.5, 1.0, "complaints_per_1000", "on"),
    (88.0, 90.0, "readiness", "near"), (87.9, 90.0, "readiness", "off"),
    (0.5, float("nan"), "csat", "no_target"), (float("nan"), 0.9, "csat", "no_data"),
])
def test_status_thresholds(value, target, measure, expected):
    assert landing.status(value, target, measure, NEAR) == expected


def test_months_off_target_counts_back_from_the_month():
    assert landing.months_off_target([0.7, 0.9, 0.7, 0.7], 0.8, "service_level", NEAR) == 2
    assert landing.months_off_target([0.7, 0.79], 0.8, "service_level", NEAR) == 0      # near is not off
    assert landing.months_off_target([1200, float("nan"), 1200], 900, "wait_walk_in", NEAR) == 1


def test_readiness_tiles_class_points_and_target():
    trend = pd.DataFrame([("A", "readiness", "2024-11", 80.0), ("A", "readiness", "2024-12", 88.0)],
                         columns=landing.TREND_COLUMNS)
    standing = pd.DataFrame([{"centre_id": "A", "classification": "silver", "next_class": "gold",
                              "points_to_next": 2.0}])
    r = SimpleNamespace(centres=("A", "V"), kinds={"A": "walk_in", "V": "virtual"},
                        bands={"walk_in": [{"class": "gold", "min_score": 90}, {"class": "silver", "min_score": 85}],
                               "virtual": [{"class": "platinum", "min_score": 95}, {"class": "gold", "min_score": 90}]})
    assert landing.readiness_targets(r) == {("A", "readiness"): 90.0, ("V", "readiness"): 95.0}
    assert landing.readiness_targets(r, {"virtual": "gold"})[("V", "readiness")] == 90.0
    # the highest class whatever the order of the bands, and a class the kind does not have is refused
    r_low_first = SimpleNamespace(centres=("A",), kinds={"A": "walk_in"}, bands={"walk_in": r.bands["walk_in"][::-1]})
    assert landing.readiness_targets(r_low_first) == {("A", "readiness"): 90.0}
    with pytest.raises(ConfigError, match="no class 'platinum'"):
        landing.readiness_targets(r, {"walk_in": "platinum"})
    tile = landing.tiles(trend, "2024-12", landing.readiness_targets(r), NEAR, standing).iloc[0]
    assert (tile["value"], tile["previous"], tile["change"], tile["status"]) == (88.0, 80.0, 8.0, "near")
    assert (tile["classification"], tile["next_class"], tile["points_to_next"]) == ("silver", "gold", 2.0)
    assert landing_view.readiness_line(tile.to_dict(), "en") == "Silver (88.0%), 2.0 points to Gold"
    top = dict(tile.to_dict(), classification="gold", next_class=None, points_to_next=float("nan"))
    assert landing_view.readiness_line(top, "en") == "Gold (88.0%), the top class"
    assert landing_view.readiness_line(dict(top, value=float("nan")), "en") == "no self-assessment this month"


def _tile(measure, value, previous, status="no_target", off=0, shown=13):
    return {"scope": "all", "measure": measure, "value": value, "target": float("nan"), "status": status,
            "previous": previous, "change": value - previous, "last_year": float("nan"),
            "change_last_year": float("nan"), "months_off_target": off, "months_shown": shown,
            "classification": None, "next_class": None, "points_to_next": float("nan")}


def test_headline_wording_follows_signs_and_good_directions():
    tiles = pd.DataFrame([
        _tile("service_level", 0.746, 0.745, "off", off=3),      # +0.1 pp: steady, not named
        _tile("csat", 0.886, 0.876, "near"),                      # +1.0 pp: rose, better
        _tile("wait_walk_in", 540.0, 600.0),                      # −10%: fell, better (lower is better)
        _tile("complaints_per_1000", 1.5, 1.0),                   # +50%: rose, worse
        _tile("thank_yous", 75.0, 95.0),                          # fell, worse (higher is better)
        _tile("virtual_share", 0.64, 0.63, "on"),                 # +1.0 pp: rose, better
    ])
    assert landing_view.headline(tiles, "en", STEADY) == (
        "Service level has missed its target for 3 months in a row. Since last month, customer satisfaction and "
        "digital take-up rose and the average walk-in wait fell (better); complaints per 1,000 transactions rose "
        "and thank-you messages fell (worse).")
    assert landing_view.headline(tiles, "ar", STEADY) == (
        "مستوى الخدمة دون المستهدف للشهر 3 على التوالي. مقارنة بالشهر السابق: ارتفاع رضا المتعاملين والتحول الرقمي "
        "وانخفاض متوسط الانتظار في الحضور الشخصي (تحسّن)؛ ارتفاع الشكاوى لكل 1,000 معاملة وانخفاض رسائل الشكر (تراجع).")
    # the run covers every month shown; only this month; several off target; none off but one near
    every = tiles.assign(months_off_target=[13, 0, 0, 0, 0, 0])
    assert landing_view.target_sentence(every, "en") == (
        "Service level has missed its target in each of the last 13 months.")
    once = tiles.assign(months_off_target=[1, 0, 0, 0, 0, 0])
    assert landing_view.target_sentence(once, "en") == "Service level missed its target this month."
    two = tiles.assign(status=["off", "off", "no_target", "no_target", "no_target", "on"],
                       months_off_target=[3, 5, 0, 0, 0, 0])
    assert landing_view.target_sentence(two, "en") == (
        "Customer satisfaction has missed its target for 5 months in a row; also off target: service level.")
    near = tiles.assign(status=["on", "near", "no_target", "no_target", "no_target", "on"])
    assert landing_view.target_sentence(near, "en") == "No measure is off target; near it: customer satisfaction."
    calm = tiles.assign(previous=tiles["value"], change=0.0)
    assert landing_view.movement_sentence(calm, "en", STEADY) == "Nothing moved much since last month."
    first = tiles.assign(previous=float("nan"), change=float("nan"))
    assert landing_view.movement_sentence(first, "en", STEADY) == "There is no earlier month to compare with."


def test_sparkline_points_scaled_by_hand():
    # width 100, height 28, pad 2: x from 2 to 98; y from 26 (lowest) to 2 (highest)
    assert landing_view.spark_points([1, 2, 3]) == [[(2.0, 26.0), (50.0, 14.0), (98.0, 2.0)]]
    # a missing month breaks the line: step 96/3 = 32
    assert landing_view.spark_points([1, float("nan"), 3, 1]) == [[(2.0, 26.0)], [(66.0, 2.0), (98.0, 26.0)]]
    assert landing_view.spark_points([5, 5]) == [[(2.0, 14.0), (98.0, 14.0)]]
    assert landing_view.spark_points([float("nan")]) == [] and landing_view.sparkline([None, None]) == ""
    svg = landing_view.sparkline([1, float("nan"), 3, 1], label="<b>")
    assert svg == ('<svg class="gb-spark" viewBox="0 0 100 28" width="100" height="28" role="img" '
                   'aria-label="&lt;b&gt;"><circle cx="2.0" cy="26.0" r="1.5"/><polyline points="66.0,2.0 98.0,26.0"/>'
                   '<circle class="gb-spark-last" cx="98.0" cy="26.0" r="2.2"/></svg>')
    assert landing_view.sparkline([3, 1, 2]) == landing_view.sparkline([3, 1, 2])


def test_block_names_missing_figures_and_escapes_names(computed):
    tiles, trend = computed
    html = landing_view.block_html(tiles.reset_index(), trend, "en", {"A": "Seef <Mall>", "B": "Virtual"}, STEADY,
                                   "December 2024", "reports/2024-12/en/01_overview.html")
    assert "Seef &lt;Mall&gt;" in html and "<Mall>" not in html
    assert "\n" not in html and "nan" not in html.lower().replace("nance", "")
    assert '<a class="gb-tile gb-off" href="reports/2024-12/en/01_overview.html">' in html
    assert "– means there is no figure this month: Virtual (the average walk-in wait)." in html
    assert '<td class="gb-no_data">–</td>' in html
    assert "62.5%" in html and "target 80.0%" in html and "−37.5 pp on last month" not in html
    assert "-37.5 pp on last month" in html and "+62.5 pp on a year ago" in html
    ar = landing_view.block_html(tiles.reset_index(), trend, "ar", {"A": "السيف", "B": "الافتراضي"}, STEADY)
    assert 'dir="rtl" lang="ar"' in ar and "دون المستهدف" in ar and "<a " not in ar


# --- the book's landing pages ------------------------------------------------------------------------

def _report(tmp_path, computed):
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    tables = tmp_path / "reports" / "2024-12" / "tables"
    tables.mkdir(parents=True)
    tiles, trend = computed
    (tables / "overview_tiles.csv").write_bytes(table_csv(tiles.reset_index()))
    (tables / "overview_tiles_trend.csv").write_bytes(table_csv(trend))
    notebooks = [ReportNotebook(parse("2024-12"), lang, "01_overview", "overview.title") for lang in ("en", "ar")]
    return ReportIndex(notebooks + [ReportNotebook(parse("2024-11"), "en", "01_overview", "overview.title")])


def test_a_landing_page_per_language_from_the_tables(tmp_path, computed):
    reports = _report(tmp_path, computed)
    paths, cfg = get_paths(tmp_path), load_config(tmp_path)
    tiles, trend = book_landing.read_tiles(paths, parse("2024-12"))
    assert tiles["months_off_target"].tolist() == computed[0]["months_off_target"].tolist()
    en, ar = (pages.landing_page(paths, reports, cfg, lang) for lang in ("en", "ar"))
    assert "page-dir: ltr" in en and "page-dir: rtl" in ar
    # take-up 50% in November and December (October had no ticket): the longest run comes first
    assert ("Digital take-up has missed its target for 2 months in a row; also off target: customer satisfaction "
            "and service level. Since last month,") in en
    assert "التحول الرقمي دون المستهدف للشهر 2 على التوالي؛" in ar and "Service level" not in ar
    # the language link, the detail link (relative to each page) and the links below the tiles
    assert '<a class="goldbook-lang-link" href="ar/index.html" hreflang="ar" lang="ar" dir="rtl"' in en
    assert '<a class="goldbook-lang-link" href="../index.html" hreflang="en" lang="en" dir="ltr"' in ar
    assert ">العربية</a>" in en and ">English</a>" in ar
    # an Arabic sentence isolates its signed numbers left to right (no "1.2-")
    assert "\u2066+62.5\u2069 نقطة مئوية عن العام الماضي" in ar and "\u2066-37.5\u2069 نقطة مئوية" in ar
    assert 'href="reports/2024-12/en/01_overview.html"' in en and 'href="../reports/2024-12/ar/01_overview.html"' in ar
    assert en.index('class="gb-headline"') < en.index("## Monthly chapters")
    assert "nan" not in en.replace("nance", "") and "None" not in en
    # each month page carries its month's block first; a month without tiles says so
    month = pages.month_page(paths, reports, parse("2024-12"), "en", cfg.kpi)
    assert month.index("# December 2024") < month.index('class="gb-headline"') < month.index("The monthly chapter")
    assert 'href="../../reports/2024-12/en/01_overview.html"' in month
    older = pages.month_page(paths, reports, parse("2024-11"), "en", cfg.kpi)
    assert "The headline tiles for this month are not available" in older and "gb-headline" not in older
    built = pages.book_pages(tmp_path, reports)
    assert "index.md" in built and "ar/index.md" in built
    arabic = book_toc(reports)["parts"][1]["chapters"]
    assert arabic[0] == {"file": "ar/index", "title": "الصفحة الرئيسية"}
    assert book_toc(reports)["parts"][0]["chapters"][0]["file"] == "en/months"


def test_an_older_month_without_the_tiles_shows_a_sentence(tmp_path):
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    reports = ReportIndex([ReportNotebook(parse("2024-12"), "en", "01_overview", "overview.title")])
    page = pages.landing_page(get_paths(tmp_path), reports, load_config(tmp_path), "en")
    assert "The headline tiles for this month are not available" in page and "gb-tile" not in page
    (tmp_path / "reports" / "2024-12" / "tables").mkdir(parents=True)
    (tmp_path / "reports" / "2024-12" / "tables" / "overview_tiles.csv").write_text("scope,value\nall,1\n")
    assert book_landing.read_tiles(get_paths(tmp_path), parse("2024-12")) is None


TEAM_CSV = ("centre_id,staff,leavers,responses,team_csat,team_csat_previous,team_csat_change,compliments,"
            "compliments_per_1000,compliments_per_1000_before,morale\n"
            "seef,10,0,1411,0.887314,0.874396,0.0129178,25,3.72967,4.19699,steady\n")


@pytest.mark.parametrize("team", [TEAM_CSV, None, "centre_id,morale\nseef,steady\n",
                                  TEAM_CSV.replace("steady", "<b>x</b>")])
def test_the_team_view_follows_the_tiles_on_each_landing_page(tmp_path, computed, team):
    reports = _report(tmp_path, computed)
    if team is not None:
        (tmp_path / "reports" / "2024-12" / "tables" / "recognition_team.csv").write_text(team, encoding="utf-8")
    paths, cfg = get_paths(tmp_path), load_config(tmp_path)
    en, ar = (pages.landing_page(paths, reports, cfg, lang) for lang in ("en", "ar"))
    if team != TEAM_CSV:
        assert "Team morale" not in en and "gb-headline" in en
        return
    assert en.index('class="gb-headline"') < en.index("## Team morale by centre: December 2024") < \
        en.index("## Monthly chapters")
    assert "| Seef Mall | 88.7% | +1.3 pp | 3.7 | steady |" in en
    assert "| مجمع السيف | 88.7% | \u2066+1.3\u2069 نقطة مئوية | 3.7 | مستقرة |" in ar


def test_a_change_that_rounds_away_has_no_arrow_in_the_centres_table():
    row = {"measure": "wait_walk_in", "value": 560.0, "change": -2.0, "status": "no_target"}   # -2 s: "±0.0 min"
    cell = landing_view._cell(row, "en")
    assert "▲" not in cell and "▼" not in cell and "min<br>" not in cell and "9.3 min" in cell   # no change line
    moved = landing_view._cell(dict(row, change=-30.0), "en")                          # -0.5 min: shown, down
    assert "▼" in moved and "-0.5 min" in moved
    assert landing_view.fmt_change("complaints_per_1000", 0.001, "en") == "+0.00"
    assert landing_view.fmt_change("readiness", -4.25, "en") == "-4.3 points"
