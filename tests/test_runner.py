"""The runner: discovery, parameter checks, staging and publishing, failure modes, skipping.

Unit tests run the fixture notebooks in tests/notebooks/ (one per failure mode) on a bare data
root, with stand-ins for the store's month listing and for the manifest, so they exercise the
runner alone. The end-to-end tests at the bottom use the shared small demo (conftest.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from helpers.base.paths import CODE_ROOT
from helpers.base.periods import parse
from helpers.pipeline import kernel, manifest, runner

FIXTURES = Path(__file__).parent / "notebooks"
DEMO_LAST_MONTH = "2024-02"      # the conftest demo covers 2024-01 and 2024-02


def quiet(_line: str) -> None:
    pass


def make_bare(base: Path, mp: pytest.MonkeyPatch):
    """A data root with config only; month 2024-01 counts as processed; the manifest is a stand-in
    whose fingerprint the test controls through ``.fingerprint``."""
    root = base / "root"
    shutil.copytree(CODE_ROOT / "config", root / "config")
    mp.setattr(runner, "processed_months", lambda r=None: ["2024-01"])
    state = types.SimpleNamespace(root=root, notebooks=base / "notebooks", fingerprint={"inputs": "a"},
                                  manifests=[], progress=[])

    mp.setattr(manifest, "fingerprint", lambda period, r: dict(state.fingerprint))

    def write_manifest(period, r, params, outputs_dir):
        state.manifests.append((period, params, sorted(p.relative_to(outputs_dir).as_posix()
                                                       for p in Path(outputs_dir).rglob("*") if p.is_file())))
        (Path(outputs_dir) / "manifest.json").write_text(
            json.dumps({"run": {"period": period, "languages": params["langs"]}, "parameters": params,
                        "fingerprint": state.fingerprint}), encoding="utf-8")

    mp.setattr(manifest, "write_manifest", write_manifest)
    mp.setattr(manifest, "recorded_fingerprint", lambda recorded: recorded["fingerprint"])
    state.notebooks.mkdir()
    return state


@pytest.fixture
def bare(tmp_path, monkeypatch):
    return make_bare(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The ok fixture notebook run once for 2024-01 in both languages; tests only read it."""
    # the stand-ins are undone before the tests run: a module-wide patch would leak into the
    # session's shared demo run if it were built while this module's tests are running
    with pytest.MonkeyPatch.context() as mp:
        state = make_bare(tmp_path_factory.mktemp("published"), mp)
        use(state, "ok")
        state.result = runner.run_period("2024-01", state.root, notebooks_dir=state.notebooks,
                                         progress=state.progress.append)
    return state


def use(state, *names: str) -> None:
    """Put fixture notebooks in the bare root's notebook folder as 01_<name>, 02_<name> …"""
    for i, name in enumerate(names, start=1):
        shutil.copy(FIXTURES / f"{name}.ipynb", state.notebooks / f"{i:02d}_{name}.ipynb")


def run(state, period="2024-01", **kw):
    kw.setdefault("progress", quiet)
    return runner.run_period(period, state.root, notebooks_dir=state.notebooks, **kw)


def digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in tree(folder).items()}


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- validation before anything runs -----------------------------------------------------------

def test_parameters_cell_names_are_read_in_order():
    index, names = runner.parameters_cell(FIXTURES / "ok.ipynb")
    assert (index, names) == (1, ["period", "lang", "root"])


def test_notebook_without_parameters_cell_is_refused(bare):
    use(bare, "ok", "no_parameters")
    with pytest.raises(runner.RunError) as err:
        run(bare)
    assert "02_no_parameters.ipynb" in str(err.value)
    assert "no cell is tagged 'parameters'" in str(err.value)
    assert not (bare.root / "reports").exists()


def test_parameters_cell_with_other_names_is_refused(bare):
    use(bare, "bad_parameter")
    with pytest.raises(runner.RunError) as err:
        run(bare)
    message = str(err.value)
    assert "01_bad_parameter.ipynb" in message and "cell 2" in message
    assert "does not assign period" in message and "assigns month, which the runner never sets" in message
    assert not (bare.root / "reports").exists()


@pytest.mark.parametrize("period", ["2024-13", "2024/01", "24-01", "2024-W54", ""])
def test_bad_period_is_refused_before_running(bare, period):
    use(bare, "ok")
    with pytest.raises(runner.RunError):
        run(bare, period)
    assert not (bare.root / "reports").exists()


@pytest.mark.parametrize("langs", [("fr",), ("en", "EN"), ()])
def test_bad_language_is_refused_before_running(bare, langs):
    use(bare, "ok")
    with pytest.raises(runner.RunError):
        run(bare, langs=langs)
    assert not (bare.root / "reports").exists()


