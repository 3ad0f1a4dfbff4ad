"""Speed and memory of the pipeline, stage by stage, printed beside the goals (``make bench``).

Default: one demo month (2024-06, full volume) in a temporary data root, with the twelve months
before it generated and ingested as history (set-up, not timed against a goal). Then, each as
its own ``goldbook`` process so that wall time and peak memory are that stage's own:

- ingest the month;
- run the month's notebooks in both languages (and each notebook's time, from the progress lines);
- the floor of that run: as many trivial notebooks (one cell each) as the run executed, run by
  papermill, ``--jobs`` at a time, each in a kernel of its own; the month's run against it;
- build the book;
- rerun with nothing changed: ingest, run, build again.

``--full`` also times the whole demo in a second root: demo-data (24 months), ingest --all,
run --all, build, then the same four again with nothing changed.

Peak memory is the largest resident set of the stage's process tree (the goldbook process, its
workers and their kernels), from ``wait4``'s resource usage.

    python benchmarks/bench.py [--month 2024-06] [--full] [--keep DIR] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDBOOK = [sys.executable, "-m", "helpers.cli"]
DONE = re.compile(r"^\[\d+/\d+\] (\S+) (en|ar) (\S+): done in ([\d.]+) s$")

GOAL_MONTH_S = 60.0      # one month, all notebooks, both languages
GOAL_DEMO_S = 180.0      # the whole `make demo` after packages are installed, on 2 cores
GOAL_RERUN_S = 1.0       # a rerun with nothing changed
GOAL_FLOOR_RATIO = 1.0   # the month's run at most its floor: as many trivial notebooks, papermill, 2 at a time

# The floor: COUNT notebooks of one cell each, written into FOLDER and run by papermill, JOBS at once.
FLOOR = """
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import papermill

folder, count, jobs = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
folder.mkdir(parents=True, exist_ok=True)
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
paths = []
for i in range(count):
    paths.append(folder / f"trivial_{i:03d}.ipynb")
    nbformat.write(nb, str(paths[-1]))


def run(path):
    papermill.execute_notebook(str(path), str(path.with_name(path.stem + ".out.ipynb")), kernel_name="python3",
                               progress_bar=False, log_output=False)


with ThreadPoolExecutor(jobs) as pool:
    list(pool.map(run, paths))
"""


@dataclass
class Stage:
    name: str
    seconds: float
    peak_mb: float
    stderr: str
    goal: float | None = None
    stdout: str = ""
    unit: str = "s"          # "x": a ratio (in ``seconds``), no memory


def ratio(name: str, part: Stage, whole: Stage, goal: float) -> Stage:
    return Stage(name, part.seconds / whole.seconds, 0.0, "", goal, unit="x")


def timed(name: str, root: Path, *args: str, goal: float | None = None) -> Stage:
    """Run ``goldbook --root ROOT ARGS`` as a child process; its wall time and peak RSS."""
    return timed_command(name, [*GOLDBOOK, "--root", str(root), *args], f"goldbook {' '.join(args)}", goal)


def timed_command(name: str, command: list[str], shown: str, goal: float | None = None) -> Stage:
    """Run ``command`` as a child process in this checkout; its wall time and the peak RSS of its
    process tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLDBOOK_")}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=err, text=True)
        # wait4, not wait: the resource usage of this child and the descendants it reaped
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode:
        sys.exit(f"bench: `{shown}` failed ({child.returncode}):\n{stderr[-3000:]}{stdout[-2000:]}")
    return Stage(name, seconds, usage.ru_maxrss / 1024, stderr, goal, stdout)


def month_before(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7]) - n
    while m < 1:
        y, m = y - 1, m + 12
    return f"{y:04d}-{m:02d}"


def fresh_root(parent: Path, name: str) -> Path:
    root = parent / name
    root.mkdir(parents=True)
    shutil.copytree(ROOT / "config", root / "config")
    return root


