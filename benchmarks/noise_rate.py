"""Does the satisfaction chapter stay quiet on noise and catch a real drop? (issue 5 acceptance)

    python benchmarks/noise_rate.py                     # the repository's data, else a fresh demo
    python benchmarks/noise_rate.py --root DIR          # an ingested data root (e.g. the demo)
    python benchmarks/noise_rate.py --scale 0.3         # a fresh demo at 30% of full volume

1. **Noise.** For every month with a previous month, the monthly chapter's family of change tests
   (``satisfaction.change_family`` with ``MONTHLY_CUTS``, corrected together as configured) is
   run as the chapter runs it. A centre-month is flagged when a centre row shows a significant
   drop (CSAT or NPS, against the previous month or the same month last year). The figure is the
   share of centre-months flagged; the goal is at most 5%. Centre-months where the demo injected a
   real drop (``csat_dip`` in the ground truth, read here because this is a validation command)
   are listed apart and left out of the noise figure.
2. **Detection.** In a copy of the data, one centre's CSAT in one month is lowered by 8 points:
   enough of its top-box (4–5) responses, chosen with a fixed seed, become 3. The month is
   ingested again and the same family is run: that centre-month must be flagged.

Prints the figures; not a test (tests/test_satisfaction_independent.py holds the e2e check).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from helpers.base.config import load_config  # noqa: E402
from helpers.base.paths import CODE_ROOT, get_paths  # noqa: E402
from helpers.base.periods import parse  # noqa: E402
from helpers.chapters import satisfaction  # noqa: E402
from helpers.data import ingest, store  # noqa: E402

DROP_POINTS = 8
FLIP_TO = "3"
FLIP_SEED = 20240101


def lower_csat(surveys_csv: Path, centre: str, points: float = DROP_POINTS, seed: int = FLIP_SEED) -> dict:
    """Lower ``centre``'s CSAT in one month's raw ``surveys.csv`` by ``points`` percentage points,
    in place: ⌈points% × responses⌉ of its top-box answers (4–5), drawn with ``seed``, become 3.
    Every other cell is written back exactly as read. Returns before/after counts."""
    raw = pd.read_csv(surveys_csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    mine = raw["centre_id"].eq(centre) & raw["csat"].ne("")
    top = raw.index[mine & raw["csat"].isin(["4", "5"])]
    n = int(mine.sum())
    k = math.ceil(points / 100 * n)
    if k > len(top):
        raise ValueError(f"{centre} has only {len(top)} top-box responses; cannot lower CSAT by {points} points")
    chosen = np.sort(np.random.default_rng(seed).choice(top.to_numpy(), size=k, replace=False))
    raw.loc[chosen, "csat"] = FLIP_TO
    surveys_csv.write_text(raw.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    return {"responses": n, "top_box_before": int(len(top)), "flipped": k,
            "csat_before": len(top) / n, "csat_after": (len(top) - k) / n}


def centre_month_flags(root: Path, months: list[str]) -> pd.DataFrame:
    """For each month (with a previous month in the store) and centre: whether the monthly
    chapter's family flags a significant drop at that centre. Columns: ``month, centre_id,
    tested, flagged, detail``."""
    cfg = load_config(root)
    kpi = cfg.kpi
    last = parse(months[-1])
    # one load for every month: change_family windows each period itself, so nothing after a
    # month's end enters its tests (the as-of rule holds)
    surveys = store.load("surveys", last, root=root)
    tickets = store.load("tickets", last, root=root, columns=satisfaction.TICKET_COLUMNS)
    linked = satisfaction.link_tickets(surveys, tickets)
    available = set(months)
    rows = []
    for month in months:
        period = parse(month)
        if period.previous().label not in available:
            continue
        family = satisfaction.change_family(linked, satisfaction.within(tickets, "created_at", period), period,
                                            satisfaction.MONTHLY_CUTS, kpi)
        centre_rows = family[family["cut"].eq("centre_id")]
        for centre in cfg.ids("centres"):
            mine = centre_rows[centre_rows["centre_id"].eq(centre)]
            drops = mine[mine["drop"]]
            rows.append({"month": month, "centre_id": centre, "tested": bool(mine["p_value"].notna().any()),
                         "flagged": bool(len(drops)),
                         "detail": "; ".join(f"{r.metric} vs {r.comparison} {r.change:+.3f} (p_adj {r.p_adjusted:.2g})"
                                             for r in drops.itertuples())})
    return pd.DataFrame(rows, columns=["month", "centre_id", "tested", "flagged", "detail"])


def injected_drops(root: Path) -> set[tuple[str, str]]:
    """(month, centre) pairs where the demo's ground truth injected a CSAT drop."""
    path = get_paths(root).truth / "demo_truth.json"
    if not path.is_file():
        return set()
    dip = json.loads(path.read_text(encoding="utf-8")).get("csat_dip", {})
    return {(m, dip["centre_id"]) for m in dip.get("months", [])}


