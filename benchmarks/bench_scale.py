"""The scale figures beside their goals (``make bench-scale``): ingest against a bare DuckDB scan,
one entity month at 1x and at 100x, the national refresh on the local pool and on a Dask cluster.

Each part can run alone (``--ingest``, ``--month``, ``--national``, ``--cluster``; none given: all
of them). Every ``goldbook`` command is a child process of its own, so its wall time and its peak
memory (the largest resident set of any process of its tree: the command, its workers and their
kernels, from ``wait4``) are its own.

- ``--ingest``: ``goldbook ingest --all`` of the large single-entity demo (``--history`` months
  before ``--month``, and the month, at ``--scale``) into an empty store, side by side with a
  bare DuckDB ``read_csv`` of the same files in a child process (once before the ingest and
  once after; their mean). The figure is the ratio of the rows per second, goal at least 0.5x.
- ``--month``: the notebook stage (``goldbook run MONTH --force``) of the month at 1x and at
  ``--scale``, each with the same months of history: the large month at most 1.5x the small
  one, and no process above 4 GiB.
- ``--national``: the national demo (``goldbook demo-data --national``; the issue's figure is for
  at least 100 centres, 12 months and 10 M tickets: ``--national-months 12 --national-scale 42``):
  ingest of every entity against DuckDB, the whole ``goldbook national refresh`` from raw files
  on the local pool, one entity-month, and ``national build``.
- ``--cluster``: a local Dask cluster (``dask scheduler`` and ``dask worker --nworkers 2
  --nthreads 1`` on 127.0.0.1): the national refresh again (``--force``) on the local pool and
  on the cluster, and their ratio; and the 1x month on both.

A command this checkout does not have yet is reported as "not available". Everything is written
in a temporary folder (or ``--keep DIR``, kept, whose generated raw data a later run reuses),
never in this checkout's data/.

    python benchmarks/bench_scale.py [--ingest] [--month] [--national] [--cluster]
        [--scale 100] [--month-id 2024-06] [--history 1] [--jobs 2] [--keep DIR]
        [--national-scale 1] [--national-months 2] [--entities 32]

A quick smoke run: ``--scale 3 --national-scale 0.2 --national-months 1 --entities 4``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GOLDBOOK = [sys.executable, "-m", "helpers.cli"]
DASK = [str(Path(sys.executable).with_name("dask"))]
SEED = 7
GIB = 1024.0  # MB

GOAL_INGEST_RATIO = 0.5      # ingest rows/s at least this share of a bare DuckDB scan's
GOAL_MONTH_RATIO = 1.5       # the large month's notebook stage at most this many times the 1x month's
GOAL_PEAK_MB = 4 * GIB       # no process above 4 GiB
MIN_NATIONAL = {"centres": 100, "months": 12, "tickets": 10_000_000}   # the national demo

# A bare scan: every file read by DuckDB's read_csv (types sniffed as usual) into a table.
DUCKDB_SCAN = """
import sys, duckdb
con = duckdb.connect()
rows = 0
for path in sys.argv[1:]:
    con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(?)", [path])
    rows += con.execute("SELECT count(*) FROM t").fetchone()[0]
print(rows)
"""


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def why(self) -> str:
        lines = (self.stderr.strip() or self.stdout.strip() or f"exit {self.returncode}").splitlines()
        return lines[-1][:100]


@dataclass
class Row:
    figure: str
    value: str
    goal: str = ""
    verdict: str = ""


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GOLDBOOK_")}


def child(cmd: list[str]) -> Run:
    """Run ``cmd`` in this checkout; its wall time and the peak RSS of its process tree (wait4)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=clean_env(), cwd=ROOT, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, out.read(), err.read())


def goldbook(root: Path, *args: str) -> Run:
    return child([*GOLDBOOK, "--root", str(root), *args])


def must(run: Run, what: str) -> Run:
    """``run``, or stop: a set-up step that failed leaves nothing to measure."""
    if not run.ok:
        sys.exit(f"bench-scale: {what} failed ({run.returncode}):\n{run.stderr[-3000:]}{run.stdout[-2000:]}")
    return run


def month_before(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7]) - n
    while m < 1:
        y, m = y - 1, m + 12
    return f"{y:04d}-{m:02d}"


def scale_name(scale: float) -> str:
    return f"{scale:g}x"


def fmt_s(seconds: float) -> str:
    return f"{seconds:,.1f} s"


