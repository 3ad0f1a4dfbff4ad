"""The analyst's workbench: a chapter's scratch copy for one period, and JupyterLab on it.

``goldbook open PERIOD CHAPTER`` (``open_chapter``) copies the chapter's template
``notebooks/NN_<chapter>.ipynb`` to ``scratch/<period>/NN_<chapter>.<lang>.ipynb`` in the data
root, filled in as the runner fills it: papermill's ``parameterize_notebook`` adds an
``injected-parameters`` cell after the template's ``parameters`` cell, and the markdown cells are
in the chosen language (``render_markdown``). Only ``root`` differs from a run: the data root's
absolute path, since the copy runs from its own folder (in JupyterLab, or with
``jupyter nbconvert --execute``). An existing copy is kept (it may hold the analyst's work)
unless ``fresh``.

A scratch copy is never published: the runner runs the templates in ``notebooks/`` and the book
shows executed notebooks from ``reports/``; ``scratch/`` is neither, nor inside either
(``check_apart``). What a copy writes, its tables and figures, goes to ``scratch/outputs/``: a
cell after the parameters points ``GOLDBOOK_REPORTS`` there, so exploring never writes into
``reports/``. ``scratch/`` is git-ignored.

JupyterLab (``lab_command``; ``make lab`` uses the same settings) runs with the project's kernel:
``python3``, the name in the notebooks' metadata and the runner's, which is the kernelspec inside
``.venv`` (``.venv/share/jupyter/kernels/python3``: the server's own interpreter, this
environment's python) as long as Jupyter looks in the environment's folders before the user's
(``JUPYTER_PREFER_ENV_PATH=1``, ``LAB_ENV``): a ``python3`` kernel in the user's home is never
the one used. It fetches nothing from the internet: no news feed, no update check, no extension
manager (``LAB_OPTIONS``).
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from papermill.parameterize import parameterize_notebook

from ..base.config import parse_period
from ..base.files import write_atomic
from ..base.messages import check_lang, render_markdown
from ..base.paths import REPORTS_ENV, RESTRICTED_ENV, Paths, get_paths
from ..base.periods import Period
from ..data import store

SCRATCH_DIR = "scratch"        # in the data root; git-ignored
OUTPUTS_DIR = "outputs"        # scratch/outputs/<period>/: what scratch copies write instead of reports/
# Jupyter's folders of this environment (.venv/share/jupyter) before the user's (~/.local/share/jupyter)
LAB_ENV = {"JUPYTER_PREFER_ENV_PATH": "1"}
# nothing fetched from the internet; `make lab` passes the same options
LAB_OPTIONS = (
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
)
PARAMETERS_TAG = "parameters"
INJECTED_ID = "injected-parameters"
OUTPUTS_CELL_ID = "scratch-outputs"


class ScratchError(Exception):
    """A request ``goldbook open`` cannot serve; printed as is."""


@dataclass(frozen=True)
class Opened:
    path: Path
    created: bool      # False: an earlier copy was kept as it was


# --- chapters ---------------------------------------------------------------------------------

def chapter_name(template: Path, notebooks_dir: Path) -> str:
    """``notebooks/03_satisfaction.ipynb`` -> ``satisfaction``; a notebook in a sub-folder keeps
    the folder: ``notebooks/national/01_overview.ipynb`` -> ``national/overview``."""
    rel = Path(template).relative_to(notebooks_dir)
    return "/".join([*rel.parent.parts, re.sub(r"^\d+_", "", rel.stem)])


def chapters(notebooks_dir: Path) -> dict[str, Path]:
    """``{chapter name: template}`` of every notebook under ``notebooks_dir``, in file order."""
    found = sorted((p for p in Path(notebooks_dir).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts),
                   key=lambda p: p.relative_to(notebooks_dir).as_posix())
    return {chapter_name(p, notebooks_dir): p for p in found}


def serves(template: Path) -> list[str]:
    """The period kinds a template serves (``metadata.goldbook.periods``, as the runner reads them)."""
    meta = nbformat.read(str(template), as_version=4).metadata.get("goldbook") or {}
    periods = meta.get("periods")
    return [str(p) for p in periods] if isinstance(periods, list) else []


def find_chapter(name: str, period: Period, notebooks_dir: Path) -> Path:
    """The template of chapter ``name``; ScratchError naming the chapters there are when there is
    no such chapter, or those serving the period's kind when this one does not."""
    known = chapters(notebooks_dir)
    if name not in known:
        raise ScratchError(f"no chapter {name!r}; the chapters are: {', '.join(known) or '(none)'}")
    kinds = serves(known[name])
    if period.kind not in kinds:
        fitting = [n for n, p in known.items() if period.kind in serves(p)]
        raise ScratchError(f"{name} serves {' and '.join(kinds) or 'no'} periods, not a {period.kind} "
                             f"({period.label}); for a {period.kind}: {', '.join(fitting) or 'no chapter'}")
    return known[name]


# --- the copy ---------------------------------------------------------------------------------

