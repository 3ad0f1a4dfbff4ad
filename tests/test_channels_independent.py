"""Acceptance for issue 4, end to end on a small generated demo.

- ``goldbook run`` (the runner) executes the monthly channels chapter for a month and the daily
  report for a working day, a Friday and a public holiday, in both languages, without error;
  the closed days get their short page (with the holiday's configured name).
- The monthly tables' digital take-up, service level and P90 wait match an independent
  computation straight from the raw CSV files (plain ``csv``, ``yaml`` and ``numpy``, none of
  the helpers) to 0.1 percentage point and 1 second.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import yaml

from helpers.base.paths import CODE_ROOT
from helpers.pipeline import runner

pytestmark = pytest.mark.e2e

MONTH = "2024-02"
WORKING_DAY, FRIDAY, HOLIDAY = "2024-02-27", "2024-02-02", "2024-01-01"   # Tuesday; New Year's Day


@pytest.fixture(scope="module")
def ran(tmp_path_factory, demo_root) -> Path:
    """A copy of the demo root after running this chapter's two notebooks for the four periods."""
    root = tmp_path_factory.mktemp("channels") / "demo"
    shutil.copytree(demo_root, root, ignore=shutil.ignore_patterns(".ready"))
    notebooks = root.parent / "notebooks"
    notebooks.mkdir()
    for name in ("02_channels.ipynb", "10_daily.ipynb"):
        shutil.copy(CODE_ROOT / "notebooks" / name, notebooks / name)
    results = runner.run_periods([MONTH, WORKING_DAY, FRIDAY, HOLIDAY], root, notebooks_dir=notebooks,
                                 progress=lambda line: None)
    failed = [r.message for r in results if not r.ok]
    assert not failed, "\n".join(failed)
    return root


# --- the independent computation ------------------------------------------------------------------

