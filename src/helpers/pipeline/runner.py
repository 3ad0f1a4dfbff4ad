"""Run a period's notebooks with papermill and publish them only when every one succeeded.

For each period the runner:

1. finds the notebooks that serve its kind (``metadata.goldbook.periods``), in file-name order;
2. checks, before anything runs, that each has one ``parameters`` cell assigning exactly
   ``period``, ``lang`` and ``root`` (papermill would silently ignore a name the cell lacks),
   and that the values are valid;
3. skips the period when its fingerprint (inputs, config, code, lock) equals the one in its
   manifest, unless forced;
4. executes every notebook in every language in a staging folder under ``reports/``, with
   the data root as working directory and a fixed environment (``SOURCE_DATE_EPOCH``,
   ``PYTHONHASHSEED=0``, ``MPLBACKEND=Agg``); notebooks write their tables and figures into
   the same staging folder through ``GOLDBOOK_REPORTS``;
5. writes the manifest, then swaps the staged folder into ``reports/<period>/``.

A failing cell fails the period with one message naming the notebook, the cell and the error;
nothing of that period is published and the executed notebook, traceback included, is kept
under ``reports/.failed/<period>/`` for the analyst.

The notebooks of one period in one language run in order in one kernel, its namespace reset
between notebooks: starting a kernel and importing pandas, scipy and matplotlib costs seconds,
once per language instead of once per chapter. The grouping is the same for ``run PERIOD``,
``run --all`` and ``verify``, so outputs never depend on how a run was asked for. The groups of
all requested periods share ``jobs`` threads (each waits on its own kernel process), so both
cores stay busy.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import shutil
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence

import nbformat
import papermill
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.utils import remove_args

from ..base.files import swap_dir
from ..base.messages import LANGS, LanguageError, check_lang, render_markdown
from ..base.paths import CODE_ROOT, REPORTS_ENV, get_paths
from ..base.periods import KINDS, Period, PeriodError, parse
from ..data import store
from . import manifest

PARAMETERS = ("period", "lang", "root")   # what the runner injects, and all it injects
KERNEL = "python3"
STAGING_PREFIX = ".staging-"
FAILED_DIR = ".failed"
CELL_TIMEOUT_S = 1200


class RunError(Exception):
    """A run that cannot start: bad period or language, a notebook without a proper
    parameters cell, or no processed data. The message is meant for the user as is."""


@dataclass(frozen=True)
class RunResult:
    """What happened to one period: ``published``, ``skipped`` (unchanged) or ``failed``."""

    period: str
    status: str
    outputs: tuple[str, ...] = ()     # executed notebooks, relative to the data root
    seconds: float = 0.0
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def report(self) -> str:
        return self.message


@dataclass(frozen=True)
class Job:
    """One notebook, one period, one language."""

    index: int           # its number in the run's progress count
    total: int
    period: str
    lang: str
    template: Path       # the notebook template
    output: Path         # the executed notebook, in staging
    params_cell: int     # index of the template's parameters cell


@dataclass(frozen=True)
class Group:
    """The notebooks of one period in one language, run in order in one kernel."""

    period: str
    lang: str
    root: Path
    reports_base: Path   # GOLDBOOK_REPORTS for the kernel: the staging folder
    jobs: tuple[Job, ...]


@dataclass(frozen=True)
class Outcome:
    job: Job
    ok: bool
    seconds: float
    error: str = ""


@dataclass
class _PeriodRun:
    period: Period
    staged: Path
    notebooks: list[Path]
    futures: list[Future] = field(default_factory=list)
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


def check_period(period: str) -> Period:
    """The parsed period; the runner injects it as a string, so papermill never guesses a type."""
    if not isinstance(period, str):
        raise RunError(f"period must be a string such as '2024-03', not {period!r}")
    try:
        return parse(period)
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
    """What ``run --all`` runs: every processed month, each year with a processed month, the
    latest ISO week fully inside the processed months, and the latest day with tickets.

    A week counts only when all its months are processed, so a week report never changes
    when the next month arrives.
    """
    months = processed_months(root)
    if not months:
        return []
    periods = list(months) + sorted({m[:4] for m in months})
    have = set(months)
    last = parse(months[-1]).last
    week = parse(f"{last:%G-W%V}")
    while (not set(week.months) <= have or week.last > last) and week.start >= parse(months[0]).start:
        week = week.previous()
    if set(week.months) <= have and week.last <= last:
        periods.append(week.label)
    day = latest_day_with_tickets(months[-1], root)
    if day:
        periods.append(day)
    return periods


def _check_data(period: Period, months: set[str]) -> None:
    needed = period.months
    missing = [m for m in needed if m not in months]
    if period.kind == "year":
        if len(missing) == len(needed):
            raise RunError(f"no processed month in {period.label}: run `goldbook ingest` first")
    elif missing:
        raise RunError(f"{period.label} needs processed data for {', '.join(missing)}: "
                       f"run `goldbook ingest {missing[0]}` first")


# --- up to date? -------------------------------------------------------------------------------

# --- the kernel's environment ------------------------------------------------------------------

def source_date_epoch(period: Period) -> int:
    """The period's last day at 00:00 UTC: a fixed, meaningful stamp for anything that dates output."""
    return int(datetime(period.last.year, period.last.month, period.last.day, tzinfo=timezone.utc).timestamp())


