"""The benchmark scripts run (``make bench``, ``make bench-scale``): their options parse, the floor
runs real notebooks, and the smallest scale run prints its table, writing only where it is told.
No timing is asserted: the figures are the benchmarks' to print, beside their goals."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import nbformat
import pandas as pd

from helpers.base.paths import CODE_ROOT

sys.path.insert(0, str(CODE_ROOT / "benchmarks"))
import bench  # noqa: E402
import bench_scale  # noqa: E402


def _script(name: str, *args: str, cwd=CODE_ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLDBOOK_")}
    return subprocess.run([sys.executable, str(CODE_ROOT / "benchmarks" / name), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


def test_both_benchmarks_list_their_options():
    for name, options in (("bench.py", ("--full", "--month", "--jobs", "--keep")),
                          ("bench_scale.py", ("--ingest", "--month", "--national", "--cluster", "--scale", "--keep"))):
        done = _script(name, "--help")
        assert done.returncode == 0, done.stderr
        assert all(option in done.stdout for option in options), (name, done.stdout)


def test_the_goals_are_the_issues():
    assert (bench.GOAL_RERUN_S, bench.GOAL_DEMO_S, bench.GOAL_FLOOR_RATIO) == (1.0, 180.0, 1.0)
    assert (bench_scale.GOAL_INGEST_RATIO, bench_scale.GOAL_MONTH_RATIO, bench_scale.GOAL_PEAK_MB) == (0.5, 1.5, 4096)


def test_the_floor_runs_each_one_cell_notebook_in_a_kernel(tmp_path):
    done = subprocess.run([sys.executable, "-c", bench.FLOOR, str(tmp_path), "3", "2"], cwd=CODE_ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    executed = sorted(tmp_path.glob("*.out.ipynb"))
    assert [p.name for p in executed] == [f"trivial_{i:03d}.out.ipynb" for i in range(3)]
    for path in executed:
        cell = nbformat.read(str(path), as_version=4).cells[-1]
        assert cell.outputs[0]["data"]["text/plain"] == "2"


def test_the_table_puts_each_figure_beside_its_goal():
    rows = [bench_scale.Row("ingest / DuckDB", "0.42x", ">= 0.5x", "OVER"), bench_scale.Row("a time", "3.0 s")]
    lines = bench_scale.table(rows).splitlines()
    assert lines[0].split() == ["figure", "measured", "goal"]
    assert lines[1].endswith(">= 0.5x  OVER") and lines[2].endswith("3.0 s")
    assert lines[1].index("0.42x") == lines[2].index("3.0 s")   # one column of values


def test_the_smallest_scale_run_prints_the_ingest_figures_and_writes_only_its_folder(tmp_path):
    work = tmp_path / "work"
    done = _script("bench_scale.py", "--ingest", "--scale", "0.05", "--history", "0", "--keep", str(work))
    assert done.returncode == 0, done.stderr + done.stdout
    table = done.stdout[done.stdout.index("\nfigure"):]
    duck = re.search(r"bare DuckDB read_csv \(([\d,]+) rows; mean of 2\)\s+[\d.,]+ s\s+[\d,]+ rows/s", table)
    assert duck, table
    ratio = re.search(r"ingest throughput / DuckDB's\s+([\d.]+)x\s+>= 0.5x\s+(ok|OVER)", table)
    assert ratio and float(ratio[1]) > 0, table
    # DuckDB counted the rows of the files ingest stored: the month's tables and the registry
    root = work / "month-0.05x"
    rows = sum(len(pd.read_csv(p, dtype=str, keep_default_na=False)) for p in root.glob("data/raw/**/*.csv"))
    assert int(duck[1].replace(",", "")) == rows
    assert (root / "data" / "processed" / "2024-06" / "tickets.parquet").is_file()


def test_the_scale_benchmark_never_works_inside_the_checkout():
    inside = CODE_ROOT / "data" / "bench-scale-test"
    done = _script("bench_scale.py", "--ingest", "--scale", "0.05", "--keep", str(inside))
    assert done.returncode == 1 and "inside this checkout" in done.stderr
    assert not inside.exists()
