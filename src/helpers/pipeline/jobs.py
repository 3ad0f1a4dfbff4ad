"""What a run is made of: one notebook for one period in one language (``Job``), the notebooks of
a period in one language that share a kernel (``Group``), what became of each (``Outcome``), of
each period (``RunResult``), and the error a run that cannot start raises (``RunError``).

Plain data, shared by the runner (which plans and publishes) and the kernel module (which
executes), so that planning a run imports nothing of papermill or Jupyter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..base.periods import Period


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
    period: Period
    lang: str
    template: Path       # the notebook template
    output: Path         # the executed notebook, in staging
    params_cell: int     # index of the template's parameters cell


@dataclass(frozen=True)
class Group:
    """The notebooks of one period in one language, run in order in one kernel."""

    period: Period
    lang: str
    root: Path
    reports_base: Path   # GOLDBOOK_REPORTS for the kernel: the staging folder
    jobs: tuple[Job, ...]
    # variables the kernel takes from here rather than inherit (None: unset): on a cluster worker,
    # the thread settings of the machine that asked for the run (``pipeline.cluster``)
    environ: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class Outcome:
    job: Job
    ok: bool
    seconds: float
    error: str = ""