def kernel_env(period: Period, root: Path, reports_base: Path) -> dict[str, str]:
    """The variables set for the notebook's kernel, on top of the runner's own environment."""
    return {
        "GOLDBOOK_ROOT": str(root),
        REPORTS_ENV: str(reports_base),
        "SOURCE_DATE_EPOCH": str(source_date_epoch(period)),
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
        "PYTHONUTF8": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
    }


# --- executing a group in one kernel -----------------------------------------------------------

# Between two notebooks in one kernel: forget every name, close every figure, restore matplotlib's
# settings as loaded at start-up, and number cells from 1 again, so each notebook runs as it
# would in a fresh kernel.
_RESET = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import matplotlib as __mpl, matplotlib.pyplot as __plt\n"
    "__plt.close('all'); __mpl.rc_file_defaults(); del __mpl, __plt\n"
    "get_ipython().execution_count = 1\n"
)


def _engine():
    """A papermill engine that runs a notebook in a kernel the runner started (and keeps)."""
    class SharedKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = PapermillNotebookClient(
                nb_man, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                log=logging.getLogger("papermill"), log_output=log_output, stdout_file=stdout_file,
                stderr_file=stderr_file, **kwargs)
            try:
                return client.execute()
            finally:
                if client.kc is not None:  # the kernel stays; this notebook's channels go
                    client.kc.stop_channels()

    papermill_engines.register("goldbook", SharedKernelEngine)
    return "goldbook"


def _start_kernel(group: Group, log):
    # no kernel folders searched: "python3" is then ipykernel's own spec, this very interpreter,
    # whatever kernels the user has installed elsewhere
    specs = KernelSpecManager(kernel_dirs=[])
    km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs,
                       client_class="jupyter_client.asynchronous.AsyncKernelClient")
    env = {**os.environ, **kernel_env(parse(group.period), group.root, group.reports_base)}
    # the kernel's own stderr (start-up notices, crashes) goes to a log, not the user's terminal
    # no input history: nothing written under the user's home, and cell numbers can restart at 1
    km.start_kernel(cwd=str(group.root), env=env, stdout=log, stderr=log,
                    extra_arguments=["--HistoryManager.enabled=False"])
    return km


def _reset(km) -> None:
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        reply = kc.execute_interactive(_RESET, store_history=False, timeout=120, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"could not reset the kernel between notebooks: {reply['content'].get('evalue')}")
    finally:
        kc.stop_channels()


def execute_group(group: Group, progress: Callable[[str], None],
                  abandon: threading.Event | None = None) -> list[Outcome]:
    """Run the group's notebooks in order in one kernel; stop at the first failure, or before
    the next notebook once ``abandon`` is set (the period failed in the other language).

    Returns one Outcome per notebook that ran. Never raises for a notebook's own failure.
    """
    logging.getLogger("papermill").setLevel(logging.ERROR)
    engine = _engine()
    outcomes: list[Outcome] = []
    log_path = group.reports_base / f".kernel-{group.period}-{group.lang}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as log:
        started = time.monotonic()
        try:
            km = _start_kernel(group, log)
        except Exception as exc:  # noqa: BLE001 - reported as the first notebook's failure
            job = group.jobs[0]
            return [Outcome(job, False, time.monotonic() - started, f"{_where(job)}: the kernel did not start: {exc}")]
        try:
            for i, job in enumerate(group.jobs):
                if abandon is not None and abandon.is_set():
                    break
                progress(f"[{job.index}/{job.total}] {job.period} {job.lang} {job.template.stem}: started")
                outcome = _execute_one(job, km, engine, group.root, reset=i > 0)
                outcomes.append(outcome)
                verdict = "done in" if outcome.ok else "FAILED after"
                progress(f"[{job.index}/{job.total}] {job.period} {job.lang} {job.template.stem}: "
                         f"{verdict} {outcome.seconds:.1f} s")
                if not outcome.ok:
                    break
        finally:
            km.shutdown_kernel(now=False)
    return outcomes


