"""Kill ``run``, ``build`` and ``ingest`` at random moments and check what survives (``make crash-check``).

    python benchmarks/crash_check.py                       # this checkout's data root (after `make demo`)
    python benchmarks/crash_check.py --root DIR --n 2 --period 2024-12 --seed 7

Works in a private copy of the data root (config, data, reports, restricted, _build, book
sources), never in the root it reads, and removes the copy at the end. The copy is first brought
up to this code (``goldbook run PERIOD`` and ``goldbook build``, nothing to do when current) and
must pass the checks below before any kill. For each command it first
runs it once to completion to measure its duration, then starts it N times and kills it with
SIGKILL at a moment drawn uniformly over that duration (one moment in each of N equal slices,
seeded: the same seed gives the same moments). The kill takes the command's process group and
every process under it (the notebook kernels run in sessions of their own). It is a kill, not a
power cut: what the process wrote stays in the page cache (nothing here calls fsync).

- ``goldbook run PERIOD --force``, each time after one csat value of the period's month was toggled
  and ingested, so that every killed run is publishing a new edition;
- ``goldbook build --force`` (while the command line has no ``--force``: ``build_book(force=True)``,
  what ``goldbook build`` calls);
- ``goldbook ingest MONTH`` of a month made to change: one csat value of its ``surveys.csv`` is
  toggled before every ingest (the original bytes are put back at the end), so each ingest has work.

After each kill it checks:

- the published period is the old or a new complete edition: ``reports/PERIOD/`` exists and
  ``goldbook verify PERIOD --published-only`` passes (files, ledger and book pages, as far as the
  code checks them);
- the book is complete and holds nothing unpublished: ``_build/html/index.html`` exists, every
  file listed in ``_build/html/.goldbook-build.json`` (when there is one) is present, and no path
  under ``_build/html`` nor ``searchindex.js`` names ``.staging``, ``.failed``, ``/editions/`` or
  ``.ingest``;
- the next command works: the same run, a build or the same ingest completes; after it, no
  leftover (``.staging-``, ``.tmp-``, ``.old-``) stays in ``reports/``, ``data/processed/`` or
  ``_build/``, and after an ingest the month's processed folder is byte for byte what the
  uninterrupted ingest of the same raw file wrote (recorded while measuring).

A full ``goldbook verify`` (a rebuild from raw) after every kill would take minutes each, so the
kills are followed by ``--published-only`` checks and the run ends with one full
``goldbook verify PERIOD`` and ``goldbook verify --all --published-only``.

Prints survived/total per command; exit 1 if any check failed, naming it. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDBOOK = [sys.executable, "-m", "helpers.cli"]
# what a data root holds (copied); the code always comes from this checkout
ROOT_ITEMS = ("config", "data", "reports", "restricted", "_build", "book", "_toc.yml")
# never in the book: a run's staging, a failed run, an old edition, ingest's problem lists
UNPUBLISHED = (".staging", ".failed", "/editions/", ".ingest")
LEFTOVER = re.compile(r"^\.(staging|tmp|old)-")
BUILD_MANIFEST = ".goldbook-build.json"
FORCED_BUILD = ["build", "(force)"]  # `goldbook build` with force=True, while the command line has no --force


# --- pure parts ----------------------------------------------------------------------------------

def kill_times(duration: float, n: int, seed: int, command: str) -> list[float]:
    """``n`` moments in ``[0, duration)``: one drawn uniformly in each of ``n`` equal slices, so
    that even a few kills cover the whole command. The same seed and command give the same moments."""
    rng = random.Random(f"{seed}-{command}")
    return [round((i + rng.random()) * duration / n, 3) for i in range(n)]


def unpublished(paths, searchindex: str = "") -> list[str]:
    """The paths (relative, ``/``-separated) that name unpublished work, and ``searchindex.js``
    if its text does."""
    found = [p for p in paths if any(mark in f"/{p}" for mark in UNPUBLISHED)]
    if any(mark in searchindex for mark in UNPUBLISHED):
        found.append("searchindex.js (names unpublished work)")
    return found


def toggled_csat(text: str) -> str:
    """``surveys.csv`` text with the csat of its first plain data line changed (5 ↔ 4, any other
    value → 5): a valid correction, so that an ingest of the month has work."""
    lines = text.split("\n")
    header = lines[0].rstrip("\r").split(",")
    if "csat" not in header:
        raise ValueError("surveys.csv has no csat column")
    col = header.index("csat")
    for i, line in enumerate(lines[1:], start=1):
        fields = line.split(",")
        if len(fields) <= col or '"' in ",".join(fields[:col + 1]) or not fields[col].strip().isdigit():
            continue
        fields[col] = "4" if fields[col].strip() == "5" else "5"
        lines[i] = ",".join(fields)
        return "\n".join(lines)
    raise ValueError("surveys.csv has no data line with a plain csat value")


# --- processes -----------------------------------------------------------------------------------

def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _tree(pid: int) -> list[int]:
    kids, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] == "Z"  # a zombie runs nothing


def kill_all(proc: subprocess.Popen) -> None:
    """SIGKILL the command's process group and every process under it; wait until all are gone."""
    try:
        os.killpg(proc.pid, signal.SIGSTOP)  # freeze the group so that it starts nothing new meanwhile
    except ProcessLookupError:
        pass
    pids = _tree(proc.pid) if proc.poll() is None else []
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    deadline = time.monotonic() + 30
    while not all(_gone(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


@dataclass
class Done:
    code: int
    seconds: float
    output: str
    killed: bool = False


def goldbook(root: Path, *args: str, kill_after: float | None = None, timeout: float = 3600) -> Done:
    """``goldbook --root ROOT ARGS`` in a session of its own; killed (process tree) after
    ``kill_after`` seconds if it still runs then. ``ARGS`` of ``FORCED_BUILD`` run ``build_book``
    with ``force`` where the command line has no ``build --force``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLDBOOK_")}
    command = [*GOLDBOOK, "--root", str(root), *args]
    if list(args) == FORCED_BUILD:
        code = "import sys; from helpers.book.build import build_book; build_book(sys.argv[1], force=True, progress=print)"
        command = [sys.executable, "-c", code, str(root)]
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        killed = False
        try:
            proc.wait(timeout=kill_after if kill_after is not None else timeout)
        except subprocess.TimeoutExpired:
            killed = kill_after is not None
            kill_all(proc)
        finally:
            if proc.poll() is None:  # interrupted: leave nothing running in the copy
                kill_all(proc)
        seconds = time.perf_counter() - started
        out.seek(0)
        return Done(proc.returncode if not killed else -9, seconds, out.read(), killed)


# --- checks ----------------------------------------------------------------------------------------

def _listing(folder: Path) -> dict[str, str]:
    from helpers.base.files import sha256_file

    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def _tail(text: str, lines: int = 6) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def check_published(root: Path, period: str) -> list[str]:
    if not (root / "reports" / period).is_dir():
        return [f"reports/{period}/ is missing"]
    done = goldbook(root, "verify", period, "--published-only")
    return [] if done.code == 0 else [f"verify {period} --published-only failed: {_tail(done.output)}"]


def check_book(root: Path) -> list[str]:
    html = root / "_build" / "html"
    if not (html / "index.html").is_file():
        return ["_build/html/index.html is missing"]
    problems = []
    record = html / BUILD_MANIFEST
    if record.is_file():
        try:
            listed = json.loads(record.read_text(encoding="utf-8"))
        except ValueError as exc:
            return [f"_build/html/{BUILD_MANIFEST} is not JSON: {exc}"]
        pages = listed.get("files") if isinstance(listed, dict) else None
        if not isinstance(pages, dict):
            return [f"_build/html/{BUILD_MANIFEST} has no files listed"]
        missing = [p for p in pages if not (html / p).is_file()]
        problems += [f"page listed in {BUILD_MANIFEST} missing: {p}" for p in missing[:5]]
    paths = [p.relative_to(html).as_posix() for p in html.rglob("*")]
    index = html / "searchindex.js"
    text = index.read_text(encoding="utf-8", errors="replace") if index.is_file() else ""
    problems += [f"unpublished in the book: {p}" for p in unpublished(paths, text)[:5]]
    return problems


def leftovers(root: Path) -> list[str]:
    found = []
    for folder in (root / "reports", root / "data" / "processed", root / "_build", root / "data" / "raw"):
        if folder.is_dir():
            found += [f"leftover {p.relative_to(root).as_posix()}" for p in folder.iterdir() if LEFTOVER.match(p.name)]
    return found


@dataclass
class Tally:
    command: str
    total: int = 0
    killed: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def survived(self) -> int:
        return self.total - self.failed


def _attempt(tally: Tally, i: int, at: float, root: Path, args: list[str], after_kill, recover) -> None:
    """One kill of ``goldbook ARGS`` at ``at`` seconds, then ``after_kill`` and ``recover`` checks."""
    tally.total += 1
    done = goldbook(root, *args, kill_after=at)
    tally.killed += done.killed
    state = "killed" if done.killed else f"finished first (exit {done.code})"
    problems = after_kill()
    if not problems:
        problems = recover()
    label = f"{tally.command} #{i + 1}"
    tally.failed += bool(problems)
    for p in problems:
        tally.failures.append(f"{label}: {p}")
    print(f"  {label} at {at:5.1f} s: {state}; " + ("survived" if not problems else "FAILED: " + "; ".join(problems)),
          flush=True)


def phase_run(root: Path, period: str, n: int, seed: int) -> Tally:
    tally = Tally("run")
    first = goldbook(root, "run", period, "--force")
    if first.code:
        raise SystemExit(f"crash-check: `goldbook run {period} --force` fails before any kill:\n{first.output[-3000:]}")
    times = kill_times(first.seconds, n, seed, "run")
    print(f"run {period} --force: {first.seconds:.1f} s uninterrupted; kills at {', '.join(f'{t:.1f}' for t in times)} s",
          flush=True)

    def recover() -> list[str]:
        again = goldbook(root, "run", period, "--force")
        if again.code:
            return [f"the next run failed (exit {again.code}): {_tail(again.output)}"]
        return check_published(root, period) + leftovers(root)

    # every killed run publishes a new edition: the period's own surveys.csv gets one csat toggled and is
    # ingested first, so the run's publication step moves the published edition into editions/<n>/
    surveys = root / "data" / "raw" / period[:7] / "surveys.csv"
    original = surveys.read_bytes() if surveys.is_file() else None
    versions = [original, toggled_csat(original.decode("utf-8")).encode("utf-8")] if original else []
    try:
        for i, at in enumerate(times):
            if versions:
                put_raw(surveys, versions[(i + 1) % 2])
                ingested = goldbook(root, "ingest", period[:7])
                if ingested.code:
                    raise SystemExit(f"crash-check: `goldbook ingest {period[:7]}` failed:\n{ingested.output[-3000:]}")
            _attempt(tally, i, at, root, ["run", period, "--force"], lambda: check_published(root, period), recover)
    finally:
        if versions:
            put_raw(surveys, original)
            goldbook(root, "ingest", period[:7])
            goldbook(root, "run", period)
    return tally


def put_raw(path: Path, data: bytes) -> None:
    """Replace a raw file by a new file (a hard link elsewhere keeps the old bytes)."""
    tmp = path.with_name(f".crash-check-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _build_args(root: Path) -> list[str]:
    helped = goldbook(root, "build", "--help")
    return ["build", "--force"] if "--force" in helped.output else FORCED_BUILD


def phase_build(root: Path, period: str, n: int, seed: int) -> Tally:
    tally = Tally("build")
    args = _build_args(root)
    first = goldbook(root, *args)
    if first.code:
        raise SystemExit(f"crash-check: `goldbook {' '.join(args)}` fails before any kill:\n{first.output[-3000:]}")
    times = kill_times(first.seconds, n, seed, "build")
    print(f"{' '.join(args)}: {first.seconds:.1f} s uninterrupted; kills at {', '.join(f'{t:.1f}' for t in times)} s",
          flush=True)

    def after_kill() -> list[str]:
        return check_book(root) + check_published(root, period)

    def recover() -> list[str]:
        again = goldbook(root, *args)
        if again.code:
            return [f"the next build failed (exit {again.code}): {_tail(again.output)}"]
        return check_book(root) + check_published(root, period) + leftovers(root)

    for i, at in enumerate(times):
        _attempt(tally, i, at, root, args, after_kill, recover)
    return tally


def phase_ingest(root: Path, period: str, month: str, n: int, seed: int) -> Tally:
    tally = Tally("ingest")
    surveys = root / "data" / "raw" / month / "surveys.csv"
    if not surveys.is_file():
        raise SystemExit(f"crash-check: no data/raw/{month}/surveys.csv to correct; choose --ingest-month")
    original = surveys.read_bytes()
    versions = [original, toggled_csat(original.decode("utf-8")).encode("utf-8")]
    processed = root / "data" / "processed" / month
    current = 0  # which version is ingested now

    def put(version: int) -> None:
        put_raw(surveys, versions[version])

    # measure: an uninterrupted ingest of each version; what each writes is the reference
    expected, seconds = {}, []
    try:
        for version in (1, 0):
            put(version)
            done = goldbook(root, "ingest", month)
            if done.code:
                raise SystemExit(f"crash-check: `goldbook ingest {month}` fails before any kill:\n{done.output[-3000:]}")
            seconds.append(done.seconds)
            expected[version] = _listing(processed)
        if expected[0] == expected[1]:
            raise SystemExit(f"crash-check: the corrected csat leaves data/processed/{month} unchanged")
        duration = sum(seconds) / len(seconds)
        times = kill_times(duration, n, seed, "ingest")
        print(f"ingest {month} (one csat toggled in surveys.csv): {duration:.1f} s uninterrupted; kills at "
              f"{', '.join(f'{t:.1f}' for t in times)} s", flush=True)

        for i, at in enumerate(times):
            current = 1 - current
            put(current)

            def recover(version=current) -> list[str]:
                again = goldbook(root, "ingest", month)
                if again.code:
                    return [f"the next ingest failed (exit {again.code}): {_tail(again.output)}"]
                problems = leftovers(root)
                if _listing(processed) != expected[version]:
                    problems.append(f"data/processed/{month} differs from an uninterrupted ingest")
                return problems

            _attempt(tally, i, at, root, ["ingest", month], lambda: check_published(root, period), recover)
    finally:
        put(0)
    if current:
        done = goldbook(root, "ingest", month)
        if done.code or _listing(processed) != expected[0]:
            tally.failures.append(f"ingest end: re-ingesting the original {month} failed: {_tail(done.output)}")
    return tally


def final_checks(root: Path, period: str) -> list[str]:
    problems = []
    done = goldbook(root, "verify", period)
    if done.code:
        problems.append(f"verify {period} (full rebuild) failed: {_tail(done.output, 12)}")
    done = goldbook(root, "verify", "--all", "--published-only")
    if done.code:
        problems.append(f"verify --all --published-only failed: {_tail(done.output, 12)}")
    return problems


def prepare(root: Path, period: str) -> None:
    """Bring the copy up to this code before any kill and check that it passes: a failure here
    is not a crash's. ``run PERIOD`` records the periods published before the ledger existed
    (and reruns the period if the code changed since); ``build`` gives a book built before the
    build manifest existed one (nothing to do when the book is current)."""
    for args in (["run", period], ["build"]):
        done = goldbook(root, *args)
        if done.code:
            raise SystemExit(f"crash-check: `goldbook {' '.join(args)}` fails before any kill:\n{done.output[-3000:]}")
    problems = check_book(root) + check_published(root, period)
    if problems:
        raise SystemExit("crash-check: the copy fails the checks before any kill:\n  " + "\n  ".join(problems))


def _stop(signum, frame):
    raise SystemExit(f"crash-check: stopped by signal {signum}")


def copy_root(source: Path, dest: Path) -> None:
    dest.mkdir(parents=True)
    for name in ROOT_ITEMS:
        item = source / name
        if item.is_dir():
            shutil.copytree(item, dest / name, symlinks=True)
        elif item.is_file():
            shutil.copy2(item, dest / name)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", help="the data root to copy (default: this checkout's, after `make demo`); never written to")
    ap.add_argument("--period", default="2024-12", help="the period to run and check (default 2024-12)")
    ap.add_argument("--ingest-month", help="the month to correct and re-ingest (default: the period's month)")
    ap.add_argument("--n", type=int, default=10, help="kills per command (default 10)")
    ap.add_argument("--seed", type=int, default=7, help="seed of the kill moments (default 7)")
    ap.add_argument("--only", choices=("run", "build", "ingest"), action="append",
                    help="only this command (repeatable; default all three)")
    ap.add_argument("--keep", action="store_true", help="keep the private copy (its path is printed)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))

    source = Path(args.root).resolve() if args.root else ROOT
    month = args.ingest_month or args.period[:7]
    if not (source / "reports" / args.period / "manifest.json").is_file():
        raise SystemExit(f"crash-check: {source} has no published {args.period} "
                         f"(reports/{args.period}/manifest.json): run `make demo` first, or give --root")
    commands = args.only or ["run", "build", "ingest"]
    tmp = Path(tempfile.mkdtemp(prefix="goldbook-crash-check-"))
    root = tmp / "root"
    tallies: list[Tally] = []
    try:
        print(f"crash-check: a copy of {source} in {root}; period {args.period}, {args.n} kills per command, "
              f"seed {args.seed}", flush=True)
        signal.signal(signal.SIGTERM, _stop)  # so that the copy is removed and no command is left running
        copy_root(source, root)
        prepare(root, args.period)
        for command in commands:
            if command == "run":
                tallies.append(phase_run(root, args.period, args.n, args.seed))
            elif command == "build":
                tallies.append(phase_build(root, args.period, args.n, args.seed))
            else:
                tallies.append(phase_ingest(root, args.period, month, args.n, args.seed))
        print("final checks: a full verify of the period, and every published period's files …", flush=True)
        end = final_checks(root, args.period)
    finally:
        if args.keep:
            print(f"the copy is kept in {root}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("survived: " + ", ".join(f"{t.command} {t.survived}/{t.total} ({t.killed} killed before the end)"
                                   for t in tallies))
    print("final verify: " + ("passed" if not end else "FAILED"))
    failures = [f for t in tallies for f in t.failures] + end
    for f in failures:
        print(f"  FAILED {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