def fmt_mb(mb: float) -> str:
    return f"{mb / GIB:,.2f} GiB" if mb >= GIB else f"{mb:,.0f} MB"


def verdict(ok: bool) -> str:
    return "ok" if ok else "OVER"


# --- command discovery ------------------------------------------------------------------------
def has_option(args: list[str], option: str) -> bool:
    """Whether ``goldbook ARGS --help`` lists ``option`` (another helper may not have landed it yet)."""
    run = child([*GOLDBOOK, *args, "--help"])
    return run.ok and option in run.stdout


# --- the demo roots -----------------------------------------------------------------------------
def demo_root(parent: Path, scale: float, start: str, end: str) -> Path:
    """A single-entity data root with the demo months ``start`` … ``end`` at ``scale``; the raw
    data of an earlier run (``--keep``) is reused when it was generated with the same settings.
    The processed store and the reports are always started afresh."""
    root = parent / f"month-{scale_name(scale)}"
    marker = root / "data" / "raw" / ".goldbook-demo"
    wanted = {"start": start, "end": end, "scale": float(scale), "seed": SEED}
    if marker.is_file():
        made = json.loads(marker.read_text())
        if {k: made.get(k) for k in wanted} != wanted:
            shutil.rmtree(root)
    if not marker.is_file():
        root.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(root / "config", ignore_errors=True)
        shutil.copytree(ROOT / "config", root / "config")
        print(f"set-up: demo months {start} … {end} at {scale_name(scale)} in {root} …", flush=True)
        must(goldbook(root, "demo-data", "--start", start, "--end", end, "--scale", str(scale)), "demo-data")
    fresh_store(root)
    return root


def fresh_store(root: Path) -> None:
    for name in ("data/processed", "reports", "_build"):
        shutil.rmtree(root / name, ignore_errors=True)


def raw_csvs(root: Path) -> list[str]:
    """Every raw CSV file ingest reads in data root ``root``: the months' and the registry."""
    raw = root / "data" / "raw"
    return sorted(glob.glob(str(raw / "[0-9]*" / "*.csv")) + glob.glob(str(raw / "[0-9]*" / "*" / "*.csv"))
                  + glob.glob(str(raw / "*.csv")))


def duckdb_scan(files: list[str]) -> tuple[Run, int]:
    run = must(child([sys.executable, "-c", DUCKDB_SCAN, *files]), "the DuckDB scan")
    return run, int(run.stdout.split()[-1])


def ingest_rows(label: str, ingest: Run, scans: list[Run], rows: int) -> list[Row]:
    """The rows comparing an ingest with the DuckDB scans of the same files around it."""
    duck = sum(s.seconds for s in scans) / len(scans)
    out = [Row(f"{label}: bare DuckDB read_csv ({rows:,} rows; mean of {len(scans)})",
               f"{fmt_s(duck)}  {rows / duck:,.0f} rows/s")]
    if not ingest.ok:
        return out + [Row(f"{label}: goldbook ingest", f"failed: {ingest.why()}", f">= {GOAL_INGEST_RATIO}x", "FAILED")]
    ratio = duck / ingest.seconds
    out += [Row(f"{label}: goldbook ingest (peak {fmt_mb(ingest.peak_mb)})",
                f"{fmt_s(ingest.seconds)}  {rows / ingest.seconds:,.0f} rows/s"),
            Row(f"{label}: ingest throughput / DuckDB's", f"{ratio:.2f}x", f">= {GOAL_INGEST_RATIO}x",
                verdict(ratio >= GOAL_INGEST_RATIO))]
    return out


# --- the parts --------------------------------------------------------------------------------
def part_ingest(root: Path, label: str) -> list[Row]:
    fresh_store(root)
    files = raw_csvs(root)
    before, rows = duckdb_scan(files)
    ingest = goldbook(root, "ingest", "--all")
    after, _ = duckdb_scan(files)
    return ingest_rows(label, ingest, [before, after], rows)