def _demo_root(scale: float) -> Path:
    from helpers.demo import generate as demo

    root = Path(tempfile.mkdtemp(prefix="goldbook-noise-"))
    shutil.copytree(CODE_ROOT / "config", root / "config")
    print(f"generating the demo (seed 7, scale {scale}) in a temporary folder …", flush=True)
    demo.generate(get_paths(root).raw, seed=7, scale=scale, cfg=load_config(root))
    bad = [r.report() for r in ingest.ingest_all(root) if not r.ok]
    if bad:
        raise SystemExit("the demo did not ingest:\n" + "\n".join(bad))
    return root


def detection(root: Path, centre: str, month: str) -> tuple[dict, pd.DataFrame]:
    """Lower ``centre``'s CSAT in ``month`` in a copy of ``root`` and run the month's family."""
    with tempfile.TemporaryDirectory(prefix="goldbook-drop-") as tmp:
        copy = Path(tmp)
        src = get_paths(root)
        shutil.copytree(src.config, copy / "config")
        shutil.copytree(src.processed, copy / "data" / "processed")
        shutil.copytree(src.month_raw(month), get_paths(copy).month_raw(month))
        change = lower_csat(get_paths(copy).month_raw(month) / "surveys.csv", centre)
        result = ingest.ingest_month(month, root=copy)
        if not result.ok:
            raise SystemExit(result.report())
        months = [m for m in store.months(copy) if m <= month][-2:]
        flags = centre_month_flags(copy, months)
    return change, flags[flags["month"].eq(month)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, help="an ingested data root (default: the repository's, else a fresh demo)")
    ap.add_argument("--scale", type=float, default=1.0, help="demo volume when a fresh demo is generated")
    ap.add_argument("--centre", default="seef", help="the centre whose CSAT is lowered (detection)")
    ap.add_argument("--month", default="2024-02", help="the month whose CSAT is lowered (detection)")
    args = ap.parse_args(argv)

    root = args.root.resolve() if args.root else get_paths().root
    if not store.months(root):
        root = _demo_root(args.scale)
    months = store.months(root)
    started = time.perf_counter()
    flags = centre_month_flags(root, months)
    real = injected_drops(root)
    flags["injected"] = [(m, c) in real for m, c in zip(flags["month"], flags["centre_id"])]
    noise = flags[flags["tested"] & ~flags["injected"]]
    rate = noise["flagged"].mean() if len(noise) else float("nan")
    print(f"data: {months[0]} … {months[-1]} ({len(months)} months) in {get_paths().rel(root) if root != get_paths().root else '.'}")
    print(f"noise: {int(noise['flagged'].sum())} of {len(noise)} centre-months flagged as a significant drop "
          f"= {100 * rate:.1f}% (goal ≤ 5%)  [{time.perf_counter() - started:.1f} s]")
    for r in noise[noise["flagged"]].itertuples():
        print(f"  false alarm: {r.month} {r.centre_id}: {r.detail}")
    for r in flags[flags["injected"]].itertuples():
        print(f"  injected dip: {r.month} {r.centre_id}: {'flagged' if r.flagged else 'NOT flagged'} {r.detail}")

    if args.month in months and parse(args.month).previous().label in months:
        change, flagged = detection(root, args.centre, args.month)
        hit = bool(flagged.loc[flagged["centre_id"].eq(args.centre), "flagged"].any())
        print(f"detection: {args.centre} {args.month} CSAT {100 * change['csat_before']:.1f}% → "
              f"{100 * change['csat_after']:.1f}% ({change['flipped']} of {change['responses']} responses flipped): "
              f"{'FLAGGED' if hit else 'NOT flagged'}")
        for r in flagged[flagged["flagged"]].itertuples():
            print(f"  {r.month} {r.centre_id}: {r.detail}")
        ok = hit and (rate <= 0.05)
    else:
        print(f"detection: skipped ({args.month} or the month before it is not in the data)")
        ok = rate <= 0.05
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