def test_period_without_processed_data_is_refused(bare):
    use(bare, "ok")
    with pytest.raises(runner.RunError, match="goldbook ingest 2024-02"):
        run(bare, "2024-02")


def test_notebook_without_goldbook_metadata_is_refused(bare):
    use(bare, "ok")
    nb = json.loads((bare.notebooks / "01_ok.ipynb").read_text())
    del nb["metadata"]["goldbook"]
    (bare.notebooks / "01_ok.ipynb").write_text(json.dumps(nb))
    with pytest.raises(runner.RunError, match="no goldbook.periods"):
        run(bare)


def test_discovery_follows_kind_and_file_name_order(tmp_path):
    for name, periods in [("02_b", ["month", "year"]), ("01_a", ["month"]), ("03_c", ["week"])]:
        nb = json.loads((FIXTURES / "ok.ipynb").read_text())
        nb["metadata"]["goldbook"]["periods"] = periods
        (tmp_path / f"{name}.ipynb").write_text(json.dumps(nb))
    assert [p.stem for p in runner.discover("month", tmp_path)] == ["01_a", "02_b"]
    assert [p.stem for p in runner.discover("year", tmp_path)] == ["02_b"]
    assert runner.discover("day", tmp_path) == []


# --- a successful run ---------------------------------------------------------------------------

def test_success_publishes_notebooks_tables_and_manifest(published):
    result = published.result
    assert result.ok and result.status == "published"
    assert result.outputs == ("reports/2024-01/ar/01_ok.ipynb", "reports/2024-01/en/01_ok.ipynb")
    folder = published.root / "reports" / "2024-01"
    assert sorted(tree(folder)) == ["ar/01_ok.ipynb", "en/01_ok.ipynb", "manifest.json",
                                    "tables/ok_env_ar.csv", "tables/ok_env_en.csv"]
    # the manifest was written over the staged outputs, before publishing
    [(period, params, staged)] = published.manifests
    assert period == "2024-01" and params["langs"] == ["ar", "en"] and params["notebooks"] == ["01_ok.ipynb"]
    assert "tables/ok_env_en.csv" in staged and "en/01_ok.ipynb" in staged
    # no staging folder is left behind; the publication is in the ledger
    assert sorted(p.name for p in (published.root / "reports").iterdir()) == ["2024-01", "ledger.jsonl"]


def test_kernel_runs_in_the_data_root_with_the_fixed_environment(published):
    for lang in ("en", "ar"):
        lines = (published.root / f"reports/2024-01/tables/ok_env_{lang}.csv").read_text().splitlines()
        seen = dict(line.split(",", 1) for line in lines)
        assert seen["period"] == "2024-01" and seen["lang"] == lang
        assert seen["cwd_is_root"] == "True" and seen["root_is_dot"] == "True"
        assert seen["hashseed"] == "0" and seen["backend"] == "Agg"
        assert seen["source_date_epoch"] == "1706659200"     # 2024-01-31 00:00 UTC, the period's last day
        assert seen["prefix"] == sys.prefix                  # this environment's interpreter, not another


def test_a_week_runs_from_the_configured_first_day(bare):
    """The bare root's config is the model entity's (weeks from Sunday): 2024-W04 is 21–27
    January, in the notebook's title, its kernel's SOURCE_DATE_EPOCH and its metadata."""
    nb = json.loads((FIXTURES / "ok.ipynb").read_text())
    nb["metadata"]["goldbook"]["periods"] = ["week"]
    nb["cells"][0]["source"] = "# {{ period }}"
    (bare.notebooks / "01_week.ipynb").write_text(json.dumps(nb))
    result = run(bare, "2024-W04", langs=("en",))
    assert result.status == "published", result.message
    executed = json.loads((bare.root / "reports/2024-W04/en/01_week.ipynb").read_text())
    assert "".join(executed["cells"][0]["source"]) == "# Week 4, 2024 (2024-01-21 to 2024-01-27)"
    assert executed["metadata"]["goldbook"]["period"] == "2024-W04"
    seen = dict(line.split(",", 1) for line in
                (bare.root / "reports/2024-W04/tables/ok_env_en.csv").read_text().splitlines())
    assert seen["period"] == "2024-W04" and seen["source_date_epoch"] == "1706313600"   # 2024-01-27 00:00 UTC
    # 2024-W05 (28 January – 3 February) reaches into February, which is not processed
    with pytest.raises(runner.RunError, match="needs processed data for 2024-02"):
        run(bare, "2024-W05", langs=("en",))