def _execute_one(job: Job, km, engine: str, root: Path, reset: bool) -> Outcome:
    started = time.monotonic()
    job.output.parent.mkdir(parents=True, exist_ok=True)
    try:
        if reset:
            _reset(km)
        papermill.execute_notebook(
            localised(job), str(job.output),
            parameters={"period": job.period, "lang": job.lang, "root": "."},
            engine_name=engine, km=km, kernel_name=KERNEL, progress_bar=False, log_output=False,
            request_save_on_cell_execute=False, start_timeout=120,
            execution_timeout=CELL_TIMEOUT_S, record_timing=False,
        )
        finish(job, root)
    except PapermillExecutionError as exc:
        return Outcome(job, False, time.monotonic() - started, _cell_failure(job, exc))
    except RunError as exc:
        return Outcome(job, False, time.monotonic() - started, str(exc))
    except Exception as exc:  # noqa: BLE001 - kernel died, timed out, could not reset
        text = str(exc).strip().splitlines()
        detail = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
        return Outcome(job, False, time.monotonic() - started, f"{_where(job)} stopped: {detail}")
    return Outcome(job, True, time.monotonic() - started)


def localised(job: Job):
    """The template with its markdown cells in the job's language (``{{ key }}`` from the catalogue)."""
    nb = nbformat.read(str(job.template), as_version=4)
    period = parse(job.period)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = render_markdown(cell.source, job.lang, period)
    return nb


def _where(job: Job) -> str:
    return f"notebooks/{job.template.name} ({job.lang})"


def _cell(job: Job, executed_index: int, source: str) -> str:
    """A cell as the author knows it: its number in the template and its first line of code.

    ``executed_index`` counts the executed notebook, which has papermill's injected cell right
    after the parameters cell.
    """
    injected = job.params_cell + 1
    if executed_index == injected:
        return "the injected parameters cell"
    number = executed_index if executed_index > injected else executed_index + 1
    first = next((line.strip() for line in str(source).splitlines()
                  if line.strip() and not line.strip().startswith("# NBVAL")), "")
    return f"cell {number} `{first[:80]}`"


def _cell_failure(job: Job, exc) -> str:
    """One line: notebook, cell, error (exception type and first line of its message)."""
    evalue = str(exc.evalue).strip().splitlines()
    error = f"{exc.ename}: {evalue[0]}" if evalue and evalue[0] else exc.ename
    return f"{_where(job)}, {_cell(job, exc.cell_index, exc.source)}: {error}"