def scratch_notebook(template, period: Period, lang: str, root: Path, outputs: Path):
    """A template (``NotebookNode``) as an analyst's copy: markdown in ``lang``, papermill's
    ``injected-parameters`` cell (``period``, ``lang``, ``root``), then a cell sending what it
    writes to ``outputs``; no outputs, no execution counts. The template is not changed."""
    nb = copy.deepcopy(template)
    untagged = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = render_markdown(cell.source, lang, period)
        elif cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if "tags" not in cell.metadata:   # papermill reads every cell's tags
            cell.metadata["tags"] = []
            untagged.append(cell)
    nb.metadata["papermill"] = {}
    # the kernel and the language are the template's own (its kernelspec: python3, as the runner's)
    nb = parameterize_notebook(nb, {"period": period.label, "lang": lang, "root": str(root)})
    for cell in untagged:
        del cell.metadata["tags"]
    at = next(i for i, c in enumerate(nb.cells) if INJECTED_ID in c.metadata.get("tags", []))
    nb.cells[at].id = INJECTED_ID         # papermill draws a random id; a copy is the same bytes every time
    redirect = nbformat.v4.new_code_cell(
        "# goldbook open: this copy's tables, figures and staff summaries go here, never into reports/\n"
        "import os\n"
        f"os.environ[{REPORTS_ENV!r}] = {str(outputs)!r}\n"
        f"os.environ[{RESTRICTED_ENV!r}] = {str(outputs / 'restricted')!r}")
    redirect.id = OUTPUTS_CELL_ID
    redirect.metadata["tags"] = [OUTPUTS_CELL_ID]
    nb.cells.insert(at + 1, redirect)
    nb.metadata.setdefault("goldbook", {})["scratch"] = {"period": period.label, "lang": lang}
    return nb


def scratch_dir(paths: Paths) -> Path:
    return paths.root / SCRATCH_DIR


def check_apart(folder: Path, paths: Paths, notebooks_dir: Path) -> None:
    """ScratchError when ``folder`` is inside what the runner or the book reads: the templates,
    ``reports/`` (or the folder ``GOLDBOOK_REPORTS`` names), the book's sources or its build."""
    folder = Path(folder).resolve()
    for what, place in (("the templates", notebooks_dir), ("reports", paths.reports), ("the book", paths.book_src),
                        ("the built book", paths.build)):
        place = Path(place).resolve()
        if folder == place or place in folder.parents:
            raise ScratchError(f"the scratch folder {folder} would be inside {what} ({place}), which are "
                                 f"published; use another data root (--root DIR)")


def _check_data(period: Period, root: Path) -> None:
    """The period's months must be in the processed store, as the runner requires."""
    have = set(store.months(root))
    missing = [m for m in period.months if m not in have]
    if period.kind == "year" and len(missing) < len(period.months):
        return
    if missing:
        raise ScratchError(f"{period.label} needs processed data for {', '.join(missing)}: "
                             f"run `goldbook ingest {missing[0]}` first")


def open_chapter(period: str, chapter: str, lang: str = "en", root=None, fresh: bool = False,
                 notebooks_dir=None) -> Opened:
    """Write chapter ``chapter``'s copy for ``period`` in ``lang`` into ``scratch/<period>/`` (the
    edge of ``scratch_notebook``); an existing copy is kept unless ``fresh``. Raises
    ScratchError or PeriodError, having written nothing, for a request it cannot serve."""
    paths = get_paths(root)
    lang = check_lang(lang)
    parsed = parse_period(period, paths.root)
    nb_dir = Path(notebooks_dir) if notebooks_dir is not None else paths.notebooks
    template = find_chapter(chapter, parsed, nb_dir)
    _check_data(parsed, paths.root)
    folder = scratch_dir(paths) / parsed.label
    check_apart(folder, paths, nb_dir)
    rel = template.relative_to(nb_dir)
    target = folder / rel.parent / f"{rel.stem}.{lang}.ipynb"
    if target.exists() and not fresh:
        return Opened(target, False)
    source = nbformat.read(str(template), as_version=4)
    if sum(PARAMETERS_TAG in c.metadata.get("tags", []) for c in source.cells) != 1:
        raise ScratchError(f"notebooks/{rel.as_posix()} needs exactly one cell tagged {PARAMETERS_TAG!r}, "
                             "where papermill puts the period's values after")
    nb = scratch_notebook(source, parsed, lang, paths.root, scratch_dir(paths) / OUTPUTS_DIR)
    write_atomic(target, nbformat.writes(nb).encode("utf-8") + b"\n")
    return Opened(target, True)


# --- JupyterLab -------------------------------------------------------------------------------

def lab_command(root_dir: Path, notebook: Path | None = None, port: int | None = None,
                no_browser: bool = False) -> list[str]:
    """``jupyter lab`` of this environment on ``root_dir``, opening ``notebook`` (inside it)."""
    command = [str(Path(sys.prefix) / "bin" / "jupyter"), "lab", f"--ServerApp.root_dir={root_dir}", *LAB_OPTIONS]
    if os.geteuid() == 0:   # a container's root: Jupyter refuses to start without it
        command.append("--allow-root")
    if port is not None:
        command.append(f"--port={port}")
    if no_browser:
        command.append("--no-browser")
    if notebook is not None:
        command.append(str(notebook))
    return command


def run_lab(command: list[str]) -> int:
    """Run JupyterLab in the foreground until it stops; its exit code. Ctrl-C is JupyterLab's to
    handle (it asks, then shuts its kernels down), so this process waits on."""
    try:
        process = subprocess.Popen(command, env={**os.environ, **LAB_ENV})
    except OSError as exc:
        raise ScratchError(f"cannot start JupyterLab ({command[0]}): {exc.strerror}; run `make env`") from None
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue
