"""How long `goldbook verify` takes against running the same period: the goal is at most 1.5×.

    python benchmarks/verify_bench.py                     # this repository's raw data, else a fresh demo
    python benchmarks/verify_bench.py --period 2023-06 --root path/to/data

Works in a temporary copy (config and the period's raw months), never in the root it reads.
With ``--repeat N`` it runs and verifies N times, alternating, and prints the median round.
Prints, for the period: the time to ingest its months from raw (what verify redoes), the time
to run its notebooks (forced), the time to verify it, and verify ÷ run, in wall and CPU
seconds. Figures, not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpers.pipeline import verify  # noqa: E402
from helpers.base.paths import CODE_ROOT, get_paths  # noqa: E402


def _cpu() -> float:
    """CPU seconds of this process and its finished children (notebook workers and kernels)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


CPU: dict[str, float] = {}


def _timed(fn, *args, **kwargs):
    """(value, wall seconds); the CPU seconds go to ``CPU[fn.__name__]``: on a busy machine the
    wall time is inflated, the CPU time is not."""
    started, cpu = time.perf_counter(), _cpu()
    value = fn(*args, **kwargs)
    CPU[fn.__name__] = _cpu() - cpu
    return value, time.perf_counter() - started


def build_demo(root: Path, start: str, end: str, scale: float) -> None:
    """Generate the demo's raw files and config under ``root``."""
    from helpers.demo import generate as demo
    from helpers.base.config import load_config

    shutil.copytree(CODE_ROOT / "config", root / "config")
    demo.generate(get_paths(root).raw, cfg=load_config(root), seed=7, start=start, end=end, scale=scale)


def ingest_clean(period: str, source: Path, work: Path) -> float:
    """Stage ``period``'s config and raw months from ``source`` into ``work`` as verify does, and
    ingest them oldest first; returns the wall seconds of the ingest."""
    from helpers.data import ingest

    verify.stage_sources(period, source, work)
    results, seconds = _timed(ingest.ingest_all, work)
    rejected = [r.report() for r in results if not r.ok]
    if rejected:
        raise SystemExit("\n".join(rejected))
    return seconds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", help="where the raw files are (default: this repository if it has the "
                                   "period's raw months, else a fresh demo in a temp folder); never written to")
    ap.add_argument("--period", default="2024-12", help="the month to measure (default 2024-12, the one "
                                                        "that reads the most months)")
    ap.add_argument("--start", default="2023-01", help="first demo month when a demo is generated")
    ap.add_argument("--scale", type=float, default=1.0, help="demo scale when one is generated (default 1)")
    ap.add_argument("--langs", default="en,ar")
    ap.add_argument("--repeat", type=int, default=1, help="run and verify this many times, alternating, "
                                                          "and report the median round (wall times vary "
                                                          "with the machine's load)")
    args = ap.parse_args(argv)
    from helpers.pipeline import runner

    langs = tuple(args.langs.split(","))
    with tempfile.TemporaryDirectory(prefix="goldbook-verify-bench-") as tmp:
        source = get_paths(args.root).root if args.root else CODE_ROOT
        if args.period[:7] not in verify.months_read(args.period, source):
            if args.root:
                raise SystemExit(f"no raw month {args.period[:7]} under {args.root}")
            source = Path(tmp) / "demo"
            print(f"generating the demo {args.start}..{args.period} (scale {args.scale}) …", flush=True)
            build_demo(source, args.start, args.period, args.scale)
        work = Path(tmp) / "work"
        months = verify.months_read(args.period, source)
        ingest_s = ingest_clean(args.period, source, work)
        rounds = []  # (run wall, run cpu, verify wall, verify cpu, verify result)
        for _ in range(max(1, args.repeat)):
            run, run_s = _timed(runner.run_period, args.period, root=work, langs=langs, force=True,
                                progress=lambda line: None)
            if not run.ok:
                print(run.message)
                return 1
            result, verify_s = _timed(verify.verify, args.period, work)
            rounds.append((run_s, CPU["run_period"], verify_s, CPU["verify"], result))
        rounds.sort(key=lambda r: r[2] / r[0])
        run_s, cpu_r, verify_s, cpu_v, result = rounds[len(rounds) // 2]
        cpu_i = CPU["ingest_all"]
        print(f"period {args.period}: {len(months)} raw months read, {len(langs)} languages, "
              f"{result.total} outputs")
        print("                                                   wall      cpu")
        print(f"  ingest of those months from raw (clean folder): {ingest_s:6.1f} s {cpu_i:6.1f} s")
        print(f"  run (forced):                                   {run_s:6.1f} s {cpu_r:6.1f} s")
        print(f"  verify (copy + ingest + run + compare):         {verify_s:6.1f} s {cpu_v:6.1f} s")
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        print(f"    of which: {steps} (ingest in two chains when the root's store allows)")
        print(f"  verify / run: {verify_s / run_s:.2f}× wall, {cpu_v / cpu_r:.2f}× cpu (goal: at most 1.5×)")
        if len(rounds) > 1:
            print(f"    the median of {len(rounds)} rounds (shown above); each round: "
                  + ", ".join(f"{r[2] / r[0]:.2f}×" for r in rounds))
        print(f"  load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
              f"(wall times stretch when the machine is shared)")
        print("  " + result.report().replace("\n", "\n  "))
        return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
