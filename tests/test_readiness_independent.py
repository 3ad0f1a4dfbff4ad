"""Readiness acceptance on a copy of the small demo (issue 7), checked against plain pandas.

- A centre's "met" criterion changed to "not_met" in one month's raw CSV (then ingested) comes
  FIRST in that month's regressions table.
- Each centre's classification in the chapter's and the annual review's tables matches an
  independent computation from the raw self-assessment CSV, the catalogue CSV weights and the
  bands in config/entity.yaml (read with yaml, not through helpers.base.config).
- An unknown criterion is refused at ingest with file, line and value; a new catalogue version
  from a given month is enforced by ingest and keeps the mapped criterion's history.
- The chapter runs for a month and the annual review for a year, in both languages.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.base.config import load_config
from helpers.base.paths import CODE_ROOT
from helpers.base.periods import parse
from helpers.chapters import readiness, readiness_view
from helpers.data import ingest, store
from helpers.pipeline import runner

pytestmark = pytest.mark.e2e

CREDIT = {"met": 1.0, "partial": 0.5, "not_met": 0.0}
NOTEBOOKS = ("05_readiness.ipynb", "30_annual.ipynb")


# --- the independent computation: plain pandas on the raw files ----------------------------------

def raw_assessment(root: Path, month: str) -> pd.DataFrame:
    return pd.read_csv(root / "data" / "raw" / month / "self_assessment.csv", dtype=str, keep_default_na=False)


def entity(root: Path) -> dict:
    return yaml.safe_load((root / "config" / "entity.yaml").read_text(encoding="utf-8"))


def raw_catalogue(root: Path) -> pd.DataFrame:
    (only,) = entity(root)["criteria"]          # the demo has one catalogue version
    cat = pd.read_csv(root / "config" / only["file"], dtype=str, keep_default_na=False)
    return cat.assign(weight=cat["weight"].astype(float))


def independent_scores(root: Path, month: str) -> pd.DataFrame:
    """Per centre: applicable weight, earned weight, score and class, from the raw CSVs."""
    ent = entity(root)
    kinds = {c["id"]: c["kind"] for c in ent["centres"]}
    cat = raw_catalogue(root)
    sa = raw_assessment(root, month)
    rows = []
    for centre, mine in sa.groupby("centre_id"):
        applicable = cat[cat["applies_to"].isin(["all", kinds[centre]])]
        merged = applicable.merge(mine[["criterion_id", "status"]], on="criterion_id", how="left")
        merged["status"] = merged["status"].fillna("not_assessed")
        scored = merged[merged["status"] != "not_applicable"]
        credit = scored["status"].map(CREDIT).fillna(0.0)
        total = scored["weight"].sum()
        score = 100 * (scored["weight"] * credit).sum() / total
        bands = sorted(ent["classification"][kinds[centre]], key=lambda b: -b["min_score"])
        cls = next(b["class"] for b in bands if score >= b["min_score"] - 1e-9)
        rows.append({"centre_id": centre, "total": total, "score": score, "classification": cls})
    return pd.DataFrame(rows).set_index("centre_id")


def pick_regression(root: Path, month: str, previous: str) -> tuple[str, str]:
    """A criterion met in both months whose loss (100 × weight ÷ the centre's scored weight) sorts
    before every regression already in the data, under the chapter's order (loss, centre, id)."""
    cat = raw_catalogue(root).set_index("criterion_id")["weight"]
    totals = independent_scores(root, month)["total"]
    now, before = raw_assessment(root, month), raw_assessment(root, previous)
    both = now.merge(before, on=["centre_id", "criterion_id"], suffixes=("", "_before"))
    was_met = both[both["status_before"] == "met"]
    credit = was_met["status"].map(CREDIT)
    loss = 100 * was_met["criterion_id"].map(cat) * (1 - credit) / was_met["centre_id"].map(totals)
    natural = was_met.assign(loss=loss)[was_met["status"].isin(["partial", "not_met"])]
    candidates = was_met[was_met["status"] == "met"]
    candidates = candidates.assign(loss=100 * candidates["criterion_id"].map(cat) / candidates["centre_id"].map(totals))
    order = ["loss", "centre_id", "criterion_id"]
    best = candidates.sort_values(order, ascending=[False, True, True]).iloc[0]
    if len(natural):
        first = natural.sort_values(order, ascending=[False, True, True]).iloc[0]
        assert (-best["loss"], best["centre_id"], best["criterion_id"]) < (
            -first["loss"], first["centre_id"], first["criterion_id"]), "no candidate can come first in this demo"
    return str(best["centre_id"]), str(best["criterion_id"])


def set_status(root: Path, month: str, centre: str, criterion: str, **values) -> None:
    path = root / "data" / "raw" / month / "self_assessment.csv"
    sa = pd.read_csv(path, dtype=str, keep_default_na=False)
    hit = (sa["centre_id"] == centre) & (sa["criterion_id"] == criterion)
    assert hit.sum() == 1
    for column, value in values.items():
        sa.loc[hit, column] = value
    sa.to_csv(path, index=False)


# --- one run of the chapter and the annual review on an edited copy ------------------------------

@pytest.fixture(scope="module")
def edited_run(tmp_path_factory, demo_root):
    root = tmp_path_factory.mktemp("readiness") / "demo"
    shutil.copytree(demo_root, root, ignore=shutil.ignore_patterns(".ready", "reports"))
    months = store.months(root)
    assert months[:2] == ["2024-01", "2024-02"]
    centre, criterion = pick_regression(root, "2024-02", "2024-01")
    set_status(root, "2024-02", centre, criterion, status="not_met", reason="Lapsed: evidence out of date",
               blocker="other", action="Renew the evidence", due_on="2024-03-31", evidence="")
    result = ingest.ingest_month("2024-02", root)
    assert result.ok and result.status == "corrected", result.report()
    notebooks = root.parent / "notebooks"
    notebooks.mkdir()
    for name in NOTEBOOKS:
        shutil.copy(CODE_ROOT / "notebooks" / name, notebooks / name)
    results = runner.run_periods(["2024-01", "2024-02", "2024"], root, notebooks_dir=notebooks, jobs=2,
                                 progress=lambda line: None)
    return root, (centre, criterion), results


def test_the_chapter_and_the_annual_review_run_in_both_languages(edited_run):
    root, _, results = edited_run
    assert [(r.period, r.status) for r in results] == [("2024-01", "published"), ("2024-02", "published"),
                                                       ("2024", "published")], [r.message for r in results]
    for period, name in (("2024-02", "05_readiness"), ("2024", "30_annual")):
        for lang in ("en", "ar"):
            assert (root / "reports" / period / lang / f"{name}.ipynb").is_file()
    assert (root / "reports" / "2024-02" / "figures" / "ar" / "readiness_trend.svg").is_file()


def test_a_criterion_that_lapsed_comes_first_in_that_months_regressions(edited_run):
    root, (centre, criterion), _ = edited_run
    table = pd.read_csv(root / "reports" / "2024-02" / "tables" / "readiness_regressions.csv", dtype=str)
    first = table.iloc[0]
    assert (first["centre_id"], first["criterion_id"]) == (centre, criterion)
    assert (first["previous_status"], first["criterion_status"]) == ("met", "not_met")
    assert first["reason"] == "Lapsed: evidence out of date" and first["blocker"] == "other"
    # the first month has nothing to compare with
    assert pd.read_csv(root / "reports" / "2024-01" / "tables" / "readiness_regressions.csv").empty


def test_classifications_in_the_tables_match_an_independent_computation(edited_run):
    root, _, _ = edited_run
    for period, table, month in (("2024-01", "readiness_standing", "2024-01"),
                                 ("2024-02", "readiness_standing", "2024-02"),
                                 ("2024", "annual_standing", "2024-02")):
        got = pd.read_csv(root / "reports" / period / "tables" / f"{table}.csv", dtype={"centre_id": str})
        got = got.set_index("centre_id")
        want = independent_scores(root, month)
        assert sorted(got.index) == sorted(want.index)
        for centre in want.index:
            assert got.loc[centre, "classification"] == want.loc[centre, "classification"], (period, centre)
            assert got.loc[centre, "score"] == pytest.approx(want.loc[centre, "score"], abs=1e-4), (period, centre)


# --- ingest: unknown criteria and catalogue versions ----------------------------------------------

def test_an_unknown_criterion_is_refused_at_ingest_with_file_line_and_value(demo_copy):
    path = demo_copy / "data" / "raw" / "2024-02" / "self_assessment.csv"
    sa = pd.read_csv(path, dtype=str, keep_default_na=False)
    sa.loc[6, "criterion_id"] = "ZZZ-99"                    # spreadsheet line 8 (header = 1)
    sa.to_csv(path, index=False)
    before = store.read_month("self_assessment", "2024-02", root=demo_copy)
    result = ingest.ingest_month("2024-02", demo_copy)
    assert not result.ok and result.status == "rejected"
    mine = [p for p in result.problems if p.column == "criterion_id"]
    assert [(p.file, p.line, p.value) for p in mine] == [("data/raw/2024-02/self_assessment.csv", 8, "ZZZ-99")]
    assert "catalogue in force" in mine[0].rule
    assert 'line 8, column criterion_id, value "ZZZ-99"' in result.report()
    pd.testing.assert_frame_equal(store.read_month("self_assessment", "2024-02", root=demo_copy), before)


def test_a_new_catalogue_version_is_enforced_at_ingest_and_keeps_mapped_history(demo_copy):
    config = demo_copy / "config"
    cat = pd.read_csv(config / "criteria" / "example_2023.csv", dtype=str, keep_default_na=False)
    renamed = cat.assign(maps_from="")
    renamed.loc[renamed["criterion_id"] == "QOS-02", ["criterion_id", "maps_from"]] = ["QOS-02B", "QOS-02"]
    renamed.to_csv(config / "criteria" / "tiny_2024.csv", index=False)
    ent = yaml.safe_load((config / "entity.yaml").read_text(encoding="utf-8"))
    ent["criteria"].append({"guideline": "tiny-2024", "file": "criteria/tiny_2024.csv", "effective_from": "2024-02"})
    (config / "entity.yaml").write_text(yaml.safe_dump(ent, allow_unicode=True, sort_keys=False), encoding="utf-8")

    shutil.rmtree(demo_copy / "data" / "processed" / "2024-02")      # ingest it again under the new version
    refused = ingest.ingest_month("2024-02", demo_copy)
    assert not refused.ok
    assert {(p.column, p.value) for p in refused.problems} == {("criterion_id", "QOS-02")}

    path = demo_copy / "data" / "raw" / "2024-02" / "self_assessment.csv"
    sa = pd.read_csv(path, dtype=str, keep_default_na=False)
    sa.loc[sa["criterion_id"] == "QOS-02", "criterion_id"] = "QOS-02B"
    sa.to_csv(path, index=False)
    assert ingest.ingest_month("2024-02", demo_copy).ok

    cfg = load_config(demo_copy)
    r = readiness.prepare(store.load("self_assessment", "2024-02", root=demo_copy), cfg, parse("2024-02"))
    assert r.catalogue["guideline"] == "tiny-2024"
    jan = raw_assessment(demo_copy, "2024-01").set_index(["centre_id", "criterion_id"])["status"]
    kept = r.history[(r.history["key"] == "QOS-02B") & (r.history["month"] == "2024-01")]
    assert kept.set_index("centre_id")["status"].to_dict() == jan.xs("QOS-02", level="criterion_id").to_dict()
    assert readiness_view.version_lines(r, "en")[0].startswith("Criteria catalogue in force: tiny-2024, effective from "
                                                          "February 2024")
