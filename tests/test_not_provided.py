"""An entity that provides no feedback and no self-assessment (config ``tables: [surveys]``): its
months ingest without those files, and every chapter section that needs them says, in the reader's
language, that they were not provided, with no traceback, no empty table and no table file."""

from __future__ import annotations

import json
import shutil

import pytest
from test_store import declare_tables

from helpers.data import ingest, store
from helpers.pipeline import runner, verify

pytestmark = pytest.mark.e2e

NOT_DECLARED = ("feedback", "feedback_updates", "self_assessment")
# The sentences, written out here rather than read from the catalogue.
NO_FEEDBACK = {"en": "No customer feedback (complaints, suggestions and compliments) was provided this month.",
               "ar": "لم تُقدَّم ملاحظات العملاء (الشكاوى والمقترحات والإشادات) لهذا الشهر."}
NO_SELF_ASSESSMENT = {"en": "No self-assessment was provided this month.", "ar": "لم يُقدَّم تقييم ذاتي لهذا الشهر."}
# chapter: (sentence, how many of its sections say it)
SAID = {"03_satisfaction": (NO_FEEDBACK, 10),   # 7 feedback sections, and the themes, examples and terms
        "05_readiness": (NO_SELF_ASSESSMENT, 7),
        "06_recognition": (NO_FEEDBACK, 2)}     # who to thank, the team view
# tables made only from what was not provided: none is written
NOT_WRITTEN = ("satisfaction_feedback_", "satisfaction_thanks", "satisfaction_resolution", "satisfaction_follow_up",
               "readiness_")


@pytest.fixture(scope="module")
def surveys_only(tmp_path_factory, demo_root):
    """The demo without feedback and self-assessment, ingested from its raw files and run for 2024-02
    and the year 2024."""
    root = tmp_path_factory.mktemp("surveys-only") / "demo"
    shutil.copytree(demo_root, root, ignore=shutil.ignore_patterns(".ready", "processed", "reports"))
    declare_tables(root, ["surveys"])
    removed = [p for table in NOT_DECLARED for p in (root / "data" / "raw").glob(f"*/{table}.*")]
    for path in removed:
        path.unlink()
    assert {p.stem for p in removed} == {"feedback", "self_assessment"}   # the demo has no feedback_updates
    results = ingest.ingest_all(root)
    assert [r.ok for r in results] == [True, True], [r.report() for r in results]
    runs = runner.run_periods(["2024-02", "2024"], root, progress=lambda line: None)
    assert [r.ok for r in runs] == [True, True], [r.message for r in runs]
    return root


def outputs(root, lang: str, notebook: str, period: str = "2024-02") -> list[dict]:
    nb = json.loads((root / "reports" / period / lang / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    return [o for cell in nb["cells"] if cell["cell_type"] == "code" for o in cell.get("outputs", [])]


def test_the_months_ingest_without_the_undeclared_tables(surveys_only):
    assert store.months(surveys_only) == ["2024-01", "2024-02"]
    for month in ("2024-01", "2024-02"):
        written = sorted(p.name for p in (surveys_only / "data" / "processed" / month).glob("*.parquet"))
        assert written == ["staff.parquet", "surveys.parquet", "tickets.parquet"]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_chapter_ran_without_a_traceback(surveys_only, lang):
    published = sorted(p.stem for p in (surveys_only / "reports" / "2024-02" / lang).glob("*.ipynb"))
    assert published == ["01_overview", "02_channels", "03_satisfaction", "04_initiatives", "05_readiness",
                         "06_recognition"]
    for notebook in published:
        text = json.dumps(outputs(surveys_only, lang, notebook), ensure_ascii=False)
        assert "Traceback" not in text and '"output_type": "error"' not in text, notebook


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("notebook", sorted(SAID))
def test_each_section_says_what_was_not_provided(surveys_only, lang, notebook):
    sentence, sections = SAID[notebook]
    said = [o for o in outputs(surveys_only, lang, notebook)
            if sentence[lang] in "".join(o.get("data", {}).get("text/markdown", ""))]
    assert len(said) == sections
    other = {"en": "ar", "ar": "en"}[lang]
    assert sentence[other] not in json.dumps(outputs(surveys_only, lang, notebook), ensure_ascii=False)


@pytest.mark.parametrize("lang, sentence", [("en", "No self-assessment was provided this year."),
                                            ("ar", "لم يُقدَّم تقييم ذاتي لهذا العام.")])
def test_the_annual_review_says_it_in_each_of_its_sections(surveys_only, lang, sentence):
    """The readiness part of the review (8 sections) says it was not provided and writes none of its
    tables; the other areas of the year (volumes, take-up, satisfaction…) come from other tables."""
    shown = outputs(surveys_only, lang, "30_annual", "2024")
    said = ["".join(o.get("data", {}).get("text/markdown", "")) for o in shown]
    assert said.count(sentence) == 8
    tables = {p.stem for p in (surveys_only / "reports" / "2024" / "tables").glob("annual_*.csv")}
    assert not tables & {"annual_standing", "annual_projection", "annual_trajectory", "annual_trend",
                         "annual_regressions", "annual_never_met", "annual_blockers", "annual_top_open",
                         "annual_feedback"}


def test_no_empty_table_is_shown_or_written_for_what_was_not_provided(surveys_only):
    readiness = outputs(surveys_only, "en", "05_readiness")
    assert not any("text/html" in o.get("data", {}) for o in readiness)   # sentences only, no table
    tables = sorted(p.name for p in (surveys_only / "reports" / "2024-02" / "tables").glob("*.csv"))
    assert [t for t in tables if t.startswith(NOT_WRITTEN)] == []
    # what surveys and tickets give is still there
    assert {"satisfaction_scores.csv", "recognition_team.csv", "overview_headline.csv"} <= set(tables)
    team = (surveys_only / "reports" / "2024-02" / "tables" / "recognition_team.csv").read_text(encoding="utf-8")
    header, *rows = team.splitlines()
    compliments = header.split(",").index("compliments")
    assert rows and all(row.split(",")[compliments] == "" for row in rows)   # not measured, never 0


def test_the_month_records_only_what_it_read_and_verifies_identical(surveys_only):
    manifest = json.loads((surveys_only / "reports" / "2024-02" / "manifest.json").read_text(encoding="utf-8"))
    read = json.dumps(manifest, ensure_ascii=False)
    assert "surveys.csv" in read and "feedback.csv" not in read and "self_assessment.csv" not in read
    result = verify.verify("2024-02", surveys_only)
    assert result.ok, result.report()