def one_month(parent: Path, month: str, jobs: int) -> list[Stage]:
    root = fresh_root(parent, "month")
    first = max(month_before(month, 12), "2023-01")
    print(f"set-up: demo months {first} … {month} (full volume) and ingest of the history …", flush=True)
    timed("demo-data (history and month)", root, "demo-data", "--start", first, "--end", month)
    aside = root / "data" / f"held-{month}"
    os.replace(root / "data" / "raw" / month, aside)
    timed("ingest history", root, "ingest", "--all")
    os.replace(aside, root / "data" / "raw" / month)

    stages = [timed(f"ingest {month}", root, "ingest", month)]
    run = timed(f"run {month}: all notebooks, en + ar, {jobs} at once", root, "run", month, "--jobs", str(jobs),
                goal=GOAL_MONTH_S)
    stages.append(run)
    executed = sum(1 for line in run.stderr.splitlines() if DONE.match(line))
    if executed:
        floor = timed_command(f"floor: {executed} one-cell notebooks, papermill, {jobs} at once",
                              [sys.executable, "-c", FLOOR, str(parent / "floor"), str(executed), str(jobs)],
                              "the floor (papermill)")
        stages += [floor, ratio(f"run {month} / its floor", run, floor, GOAL_FLOOR_RATIO)]
    else:
        print("\nNOTE: the run printed no notebook progress lines: no floor to compare it with.")
    stages.append(timed("build the book", root, "build"))
    rerun = [timed("rerun: ingest (unchanged)", root, "ingest", month),
             timed("rerun: run (skipped)", root, "run", month, "--jobs", str(jobs)),
             timed("rerun: build", root, "build")]
    stages += rerun
    if "unchanged since its last run" not in rerun[1].stderr:
        print("\nNOTE: the rerun was not skipped: the month's fingerprint changed between the runs "
              "(was code or config edited meanwhile?), so the rerun figures are not a do-nothing rerun.")
    stages.append(Stage("rerun, nothing changed: ingest + run", rerun[0].seconds + rerun[1].seconds,
                        max(s.peak_mb for s in rerun[:2]), "", GOAL_RERUN_S))
    stages.append(Stage("rerun, nothing changed: ingest + run + build", sum(s.seconds for s in rerun),
                        max(s.peak_mb for s in rerun), ""))
    print_notebooks(run)
    return stages


def whole_demo(parent: Path, jobs: int) -> list[Stage]:
    root = fresh_root(parent, "demo")
    print("whole demo: demo-data, ingest --all, run --all, build …", flush=True)
    steps = [timed("demo: demo-data (24 months)", root, "demo-data"),
             timed("demo: ingest --all", root, "ingest", "--all"),
             timed("demo: run --all", root, "run", "--all", "--jobs", str(jobs)),
             timed("demo: build", root, "build")]
    again = [timed("demo rerun: ingest --all", root, "ingest", "--all"),
             timed("demo rerun: run --all", root, "run", "--all", "--jobs", str(jobs)),
             timed("demo rerun: build", root, "build")]
    if " 0 published" not in again[1].stdout:
        print("\nNOTE: the whole-demo rerun ran some periods again: their fingerprints changed meanwhile.")
    total = Stage("whole demo (make demo after install)", sum(s.seconds for s in steps),
                  max(s.peak_mb for s in steps), "", GOAL_DEMO_S)
    rerun = Stage("whole demo rerun, nothing changed: ingest + run", again[0].seconds + again[1].seconds,
                  max(s.peak_mb for s in again[:2]), "", GOAL_RERUN_S)
    rerun_all = Stage("whole demo rerun, nothing changed: ingest + run + build", sum(s.seconds for s in again),
                      max(s.peak_mb for s in again), "")
    return [*steps, total, *again, rerun, rerun_all]


def print_notebooks(run: Stage) -> None:
    rows = [m.groups() for m in map(DONE.match, run.stderr.splitlines()) if m]
    if not rows:
        return
    print("\nnotebooks (one kernel per language, started by the first; the two languages at once):")
    for period, lang, name, seconds in sorted(rows, key=lambda r: (r[2], r[1])):
        print(f"  {name:<28} {lang}  {float(seconds):7.1f} s")


def print_table(stages: list[Stage]) -> None:
    print(f"\n{'stage':<58} {'wall':>9} {'peak RSS':>10}  goal")
    for s in stages:
        goal = ""
        if s.goal is not None:
            limit = f"{s.goal:.1f}x" if s.unit == "x" else f"{s.goal:g} s"
            goal = f"<= {limit}  {'ok' if s.seconds <= s.goal else 'OVER'}"
        if s.unit == "x":
            print(f"{s.name:<58} {s.seconds:8.2f}x {'':>10}  {goal}")
        else:
            print(f"{s.name:<58} {s.seconds:8.1f}s {s.peak_mb:8.0f}MB  {goal}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", default="2024-06", help="the demo month to time (default 2024-06)")
    parser.add_argument("--full", action="store_true", help="also time the whole demo and its rerun")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks at once (default 2)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR (must not exist) and keep it")
    args = parser.parse_args(argv)

    if args.keep:
        parent = Path(args.keep)
        parent.mkdir(parents=True)
    else:
        parent = Path(tempfile.mkdtemp(prefix="goldbook-bench-"))
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; work folder {parent}")
    try:
        stages = one_month(parent, args.month, args.jobs)
        if args.full:
            stages += whole_demo(parent, args.jobs)
        print_table(stages)
    finally:
        if not args.keep:
            shutil.rmtree(parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
