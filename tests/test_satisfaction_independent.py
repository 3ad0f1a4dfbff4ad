"""Acceptance for issue 5, end to end on generated demo data.

- CSAT and NPS in the published tables match an independent computation from the raw CSV
  files (plain ``csv``, none of the helpers).
- A customer's ``<script>alert(1)</script>`` reaches the executed notebook as escaped text.
- An 8-point CSAT drop at one centre in one month is flagged; the unmodified month is not.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from helpers.base.config import load_config
from helpers.base.paths import CODE_ROOT, get_paths
from helpers.data import ingest, store
from helpers.demo import generate as demo
from helpers.pipeline import runner

pytestmark = pytest.mark.e2e

SCRIPT = "<script>alert(1)</script>"


def _noise_rate_module():
    spec = importlib.util.spec_from_file_location("noise_rate", CODE_ROOT / "benchmarks" / "noise_rate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _raw_rows(root: Path, months: list[str], table: str) -> list[dict]:
    rows = []
    for month in months:
        with open(root / "data" / "raw" / month / f"{table}.csv", encoding="utf-8-sig", newline="") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


def _independent_scores(rows: list[dict], first: datetime, last: datetime, key) -> dict:
    """{group: (csat, nps)} by the DESIGN.md definitions, from raw strings."""
    count = defaultdict(lambda: [0, 0, 0, 0, 0])   # csat n, top box, nps n, promoters, detractors
    for r in rows:
        at = datetime.strptime(r["submitted_at"][:19], "%Y-%m-%d %H:%M:%S")
        if not first <= at <= last:
            continue
        c = count[key(r)]
        if r["csat"] != "":
            c[0] += 1
            c[1] += r["csat"] in ("4", "5")
        if r["nps"] != "":
            c[2] += 1
            c[3] += int(r["nps"]) >= 9
            c[4] += int(r["nps"]) <= 6
    return {k: (v[1] / v[0], 100 * (v[3] - v[4]) / v[2]) for k, v in count.items() if v[0] and v[2]}


def _table(root: Path, period: str, name: str) -> list[dict]:
    with open(get_paths(root).period_reports(period) / "tables" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _inject_script(root: Path) -> None:
    """Put the script text in an open January complaint (so it is on February's follow-up list)
    and in February's newest Seef survey comment, then ingest both months again."""
    raw = get_paths(root).raw
    path = raw / "2024-01" / "feedback.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    rows.append({**{f: "" for f in fields}, "feedback_id": "F2401-99999", "received_at": "2024-01-10 09:00:00",
                 "source": "email", "kind": "complaint", "centre_id": "seef", "channel_id": "walk_in",
                 "category": "waiting_time", "text": f"{SCRIPT} I waited two hours", "status": "open"})
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    path = raw / "2024-02" / "surveys.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    seef = [r for r in rows if r["centre_id"] == "seef"]
    newest = max(seef, key=lambda r: (r["submitted_at"], r["response_id"]))
    newest["comment"] = f"{SCRIPT} long wait in the queue"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    for month in ("2024-01", "2024-02"):
        result = ingest.ingest_month(month, root=root)
        assert result.ok, result.report()


@pytest.fixture(scope="module")
def satisfaction_run(tmp_path_factory, demo_root) -> Path:
    """The shared small demo, with the script text injected, after running this chapter's two
    notebooks (monthly 2024-02, weekly 2024-W06) in both languages."""
    root = tmp_path_factory.mktemp("satisfaction") / "demo"
    shutil.copytree(demo_root, root, ignore=shutil.ignore_patterns(".ready"))
    _inject_script(root)
    notebooks = root.parent / "notebooks"
    notebooks.mkdir()
    for name in ("03_satisfaction.ipynb", "20_weekly.ipynb"):
        shutil.copy(CODE_ROOT / "notebooks" / name, notebooks / name)
    for period in ("2024-02", "2024-W06"):
        result = runner.run_period(period, root, notebooks_dir=notebooks, force=True, progress=lambda line: None)
        assert result.ok, result.message
    return root


