"""The repository's tooling: environment.yml follows uv.lock, the Makefile documents itself."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

from helpers.base.paths import CODE_ROOT

sys.path.insert(0, str(CODE_ROOT / "tools"))
import lock_to_environment as l2e  # noqa: E402


def test_environment_yml_pins_exactly_the_locked_packages():
    lock = tomllib.loads((CODE_ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = {(p["name"], p["version"]) for p in lock["package"] if "registry" in p["source"]}
    text = (CODE_ROOT / "environment.yml").read_text(encoding="utf-8")
    pinned = set(re.findall(r'^\s+- "([A-Za-z0-9_.\-]+)==([^ ;"]+)', text, flags=re.M))
    assert pinned == locked
    assert "  - python=3.11\n" in text


def test_environment_yml_is_what_the_lock_generates():
    done = subprocess.run([sys.executable, str(CODE_ROOT / "tools/lock_to_environment.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr + "\nrun `make lock` (or tools/lock_to_environment.py)"


def test_conditions_propagate_through_the_dependency_graph():
    # project → a (win32) → b;  project → c → d (py<3.12) → b (darwin);  d locked at one version
    lock = {"package": [
        {"name": "proj", "version": "0", "source": {"editable": "."},
         "dependencies": [{"name": "a", "marker": "sys_platform == 'win32'"}, {"name": "c"}]},
        {"name": "a", "version": "1", "source": {"registry": "x"}, "dependencies": [{"name": "b"}]},
        {"name": "b", "version": "2", "source": {"registry": "x"}},
        {"name": "c", "version": "3", "source": {"registry": "x"},
         "dependencies": [{"name": "d", "marker": "python_full_version < '3.12'"}]},
        {"name": "d", "version": "4", "source": {"registry": "x"},
         "dependencies": [{"name": "b", "marker": "sys_platform == 'darwin'"}]},
    ]}
    assert l2e.locked_packages(lock) == {
        ("a", "1"): "sys_platform == 'win32'",
        ("b", "2"): "(python_full_version < '3.12' and sys_platform == 'darwin') or sys_platform == 'win32'",
        ("c", "3"): "",
        ("d", "4"): "python_full_version < '3.12'",
    }


def test_an_unconditional_path_wins():
    lock = {"package": [
        {"name": "proj", "version": "0", "source": {"editable": "."},
         "dependencies": [{"name": "a"}, {"name": "b", "marker": "sys_platform == 'win32'"}]},
        {"name": "a", "version": "1", "source": {"registry": "x"}, "dependencies": [{"name": "b"}]},
        {"name": "b", "version": "2", "source": {"registry": "x"}},
    ]}
    assert l2e.locked_packages(lock) == {("a", "1"): "", ("b", "2"): ""}


def test_every_make_target_is_documented_and_help_is_the_default():
    text = (CODE_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^\.DEFAULT_GOAL := help$", text, flags=re.M)
    phony = re.search(r"^\.PHONY: (.+)$", text, flags=re.M).group(1).split()
    documented = set(re.findall(r"^([a-zA-Z_-]+):.*## .+$", text, flags=re.M))
    assert set(phony) == documented
    for target in ("demo", "test", "bench", "verify", "clean", "clean-demo", "lock", "help"):
        assert target in documented


def test_ci_script_is_strict_and_runs_make_test():
    text = (CODE_ROOT / ".ci/run").read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text
    assert re.search(r"^make test\b", text, flags=re.M)


def _tree(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _make(root, target: str) -> None:
    done = subprocess.run(["make", "-s", "-f", str(CODE_ROOT / "Makefile"), target], cwd=root,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _layout(root) -> None:
    for rel in ("data/raw/README.md", "data/raw/2023-01/tickets.csv", "data/raw/2025-01/tickets.csv",
                "data/raw/initiatives.csv", "data/processed/README.md", "data/processed/2023-01/tickets.parquet",
                "data/truth/demo_truth.json", "reports/README.md", "reports/2023-01/manifest.json",
                "reports/.failed/2023-02/en/x.ipynb", "_build/html/index.html", "book/index.md", "_toc.yml",
                "restricted/2023-01/staff.csv"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n")


def test_make_clean_removes_generated_outputs_and_never_raw_data(tmp_path):
    _layout(tmp_path)
    _make(tmp_path, "clean")
    assert _tree(tmp_path) == ["data/processed/README.md", "data/raw/2023-01/tickets.csv",
                               "data/raw/2025-01/tickets.csv", "data/raw/README.md", "data/raw/initiatives.csv",
                               "data/truth/demo_truth.json", "reports/README.md"]


def test_make_clean_demo_removes_only_the_months_the_demo_wrote(tmp_path):
    _layout(tmp_path)
    _make(tmp_path, "clean-demo")    # no demo marker: raw data stays
    assert "data/raw/2023-01/tickets.csv" in _tree(tmp_path)
    (tmp_path / "data/raw/.goldbook-demo").write_text(
        '{"end": "2023-01", "months": ["2023-01"], "scale": 1.0, "seed": 7, "start": "2023-01"}\n')
    _make(tmp_path, "clean-demo")
    assert _tree(tmp_path) == ["data/processed/README.md", "data/raw/2025-01/tickets.csv", "data/raw/README.md",
                               "reports/README.md"]
