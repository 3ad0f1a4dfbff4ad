"""Run a period's notebooks with papermill and publish them only when every one succeeded.

For each period the runner:

1. finds the notebooks that serve its kind (``metadata.goldbook.periods``), in file-name order;
2. checks, before anything runs, that each has one ``parameters`` cell assigning exactly
   ``period``, ``lang`` and ``root`` (papermill would silently ignore a name the cell lacks),
   and that the values are valid;
3. skips the period when its fingerprint (inputs, config, code, lock) equals the one in its
   manifest, unless forced;
4. executes every notebook in every language in a staging folder under ``reports/``
   (``pipeline.kernel``: the data root as working directory, a fixed environment with
   ``SOURCE_DATE_EPOCH``, ``PYTHONHASHSEED=0``, ``MPLBACKEND=Agg``); notebooks write their
   tables and figures into the same staging folder through ``GOLDBOOK_REPORTS``;
5. writes the manifest, then swaps the staged folder into ``reports/<period>/`` and records the
   publication in the ledger (``pipeline.ledger``): a pending entry before the swap, the ledger
   line after it. When the period's raw inputs or config differ from the published manifest's,
   the publication is a new edition: the published one moves, by hard links inside the staged
   folder, to ``reports/<period>/editions/<n>/`` before the one swap. A rerun with the same
   inputs (code or lock changed, ``--force``) republishes the same edition.

Before anything runs, ``settle`` removes what a killed run left in ``reports/``
(``base.files.clean_leftovers``), settles the ledger's pending entries and records periods
published before the ledger existed (``ledger.adopt``), saying each thing it did.

A failing cell fails the period with one message naming the notebook, the cell and the error;
nothing of that period is published and the executed notebook, traceback included, is kept
under ``reports/.failed/<period>/`` for the analyst.

The notebooks of one period in one language run in order in one kernel, its namespace reset
between notebooks: starting a kernel and importing pandas, scipy and matplotlib costs seconds,
once per language instead of once per chapter. The grouping is the same for ``run PERIOD``,
``run --all`` and ``verify``, so outputs never depend on how a run was asked for. The groups of
all requested periods share ``jobs`` threads (each waits on its own kernel process), so both
cores stay busy. Given an ``executor`` (``pipeline.cluster``: a Dask cluster), the groups run
there instead, each still one kernel; waiting and publishing stay here.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..base.config import load_config, parse_period
from ..base.files import clean_leftovers, link_file, link_tree, sha256_file, swap_dir
from ..base.messages import LANGS, LanguageError, check_lang
from ..base.paths import CODE_ROOT, get_paths
from ..base.periods import KINDS, Period, PeriodError, parse, week_of
from ..data import ingest, originals, store
from . import ledger, manifest
from .jobs import Group, Job, Outcome, RunError, RunResult

PARAMETERS = ("period", "lang", "root")   # what the runner injects, and all it injects
STAGING_PREFIX = ".staging-"
FAILED_DIR = ".failed"


@dataclass
class _PeriodRun:
    period: Period
    staged: Path
    notebooks: list[Path]
    futures: list[Future] = field(default_factory=list)
    read: int = 0                      # how many of its futures the runner has read
    failure: str = ""
    outputs: list[str] = field(default_factory=list)
    started: float = 0.0
    abandon: threading.Event = field(default_factory=threading.Event)   # set once the period failed


# --- discovery and validation ------------------------------------------------------------------

def notebook_periods(path: Path) -> list[str]:
    """The period kinds a notebook serves, from ``metadata.goldbook.periods``."""
    meta = _read_json(path).get("metadata", {}).get("goldbook")
    if not isinstance(meta, dict) or not isinstance(meta.get("periods"), list):
        raise RunError(f"{_shown(path)}: no goldbook.periods in its metadata; "
                       'add "goldbook": {"periods": ["month"], "title": "<chapter>.title"}')
    unknown = sorted(set(meta["periods"]) - set(KINDS))
    if unknown:
        raise RunError(f"{_shown(path)}: goldbook.periods has {', '.join(unknown)}; use {', '.join(KINDS)}")
    return list(meta["periods"])


def discover(kind: str, notebooks_dir: str | os.PathLike | None = None) -> list[Path]:
    """The notebooks serving period ``kind``, in file-name order (``NN_`` sets chapter order)."""
    folder = Path(notebooks_dir) if notebooks_dir is not None else get_paths().notebooks
    return [p for p in sorted(folder.glob("*.ipynb")) if kind in notebook_periods(p)]


def parameters_cell(path: Path) -> tuple[int, list[str]]:
    """The index of a notebook's one ``parameters`` cell and the names it assigns, in order.

    Raises RunError when there is no such cell, more than one, or the cell does more than
    assign constants: papermill injects values after it, so anything else would be silently
    overridden or silently kept.
    """
    cells = _read_json(path).get("cells", [])
    found = [i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not found:
        raise RunError(f"{_shown(path)}: no cell is tagged 'parameters'; tag the cell that sets "
                       f"{', '.join(PARAMETERS)} (papermill would otherwise ignore the values the runner passes)")
    if len(found) > 1:
        raise RunError(f"{_shown(path)}: cells {', '.join(str(i + 1) for i in found)} are all tagged 'parameters'; keep one")
    index = found[0]
    source = _source(cells[index])
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise RunError(f"{_shown(path)}: the parameters cell (cell {index + 1}) is not valid Python: {exc.msg}") from None
    names = []
    for stmt in tree.body:
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else (
            stmt.target if isinstance(stmt, ast.AnnAssign) else None)
        if not isinstance(target, ast.Name) or not isinstance(getattr(stmt, "value", None), ast.Constant):
            raise RunError(f"{_shown(path)}: the parameters cell (cell {index + 1}) may only assign constants, "
                           f"one name each (line {stmt.lineno})")
        names.append(target.id)
    return index, names


def check_parameters(path: Path) -> int:
    """Check the parameters cell assigns exactly ``period``, ``lang`` and ``root``; returns its index."""
    index, names = parameters_cell(path)
    missing = [n for n in PARAMETERS if n not in names]
    extra = [n for n in names if n not in PARAMETERS]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"it does not assign {', '.join(missing)}")
        if extra:
            parts.append(f"it assigns {', '.join(extra)}, which the runner never sets")
        raise RunError(f"{_shown(path)}: the parameters cell (cell {index + 1}) must assign exactly "
                       f"{', '.join(PARAMETERS)}: {'; '.join(parts)}")
    return index


def check_period(period: str, root: str | os.PathLike | None = None) -> Period:
    """The parsed period (a week with the first day of the week configured under ``root``); the
    runner injects its label as a string, so papermill never guesses a type."""
    if not isinstance(period, str):
        raise RunError(f"period must be a string such as '2024-03', not {period!r}")
    try:
        return parse_period(period, root)
    except PeriodError as exc:
        raise RunError(str(exc)) from None


# --- which periods exist ---------------------------------------------------------------------

def processed_months(root: str | os.PathLike | None = None) -> list[str]:
    """The ``YYYY-MM`` months present in the processed store, in order."""
    return store.months(get_paths(root).root)


def latest_day_with_tickets(month: str, root: str | os.PathLike | None = None) -> str | None:
    """The last calendar day of ``month`` with at least one ticket (``YYYY-MM-DD``)."""
    tickets = store.load("tickets", parse(month), root=get_paths(root).root)
    if len(tickets) == 0:
        return None
    return f"{tickets['created_at'].max():%Y-%m-%d}"


def all_periods(root: str | os.PathLike | None = None) -> list[str]:
    """What ``run --all`` runs: every processed month, each year with a processed month, then the
    archive of weekly and daily reports that config ``archive`` asks for (``archive_spans``):
    by default every week of the latest quarter and every day with tickets of the latest month.

    A week counts only when all its months are processed (and it ended by the last processed day),
    so a week report never changes when the next month arrives; it belongs to the span holding its
    middle day, the day that gives a week its year. Weeks come oldest first, then days.
    """
    months = processed_months(root)
    if not months:
        return []
    periods = list(months) + sorted({m[:4] for m in months})
    cfg = load_config(root)
    weeks_span, days_span = archive_spans(cfg.raw)
    last = parse(months[-1]).last
    if weeks_span == "latest":
        weeks = _latest_complete_week(months, cfg.week_starts)
    else:
        weeks = [w for w in _weeks_in(_window(weeks_span, last, cfg.week_starts), cfg.week_starts)
                 if set(w.months) <= set(months) and w.last <= last]
    periods += [w.label for w in weeks]
    if days_span == "latest":
        day = latest_day_with_tickets(months[-1], root)
        periods += [day] if day else []
    else:
        start, stop = _window(days_span, last, cfg.week_starts)
        periods += [d for m in months if parse(m).last >= start and parse(m).start <= stop
                    for d in ticket_days(m, root) if start.isoformat() <= d <= stop.isoformat()]
    return periods


ARCHIVE_SPANS = ("latest", "week", "month", "quarter", "year")
ARCHIVE_DEFAULT = {"weeks": "quarter", "days": "month"}


def archive_spans(raw: dict) -> tuple[str, str]:
    """Config ``archive: {weeks: SPAN, days: SPAN}``: how far back ``run --all`` publishes weekly
    and daily reports, a span (``ARCHIVE_SPANS``) ending with the latest processed month:
    ``latest`` is the latest one only, ``week`` the week holding that month's last day,
    ``month`` that month, ``quarter`` and ``year`` the quarter or year holding it."""
    given = raw.get("archive") or {}
    spans = []
    for key in ("weeks", "days"):
        span = str(given.get(key, ARCHIVE_DEFAULT[key]))
        if span not in ARCHIVE_SPANS:
            raise RunError(f"config/entity.yaml: archive.{key} is {span!r}; use one of {', '.join(ARCHIVE_SPANS)}")
        spans.append(span)
    return spans[0], spans[1]


def _window(span: str, last: date, week_starts: str) -> tuple[date, date]:
    """The first day of ``span`` (``week``, ``month``, ``quarter`` or ``year``) holding the day
    ``last``, and ``last`` itself (a week: its own last day)."""
    if span == "week":
        week = week_of(last, week_starts)
        return week.start, week.last
    if span == "month":
        first = last.replace(day=1)
    elif span == "quarter":
        first = last.replace(month=(last.month - 1) // 3 * 3 + 1, day=1)
    else:
        first = last.replace(month=1, day=1)
    return first, last


def _weeks_in(window: tuple[date, date], week_starts: str) -> list[Period]:
    """The weeks whose middle day falls in ``window``, oldest first."""
    first, last = window
    weeks, week = [], week_of(first - timedelta(days=3), week_starts)
    while week.start <= last:
        if first <= week.start + timedelta(days=3) <= last:
            weeks.append(week)
        week = week_of(week.start + timedelta(days=7), week_starts)
    return weeks


def _latest_complete_week(months: list[str], week_starts: str) -> list[Period]:
    """The latest week wholly inside the processed ``months`` and ended by their last day; [] if none."""
    have, last = set(months), parse(months[-1]).last
    week = week_of(last, week_starts)
    while (not set(week.months) <= have or week.last > last) and week.start >= parse(months[0]).start:
        week = week.previous()
    return [week] if set(week.months) <= have and week.last <= last else []


def ticket_days(month: str, root: str | os.PathLike | None = None) -> list[str]:
    """The calendar days of ``month`` with at least one ticket (``YYYY-MM-DD``), in order."""
    tickets = store.load("tickets", parse(month), root=get_paths(root).root, since=month, columns=["created_at"])
    return sorted({f"{d:%Y-%m-%d}" for d in tickets["created_at"] if f"{d:%Y-%m}" == month})


def _check_data(period: Period, months: set[str]) -> None:
    needed = period.months
    missing = [m for m in needed if m not in months]
    if period.kind == "year":
        if len(missing) == len(needed):
            raise RunError(f"no processed month in {period.label}: run `goldbook ingest` first")
    elif missing:
        raise RunError(f"{period.label} needs processed data for {', '.join(missing)}: "
                       f"run `goldbook ingest {missing[0]}` first")


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run_period(period: str, root: str | os.PathLike | None = None, langs: Sequence[str] = LANGS,
               jobs: int = 2, force: bool = False, notebooks_dir: str | os.PathLike | None = None,
               progress: Callable[[str], None] = _say, executor: Executor | None = None) -> RunResult:
    """Run one period's notebooks in ``langs`` and publish them to ``reports/<period>/``.

    Returns a RunResult (``published``, ``skipped`` or ``failed``); raises RunError before
    running anything when the request itself is wrong.
    """
    return run_periods([period], root, langs=langs, jobs=jobs, force=force,
                       notebooks_dir=notebooks_dir, progress=progress, executor=executor)[0]


def run_all(root: str | os.PathLike | None = None, langs: Sequence[str] = LANGS, jobs: int = 2,
            force: bool = False, notebooks_dir: str | os.PathLike | None = None,
            progress: Callable[[str], None] = _say, executor: Executor | None = None) -> list[RunResult]:
    """Run every period of ``all_periods`` (months, years, the archive's weeks and days)."""
    for line in settle(root, adopt=False):  # a swap cut in the store would hide a month from all_periods
        progress(line)
    periods = all_periods(root)
    if not periods:
        raise RunError("no processed month yet: run `goldbook ingest --all` first")
    return run_periods(periods, root, langs=langs, jobs=jobs, force=force,
                       notebooks_dir=notebooks_dir, progress=progress, executor=executor)


def run_periods(periods: Iterable[str], root: str | os.PathLike | None = None, langs: Sequence[str] = LANGS,
                jobs: int = 2, force: bool = False, notebooks_dir: str | os.PathLike | None = None,
                progress: Callable[[str], None] = _say, executor: Executor | None = None) -> list[RunResult]:
    """Run several periods through one worker pool; one RunResult per period, in input order.

    Periods are independent: one that fails publishes nothing, the others still publish.
    ``executor`` runs the groups instead of ``jobs`` local threads (``cluster.connect`` gives
    one); its ``submit(fn, group, progress, abandon)`` must call ``fn`` so, and a job it
    cannot finish raises RunError from its future. Its caller shuts it down.
    """
    paths = get_paths(root)
    root = paths.root
    langs = tuple(dict.fromkeys(langs))
    if not langs:
        raise RunError("no language asked for; use en, ar or both")
    if jobs < 1:
        raise RunError(f"--jobs must be at least 1, not {jobs}")
    for lang in langs:
        try:
            check_lang(lang)
        except LanguageError as exc:  # a run request's problem: reported as the run's own error
            raise RunError(str(exc)) from None
    if not (paths.config / "entity.yaml").exists():
        raise RunError(f"no config/entity.yaml under the data root {paths.rel(root) or root}")
    for line in settle(root):
        progress(line)
    parsed = list({p.label: p for p in (check_period(p, root) for p in periods)}.values())
    labels = [p.label for p in parsed]

    nb_dir = Path(notebooks_dir) if notebooks_dir is not None else paths.notebooks
    by_kind = {kind: discover(kind, nb_dir) for kind in {p.kind for p in parsed}}
    params_cells = {nb: check_parameters(nb) for nbs in by_kind.values() for nb in nbs}
    months = set(processed_months(root))
    for period in parsed:
        if by_kind[period.kind]:
            _check_data(period, months)
    torn = ledger.cut_off(root)
    if torn:
        raise RunError(f"{torn}; nothing was run: a new publication could not be recorded after it")

    results: dict[str, RunResult] = {}
    todo: list[_PeriodRun] = []
    token = f"{os.getpid()}-{time.time_ns()}"
    base = paths.reports / f"{STAGING_PREFIX}{token}"
    for period in parsed:
        notebooks = by_kind[period.kind]
        if not notebooks:
            results[period.label] = RunResult(period.label, "skipped",
                                              message=f"{period.label}: no notebook serves {period.kind} periods")
            continue
        if not force and manifest.up_to_date(period.label, root, langs):
            results[period.label] = RunResult(period.label, "skipped",
                                              message=f"{period.label}: unchanged since its last run, skipped (--force reruns it)")
            progress(results[period.label].message)
            continue
        todo.append(_PeriodRun(period, base / period.label, notebooks))

    if todo:
        try:
            _execute_all(todo, root, base, langs, jobs, params_cells, progress, results, executor)
        finally:
            shutil.rmtree(base, ignore_errors=True)
    return [results[label] for label in labels]


def _execute_all(todo: list[_PeriodRun], root: Path, base: Path, langs: tuple[str, ...], jobs: int,
                 params_cells: dict[Path, int], progress, results: dict[str, RunResult],
                 executor: Executor | None = None) -> None:
    # papermill and jupyter_client take about half a second to import: only a run with notebooks
    # to execute pays it (a run with nothing to do, `status` and verify's ingest child do not)
    from . import kernel

    total = sum(len(run.notebooks) for run in todo) * len(langs)
    groups: list[tuple[_PeriodRun, Group]] = []
    index = 0
    for run in todo:
        for lang in langs:
            members = []
            for nb in run.notebooks:
                index += 1
                members.append(Job(index, total, run.period, lang, nb, run.staged / lang / nb.name,
                                   params_cells[nb]))
            groups.append((run, Group(run.period, lang, root, base, tuple(members))))
    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:
            progress(line)

    owner: dict[Future, tuple[_PeriodRun, Group]] = {}
    if executor is None:   # the run's own threads; an executor given is its caller's to shut down
        context = ThreadPoolExecutor(max_workers=min(jobs, len(groups)), thread_name_prefix="goldbook-run")
    else:
        context = nullcontext(executor)
    with context as pool:
        try:
            for run, group in groups:
                if not run.started:
                    run.started = time.monotonic()
                future = pool.submit(kernel.execute_group, group, say, run.abandon)
                run.futures.append(future)
                owner[future] = (run, group)
            pending = set(owner)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    run, group = owner[future]
                    run.read += 1
                    for outcome in _outcomes(future, group):
                        if outcome.ok:
                            run.outputs.append(f"reports/{outcome.job.period}/{outcome.job.lang}/{outcome.job.template.name}")
                        elif not run.failure:
                            run.failure = outcome.error
                            run.abandon.set()           # the period is lost: run no more of it
                            for other in run.futures:
                                other.cancel()
                    # every job read, not merely ended: one that ended since `wait` returned may have failed
                    if run.read == len(run.futures):
                        results[run.period.label] = _conclude(run, root, langs, say)
        except BaseException:
            for future in owner:
                future.cancel()
            raise


def _outcomes(future: Future, group: Group) -> list[Outcome]:
    """What an ended job's future says of its notebooks: none if it was cancelled, and a failure
    of its first notebook if the executor lost it (RunError: on a cluster, its workers died)."""
    if future.cancelled():
        return []
    try:
        return future.result()
    except RunError as exc:
        names = ", ".join(job.template.stem for job in group.jobs)
        return [Outcome(group.jobs[0], False, 0.0, f"the {group.lang} job ({names}) did not finish: {exc}")]


def _conclude(run: _PeriodRun, root: Path, langs: tuple[str, ...], progress) -> RunResult:
    """Publish a period whose notebooks all succeeded, or keep its failure aside."""
    label = run.period.label
    reports = get_paths(root).reports
    seconds = time.monotonic() - run.started
    if run.failure:
        failed = reports / FAILED_DIR / label
        shutil.rmtree(failed, ignore_errors=True)
        failed.parent.mkdir(parents=True, exist_ok=True)
        if run.staged.exists():
            os.replace(run.staged, failed)
        else:
            failed.mkdir()
        for log in run.staged.parent.glob(f".kernel-{label}-*.log"):
            shutil.copy(log, failed / f"kernel-{log.stem.rsplit('-', 1)[-1]}.log")
        message = (f"{label} failed: {run.failure}\n"
                   f"Nothing of {label} was published. The executed notebooks, with the full traceback, "
                   f"are in {get_paths(root).rel(failed)}/")
        progress(message)
        return RunResult(label, "failed", seconds=seconds, message=message)

    params = {"period": label, "langs": sorted(langs), "root": ".",
              "notebooks": [nb.name for nb in run.notebooks]}
    manifest.write_manifest(label, root, params, run.staged)
    with ledger.locked(root):
        entry = stage_edition(label, root, run.staged)
        ledger.write_pending(entry, root)
        swap_dir(run.staged, reports / label)  # a reader sees the old period or the new one
        try:
            ledger.publish(entry, root)
            recorded = ""
        except ledger.LedgerError as exc:  # the pending entry stays for the next run to record
            recorded = f"; not yet in the ledger: {exc}"
    message = (f"{label}: published {len(run.outputs)} notebooks to reports/{label}/ "
               f"(edition {entry['edition']}: {entry['reason']}){recorded}")
    progress(message)
    return RunResult(label, "published", tuple(sorted(run.outputs)), seconds, message)


# --- the ledger and editions ------------------------------------------------------------------

def settle(root, adopt: bool = True) -> list[str]:
    """Finish or undo what a killed run or ingest left, and settle the ledger; one sentence per
    thing done. Every command that reads the store or ``reports/`` calls it first, as a database
    replays its journal: a stopped command's own half-done step is never mistaken for data.

    Removes or restores leftovers in the processed store (``ingest.clean_store``) and in
    ``reports/`` (``clean_leftovers``), appends or drops pending ledger entries
    (``ledger.reconcile``) and, when ``adopt``, records each published period the ledger does not
    have yet, as long as its published files match its manifest (``ledger.adopt``).
    """
    paths = get_paths(root)
    said = ingest.clean_store(paths.root)
    if not paths.reports.is_dir():
        return said
    with ledger.locked(paths.root):
        said += clean_leftovers(paths.reports)
        said += ledger.reconcile(paths.root)
        if adopt:
            said += ledger.adopt(paths.root, accept=lambda label: _unpublishable(label, paths.root))
    return said


def _unpublishable(label: str, root: Path) -> str | None:
    """Why the published files of ``label`` cannot be recorded as its edition, or None."""
    folder = get_paths(root).period_reports(label)
    try:
        recorded = manifest.read_manifest_file(folder / manifest.MANIFEST_NAME) or {}
    except manifest.ManifestError as exc:
        return str(exc)
    if manifest.output_hashes(folder, roots=[root]) != recorded.get("outputs"):
        return (f"its published files do not match its manifest (`goldbook verify {label} --published-only` "
                f"names them)")
    return None


def changed_inputs(before: dict, after: dict) -> list[dict]:
    """``[{path, before, after}]`` of the raw inputs and config files whose sha256 differs between
    two manifests (``None`` for a file one of them does not have), sorted by path."""
    def hashes(m: dict) -> dict:
        found = {str(i.get("path")): i.get("sha256") for i in m.get("inputs") or []}
        found.update({str(k): v for k, v in (m.get("config") or {}).items()})
        return found

    a, b = hashes(before), hashes(after)
    return [{"path": p, "before": a.get(p), "after": b.get(p)} for p in sorted(set(a) | set(b)) if a.get(p) != b.get(p)]


def _reason(before: dict, after: dict, changes: list[dict]) -> str:
    """Why a period is published again (one of ``ledger.REASONS``)."""
    if changes:
        config = any(c["path"].startswith("config/") for c in changes)
        data = [c for c in changes if not c["path"].startswith("config/")]
        if data and config:
            reason = "inputs and config changed"
        elif config:
            reason = "config changed"
        else:
            reason = "inputs added" if all(c["before"] is None for c in data) else "inputs changed"
    elif (before.get("code") or {}).get("sha256") != (after.get("code") or {}).get("sha256"):
        reason = "code changed, inputs unchanged"
    elif (before.get("lock") or {}).get("sha256") != (after.get("lock") or {}).get("sha256"):
        reason = "lock file changed, inputs unchanged"
    elif before.get("run") != after.get("run") or before.get("parameters") != after.get("parameters"):
        reason = "run settings changed, inputs unchanged"
    else:
        reason = "rerun, inputs unchanged"
    return reason


def stage_edition(label: str, root: Path, staged: Path) -> dict:
    """The ledger entry of publishing ``staged`` (its manifest written) as ``reports/<label>/``.

    Carries the published ``editions/`` into ``staged`` (hard links). When the raw inputs or the
    config differ from the published manifest's, the published edition's files and manifest are
    linked into ``staged/editions/<n>/`` and the entry is edition n+1, listing the changed files and
    the kept originals of those superseded (``originals.superseded``); otherwise it is edition n.
    """
    target = get_paths(root).period_reports(label)
    new = manifest.read_manifest_file(staged / manifest.MANIFEST_NAME) or {}
    try:
        old = manifest.read_manifest_file(target / manifest.MANIFEST_NAME)
    except manifest.ManifestError:
        old = None
    number = ledger.current_edition(label, root)
    carried = target / manifest.EDITIONS_DIR
    if carried.is_dir():
        link_tree(carried, staged / manifest.EDITIONS_DIR)
    sha = sha256_file(staged / manifest.MANIFEST_NAME)
    if number == 0:
        # never recorded: files the ledger could not adopt (they did not match their manifest) are no edition
        return ledger.new_entry(label, 1, sha, "first publication" if old is None else ledger.UNRECORDED)
    if old is None:
        return ledger.new_entry(label, number + 1, sha, "published again (the previous edition's folder was missing)")
    changes = changed_inputs(old, new)
    if not changes:
        return ledger.new_entry(label, number, sha, _reason(old, new, changes))
    keep = staged / manifest.EDITIONS_DIR / str(number)
    if keep.exists():  # the current edition is already kept: the folder does not match the ledger
        raise RunError(f"reports/{label}/{manifest.EDITIONS_DIR}/{number} exists while edition {number} is the "
                       f"published one; `goldbook verify {label} --published-only` shows what is wrong")
    keep.mkdir(parents=True)
    for item in sorted(target.iterdir()):
        if item.name.startswith(".") or item.name == manifest.EDITIONS_DIR:
            continue
        if item.is_dir():
            link_tree(item, keep / item.name)
        else:
            link_file(item, keep / item.name)
    befores = {(c["path"], c["before"]) for c in changes if c["before"]}
    kept = [s for s in originals.superseded(root) if (s["path"], s["sha256"]) in befores]
    return ledger.new_entry(label, number + 1, sha, _reason(old, new, changes), changes, kept)


# --- small readers -----------------------------------------------------------------------------

def _read_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunError(f"{_shown(path)}: cannot read the notebook: {exc}") from None


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _shown(path: Path) -> str:
    path = Path(path)
    try:
        return path.resolve().relative_to(CODE_ROOT).as_posix()
    except ValueError:
        return path.name
