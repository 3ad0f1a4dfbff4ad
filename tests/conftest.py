"""Shared fixtures: a small generated demo, built once per test session.

- ``demo_root``: two demo months (2024-01, 2024-02, seed 7, 5% of the full volume) generated
  and ingested into a temporary data root with its own copy of ``config/``. Read-only: a test
  that changes files takes ``demo_copy`` instead.
- ``demo_run``: a separate copy of that root after ``goldbook run --all`` (every notebook that
  serves the demo's periods, both languages). Read-only too.
- ``demo_copy``: a private, writable copy of ``demo_root`` for one test.

Under pytest-xdist each worker is its own session; the first worker to need a fixture builds it
under the run's shared temporary folder while holding a file lock, and the others reuse it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

from helpers.base.config import load_config
from helpers.base.paths import CODE_ROOT, get_paths
from helpers.data import ingest
from helpers.demo import generate as demo
from helpers.pipeline import runner

DEMO = {"seed": 7, "start": "2024-01", "end": "2024-02", "scale": 0.05}


def _shared(tmp_path_factory: pytest.TempPathFactory, name: str, build) -> Path:
    """Build ``name`` once per test run (across xdist workers) and return its path."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent          # shared by the workers of this run, and only this run
    target = base / name
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".ready").exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            build(target)
            (target / ".ready").write_text("built\n")
    return target


def _build_demo(root: Path) -> None:
    shutil.copytree(CODE_ROOT / "config", root / "config")
    demo.generate(get_paths(root).raw, cfg=load_config(root), **DEMO)
    rejected = [r.report() for r in ingest.ingest_all(root) if not r.ok]
    assert not rejected, "the demo did not ingest:\n" + "\n".join(rejected)


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory) -> Path:
    return _shared(tmp_path_factory, "demo", _build_demo)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory, demo_root) -> Path:
    def build(root: Path) -> None:
        shutil.copytree(demo_root, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".ready"))
        failed = [r.message for r in runner.run_all(root, progress=lambda line: None) if not r.ok]
        assert not failed, "the demo run failed:\n" + "\n".join(failed)

    return _shared(tmp_path_factory, "demo-run", build)


@pytest.fixture
def demo_copy(tmp_path, demo_root) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(demo_root, target, ignore=shutil.ignore_patterns(".ready"))
    return target