def test_monthly_csat_and_nps_match_the_raw_files(satisfaction_run):
    rows = _raw_rows(satisfaction_run, ["2024-02"], "surveys")
    first, last = datetime(2024, 2, 1), datetime(2024, 2, 29, 23, 59, 59)
    expected = _independent_scores(rows, first, last, key=lambda r: r["centre_id"])
    table = {r["centre_id"]: r for r in _table(satisfaction_run, "2024-02", "satisfaction_centre")}
    assert set(table) == set(expected)
    for centre, (csat, nps) in expected.items():
        assert float(table[centre]["csat"]) == pytest.approx(csat, abs=1e-5), centre
        assert float(table[centre]["nps"]) == pytest.approx(nps, abs=1e-3), centre
    whole = _independent_scores(rows, first, last, key=lambda r: "all")["all"]
    overall = _table(satisfaction_run, "2024-02", "satisfaction_scores")[0]
    assert float(overall["csat"]) == pytest.approx(whole[0], abs=1e-5)
    assert float(overall["nps"]) == pytest.approx(whole[1], abs=1e-3)
    by_channel = {r["channel_id"]: r for r in _table(satisfaction_run, "2024-02", "satisfaction_channel")}
    for channel, (csat, nps) in _independent_scores(rows, first, last, key=lambda r: r["channel_id"]).items():
        assert float(by_channel[channel]["csat"]) == pytest.approx(csat, abs=1e-5), channel
        assert float(by_channel[channel]["nps"]) == pytest.approx(nps, abs=1e-3), channel


def test_weekly_csat_and_nps_match_the_raw_files(satisfaction_run):
    # week 6 of 2024 with the model entity's weeks from Sunday: Sunday 4 to Saturday 10 February
    rows = _raw_rows(satisfaction_run, ["2024-02"], "surveys")
    expected = _independent_scores(rows, datetime(2024, 2, 4), datetime(2024, 2, 10, 23, 59, 59),
                                   key=lambda r: r["centre_id"])
    table = {r["centre_id"]: r for r in _table(satisfaction_run, "2024-W06", "weekly_centres")}
    assert expected and set(expected) <= set(table)
    for centre, (csat, nps) in expected.items():
        assert float(table[centre]["csat"]) == pytest.approx(csat, abs=1e-5), centre
        assert float(table[centre]["nps"]) == pytest.approx(nps, abs=1e-3), centre


def test_script_in_a_comment_is_escaped_text_in_the_executed_notebooks(satisfaction_run):
    for period, name in (("2024-02", "03_satisfaction"), ("2024-W06", "20_weekly")):
        for lang in ("en", "ar"):
            nb = json.loads((get_paths(satisfaction_run).period_reports(period) / lang / f"{name}.ipynb")
                            .read_text(encoding="utf-8"))
            html = "".join("".join(o.get("data", {}).get("text/html", ""))
                           for c in nb["cells"] for o in c.get("outputs", []))
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, (period, lang)
            assert "<script>alert(1)" not in json.dumps(nb, ensure_ascii=False), (period, lang)


def test_an_8_point_drop_at_one_centre_is_flagged(tmp_path):
    """At the shared demo's 5% volume a centre-month has too few responses to see 8 points, so this
    test generates its two months at full volume (about 1,300 Seef responses a month)."""
    noise_rate = _noise_rate_module()
    root = tmp_path / "demo"
    shutil.copytree(CODE_ROOT / "config", root / "config")
    demo.generate(get_paths(root).raw, seed=7, start="2024-01", end="2024-02", scale=1.0, cfg=load_config(root))
    assert all(r.ok for r in ingest.ingest_all(root))
    before = noise_rate.centre_month_flags(root, store.months(root)).set_index("centre_id")
    assert not before.loc["seef", "flagged"], "the unmodified month is already flagged"
    change = noise_rate.lower_csat(get_paths(root).month_raw("2024-02") / "surveys.csv", "seef")
    assert change["csat_before"] - change["csat_after"] == pytest.approx(0.08, abs=0.002)
    assert ingest.ingest_month("2024-02", root=root).ok
    after = noise_rate.centre_month_flags(root, store.months(root)).set_index("centre_id")
    assert after.loc["seef", "flagged"], after.loc["seef", "detail"]
    assert "csat vs previous" in after.loc["seef", "detail"]
