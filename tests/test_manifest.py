"""The manifest: normalisation, output hashes, fingerprint, manifest and the Audit summary.

Notebooks are built by hand as plain dicts, so every expectation can be read off the test.
The store is replaced by a stand-in that lists the raw files of months up to the period's own
(the as-of rule ``store.inputs`` follows); the real store is exercised in tests/test_verify.py.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest

from helpers.base.paths import get_paths
from helpers.base.periods import parse
from helpers.pipeline import manifest, verify


# --- stand-ins ----------------------------------------------------------------------------
def standin_inputs(period: str, root=None) -> list[dict]:
    """As ``store.inputs``: raw files of months ≤ the period's month, plus top-level registries."""
    paths = get_paths(root)
    last = parse(period).month
    files = [f for f in paths.raw.glob("*.csv")]
    files += [f for d in paths.raw.iterdir() if d.is_dir() and d.name <= last for f in d.glob("*.csv")]
    return [{"path": paths.rel(f), "sha256": hashlib.sha256(f.read_bytes()).hexdigest(),
             "rows": len(f.read_text().splitlines()) - 1} for f in files]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tiny_root(tmp_path, monkeypatch):
    """A root with config (two catalogue versions), two raw months and a registry."""
    root = tmp_path / "root"
    write(root / "config" / "entity.yaml", (
        "version: '1'\n"
        "criteria:\n"
        "  - {guideline: g2023, effective_from: '2023-01', file: criteria/g2023.csv}\n"
        "  - {guideline: g2025, effective_from: '2025-01', file: criteria/g2025.csv}\n"))
    write(root / "config" / "criteria" / "g2023.csv", "criterion_id\nA1\n")
    write(root / "config" / "criteria" / "g2025.csv", "criterion_id\nB1\n")
    write(root / "config" / "messages" / "core.yaml", "x: {en: X, ar: س}\n")
    write(root / "data" / "raw" / "initiatives.csv", "initiative_id\nI1\n")
    write(root / "data" / "raw" / "2024-01" / "tickets.csv", "ticket_id\nT1\nT2\n")
    write(root / "data" / "raw" / "2024-02" / "tickets.csv", "ticket_id\nT3\n")
    monkeypatch.setattr(manifest, "period_inputs", standin_inputs)
    return root


@pytest.fixture
def code_tree(tmp_path, monkeypatch):
    """A stand-in code checkout so that editing 'code' cannot touch the real one."""
    code = tmp_path / "code"
    write(code / "src" / "helpers" / "kpis.py", "X = 1\n")
    write(code / "src" / "helpers" / "__pycache__" / "kpis.cpython-311.pyc", "junk")
    write(code / "notebooks" / "01_overview.ipynb", "{}\n")
    write(code / "uv.lock", "lock v1\n")
    monkeypatch.setattr(manifest, "CODE_ROOT", code)
    return code


# --- normalisation ------------------------------------------------------------------------
def executed_notebook(root: str, *, when: str, kernel_ms: str, injected_id: str, answer: str = "6") -> dict:
    """A papermill-executed notebook as papermill writes it, with the volatile parts as given."""
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "papermill": {
                "start_time": f"{when}T04:09:33.349250+00:00", "end_time": f"{when}T04:09:34.611972+00:00",
                "duration": 1.262722, "exception": None, "version": "2.7.0",
                "input_path": f"{root}/notebooks/01_overview.ipynb",
                "output_path": f"{root}/reports/.staging-{injected_id}/en/01_overview.ipynb",
                "parameters": {"period": "2024-03", "lang": "en", "root": root},
                "default_parameters": {}, "environment_variables": {},
            },
        },
        "cells": [
            {"cell_type": "markdown", "id": "cell-00", "source": ["# Overview"],
             "metadata": {"papermill": {"duration": 0.001, "start_time": when, "end_time": when,
                                        "exception": False, "status": "completed"}}},
            {"cell_type": "code", "id": injected_id, "execution_count": 1, "outputs": [],
             "source": ["# Parameters\n", f'root = "{root}"\n'],
             "metadata": {"tags": ["injected-parameters"],
                          "execution": {"iopub.execute_input": f"{when}T04:09:34.{kernel_ms}Z",
                                        "shell.execute_reply": f"{when}T04:09:34.{kernel_ms}Z"}}},
            {"cell_type": "code", "id": "cell-02", "execution_count": 2, "source": ["x * 2"],
             "metadata": {"ExecuteTime": {"end_time": when}, "tags": ["keep-me"]},
             "outputs": [
                 {"output_type": "stream", "name": "stdout", "text": [f"read {root}/data/processed/2024-03\n"]},
                 {"output_type": "execute_result", "execution_count": 2, "metadata": {},
                  "data": {"text/plain": [answer]}},
             ]},
        ],
    }


