"""Does the recognition chapter's estimated skill rank staff like the demo's true skill? (issue 8)

    python benchmarks/recognition_validation.py                      # seed 7, 2024-01..2024-12, scale 1
    python benchmarks/recognition_validation.py --start 2023-01 --end 2024-12
    python benchmarks/recognition_validation.py --raw data/raw       # an already generated demo

The demo generator (``helpers.demo.generate.generate``) writes the raw months and its ground truth
(``data/truth/demo_truth.json``: each employee's true ``skill``; read here because this is a
validation command, never by a report). The raw files are typed with the contract's own parsers
(what ``ingest`` stores), then the chapter's own ``recognition.employee_measures`` runs on the
whole window: strata always include the month, so pooling months mixes nothing.

Staff with at least ``kpi.recognition.min_responses_for_rank`` credited responses in the
window are compared with their true skill by Spearman rank correlation, for:

- the estimated skill: the chapter's performance index (what ranks top performers);
- its satisfaction part alone (case-mix adjusted, shrunk);
- the beta-binomial shrunk CSAT, and the raw CSAT (the naive leaderboard).

Also the same figures month by month (staff eligible that month; the median over months).
Goals: index ρ ≥ 0.7 over the window, and at least 0.05 above raw CSAT's ρ both over the
window and for the monthly median (when months have at least 5 eligible staff). Prints every figure; exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import pandas as pd  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

from helpers.base.config import load_config  # noqa: E402
from helpers.base.paths import CODE_ROOT  # noqa: E402
from helpers.base.periods import months_between, parse  # noqa: E402
from helpers.chapters import recognition  # noqa: E402
from helpers.data import contract  # noqa: E402
from helpers.demo import generate as demo  # noqa: E402

RHO_GOAL = 0.70
MARGIN_GOAL = 0.05
FIGURES = {"index": "estimated skill (performance index)", "excess_shrunk": "adjusted satisfaction (case mix, shrunk)",
           "csat_shrunk": "CSAT, beta-binomial shrunk", "csat_raw": "CSAT, raw (naive leaderboard)"}


def read_table(folder: Path, table: str, columns: list[str] | None, months: list[str]) -> pd.DataFrame:
    """Raw CSV months of ``table`` typed by the contract's parsers (as ingest stores them)."""
    frames = []
    for month in months:
        raw = pd.read_csv(folder / month / f"{table}.csv", dtype=str, keep_default_na=False, usecols=columns)
        typed, bad = contract.parse(table, contract.normalise(table, raw))
        if len(bad):
            raise ValueError(f"{table} {month}: {len(bad)} values do not parse")
        if table == "staff":
            typed["month"] = month
        frames.append(typed)
    return pd.concat(frames, ignore_index=True)


def spearman(frame: pd.DataFrame, column: str) -> float:
    """ρ against the true skill; NaN with fewer than 5 staff or a constant figure."""
    if len(frame) < 5 or frame[column].nunique() < 2:
        return float("nan")
    return float(spearmanr(frame[column], frame["skill"]).statistic)


def validate(raw: Path, truth: dict, months: list[str], kpi: dict) -> dict:
    """Spearman ρ of each figure against the true skill, over the window and month by month."""
    st = recognition.settings(kpi)
    tickets = read_table(raw, "tickets", recognition.TICKET_COLUMNS, months)
    surveys = read_table(raw, "surveys", recognition.SURVEY_COLUMNS, months)
    feedback = read_table(raw, "feedback", recognition.FEEDBACK_COLUMNS, months)
    staff = read_table(raw, "staff", None, months)
    skill = pd.Series({e: v["skill"] for e, v in truth["employees"].items()}, name="skill")

    def scored(measures: pd.DataFrame) -> pd.DataFrame:
        m = measures[measures["eligible"].to_numpy()].copy()
        m["skill"] = m["employee_id"].map(skill)
        return m.dropna(subset=["skill"])

    window = scored(recognition.employee_measures(tickets, surveys, feedback, staff, parse(months[-1]).last, st))
    out = {"staff": len(window), "window": {k: spearman(window, k) for k in FIGURES}, "monthly": {}}
    monthly = []
    for month in months:
        p = parse(month)
        in_m = lambda f, col: f[recognition._month(f[col]).eq(month).to_numpy()]  # noqa: E731
        m = scored(recognition.employee_measures(in_m(tickets, "created_at"), in_m(surveys, "submitted_at"),
                                                 in_m(feedback, "received_at"), staff, p.last, st, month=month,
                                                 rated=tickets))
        monthly.append({"month": month, "staff": len(m), **{k: spearman(m, k) for k in FIGURES}})
    out["monthly"] = pd.DataFrame(monthly)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start", default="2024-01")
    ap.add_argument("--end", default="2024-12")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--raw", type=Path, help="an already generated demo's data/raw (its truth beside it)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    tmp = None
    try:
        if args.raw:
            raw = args.raw
            truth_path = raw.parent / "truth" / "demo_truth.json"
            cfg = load_config(raw.parent.parent if (raw.parent.parent / "config").is_dir() else None)
        else:
            tmp = Path(tempfile.mkdtemp(prefix="recognition-validation-"))
            shutil.copytree(CODE_ROOT / "config", tmp / "config")
            cfg = load_config(tmp)
            raw = tmp / "data" / "raw"
            truth_path = Path(demo.generate(raw, seed=args.seed, start=args.start, end=args.end, scale=args.scale,
                                            cfg=cfg)["truth"])
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        months = months_between(args.start, args.end)
        result = validate(raw, truth, months, cfg.kpi)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"Recognition validation: seed {truth['seed']}, scale {truth['scale']}, {months[0]}..{months[-1]}, "
          f"{result['staff']} staff with at least {cfg.kpi['recognition']['min_responses_for_rank']} credited responses")
    print("Spearman rank correlation with the demo's true skill")
    monthly = result["monthly"]
    print(f"  {'figure':45s} {'window':>8s} {'monthly median':>15s}")
    for key, label in FIGURES.items():
        print(f"  {label:45s} {result['window'][key]:8.3f} {monthly[key].median():15.3f}")
    rho, raw_rho = result["window"]["index"], result["window"]["csat_raw"]
    m_rho, m_raw = monthly["index"].median(), monthly["csat_raw"].median()
    # months where fewer than 5 staff reach the minimum n (a small demo) have no monthly figure
    monthly_ok = pd.isna(m_rho) or m_rho - m_raw >= MARGIN_GOAL
    ok = rho >= RHO_GOAL and rho - raw_rho >= MARGIN_GOAL and monthly_ok
    print(f"Goal: estimated ρ ≥ {RHO_GOAL:.2f} (got {rho:.3f}) and ≥ raw CSAT's ρ + {MARGIN_GOAL:.2f} "
          f"(window {rho - raw_rho:+.3f}, monthly median {m_rho - m_raw:+.3f}): {'met' if ok else 'MISSED'}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