def finish(job: Job, root: Path) -> None:
    """Make an executed notebook ready for readers, in place.

    Hides the parameters cells, marks Arabic pages right-to-left, records period and language
    for the book, makes papermill's paths relative, and refuses a page that shows an absolute
    path of this machine.
    """
    nb = nbformat.read(str(job.output), as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if ("parameters" in tags or "injected-parameters" in tags) and "remove-input" not in tags:
            cell.metadata["tags"] = [*tags, "remove-input"]
    nb.metadata.setdefault("goldbook", {}).update({"period": job.period, "lang": job.lang})
    nb.metadata["myst"] = {"html_meta": {"page-dir": "rtl" if job.lang == "ar" else "ltr", "language": job.lang}}
    name = job.template.name
    pm = nb.metadata.get("papermill", {})
    pm["input_path"] = f"notebooks/{name}"
    pm["output_path"] = f"reports/{job.period}/{job.lang}/{name}"
    _refuse_absolute_paths(nb, job, root)
    nbformat.write(nb, str(job.output))


def _refuse_absolute_paths(nb, job: Job, root: Path) -> None:
    needles = sorted({str(root), str(CODE_ROOT), str(Path(sys.prefix))}, key=len, reverse=True)
    for i, cell in enumerate(nb.cells):
        text = json.dumps([cell.get("source", ""), cell.get("outputs", [])], ensure_ascii=False)
        for needle in needles:
            if needle in text or needle.replace("/", "\\/") in text:
                raise RunError(f"{_where(job)}, {_cell(job, i, cell.get('source', ''))}: it shows an absolute "
                               f"path of this machine ({needle}); pages must not")


# --- orchestration -----------------------------------------------------------------------------

def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run_period(period: str, root: str | os.PathLike | None = None, langs: Sequence[str] = LANGS,
               jobs: int = 2, force: bool = False, notebooks_dir: str | os.PathLike | None = None,
               progress: Callable[[str], None] = _say) -> RunResult:
    """Run one period's notebooks in ``langs`` and publish them to ``reports/<period>/``.

    Returns a RunResult (``published``, ``skipped`` or ``failed``); raises RunError before
    running anything when the request itself is wrong.
    """
    return run_periods([period], root, langs=langs, jobs=jobs, force=force,
                       notebooks_dir=notebooks_dir, progress=progress)[0]


def run_all(root: str | os.PathLike | None = None, langs: Sequence[str] = LANGS, jobs: int = 2,
            force: bool = False, notebooks_dir: str | os.PathLike | None = None,
            progress: Callable[[str], None] = _say) -> list[RunResult]:
    """Run every period of ``all_periods`` (months, years, latest week, latest day)."""
    periods = all_periods(root)
    if not periods:
        raise RunError("no processed month yet: run `goldbook ingest --all` first")
    return run_periods(periods, root, langs=langs, jobs=jobs, force=force,
                       notebooks_dir=notebooks_dir, progress=progress)


def run_periods(periods: Iterable[str], root: str | os.PathLike | None = None, langs: Sequence[str] = LANGS,
                jobs: int = 2, force: bool = False, notebooks_dir: str | os.PathLike | None = None,
                progress: Callable[[str], None] = _say) -> list[RunResult]:
    """Run several periods through one worker pool; one RunResult per period, in input order.

    Periods are independent: one that fails publishes nothing, the others still publish.
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
    parsed = list({p.label: p for p in map(check_period, periods)}.values())
    labels = [p.label for p in parsed]
    if not (paths.config / "entity.yaml").exists():
        raise RunError(f"no config/entity.yaml under the data root {paths.rel(root) or root}")

    nb_dir = Path(notebooks_dir) if notebooks_dir is not None else paths.notebooks
    by_kind = {kind: discover(kind, nb_dir) for kind in {p.kind for p in parsed}}
    params_cells = {nb: check_parameters(nb) for nbs in by_kind.values() for nb in nbs}
    months = set(processed_months(root))
    for period in parsed:
        if by_kind[period.kind]:
            _check_data(period, months)

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
            _execute_all(todo, root, base, langs, jobs, params_cells, progress, results)
        finally:
            shutil.rmtree(base, ignore_errors=True)
    return [results[label] for label in labels]


def _execute_all(todo: list[_PeriodRun], root: Path, base: Path, langs: tuple[str, ...], jobs: int,
                 params_cells: dict[Path, int], progress, results: dict[str, RunResult]) -> None:
    total = sum(len(run.notebooks) for run in todo) * len(langs)
    groups: list[tuple[_PeriodRun, Group]] = []
    index = 0
    for run in todo:
        for lang in langs:
            members = []
            for nb in run.notebooks:
                index += 1
                members.append(Job(index, total, run.period.label, lang, nb, run.staged / lang / nb.name,
                                   params_cells[nb]))
            groups.append((run, Group(run.period.label, lang, root, base, tuple(members))))
    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:
            progress(line)

    owner: dict[Future, _PeriodRun] = {}
    with ThreadPoolExecutor(max_workers=min(jobs, len(groups)), thread_name_prefix="goldbook-run") as pool:
        try:
            for run, group in groups:
                if not run.started:
                    run.started = time.monotonic()
                future = pool.submit(execute_group, group, say, run.abandon)
                run.futures.append(future)
                owner[future] = run
            pending = set(owner)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    run = owner[future]
                    if future.cancelled():
                        continue
                    for outcome in future.result():
                        if outcome.ok:
                            run.outputs.append(f"reports/{outcome.job.period}/{outcome.job.lang}/{outcome.job.template.name}")
                        elif not run.failure:
                            run.failure = outcome.error
                            run.abandon.set()           # the period is lost: run no more of it
                            for other in run.futures:
                                other.cancel()
                    if all(f.done() for f in run.futures) and run.period.label not in results:
                        results[run.period.label] = _conclude(run, root, langs, say)
        except BaseException:
            for future in owner:
                future.cancel()
            raise


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
    swap_dir(run.staged, reports / label)  # a reader sees the old period or the new one
    message = f"{label}: published {len(run.outputs)} notebooks to reports/{label}/"
    progress(message)
    return RunResult(label, "published", tuple(sorted(run.outputs)), seconds, message)


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