def test_normalise_strips_timings_kernel_records_papermill_times_and_paths():
    nb = executed_notebook("/home/ana/goldbook", when="2024-04-01", kernel_ms="478949", injected_id="66fa3d86")
    out = json.loads(manifest.normalise_notebook(nb, roots=["/home/ana/goldbook"]))

    pm = out["metadata"]["papermill"]
    assert "start_time" not in pm and "end_time" not in pm and "duration" not in pm
    assert pm["input_path"] == "01_overview.ipynb"
    assert pm["output_path"] == "01_overview.ipynb"
    assert pm["parameters"] == {"period": "2024-03", "lang": "en", "root": "."}
    assert pm["version"] == "2.7.0" and pm["exception"] is None

    md, injected, code = out["cells"]
    assert md["metadata"]["papermill"] == {"exception": False, "status": "completed"}
    assert "execution" not in injected["metadata"]
    assert injected["id"] == "injected-parameters"
    assert injected["source"] == ["# Parameters\n", 'root = "."\n']
    assert "ExecuteTime" not in code["metadata"]
    assert code["metadata"]["tags"] == ["keep-me"]


def test_normalise_keeps_everything_a_reader_sees():
    nb = executed_notebook("/r", when="2024-04-01", kernel_ms="1", injected_id="a")
    out = json.loads(manifest.normalise_notebook(nb, roots=["/r"]))
    code = out["cells"][2]
    assert code["source"] == ["x * 2"]
    assert code["execution_count"] == 2
    assert code["outputs"][0]["text"] == ["read ./data/processed/2024-03\n"]
    assert code["outputs"][1]["data"] == {"text/plain": ["6"]}
    assert out["cells"][0]["source"] == ["# Overview"]
    assert out["metadata"]["kernelspec"]["name"] == "python3"