def test_executed_notebook_is_ready_for_the_book(published):
    for lang, direction in [("ar", "rtl"), ("en", "ltr")]:
        nb = json.loads((published.root / f"reports/2024-01/{lang}/01_ok.ipynb").read_text())
        assert nb["metadata"]["myst"]["html_meta"] == {"page-dir": direction, "language": lang}
        assert nb["metadata"]["goldbook"]["lang"] == lang and nb["metadata"]["goldbook"]["period"] == "2024-01"
        injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
        assert len(injected) == 1 and "remove-input" in injected[0]["metadata"]["tags"]
        assert f'lang = "{lang}"' in "".join(injected[0]["source"])
        assert nb["metadata"]["papermill"]["input_path"] == "notebooks/01_ok.ipynb"
        assert nb["metadata"]["papermill"]["output_path"] == f"reports/2024-01/{lang}/01_ok.ipynb"
        assert str(published.root) not in json.dumps(nb)


def test_progress_names_each_notebook_with_a_count(published):
    done = {line.split(" done in ")[0] for line in published.progress if " done in " in line}
    assert done == {"[1/2] 2024-01 en 01_ok:", "[2/2] 2024-01 ar 01_ok:"}
    assert published.progress[-1].startswith("2024-01: published 2 notebooks")


def test_notebooks_share_a_kernel_but_start_afresh(bare):
    """A period's notebooks run in one kernel per language; each starts with no names left
    from the one before and numbers its cells from 1, as in a fresh kernel."""
    use(bare, "ok")
    nb = json.loads((FIXTURES / "ok.ipynb").read_text())
    (bare.notebooks / "02_again.ipynb").write_text(json.dumps(nb))
    assert run(bare, langs=("en",)).ok
    for name in ("01_ok", "02_again"):
        executed = json.loads((bare.root / f"reports/2024-01/en/{name}.ipynb").read_text())
        counts = [c["execution_count"] for c in executed["cells"] if c["cell_type"] == "code"]
        assert counts == [1, 2, 3, 4], (name, counts)
    nb["cells"].insert(2, {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                           "source": "row  # defined by 01_ok only"})
    (bare.notebooks / "02_again.ipynb").write_text(json.dumps(nb))
    result = run(bare, langs=("en",), force=True)
    assert not result.ok and "notebooks/02_again.ipynb (en), cell 3 `row  # defined by 01_ok only`: NameError" in result.message


def test_absolute_path_in_an_output_fails_the_run(bare):
    use(bare, "ok")
    nb = json.loads((bare.notebooks / "01_ok.ipynb").read_text())
    nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": "import os\nprint(os.getcwd())"})
    (bare.notebooks / "01_ok.ipynb").write_text(json.dumps(nb))
    result = run(bare, langs=("en",))
    assert not result.ok
    assert "notebooks/01_ok.ipynb (en), cell 5 `import os`: it shows an absolute path" in result.message
    assert not (bare.root / "reports/2024-01").exists()


# --- failure modes: one clear message, nothing published --------------------------------------

def test_failing_cell_names_notebook_cell_and_error_and_publishes_nothing(bare):
    use(bare, "ok")
    assert run(bare, langs=("en",)).ok
    before = tree(bare.root / "reports" / "2024-01")
    use(bare, "ok", "fails")
    result = run(bare, langs=("en",), force=True)
    assert not result.ok and result.status == "failed"
    first = result.message.splitlines()[0]
    assert first == ("2024-01 failed: notebooks/02_fails.ipynb (en), cell 4 `counts = {\"seef\": 3}`: "
                     "KeyError: 'tijjar'")
    assert "Traceback" not in result.message
    # the previous publication is untouched; the partial table of the failed run went nowhere
    assert tree(bare.root / "reports" / "2024-01") == before
    kept = bare.root / "reports" / ".failed" / "2024-01" / "en" / "02_fails.ipynb"
    assert kept.exists() and "reports/.failed/2024-01/" in result.message
    assert sorted(p.name for p in (bare.root / "reports").iterdir()) == [".failed", "2024-01", "ledger.jsonl"]


def test_sys_exit_fails_the_run(bare):
    use(bare, "exits")
    result = run(bare, langs=("ar",))
    assert not result.ok
    assert result.message.splitlines()[0] == "2024-01 failed: notebooks/01_exits.ipynb (ar), cell 3 `import sys`: SystemExit: 3"
    assert not (bare.root / "reports" / "2024-01").exists()


