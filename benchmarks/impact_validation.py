"""Do the initiatives chapter's intervals cover the effects the demo injected? (issue 6 acceptance)

    python benchmarks/impact_validation.py                  # 20 seeds, full volume, period 2024-12
    python benchmarks/impact_validation.py --scale 0.1 --jobs 2   # a quicker look at 10% volume

For each seed, the demo generator (``helpers.demo.generate.generate``) writes 24 months of raw data and
its ground truth (``data/truth/demo_truth.json``, read here because this is a validation
command). The raw files are typed with the contract's own parsers (what ``ingest`` stores; the
store's as-of filter keeps every row at 2024-12) and the chapter's own ``initiatives.assess``
runs on them as of the last month. Two figures:

1. **Coverage.** Every estimate the chapter makes for which the truth holds the injected effect:
   the ITS of each initiative on its expected outcome (virtual share, CSAT, wait) and the
   controlled designs (controlled ITS and difference-in-differences of Seef against Tijjar for
   the counter campaign, whose truth is the assisted-digital share). The 95% interval must
   cover the truth in at least 85% of cases. The series are built to the truth's definitions,
   with the chapter's statistics unchanged: the truth's virtual share counts virtual channels
   only (assisted digital NOT counted, a KPI setting), and its wait factor applies to the queue
   wait up to the call (``called_at``), while the KPI's wait runs to the service start and so
   also holds the walk to the counter, which no initiative changed.
2. **False positives.** Per seed, two placebo initiatives that are not in the registry are added
   to the registry frame: ``wait:down`` on the phone channel (no injected change) and ``csat:up``
   on live chat and e-mail (no change beyond the courtesy training, which the model adjusts for),
   each with a start drawn from the seed. The share declared significant (p < 0.05, either
   direction) must be at most 10%.

Prints both figures (and per-effect detail); exits 1 when a threshold is missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from recognition_validation import read_table as read_raw  # noqa: E402 - one raw-CSV reader

from helpers.base.config import load_config  # noqa: E402
from helpers.base.paths import CODE_ROOT  # noqa: E402
from helpers.chapters import initiatives  # noqa: E402
from helpers.data import contract  # noqa: E402
from helpers.demo import generate as demo  # noqa: E402
from helpers.measures import kpis  # noqa: E402

PERIOD = "2024-12"
COVERAGE_GOAL = 0.85
FALSE_POSITIVE_GOAL = 0.10
TICKET_COLUMNS = ["centre_id", "channel_id", "created_at", "booked", "called_at", "started_at", "outcome",
                  "assisted_digital"]
SURVEY_COLUMNS = ["centre_id", "channel_id", "submitted_at", "csat"]
# truth outcome (and unit) each chapter estimate is compared with
TRUTH_FOR = {("its", "virtual_share"): "virtual_share", ("its", "csat"): "csat", ("its", "wait"): "wait",
             ("controlled_its", "virtual_share"): "assisted_digital_share",
             ("did", "virtual_share"): "assisted_digital_share"}
# placebo starts: at least 6 months before and 3 after inside 2023-01..2024-12, and (CSAT) at
# least 3 months from the courtesy training's start (2024-05) so the two are separable
PLACEBO_MONTHS = {
    "wait": [f"{m:%Y-%m}" for m in pd.date_range("2023-07-01", "2024-09-01", freq="MS")],
    "csat": [f"{m:%Y-%m}" for m in pd.date_range("2023-07-01", "2024-09-01", freq="MS")
             if abs((m.year - 2024) * 12 + m.month - 5) >= 3],
}


def read_table(folder: Path, table: str, columns: list[str], months: list[str]) -> pd.DataFrame:
    """Raw CSV months of ``table`` typed by the contract's parsers (as ingest stores them), in
    the order of ``columns``."""
    return read_raw(folder, table, columns, months)[columns]


def read_registry(folder: Path) -> pd.DataFrame:
    raw = pd.read_csv(folder / "initiatives.csv", dtype=str, keep_default_na=False)
    typed, _ = contract.parse("initiatives", contract.normalise("initiatives", raw))
    return typed


def placebos(seed: int) -> pd.DataFrame:
    """The two placebo initiatives of a seed: start month and day drawn from the seed."""
    rng = np.random.default_rng([seed, 6])
    rows = []
    for outcome, channels, direction in (("wait", "phone", "down"), ("csat", "live_chat;email", "up")):
        month = PLACEBO_MONTHS[outcome][int(rng.integers(len(PLACEBO_MONTHS[outcome])))]
        day = int(rng.integers(1, 29))
        rows.append({"initiative_id": f"PLACEBO-{outcome}", "name_en": "placebo", "name_ar": "وهمي",
                     "start_on": pd.Timestamp(f"{month}-{day:02d}"), "end_on": pd.NaT, "centres": "virtual",
                     "channels": channels, "expected": f"{outcome}:{direction}", "owner": "quality",
                     "description": "benchmark placebo"})
    return pd.DataFrame(rows)


def _truth_value(effect: dict) -> float:
    """The truth's size on the chapter's scale: shares as share differences, wait as a ratio."""
    return float(effect["size"]) if effect["outcome"] == "wait" else float(effect["size"]) / 100


def run_seed(seed: int, scale: float, keep: Path | None = None) -> dict:
    """Generate one seed's demo, run the chapter's assessment, compare with the truth."""
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=f"impact-{seed}-")) if keep is None else keep
    try:
        shutil.copytree(CODE_ROOT / "config", tmp / "config", dirs_exist_ok=True)
        cfg = load_config(tmp)
        raw = tmp / "data" / "raw"
        summary = demo.generate(raw, seed=seed, start="2023-01", end=PERIOD, scale=scale, cfg=cfg)
        truth = json.loads(Path(summary["truth"]).read_text(encoding="utf-8"))
        generated = time.perf_counter()
        months = summary["months"]
        tickets = read_table(raw, "tickets", TICKET_COLUMNS, months)
        surveys = read_table(raw, "surveys", SURVEY_COLUMNS, months)
        registry = read_registry(raw)
        st = kpis.settings(cfg)
        kinds = {c: cfg.centre_kind(c) for c in cfg.ids("centres")}
        channels = cfg.ids("channels")
        top_box = tuple(cfg.kpi["csat"]["top_box"])
        channel_only = dataclasses.replace(st, assisted_counts=False)
        as_truth = initiatives.assess(tickets, surveys, registry, PERIOD, channel_only, kinds, channels, top_box,
                                      wait_end="called_at")
        as_chapter = initiatives.assess(tickets, surveys, registry, PERIOD, st, kinds, channels, top_box)
        with_placebos = pd.concat([registry, placebos(seed)], ignore_index=True)
        placebo_run = initiatives.assess(tickets, surveys, with_placebos, PERIOD, st, kinds, channels, top_box)
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    effects = {(i["initiative_id"], e["outcome"]): e for i in truth["initiatives"] for e in i["effects"]}
    cases = []
    for est in [*as_truth.estimates, *as_chapter.controlled]:
        if est.result is None or est.group.joint:
            continue
        wanted = TRUTH_FOR.get((est.design, est.group.outcome))
        effect = effects.get((est.group.group_id, wanted))
        if effect is None:
            continue
        value = _truth_value(effect)
        r = est.result
        cases.append({"seed": seed, "initiative_id": est.group.group_id, "design": est.design,
                      "outcome": est.group.outcome, "truth": value, "effect": r.effect, "low": r.low,
                      "high": r.high, "covered": bool(r.low <= value <= r.high)})
    falses = []
    for est in placebo_run.estimates:
        if est.group.group_id.startswith("PLACEBO") and est.result is not None:
            falses.append({"seed": seed, "initiative_id": est.group.group_id, "start": f"{est.group.first_start:%Y-%m-%d}",
                           "effect": est.result.effect, "p_value": est.result.p_value,
                           "significant": est.result.significant, "verdict": est.verdict})
    done = time.perf_counter()
    return {"cases": cases, "placebos": falses, "generate_s": generated - started, "assess_s": done - generated}


def validate(seeds: list[int], scale: float, jobs: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Run every seed; returns (coverage cases, placebo cases, timings)."""
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(run_seed, seeds, [scale] * len(seeds)))
    else:
        results = [run_seed(s, scale) for s in seeds]
    cases = pd.DataFrame([c for r in results for c in r["cases"]])
    falses = pd.DataFrame([p for r in results for p in r["placebos"]])
    timing = {"generate_s": sum(r["generate_s"] for r in results), "assess_s": sum(r["assess_s"] for r in results)}
    return cases, falses, timing


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="how many seeds (1..N)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="demo volume (1.0 = full, as the chapter sees it; smaller is faster but "
                             "gives wider intervals, which cover more easily)")
    parser.add_argument("--jobs", type=int, default=1, help="seeds run at once")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    cases, falses, timing = validate(list(range(1, args.seeds + 1)), args.scale, args.jobs)
    elapsed = time.perf_counter() - started
    pd.set_option("display.width", 160)
    detail = cases.groupby(["initiative_id", "design", "outcome"], sort=True).agg(
        cases=("covered", "size"), covered=("covered", "mean"), truth=("truth", "mean"),
        mean_estimate=("effect", "mean"), mean_width=("high", "mean"))
    detail["mean_width"] = detail["mean_width"] - cases.groupby(["initiative_id", "design", "outcome"], sort=True)["low"].mean()
    print(f"Impact validation: {args.seeds} demo seeds, scale {args.scale}, period {PERIOD}")
    print(detail.round(4).to_string())
    print(falses.groupby("initiative_id", sort=True)["significant"].agg(["size", "mean"]).to_string())
    coverage = float(cases["covered"].mean()) if len(cases) else float("nan")
    false_rate = float(falses["significant"].mean()) if len(falses) else float("nan")
    print(f"coverage of the 95% intervals: {cases['covered'].sum()}/{len(cases)} = {coverage:.1%} "
          f"(goal >= {COVERAGE_GOAL:.0%})")
    print(f"placebo initiatives declared significant: {falses['significant'].sum()}/{len(falses)} = {false_rate:.1%} "
          f"(goal <= {FALSE_POSITIVE_GOAL:.0%})")
    print(f"time: {elapsed:.0f} s (generate {timing['generate_s']:.0f} s, read and assess {timing['assess_s']:.0f} s, "
          f"summed over seeds)")
    return 0 if coverage >= COVERAGE_GOAL and false_rate <= FALSE_POSITIVE_GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