def test_two_runs_in_different_places_and_times_normalise_to_the_same_bytes():
    a = executed_notebook("/home/ana/goldbook", when="2024-04-01", kernel_ms="478949", injected_id="66fa3d86")
    b = executed_notebook("/tmp/goldbook-verify-x1", when="2025-09-30", kernel_ms="000001", injected_id="0b1c2d3e")
    na = manifest.normalise_notebook(a, roots=["/home/ana/goldbook"])
    nb_ = manifest.normalise_notebook(b, roots=["/tmp/goldbook-verify-x1"])
    assert na == nb_
    # canonical JSON: sorted keys, indent 1, one trailing newline
    assert na == (json.dumps(json.loads(na), indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def test_a_changed_output_changes_the_normalised_notebook():
    a = executed_notebook("/r", when="2024-04-01", kernel_ms="1", injected_id="a", answer="6")
    b = executed_notebook("/r", when="2024-04-01", kernel_ms="1", injected_id="a", answer="7")
    assert manifest.normalise_notebook(a, roots=["/r"]) != manifest.normalise_notebook(b, roots=["/r"])


def test_a_root_is_replaced_only_as_a_whole_path_component():
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["/r/x and /r2/y and /r"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    out = json.loads(manifest.normalise_notebook(nb, roots=["/r"]))
    assert out["cells"][0]["source"] == ["./x and /r2/y and ."]


def test_normalise_does_not_modify_its_argument():
    nb = executed_notebook("/r", when="2024-04-01", kernel_ms="1", injected_id="a")
    before = copy.deepcopy(nb)
    manifest.normalise_notebook(nb, roots=["/r"])
    assert nb == before


def test_output_sha256_is_raw_bytes_for_csv_and_normalised_for_notebooks(tmp_path):
    csv = write(tmp_path / "t.csv", "abc")
    # sha256("abc") from FIPS 180-2, appendix B.1
    assert manifest.output_sha256(csv) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    nb = executed_notebook("/r", when="2024-04-01", kernel_ms="1", injected_id="a")
    path = write(tmp_path / "n.ipynb", json.dumps(nb))
    expected = hashlib.sha256(manifest.normalise_notebook(nb, roots=["/r"])).hexdigest()
    assert manifest.output_sha256(path, roots=["/r"]) == expected


# --- fingerprint --------------------------------------------------------------------------
def test_fingerprint_lists_as_of_inputs_config_code_and_lock(tiny_root, code_tree):
    fp = manifest.fingerprint("2024-01", tiny_root)
    assert fp["period"] == "2024-01"
    assert [i["path"] for i in fp["inputs"]] == ["data/raw/2024-01/tickets.csv", "data/raw/initiatives.csv"]
    assert fp["inputs"][0]["rows"] == 2
    assert fp["inputs"][0]["sha256"] == hashlib.sha256(b"ticket_id\nT1\nT2\n").hexdigest()
    # the 2025 catalogue is not in force in 2024: left out
    assert list(fp["config"]) == ["config/criteria/g2023.csv", "config/entity.yaml", "config/messages/core.yaml"]
    assert fp["config"]["config/criteria/g2023.csv"] == hashlib.sha256(b"criterion_id\nA1\n").hexdigest()
    assert fp["code"]["files"] == 2  # kpis.py and the notebook; not the .pyc
    assert fp["lock"] == {"file": "uv.lock", "sha256": hashlib.sha256(b"lock v1\n").hexdigest()}
    json.dumps(fp)  # JSON-able


def test_fingerprint_covers_the_catalogue_once_it_is_in_force(tiny_root, code_tree):
    assert "config/criteria/g2025.csv" in manifest.fingerprint("2025-01", tiny_root)["config"]
    assert "config/criteria/g2025.csv" in manifest.fingerprint("2025", tiny_root)["config"]


@pytest.mark.parametrize("change", ["raw input", "config", "code", "notebook", "lock"])
def test_fingerprint_changes_with_each_thing_it_depends_on(tiny_root, code_tree, change):
    before = manifest.fingerprint("2024-02", tiny_root)
    target = {
        "raw input": tiny_root / "data" / "raw" / "2024-01" / "tickets.csv",
        "config": tiny_root / "config" / "messages" / "core.yaml",
        "code": code_tree / "src" / "helpers" / "kpis.py",
        "notebook": code_tree / "notebooks" / "01_overview.ipynb",
        "lock": code_tree / "uv.lock",
    }[change]
    target.write_text(target.read_text() + " ")
    assert manifest.fingerprint("2024-02", tiny_root) != before


def test_fingerprint_ignores_later_months_and_later_catalogues(tiny_root, code_tree):
    before = manifest.fingerprint("2024-02", tiny_root)
    write(tiny_root / "data" / "raw" / "2024-03" / "tickets.csv", "ticket_id\nT9\n")
    write(tiny_root / "config" / "criteria" / "g2025.csv", "criterion_id\nB1\nB2\n")
    assert manifest.fingerprint("2024-02", tiny_root) == before


def test_code_hash_counts_an_added_file(code_tree):
    before = manifest.code_hash()
    write(code_tree / "src" / "helpers" / "sub" / "new.py", "")
    after = manifest.code_hash()
    assert after["files"] == before["files"] + 1 and after["sha256"] != before["sha256"]


# --- manifest -----------------------------------------------------------------------------
def fake_outputs(root: Path, period: str) -> Path:
    out = root / "reports" / period
    write(out / "tables" / "overview_volume.csv", "centre_id,n\nseef,2\n")
    write(out / "figures" / "en" / "overview_volume.svg", "<svg/>")
    nb = executed_notebook(str(root), when="2024-04-01", kernel_ms="1", injected_id="r4nd0m")
    write(out / "en" / "01_overview.ipynb", json.dumps(nb))
    write(out / ".staging-leftover", "ignored")
    return out


def test_manifest_records_everything_sorted_and_relative(tiny_root, code_tree, monkeypatch):
    monkeypatch.setattr(manifest, "git_state", lambda repo=None: {"commit": "a" * 40, "clean": True})
    out = fake_outputs(tiny_root, "2024-02")
    path = manifest.write_manifest("2024-02", tiny_root, {"langs": ("en",), "root": str(tiny_root)}, out)
    assert path == out / "manifest.json"
    text = path.read_text(encoding="utf-8")
    m = json.loads(text)

    assert text == json.dumps(m, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert str(tiny_root) not in text and str(code_tree) not in text  # no absolute path anywhere
    assert m["run"] == {"period": "2024-02", "kind": "month", "languages": ["en"]}
    assert m["parameters"] == {"langs": ["en"], "root": "."}
    assert [i["path"] for i in m["inputs"]] == [
        "data/raw/2024-01/tickets.csv", "data/raw/2024-02/tickets.csv", "data/raw/initiatives.csv"]
    assert m["code"]["commit"] == "a" * 40 and m["code"]["clean"] is True
    assert m["lock"]["sha256"] == hashlib.sha256(b"lock v1\n").hexdigest()
    assert set(m["environment"]["packages"]) == set(manifest.KEY_PACKAGES)
    assert m["environment"]["python"].startswith("3.")
    assert list(m["outputs"]) == ["en/01_overview.ipynb", "figures/en/overview_volume.svg",
                                  "tables/overview_volume.csv"]
    assert m["outputs"]["tables/overview_volume.csv"] == hashlib.sha256(b"centre_id,n\nseef,2\n").hexdigest()
    assert m["verify"] == "goldbook verify 2024-02"
    assert set(m["volatile"]) == {"note", "recorded_at"}


def test_manifest_is_stable_apart_from_volatile(tiny_root, code_tree, monkeypatch):
    monkeypatch.setattr(manifest, "git_state", lambda repo=None: {"commit": None, "clean": None})
    out = fake_outputs(tiny_root, "2024-02")
    first = json.loads(manifest.write_manifest("2024-02", tiny_root, {"langs": ["en"]}, out).read_text())
    # a second run: same outputs, executed at another time with another random cell id
    nb = executed_notebook(str(tiny_root), when="2030-01-01", kernel_ms="9", injected_id="other")
    write(out / "en" / "01_overview.ipynb", json.dumps(nb))
    first["volatile"]["recorded_at"] = "changed"
    second = json.loads(manifest.write_manifest("2024-02", tiny_root, {"langs": ["en"]}, out).read_text())
    assert manifest.without_volatile(second) == manifest.without_volatile(first)
    assert second["volatile"] != first["volatile"]


def test_up_to_date_follows_the_fingerprint(tiny_root, code_tree):
    out = fake_outputs(tiny_root, "2024-01")
    assert not manifest.up_to_date("2024-01", tiny_root)  # no manifest yet
    manifest.write_manifest("2024-01", tiny_root, {"langs": ["en"]}, out)
    assert manifest.up_to_date("2024-01", tiny_root)
    write(tiny_root / "data" / "raw" / "2024-02" / "surveys.csv", "response_id\nR1\n")  # a later month
    assert manifest.up_to_date("2024-01", tiny_root)
    (tiny_root / "data" / "raw" / "2024-01" / "tickets.csv").write_text("ticket_id\nT1\n")
    assert not manifest.up_to_date("2024-01", tiny_root)


def test_compare_inputs_names_changed_missing_and_added_files():
    recorded = [{"path": "a", "sha256": "1", "rows": 1}, {"path": "b", "sha256": "2", "rows": 1},
                {"path": "c", "sha256": "3", "rows": 1}]
    current = [{"path": "a", "sha256": "1", "rows": 1}, {"path": "b", "sha256": "9", "rows": 1},
               {"path": "d", "sha256": "4", "rows": 1}]
    assert [(c["path"], c["change"]) for c in verify.compare_inputs(recorded, current)] == [
        ("b", "changed"), ("c", "missing"), ("d", "added")]
    assert verify.compare_config({"x": "1", "y": "2"}, {"x": "1", "y": "3", "z": "4"}) == [
        {"path": "y", "change": "changed"}, {"path": "z", "change": "added"}]


# --- audit summary ------------------------------------------------------------------------
def test_audit_summary_lists_periods_in_order_with_a_brief_manifest(tmp_path):
    def record(period, inputs, commit):
        return {"run": {"period": period, "languages": ["en", "ar"]}, "inputs": inputs,
                "code": {"sha256": "c" * 64, "commit": commit, "clean": commit is not None},
                "lock": {"file": "uv.lock", "sha256": "f" * 64},
                "environment": {"python": "3.11.7", "packages": {"pandas": "3.1.0"}},
                "outputs": {"a.csv": "0", "b.svg": "1", "en/01.ipynb": "2"}}

    inputs = [{"path": "data/raw/2024-02/tickets.csv", "sha256": "aa", "rows": 10},
              {"path": "data/raw/2024-01/tickets.csv", "sha256": "bb", "rows": 5}]
    for period, ins, commit in [("2024-10", inputs, "1234567890abcdef"), ("2024-02", inputs[:1], None),
                                ("2024", inputs, "1234567890abcdef")]:
        write(tmp_path / "reports" / period / "manifest.json", json.dumps(record(period, ins, commit)))
    write(tmp_path / "reports" / "README.md", "not a period")
    (tmp_path / "reports" / "2024-03").mkdir()  # a period folder without a manifest: not listed

    rows = manifest.audit_summary(tmp_path)
    # by start date: 2024 (from 1 January), then February, then October
    assert [r["period"] for r in rows] == ["2024", "2024-02", "2024-10"]
    year, feb, _ = rows
    combined = hashlib.sha256(b"data/raw/2024-01/tickets.csv bb 5\ndata/raw/2024-02/tickets.csv aa 10").hexdigest()
    assert year == {
        "period": "2024", "kind": "year", "languages": ["en", "ar"],
        "input_files": 2, "input_rows": 15, "inputs_sha256": combined[:12],
        "commit": "1234567890ab", "clean": True, "code_sha256": "c" * 12, "lock_sha256": "f" * 12,
        "python": "3.11.7", "pandas": "3.1.0", "outputs": 3, "editions": 1, "verify": "goldbook verify 2024",
    }
    assert feb["commit"] is None and feb["clean"] is False and feb["input_rows"] == 10
    # an earlier edition kept under editions/ counts; a folder without a manifest does not
    write(tmp_path / "reports" / "2024-02" / "editions" / "1" / "manifest.json", json.dumps(record("2024-02", [], None)))
    (tmp_path / "reports" / "2024-02" / "editions" / "2").mkdir()
    assert [r["editions"] for r in manifest.audit_summary(tmp_path)] == [1, 2, 1]


def test_raw_file_fallback_rehashes_whole_files_only(tmp_path):
    """After a failed rebuild, files are re-hashed directly; a registry hashed by rows in force is not."""
    t = write(tmp_path / "data" / "raw" / "2024-01" / "tickets.csv", "ticket_id\nT1\n")
    write(tmp_path / "data" / "raw" / "initiatives.csv", "initiative_id\nI1\n")
    recorded = {"inputs": [
        {"path": "data/raw/2024-01/tickets.csv", "sha256": hashlib.sha256(b"ticket_id\nT1\n").hexdigest(), "rows": 1},
        {"path": "data/raw/initiatives.csv", "sha256": "of the rows in force", "rows": 1,
         "scope": "rows in force at 2024-01-31 23:59:59"},
    ]}
    check = lambda: verify.compare_inputs(verify.whole_file_inputs(recorded),  # noqa: E731
                                              verify.raw_file_inputs(recorded, tmp_path))
    assert check() == []
    t.write_text("ticket_id\nT2\n")
    assert [(c["path"], c["change"]) for c in check()] == [("data/raw/2024-01/tickets.csv", "changed")]
    t.unlink()
    assert [(c["path"], c["change"]) for c in check()] == [("data/raw/2024-01/tickets.csv", "missing")]


def test_relative_papermill_paths_are_kept():
    nb = executed_notebook("/r", when="2024-04-01", kernel_ms="1", injected_id="a")
    nb["metadata"]["papermill"]["input_path"] = "notebooks/01_overview.ipynb"
    nb["metadata"]["papermill"]["output_path"] = "reports/2024-03/en/01_overview.ipynb"
    pm = json.loads(manifest.normalise_notebook(nb))["metadata"]["papermill"]
    assert (pm["input_path"], pm["output_path"]) == ("notebooks/01_overview.ipynb", "reports/2024-03/en/01_overview.ipynb")