def part_month(roots: dict[float, Path], month: str, jobs: int) -> list[Row]:
    runs = {}
    for scale, root in roots.items():
        if not (root / "data" / "processed" / month).is_dir():
            must(goldbook(root, "ingest", "--all"), f"ingest of the {scale_name(scale)} months")
        print(f"run {month} at {scale_name(scale)} …", flush=True)
        runs[scale] = goldbook(root, "run", month, "--force", "--jobs", str(jobs))
    out = []
    for scale, run in runs.items():
        name = f"month {month} at {scale_name(scale)}: notebook stage (run, {jobs} at once)"
        out.append(Row(name, fmt_s(run.seconds) if run.ok else f"failed: {run.why()}", "", "" if run.ok else "FAILED"))
        out.append(Row(f"month {month} at {scale_name(scale)}: peak resident memory of any process",
                       fmt_mb(run.peak_mb), f"<= {fmt_mb(GOAL_PEAK_MB)}", verdict(run.peak_mb <= GOAL_PEAK_MB)))
    small, large = runs[min(runs)], runs[max(runs)]
    if len(runs) == 2 and small.ok and large.ok:
        ratio = large.seconds / small.seconds
        out.append(Row(f"month {month}: {scale_name(max(runs))} notebook stage / {scale_name(min(runs))}'s",
                       f"{ratio:.2f}x", f"<= {GOAL_MONTH_RATIO}x", verdict(ratio <= GOAL_MONTH_RATIO)))
    return out


def national_root(parent: Path, args) -> Path:
    """The national demo workspace (reused from ``--keep`` when generated with the same settings)."""
    root = parent / "national"
    start = month_before(args.month_id, args.national_months - 1)
    wanted = [start, args.month_id, args.national_scale, args.entities]
    marker = root / ".bench-scale.json"
    if marker.is_file() and json.loads(marker.read_text()) != wanted:
        shutil.rmtree(root)
    if not marker.is_file():
        shutil.rmtree(root, ignore_errors=True)
        print(f"set-up: national demo, {args.entities} entities, {start} … {args.month_id} at "
              f"{args.national_scale:g} …", flush=True)
        must(goldbook(root, "demo-data", "--national", "--start", start, "--end", args.month_id,
                      "--scale", str(args.national_scale), "--entities", str(args.entities)), "demo-data --national")
        marker.write_text(json.dumps(wanted))
    return root


def entities(root: Path) -> list[Path]:
    return sorted(p.parent.parent for p in (root / "entities").glob("*/config/entity.yaml"))


def size_rows(root: Path, files: list[str], tickets: int) -> list[Row]:
    """What the national demo holds, against the issue's minimum."""
    ents = entities(root)
    centres = sum(len(yaml.safe_load((e / "config" / "entity.yaml").read_text(encoding="utf-8")).get("centres") or [])
                  for e in ents)
    months = sorted({Path(f).parent.name for f in files if Path(f).parent.name[:2] == "20"})
    return [Row("national demo: entities, centres, months, tickets",
                f"{len(ents)}, {centres}, {len(months)}, {tickets:,}",
                f">= {MIN_NATIONAL['centres']} centres, {MIN_NATIONAL['months']} months, "
                f"{MIN_NATIONAL['tickets'] / 1e6:g} M tickets",
                "ok" if centres >= MIN_NATIONAL["centres"] and len(months) >= MIN_NATIONAL["months"]
                and tickets >= MIN_NATIONAL["tickets"] else "SMALLER")]


def ticket_rows(files: list[str]) -> int:
    """Tickets in the files (lines of tickets.csv minus the header; the demo writes no line breaks in them)."""
    total = 0
    for f in files:
        if Path(f).name == "tickets.csv":
            with open(f, "rb") as fh:
                total += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b"")) - 1
    return total


def ingest_entities(ents: list[Path], jobs: int) -> Run:
    """``goldbook ingest --all`` in every entity, ``jobs`` processes at once: the wall time of
    all, the largest peak, and the first failure."""
    start = time.perf_counter()
    waiting, running, peak, failed = list(ents), {}, 0.0, None
    while waiting or running:
        while waiting and len(running) < jobs:
            root = waiting.pop(0)
            err = tempfile.TemporaryFile("w+")
            proc = subprocess.Popen([*GOLDBOOK, "--root", str(root), "ingest", "--all"], env=clean_env(), cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=err, text=True)
            running[proc.pid] = (proc, root, err)
        pid, status, usage = os.wait4(-1, 0)
        if pid not in running:
            continue
        proc, root, err = running.pop(pid)
        peak = max(peak, usage.ru_maxrss / 1024)
        if os.waitstatus_to_exitcode(status) and failed is None:
            err.seek(0)
            failed = f"{root.name}: {err.read().strip()[-200:]}"
        err.close()
    return Run(time.perf_counter() - start, peak, 1 if failed else 0, "", failed or "")


