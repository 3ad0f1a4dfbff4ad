"""The templates in ``notebooks/`` (every folder under it) carry no outputs and no execution counts.

Outputs in a template would be one analyst's numbers shown as if they were the template's, and
noise in every diff. ``make strip`` (and the pre-commit hook in ``.pre-commit-config.yaml``)
removes them with the locked nbstripout, keeping cell ids; this test holds the rule whether or not
anyone ran them. The checker is also run on a made-up dirty notebook, and nbstripout on copies,
so neither can pass by finding nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers.base.paths import CODE_ROOT

NOTEBOOKS = CODE_ROOT / "notebooks"
NBSTRIPOUT = Path(sys.prefix) / "bin" / "nbstripout"
STRIP_ARGS = ("--keep-id",)     # as `make strip` and the pre-commit hook run it


def templates(folder: Path) -> list[Path]:
    """Every notebook under ``folder``, sub-folders included (Jupyter's checkpoints aside)."""
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def dirty_cells(path: Path) -> list[str]:
    """``<file>, cell N (id): what`` for each code cell with outputs or an execution count."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for i, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        where = f"{path.name}, cell {i} ({cell.get('id', 'no id')})"
        if cell.get("outputs"):
            found.append(f"{where}: {len(cell['outputs'])} output(s)")
        if cell.get("execution_count") is not None:
            found.append(f"{where}: execution count {cell['execution_count']}")
    return found


def _dirty_notebook(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3", "language": "python",
                                                                          "display_name": "Python 3"}},
          "cells": [
              {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": "# A chapter"},
              {"cell_type": "code", "id": "sums", "metadata": {"tags": ["parameters"]}, "execution_count": 3,
               "outputs": [{"output_type": "execute_result", "execution_count": 3, "metadata": {},
                            "data": {"text/plain": "42"}}],
               "source": "6 * 7"},
              {"cell_type": "code", "id": "counted", "metadata": {}, "execution_count": 4, "outputs": [],
               "source": "x = 1"},
          ]}
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


@pytest.mark.parametrize("template", templates(NOTEBOOKS), ids=lambda p: p.relative_to(NOTEBOOKS).as_posix())
def test_a_template_has_no_outputs_and_no_execution_counts(template):
    assert dirty_cells(template) == [], "run `make strip` (nbstripout) before committing"


def test_every_template_is_checked_sub_folders_included(tmp_path):
    assert len(templates(NOTEBOOKS)) >= 9    # the nine chapters at least
    _dirty_notebook(tmp_path / "national" / "01_overview.ipynb")
    _dirty_notebook(tmp_path / "national" / ".ipynb_checkpoints" / "01_overview-checkpoint.ipynb")
    assert templates(tmp_path) == [tmp_path / "national" / "01_overview.ipynb"]


def test_the_checker_names_outputs_and_execution_counts(tmp_path):
    _dirty_notebook(tmp_path / "01_dirty.ipynb")
    assert dirty_cells(tmp_path / "01_dirty.ipynb") == [
        "01_dirty.ipynb, cell 2 (sums): 1 output(s)",
        "01_dirty.ipynb, cell 2 (sums): execution count 3",
        "01_dirty.ipynb, cell 3 (counted): execution count 4",
    ]


def test_nbstripout_cleans_a_dirty_notebook_and_leaves_the_templates_byte_for_byte(tmp_path):
    """What `make strip` and the pre-commit hook run: a dirty notebook comes out clean with its
    ids and tags; a clean template comes out unchanged, so stripping never churns a diff."""
    copies = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, copies, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    _dirty_notebook(copies / "national" / "99_dirty.ipynb")
    result = subprocess.run([str(NBSTRIPOUT), *STRIP_ARGS, *map(str, templates(copies))],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for original in templates(NOTEBOOKS):
        copy = copies / original.relative_to(NOTEBOOKS)
        assert copy.read_bytes() == original.read_bytes(), f"nbstripout changed {original.name}"
    stripped = json.loads((copies / "national" / "99_dirty.ipynb").read_text(encoding="utf-8"))
    assert dirty_cells(copies / "national" / "99_dirty.ipynb") == []
    assert [c["id"] for c in stripped["cells"]] == ["intro", "sums", "counted"]
    assert stripped["cells"][1]["metadata"]["tags"] == ["parameters"]


def test_make_strip_and_the_pre_commit_hook_run_the_same_nbstripout():
    config = yaml.safe_load((CODE_ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [h for repo in config["repos"] for h in repo["hooks"] if h["id"] == "nbstripout"]
    assert [h["entry"] for h in hooks] == [" ".join([".venv/bin/nbstripout", *STRIP_ARGS])]
    assert hooks[0]["files"] == r"^notebooks/.*\.ipynb$"
    makefile = (CODE_ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"$(VENV)/bin/nbstripout {' '.join(STRIP_ARGS)}" in makefile