def _config(root: Path) -> dict:
    with open(root / "config" / "entity.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _tickets(root: Path, months: list[str]) -> list[dict]:
    rows = []
    for month in months:
        with open(root / "data" / "raw" / month / "tickets.csv", encoding="utf-8-sig", newline="") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


def _at(text: str) -> datetime:
    return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S")


def _independent(rows: list[dict], cfg: dict, month: str, key) -> dict:
    """{group: (take-up, service level, P90 wait in s)} for tickets created in ``month``."""
    channels = {c["id"]: c for c in cfg["channels"]}
    thresholds = cfg["kpi"]["service_level"]["thresholds_seconds"]
    assisted_counts = cfg["kpi"]["digital_take_up"]["assisted_digital_counts_as_digital"]
    variant = cfg["kpi"]["service_level"]["variant"]
    short = cfg["kpi"]["abandonment"]["short_abandon_seconds"]
    acc = defaultdict(lambda: {"completed": 0, "digital": 0, "met": 0, "base": 0, "waits": []})
    for r in rows:
        if r["created_at"][:7] != month:
            continue
        a = acc[key(r)]
        channel = channels[r["channel_id"]]
        limit = thresholds.get(channel["kind"])
        if r["outcome"] == "completed":
            a["completed"] += 1
            a["digital"] += bool(channel["virtual"]) or (assisted_counts and r["assisted_digital"] == "true")
        if limit is None:                      # no queue: no wait, no service level
            continue
        if r["outcome"] in ("completed", "transferred", "referred") and r["started_at"]:
            wait = (_at(r["started_at"]) - _at(r["created_at"])).total_seconds()
            a["waits"].append(wait)
            a["base"] += 1
            a["met"] += wait <= limit
        elif variant == "offered" and r["outcome"] == "abandoned" and r["ended_at"]:
            a["base"] += (_at(r["ended_at"]) - _at(r["created_at"])).total_seconds() >= short
    return {k: (v["digital"] / v["completed"] if v["completed"] else None,
                v["met"] / v["base"] if v["base"] else None,
                float(np.percentile(v["waits"], 90)) if v["waits"] else None) for k, v in acc.items()}


def _table(root: Path, period: str, name: str) -> list[dict]:
    with open(root / "reports" / period / "tables" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _num(text: str):
    return None if text in ("", "nan") else float(text)


def _close(published, independent, tol):
    if independent is None:
        return published is None
    return published is not None and abs(published - independent) <= tol


# --- the checks -----------------------------------------------------------------------------------

def test_monthly_tables_match_the_raw_files(ran):
    cfg = _config(ran)
    rows = _tickets(ran, ["2024-01", MONTH])
    by_cut = _independent(rows, cfg, MONTH, lambda r: (r["centre_id"], r["channel_id"]))
    published = _table(ran, MONTH, "channels_by_channel")
    assert {(r["centre_id"], r["channel_id"]) for r in published} == set(by_cut)
    for r in published:
        take_up, sl, p90 = by_cut[(r["centre_id"], r["channel_id"])]
        assert _close(_num(r["virtual_share"]), take_up, 0.001), r
        assert _close(_num(r["service_level"]), sl, 0.001), r
        assert _close(_num(r["wait_p90"]), p90, 1.0), r

    whole = {m: _independent(rows, cfg, m, lambda r: "all")["all"] for m in ("2024-01", MONTH)}
    summary = {r["metric"]: r for r in _table(ran, MONTH, "channels_summary")}
    take_up, sl, p90 = whole[MONTH]
    assert _close(_num(summary["virtual_share"]["value"]), take_up, 0.001)
    assert _close(_num(summary["virtual_share"]["previous"]), whole["2024-01"][0], 0.001)
    assert _close(_num(summary["service_level"]["value"]), sl, 0.001)
    assert _close(_num(summary["wait_p90"]["value"]), p90, 1.0)
    monthly = {r["month"]: r for r in _table(ran, MONTH, "channels_take_up")}
    assert sorted(monthly) == ["2024-01", MONTH]
    for m, (take_up, _, _) in whole.items():
        assert _close(_num(monthly[m]["virtual_share"]), take_up, 0.001)


def test_take_up_by_service_matches_the_raw_files(ran):
    cfg = _config(ran)
    by_service = _independent(_tickets(ran, [MONTH]), cfg, MONTH, lambda r: r["service_id"])
    published = _table(ran, MONTH, "channels_take_up_services")
    assert len(published) == len(by_service)
    for r in published:
        assert _close(_num(r["virtual_share"]), by_service[r["service_id"]][0], 0.001), r


def _page(root: Path, period: str, lang: str) -> str:
    nb = json.loads((root / "reports" / period / lang / "10_daily.ipynb").read_text(encoding="utf-8"))
    texts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", out
            data = out.get("data", {})
            texts.append("".join(data.get("text/markdown", "")) + "".join(data.get("text/html", "")))
    return "\n".join(texts)


def test_daily_pages_for_a_working_day_a_friday_and_a_holiday(ran):
    working = _page(ran, WORKING_DAY, "en")
    assert "Each centre and channel" in working and "Alerts" in working
    tables = {p.name for p in (ran / "reports" / WORKING_DAY / "tables").glob("*.csv")}
    assert {"daily_channels.csv", "daily_hourly.csv"} <= tables
    # the alerts table (and its file) only when something is out of line: never an empty table
    assert ("daily_alerts.csv" in tables) == ("Nothing is out of line." not in working)
    rows = _tickets(ran, [MONTH])
    published = {(r["centre_id"], r["channel_id"]): int(r["transactions"])
                 for r in _table(ran, WORKING_DAY, "daily_channels")}
    counted = defaultdict(int)
    for r in rows:
        if r["created_at"][:10] == WORKING_DAY:
            counted[(r["centre_id"], r["channel_id"])] += 1
    assert published == dict(counted)
    assert (ran / "reports" / WORKING_DAY / "figures" / "ar" / "daily_load.svg").exists()

    friday = _page(ran, FRIDAY, "en")
    assert "Friday is not a working day" in friday and "Each centre and channel" not in friday
    assert not (ran / "reports" / FRIDAY / "tables" / "daily_channels.csv").exists()
    assert "New Year's Day" in _page(ran, HOLIDAY, "en")
    assert "رأس السنة الميلادية" in _page(ran, HOLIDAY, "ar")