def part_national(root: Path, month: str, jobs: int) -> list[Row]:
    ents = entities(root)
    files = [f for e in ents for f in raw_csvs(e)]
    out = size_rows(root, files, ticket_rows(files))
    for e in ents:
        fresh_store(e)
    before, rows = duckdb_scan(files)
    ingest = ingest_entities(ents, jobs)
    after, _ = duckdb_scan(files)
    out += ingest_rows(f"national ingest ({len(ents)} entities, {jobs} at once)", ingest, [before, after], rows)
    for e in ents:
        fresh_store(e)
    print("national refresh on the local pool …", flush=True)
    refresh = goldbook(root, "national", "refresh", "--jobs", str(jobs))
    out.append(Row(f"national refresh from raw files, local pool (--jobs {jobs}; peak {fmt_mb(refresh.peak_mb)})",
                   fmt_s(refresh.seconds) if refresh.ok else f"failed: {refresh.why()}", "",
                   "" if refresh.ok else "FAILED"))
    one = goldbook(ents[0], "run", month, "--force", "--jobs", str(jobs))
    out.append(Row(f"one entity-month ({ents[0].name} {month}, run --force; peak {fmt_mb(one.peak_mb)})",
                   fmt_s(one.seconds) if one.ok else f"failed: {one.why()}", "", "" if one.ok else "FAILED"))
    build = goldbook(root, "national", "build")
    out.append(Row("national build (the comparison book)",
                   fmt_s(build.seconds) if build.ok else f"failed: {build.why()}", "", "" if build.ok else "FAILED"))
    return out


class Cluster:
    """A local Dask cluster: a scheduler and one ``dask worker`` process with 2 workers of 1 thread."""

    def __init__(self, workdir: Path, workers: int = 2):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.file = workdir / "scheduler.json"
        self.file.unlink(missing_ok=True)
        self.procs = []
        self.peak_mb = 0.0
        self._start([*DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(self.file)], "scheduler.log")
        deadline = time.monotonic() + 60
        while not self.file.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        if not self.file.is_file():
            self.close()
            sys.exit("bench-scale: the Dask scheduler did not start (see scheduler.log)")
        self.address = json.loads(self.file.read_text())["address"]
        self._start([*DASK, "worker", self.address, "--nworkers", str(workers), "--nthreads", "1",
                     "--no-dashboard", "--local-directory", str(workdir / "workers")], "workers.log")
        self._wait_for(workers)

    def _start(self, cmd: list[str], log: str) -> None:
        with open(self.workdir / log, "w") as fh:
            self.procs.append(subprocess.Popen(cmd, cwd=ROOT, env=clean_env(), stdout=fh, stderr=subprocess.STDOUT,
                                               start_new_session=True))

    def _wait_for(self, workers: int) -> None:
        from distributed import Client  # only this part needs it

        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(workers, timeout=120)

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                _, _, usage = os.wait4(proc.pid, 0)
                self.peak_mb = max(self.peak_mb, usage.ru_maxrss / 1024)
            except ChildProcessError:
                pass


def part_cluster(parent: Path, month_root: Path | None, national: Path | None, month: str, jobs: int) -> list[Row]:
    cluster = Cluster(parent / "cluster")
    out = []
    try:
        pairs = []
        if month_root is not None:
            pairs.append((f"month {month} at 1x, run --force", month_root, ["run", month, "--force"]))
        if national is not None:
            pairs.append(("national refresh --force (reports only)", national, ["national", "refresh", "--force"]))
        for label, root, cmd in pairs:
            print(f"{label}: local pool, then the cluster …", flush=True)
            local = goldbook(root, *cmd, "--jobs", str(jobs))
            remote = goldbook(root, *cmd, "--jobs", str(jobs), "--scheduler", cluster.address)
            out.append(Row(f"{label}: local pool ({jobs} at once)",
                           fmt_s(local.seconds) if local.ok else f"failed: {local.why()}", "",
                           "" if local.ok else "FAILED"))
            out.append(Row(f"{label}: 2-worker local Dask cluster",
                           fmt_s(remote.seconds) if remote.ok else f"failed: {remote.why()}", "",
                           "" if remote.ok else "FAILED"))
            if local.ok and remote.ok:
                out.append(Row(f"{label}: cluster / local pool", f"{remote.seconds / local.seconds:.2f}x"))
    finally:
        cluster.close()
    out.append(Row("cluster: peak resident memory of any worker process", fmt_mb(cluster.peak_mb),
                   f"<= {fmt_mb(GOAL_PEAK_MB)}", verdict(cluster.peak_mb <= GOAL_PEAK_MB)))
    return out


