"""Executing notebooks: a group of one period's notebooks in one language, in order, in one
Jupyter kernel, with papermill, and the finishing touches of each executed notebook.

The kernel gets a fixed environment (``kernel_env``: the data root, the staging folder as
``REPORTS_ENV``, ``SOURCE_DATE_EPOCH``, ``PYTHONHASHSEED=0``, ``MPLBACKEND=Agg``) and its
namespace is reset between notebooks, so each runs as in a fresh kernel. A failing cell becomes
an ``Outcome`` naming the notebook, the cell and the error; nothing here raises for it.

Only this module imports papermill and jupyter_client (about half a second): the runner
imports it when a period actually has notebooks to execute.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import nbformat
import papermill
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.utils import remove_args

from ..base.messages import render_markdown
from ..base.paths import CODE_ROOT, REPORTS_ENV, RESTRICTED_ENV
from ..base.periods import Period
from .jobs import Group, Job, Outcome, RunError

KERNEL = "python3"
CELL_TIMEOUT_S = 1200


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


def inherited_env(overrides) -> dict[str, str]:
    """This process's environment with ``overrides`` (``Group.environ``) applied: a None value unsets."""
    env = dict(os.environ)
    env.pop(RESTRICTED_ENV, None)    # a published run writes staff summaries into the root's restricted/
    for name, value in overrides:
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


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
    env = {**inherited_env(group.environ), **kernel_env(group.period, group.root, group.reports_base)}
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
    if abandon is not None and abandon.is_set():   # no kernel started for a period already lost
        return []
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
            parameters={"period": job.period.label, "lang": job.lang, "root": "."},
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
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = render_markdown(cell.source, job.lang, job.period)
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
    nb.metadata.setdefault("goldbook", {}).update({"period": job.period.label, "lang": job.lang})
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