def test_a_failing_period_does_not_stop_the_others(bare, monkeypatch):
    use(bare, "ok")
    monkeypatch.setattr(runner, "processed_months", lambda r=None: ["2024-01", "2024-02"])
    # the notebook fails only for February
    nb = json.loads((bare.notebooks / "01_ok.ipynb").read_text())
    nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": 'assert period != "2024-02", "no February"'})
    (bare.notebooks / "01_ok.ipynb").write_text(json.dumps(nb))
    results = runner.run_periods(["2024-01", "2024-02"], bare.root, langs=("en",),
                                 notebooks_dir=bare.notebooks, progress=quiet)
    assert [r.status for r in results] == ["published", "failed"]
    assert "AssertionError: no February" in results[1].message
    assert (bare.root / "reports/2024-01/en/01_ok.ipynb").exists()
    assert not (bare.root / "reports/2024-02").exists()


# --- skipping unchanged periods ----------------------------------------------------------------

def test_unchanged_period_is_skipped_until_something_changes(bare):
    use(bare, "ok")
    assert run(bare, langs=("en",)).status == "published"
    stamp = (bare.root / "reports/2024-01/en/01_ok.ipynb").stat().st_mtime_ns
    again = run(bare, langs=("en",))
    assert again.status == "skipped" and "unchanged" in again.message
    assert (bare.root / "reports/2024-01/en/01_ok.ipynb").stat().st_mtime_ns == stamp
    # other languages than the recorded ones are not "unchanged"
    assert manifest.up_to_date("2024-01", bare.root, ("en",))
    assert not manifest.up_to_date("2024-01", bare.root, ("en", "ar"))
    assert run(bare, langs=("en",), force=True).status == "published"
    bare.fingerprint = {"inputs": "b"}
    assert not manifest.up_to_date("2024-01", bare.root, ("en",))
    assert run(bare, langs=("en",)).status == "published"
    assert len(bare.manifests) == 3


# --- which periods --all means -----------------------------------------------------------------

def week_root(base: Path, week_starts: str) -> Path:
    """A data root whose config sets only the first day of the week and an archive of the latest
    week and day (tests/test_navigation.py tests the longer archive spans)."""
    (base / week_starts / "config").mkdir(parents=True)
    (base / week_starts / "config" / "entity.yaml").write_text(
        f"calendar: {{week_starts: {week_starts}}}\narchive: {{weeks: latest, days: latest}}\n")
    return base / week_starts


def test_all_periods_months_years_latest_complete_week_and_latest_day(monkeypatch, tmp_path):
    monkeypatch.setattr(runner, "processed_months", lambda r=None: ["2023-12", "2024-01", "2024-02"])
    monkeypatch.setattr(runner, "latest_day_with_tickets", lambda month, r=None: "2024-02-29")
    # 2024-02-29 is a Thursday in ISO 2024-W09 (26 Feb – 3 Mar), which reaches into unprocessed
    # March; the latest week wholly inside the processed months is 2024-W08 (19–25 Feb).
    iso = week_root(tmp_path, "Mon")
    assert runner.all_periods(iso) == ["2023-12", "2024-01", "2024-02", "2023", "2024", "2024-W08", "2024-02-29"]
    assert (runner.check_period("2024-W08", iso).start.isoformat(), runner.check_period("2024-W08", iso).last.day) \
        == ("2024-02-19", 25)
    # from Sunday, the week of the 29th is 25 Feb – 2 Mar; 2024-W08 is then 18–24 February
    sunday = week_root(tmp_path, "Sun")
    assert runner.all_periods(sunday)[-2:] == ["2024-W08", "2024-02-29"]
    assert runner.check_period("2024-W08", sunday).start.isoformat() == "2024-02-18"


def test_all_periods_week_spanning_months_needs_both(monkeypatch, tmp_path):
    monkeypatch.setattr(runner, "processed_months", lambda r=None: ["2024-04"])
    monkeypatch.setattr(runner, "latest_day_with_tickets", lambda month, r=None: "2024-04-30")
    # ISO 2024-W18 (29 Apr – 5 May) reaches into May; W17 (22–28 Apr) is the latest complete week
    assert runner.all_periods(week_root(tmp_path, "Mon")) == ["2024-04", "2024", "2024-W17", "2024-04-30"]