# --- the table ----------------------------------------------------------------------------------
def table(rows: list[Row]) -> str:
    """The figures, one a line: what, the measured value, the goal and whether it is met."""
    width = max([len(r.figure) for r in rows] + [6])
    value = max([len(r.value) for r in rows] + [8])
    lines = [f"{'figure':<{width}}  {'measured':<{value}}  goal"]
    lines += [f"{r.figure:<{width}}  {r.value:<{value}}  {r.goal}{'  ' + r.verdict if r.verdict else ''}".rstrip()
              for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for part in ("ingest", "month", "national", "cluster"):
        parser.add_argument(f"--{part}", action="store_true", help=f"the {part} part (default: every part)")
    parser.add_argument("--scale", type=float, default=100, help="the large single-entity volume (default 100)")
    parser.add_argument("--month-id", default="2024-06", metavar="YYYY-MM", help="the month (default 2024-06)")
    parser.add_argument("--history", type=int, default=1, help="demo months before it, at each volume (default 1)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks (national: entities) at once (default 2)")
    parser.add_argument("--national-scale", type=float, default=1.0,
                        help="demo-data --national --scale (default 1; the issue's 10 M tickets: about 42)")
    parser.add_argument("--national-months", type=int, default=2, help="national demo months, ending with --month-id "
                        "(default 2; the issue's figure: 12)")
    parser.add_argument("--entities", type=int, default=32, help="national demo entities (default 32: 100 centres)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it; its generated demo data is reused")
    args = parser.parse_args(argv)
    parts = {p for p in ("ingest", "month", "national", "cluster") if getattr(args, p)} or \
        {"ingest", "month", "national", "cluster"}

    parent = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="goldbook-bench-scale-"))
    parent = parent.resolve()
    if ROOT.resolve() in (parent, *parent.parents):
        sys.exit(f"bench-scale: {parent} is inside this checkout; work elsewhere (e.g. a temporary folder)")
    parent.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; work folder {parent}; "
          f"parts: {', '.join(p for p in ('ingest', 'month', 'national', 'cluster') if p in parts)}", flush=True)
    start = month_before(args.month_id, args.history)
    rows: list[Row] = []
    try:
        if parts & {"ingest", "month"}:
            large = demo_root(parent, args.scale, start, args.month_id)
            if "ingest" in parts:
                label = f"ingest {start} … {args.month_id} at {scale_name(args.scale)}"
                print(f"{label}, and the DuckDB scans …", flush=True)
                rows += part_ingest(large, label)
            if "month" in parts:
                small = demo_root(parent, 1.0, start, args.month_id)
                rows += part_month({1.0: small, args.scale: large}, args.month_id, args.jobs)
        national = None
        if parts & {"national", "cluster"}:
            if has_option(["demo-data"], "--national") and has_option(["national", "refresh"], "--jobs"):
                national = national_root(parent, args)
                if "national" in parts:
                    rows += part_national(national, args.month_id, args.jobs)
            else:
                rows.append(Row("national demo and refresh (goldbook demo-data --national, national refresh)",
                                "not available"))
        if "cluster" in parts:
            if has_option(["run"], "--scheduler") and Path(DASK[0]).exists():
                month_root = demo_root(parent, 1.0, start, args.month_id)
                must(goldbook(month_root, "ingest", "--all"), "ingest of the 1x months")
                if national is not None and not has_option(["national", "refresh"], "--scheduler"):
                    rows.append(Row("national refresh --scheduler", "not available"))
                    national = None
                elif national is not None and not any((e / "data" / "processed").is_dir() for e in entities(national)):
                    must(goldbook(national, "national", "refresh", "--jobs", str(args.jobs)), "national refresh")
                rows += part_cluster(parent, month_root, national, args.month_id, args.jobs)
            else:
                rows.append(Row("reports on a Dask cluster (goldbook run --scheduler)", "not available"))
        print("\n" + table(rows))
    finally:
        if not args.keep:
            shutil.rmtree(parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