def test_all_periods_latest_week_follows_the_first_day(monkeypatch, tmp_path):
    monkeypatch.setattr(runner, "processed_months", lambda r=None: ["2024-08"])
    monkeypatch.setattr(runner, "latest_day_with_tickets", lambda month, r=None: "2024-08-31")
    # 31 August 2024 is a Saturday: it closes the Sunday week 25–31 August (W35, middle day the
    # 28th, day 241 of the year), while the ISO week of that Saturday runs to Sunday 1 September
    sunday = week_root(tmp_path, "Sun")
    assert runner.all_periods(sunday) == ["2024-08", "2024", "2024-W35", "2024-08-31"]
    week = runner.check_period("2024-W35", sunday)
    assert (week.start.isoformat(), week.last.isoformat()) == ("2024-08-25", "2024-08-31")
    assert runner.all_periods(week_root(tmp_path, "Mon")) == ["2024-08", "2024", "2024-W34", "2024-08-31"]


def test_all_periods_without_data(monkeypatch):
    monkeypatch.setattr(runner, "processed_months", lambda r=None: [])
    assert runner.all_periods() == []


# --- end to end on the small demo (conftest.py) ------------------------------------------------

@pytest.mark.e2e
def test_demo_run_publishes_every_period_in_both_languages(demo_run):
    periods = runner.all_periods(demo_run)
    assert periods[:3] == ["2024-01", "2024-02", "2024"]
    # the fixture's archive (conftest.DEMO_ARCHIVE): the weeks of the latest month and the days
    # of its last week. The model entity's weeks run Sunday to Saturday: February's whole weeks
    # are 4–10, 11–17 and 18–24 February (25 February – 2 March reaches into March); its last
    # week's days with tickets are Sunday 25 to Thursday 29 February.
    weeks = [runner.check_period(p, demo_run) for p in periods[3:6]]
    assert [(w.label, w.start.isoformat(), w.last.isoformat()) for w in weeks] == [
        ("2024-W06", "2024-02-04", "2024-02-10"), ("2024-W07", "2024-02-11", "2024-02-17"),
        ("2024-W08", "2024-02-18", "2024-02-24")]
    assert periods[6:] == ["2024-02-25", "2024-02-26", "2024-02-27", "2024-02-28", "2024-02-29"]
    published = 0
    for label in periods:
        notebooks = runner.discover(runner.check_period(label, demo_run).kind)
        folder = demo_run / "reports" / label
        if not notebooks:
            assert not folder.exists()
            continue
        published += 1
        assert (folder / "manifest.json").exists()
        for lang in ("en", "ar"):
            assert sorted(p.name for p in (folder / lang).glob("*.ipynb")) == [nb.name for nb in notebooks]
    assert published, "no notebook serves any demo period"
    assert sorted(p.name for p in (demo_run / "reports").iterdir()) == sorted(
        [p for p in periods if (demo_run / "reports" / p).exists()] + ["ledger.jsonl"]), \
        "a staging or failed folder was left"


@pytest.mark.e2e
def test_second_run_in_fresh_kernels_is_identical_and_passes_nbval(demo_run, tmp_path):
    """Run the latest demo month's executed notebooks again, each alone in a fresh kernel, with
    nbval in lax mode: every cell marked ``# NBVAL_CHECK_OUTPUT`` must print the same, and the
    tables and figures the second run writes must be byte-identical to the published ones.

    nbval starts each kernel in the notebook's folder, so the notebooks are copied to the top of
    a copy of the data root, where their ``root = "."`` holds.
    """
    published = demo_run / "reports" / DEMO_LAST_MONTH
    executed = sorted(published.glob("*/*.ipynb"))
    if not executed:
        pytest.skip("no notebook serves months yet")
    checked = sum("# NBVAL_CHECK_OUTPUT" in "".join(c["source"]) for nb in executed
                  for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
    assert checked, "no executed cell is marked # NBVAL_CHECK_OUTPUT: nbval would check nothing"
    root = tmp_path / "again"
    shutil.copytree(demo_run, root, ignore=shutil.ignore_patterns("reports", ".ready"))
    copies = []
    for nb in executed:
        copies.append(f"nbval_{nb.parent.name}_{nb.name}")
        shutil.copy(nb, root / copies[-1])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLDBOOK_", "PYTEST_"))}
    env.update(kernel.kernel_env(parse(DEMO_LAST_MONTH), root, root / "reports"))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider",
         "-n", "2", "--dist", "loadfile", "-q", "--rootdir", str(root), *copies],
        cwd=root, env=env, capture_output=True, text=True, timeout=1200)
    nbval = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, nbval
    again = root / "reports" / DEMO_LAST_MONTH
    assert digests(published / "tables"), "the month's notebooks wrote no table"
    assert digests(again / "tables") == digests(published / "tables")
    assert digests(again / "figures") == digests(published / "figures")
    assert re.search(r"\b\d+ passed\b", done.stdout), done.stdout[-2000:]
