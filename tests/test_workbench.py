"""The analyst's workbench (issue 17): ``make lab``, ``goldbook open`` and ``make serve``.

- ``make lab`` starts JupyterLab on the project with the project's kernel: the test starts it with
  ``--no-browser`` on a free port, waits until ``/api/status`` answers, checks the kernel is the
  ``.venv``'s even with a decoy ``python3`` kernel in the user's home, and stops it.
- ``goldbook open`` writes a chapter's copy with its parameters filled in into ``scratch/``
  (git-ignored), refuses in one line what it cannot serve, and opens JupyterLab on the copy; on
  the small demo the copy runs with ``jupyter nbconvert --execute`` and writes nothing outside
  ``scratch/`` (e2e). A scratch copy is never published: the book reads ``reports/`` only.
- ``make serve`` / ``goldbook serve`` serve ``_build/html``; a taken port or an unbuilt book is
  one line.

Servers run in their own process group and are stopped by signalling the group.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

from conftest import free_port
from helpers import cli
from helpers.base.messages import t
from helpers.base.paths import CODE_ROOT, REPORTS_ENV, RESTRICTED_ENV, get_paths
from helpers.book import serve, toc
from helpers.pipeline import kernel
from helpers.report import scratch

BIN = Path(sys.prefix) / "bin"
GOLDBOOK = BIN / "goldbook"
JUPYTER = BIN / "jupyter"
NOTEBOOKS = CODE_ROOT / "notebooks"
CHAPTERS = ("overview", "channels", "satisfaction", "initiatives", "readiness", "recognition", "daily", "weekly",
            "annual")
TOKEN = "workbench-test-token"
DECOY = "decoy kernel in the user's home"
STARTUP_S = 180     # generous: only a server that never answers fails on it


# --- helpers -----------------------------------------------------------------------------------

def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This environment with a home, Jupyter runtime and IPython folders of the test's own, and
    without the variables of an enclosing `make` (its job server)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    for name, folder in (("HOME", "home"), ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
        (tmp_path / folder).mkdir(exist_ok=True)
        env[name] = str(tmp_path / folder)
    env.update(extra)
    return env


def _get(url: str, token: str | None = None) -> tuple[int | None, bytes]:
    """(status, body) of a GET; status None when nothing answers yet."""
    headers = {"Authorization": f"token {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, ConnectionError, socket.timeout):
        return None, b""


@contextmanager
def _running(command: list[str], env: dict[str, str], log: Path, cwd: Path = CODE_ROOT):
    """A server started in its own process group, stopped (the whole group) on leaving."""
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield process
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _body(url: str, token: str | None = None) -> bytes | None:
    """The body of a GET that answers 200, else None."""
    status, body = _get(url, token)
    return body if status == 200 else None


def _wait_until(answer, process, log: Path):
    """Poll ``answer()`` until it returns something; fail with the server's log if it exits or
    never answers."""
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        found = answer()
        if found:
            return found
        if process.poll() is not None:
            pytest.fail(f"the server stopped (exit {process.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.3)
    pytest.fail(f"no answer after {STARTUP_S} s:\n{log.read_text(errors='replace')[-3000:]}")


def _decoy_home_kernel(env: dict[str, str]) -> None:
    """A ``python3`` kernelspec in the user's home that must never be used."""
    spec = Path(env["HOME"]) / ".local" / "share" / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": ["/bin/false", "{connection_file}"],
                                                  "display_name": DECOY, "language": "python"}))


def _processed_root(tmp_path: Path, months=("2024-01",)) -> Path:
    """A data root with the shipped config and ``months`` marked as processed (no rows): enough for
    ``goldbook open`` to write a copy, not to run it."""
    root = tmp_path / "root"
    shutil.copytree(CODE_ROOT / "config", root / "config")
    for month in months:
        (root / "data" / "processed" / month).mkdir(parents=True)
        (root / "data" / "processed" / month / "_ingest.json").write_text("{}\n")
    return root


def _open(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["open", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _injected(nb) -> tuple[int, dict]:
    """The index of papermill's injected cell and the values it assigns (run in a namespace)."""
    at = [i for i, c in enumerate(nb.cells) if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(at) == 1
    names: dict = {}
    exec(nb.cells[at[0]].source, {}, names)
    return at[0], names


def _files(root: Path, skip: str = scratch.SCRATCH_DIR) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.relative_to(root).parts[0] != skip}


# --- chapters and the copy -------------------------------------------------------------------------

def test_chapters_are_named_by_their_template_without_the_number(tmp_path):
    found = scratch.chapters(NOTEBOOKS)
    assert set(CHAPTERS) <= set(found)
    assert found["satisfaction"] == NOTEBOOKS / "03_satisfaction.ipynb"
    assert found["daily"] == NOTEBOOKS / "10_daily.ipynb"
    assert scratch.chapter_name(tmp_path / "national" / "01_overview.ipynb", tmp_path) == "national/overview"


def test_open_refuses_an_unknown_chapter_in_one_line_naming_the_chapters(tmp_path, capsys):
    root = _processed_root(tmp_path)
    code, out, err = _open(capsys, "2024-01", "satisfction", "--no-browser", "--root", str(root))
    assert (code, out) == (1, "")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("goldbook open: no chapter 'satisfction'; the chapters are: overview, channels, satisfaction")
    assert all(name in err for name in CHAPTERS)
    assert not (root / scratch.SCRATCH_DIR).exists()


@pytest.mark.parametrize("period, kind, fitting", [("2024-01-05", "day", "daily"), ("2024", "year", "annual"),
                                                    ("2024-W03", "week", "weekly")])
def test_open_refuses_a_period_the_chapter_does_not_serve_naming_those_that_do(tmp_path, capsys, period, kind, fitting):
    root = _processed_root(tmp_path)
    code, out, err = _open(capsys, period, "satisfaction", "--no-browser", "--root", str(root))
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"goldbook open: satisfaction serves month periods, not a {kind} ({period}); "
                                f"for a {kind}: {fitting}"]
    assert not (root / scratch.SCRATCH_DIR).exists()


def test_open_refuses_a_period_without_processed_data(tmp_path, capsys):
    root = _processed_root(tmp_path)
    code, out, err = _open(capsys, "2024-06", "satisfaction", "--no-browser", "--root", str(root))
    assert (code, out) == (1, "")
    assert err.splitlines() == ["goldbook open: 2024-06 needs processed data for 2024-06: "
                                "run `goldbook ingest 2024-06` first"]
    code, out, err = _open(capsys, "2024-13", "satisfaction", "--no-browser", "--root", str(root))
    assert code == 1 and len(err.splitlines()) == 1 and "2024-13" in err
    assert not (root / scratch.SCRATCH_DIR).exists()


def test_open_writes_the_template_with_its_parameters_filled_in(tmp_path, capsys, monkeypatch):
    root = _processed_root(tmp_path)
    template = NOTEBOOKS / "03_satisfaction.ipynb"
    template_bytes = template.read_bytes()
    code, out, err = _open(capsys, "2024-01", "satisfaction", "--no-browser", "--root", str(root))
    assert (code, err) == (0, "")
    path = Path(out.strip())
    assert path == root / "scratch" / "2024-01" / "03_satisfaction.en.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    params = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    at, values = _injected(nb)
    assert at == params + 1                                  # papermill's place: right after the parameters
    assert values == {"period": "2024-01", "lang": "en", "root": str(root)}
    assert 'period = "2024-01"' in nb.cells[at].source.splitlines()
    # the next cell sends what the copy writes to scratch/outputs/, never to reports/
    monkeypatch.setenv(REPORTS_ENV, "unset")       # restored (removed) after the test
    monkeypatch.setenv(RESTRICTED_ENV, "unset")
    exec(nb.cells[at + 1].source, {})
    assert os.environ[REPORTS_ENV] == str(root / "scratch" / "outputs")
    # and recognition's per-employee summaries too, never into the root's restricted/
    assert os.environ[RESTRICTED_ENV] == str(root / "scratch" / "outputs" / "restricted")
    assert get_paths(root).restricted == root / "scratch" / "outputs" / "restricted"
    # clean, in English, the template untouched
    assert all(c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code")
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert markdown[0].startswith(f"# {t('satisfaction.title', 'en')}: ")
    assert not any("{{" in m for m in markdown)
    assert nb.metadata.kernelspec.name == "python3"
    assert template.read_bytes() == template_bytes
    # the other language beside it
    code, out, _ = _open(capsys, "2024-01", "satisfaction", "--no-browser", "--lang", "ar", "--root", str(root))
    arabic = nbformat.read(out.strip(), as_version=4)
    assert Path(out.strip()).name == "03_satisfaction.ar.ipynb"
    assert _injected(arabic)[1]["lang"] == "ar"
    assert t("satisfaction.title", "ar") in arabic.cells[0].source


def test_open_keeps_an_earlier_copy_and_fresh_writes_the_same_bytes_again(tmp_path, capsys):
    root = _processed_root(tmp_path)
    args = ("2024-01", "channels", "--no-browser", "--root", str(root))
    path = Path(_open(capsys, *args)[1].strip())
    first = path.read_bytes()
    path.write_bytes(first.replace(b"# Parameters", b"# Parameters, and my notes", 1))   # the analyst's work
    edited = path.read_bytes()
    code, out, err = _open(capsys, *args)
    assert (code, Path(out.strip())) == (0, path)
    assert err.splitlines() == ["kept your earlier copy (it may hold your work); --fresh writes a new one over it"]
    assert path.read_bytes() == edited
    code, out, err = _open(capsys, *args, "--fresh")
    assert (code, err) == (0, "")
    assert path.read_bytes() == first                        # the same copy, byte for byte


def test_the_scratch_folder_is_git_ignored():
    if not (CODE_ROOT / ".git").exists():
        pytest.fail("the checkout is not a git clone")
    for path in ("scratch/2024-06/03_satisfaction.en.ipynb", "scratch/outputs/2024-06/tables/satisfaction_scores.csv"):
        result = subprocess.run(["git", "-C", str(CODE_ROOT), "check-ignore", "-q", "--no-index", path])
        assert result.returncode == 0, f"{path} is not git-ignored"


def test_a_scratch_copy_is_never_published(tmp_path, capsys):
    """The book reads executed notebooks from reports/<period>/<lang>/ only: a scratch copy, even one
    laid out like a report, is not in it; and the scratch folder can never be inside what the
    runner or the book reads."""
    root = _processed_root(tmp_path)
    published = root / "reports" / "2024-01" / "en" / "03_satisfaction.ipynb"
    published.parent.mkdir(parents=True)
    shutil.copy(NOTEBOOKS / "03_satisfaction.ipynb", published)
    assert _open(capsys, "2024-01", "satisfaction", "--no-browser", "--root", str(root))[0] == 0
    lookalike = root / "scratch" / "2024-01" / "en" / "01_overview.ipynb"
    lookalike.parent.mkdir(parents=True)
    shutil.copy(NOTEBOOKS / "01_overview.ipynb", lookalike)
    index = toc.find_reports(root)
    assert len(index) == 1
    shown = [nb.file for nb in index.notebooks(index.latest("month"), "en")]
    assert shown == ["reports/2024-01/en/03_satisfaction.ipynb"]


def test_open_refuses_a_scratch_folder_inside_the_templates_or_reports(tmp_path, monkeypatch):
    root = _processed_root(tmp_path)
    shutil.copy(NOTEBOOKS / "03_satisfaction.ipynb", root / "03_satisfaction.ipynb")
    with pytest.raises(scratch.ScratchError, match="would be inside the templates"):
        scratch.open_chapter("2024-01", "satisfaction", root=root, notebooks_dir=root)
    monkeypatch.setenv(REPORTS_ENV, str(root / "scratch"))
    with pytest.raises(scratch.ScratchError, match="would be inside reports"):
        scratch.open_chapter("2024-01", "satisfaction", root=root)
    assert not (root / scratch.SCRATCH_DIR).exists()


# --- JupyterLab ---------------------------------------------------------------------------------

def test_make_lab_runs_the_same_jupyterlab_as_goldbook_open(tmp_path):
    makefile = (CODE_ROOT / "Makefile").read_text(encoding="utf-8")
    options = re.search(r"^LAB_OPTIONS := (.*)$", makefile, re.M)
    assert options and options[1].split() == list(scratch.LAB_OPTIONS)
    dry = subprocess.run(["make", "-s", "-n", "lab", "PORT=8123", "LAB_ARGS=--no-browser"], cwd=CODE_ROOT,
                         env=_env(tmp_path), capture_output=True, text=True, check=True).stdout
    command = dry.replace("\\\n", " ")
    assert "JUPYTER_PREFER_ENV_PATH=1 .venv/bin/jupyter lab " in command
    for part in (f'--ServerApp.root_dir="{CODE_ROOT}"', *scratch.LAB_OPTIONS, "--port=8123", "--no-browser"):
        assert part in command
    assert scratch.LAB_ENV == {"JUPYTER_PREFER_ENV_PATH": "1"}
    lab = scratch.lab_command(tmp_path, tmp_path / "x.ipynb", port=8123, no_browser=True)
    assert lab[:3] == [str(JUPYTER), "lab", f"--ServerApp.root_dir={tmp_path}"]
    assert lab[3:6] == list(scratch.LAB_OPTIONS)
    assert lab[-3:] == ["--port=8123", "--no-browser", str(tmp_path / "x.ipynb")]


def test_make_lab_starts_jupyterlab_on_the_project_with_the_venv_kernel(tmp_path):
    port = free_port()
    # a python3 kernel in the user's home, and a user who prefers the home's folders: make lab still
    # serves the .venv's kernelspec
    env = _env(tmp_path, JUPYTER_TOKEN=TOKEN, JUPYTER_PREFER_ENV_PATH="0")
    _decoy_home_kernel(env)
    log = tmp_path / "lab.log"
    base = f"http://127.0.0.1:{port}"
    with _running(["make", "-s", "lab", f"PORT={port}", "LAB_ARGS=--no-browser"], env, log) as lab:
        status = json.loads(_wait_until(lambda: _body(f"{base}/api/status", TOKEN), lab, log))
        assert "started" in status
        assert _get(f"{base}/api/status")[0] == 403          # a token is needed
        specs = json.loads(_get(f"{base}/api/kernelspecs", TOKEN)[1])
        assert specs["default"] == "python3"
        spec = specs["kernelspecs"]["python3"]["spec"]
        assert spec["display_name"] != DECOY
        # ipykernel's spec in .venv/share/jupyter/kernels: "python" is the server's own interpreter
        assert spec["argv"][:3] == ["python", "-m", "ipykernel_launcher"]
        listing = json.loads(_get(f"{base}/api/contents/?content=1", TOKEN)[1])
        assert {"Makefile", "notebooks", "src"} <= {item["name"] for item in listing["content"]}
        page = _get(f"{base}/lab", TOKEN)[1].decode("utf-8")       # nothing fetched from the internet
        assert '"news": {"disabled": true}' in page and '"name": "read-only"' in page
    assert (CODE_ROOT / ".venv" / "share" / "jupyter" / "kernels" / "python3" / "kernel.json").is_file()


def test_goldbook_open_starts_jupyterlab_on_the_copy(tmp_path):
    root = _processed_root(tmp_path)
    env = _env(tmp_path, JUPYTER_TOKEN=TOKEN, BROWSER="true")   # the "browser" opened is /bin/true
    runtime = Path(env["JUPYTER_RUNTIME_DIR"])
    log = tmp_path / "open.log"
    with _running([str(GOLDBOOK), "open", "2024-01", "satisfaction", "--root", str(root)], env, log) as process:
        info = _wait_until(lambda: next((json.loads(p.read_text()) for p in runtime.glob("jpserver-*.json")
                                         if p.read_text().strip()), None), process, log)
        base = f"http://127.0.0.1:{info['port']}"
        _wait_until(lambda: _body(f"{base}/api/status", TOKEN), process, log)
        status, body = _get(f"{base}/api/contents/scratch/2024-01/03_satisfaction.en.ipynb?content=0", TOKEN)
        assert status == 200 and json.loads(body)["type"] == "notebook"
        assert info["root_dir"] == str(root)
    assert log.read_text().splitlines()[0] == str(root / "scratch" / "2024-01" / "03_satisfaction.en.ipynb")


@pytest.mark.e2e
def test_an_opened_copy_executes_with_nbconvert_and_writes_nothing_outside_scratch(tmp_path, demo_root):
    root = tmp_path / "demo"
    shutil.copytree(demo_root, root, ignore=shutil.ignore_patterns(".ready"))
    before = _files(root)
    env = _env(tmp_path)
    opened = subprocess.run([str(GOLDBOOK), "open", "2024-01", "satisfaction", "--no-browser", "--root", str(root)],
                            env=env, capture_output=True, text=True)
    assert opened.returncode == 0, opened.stderr
    path = Path(opened.stdout.strip())
    assert path.parent == root / "scratch" / "2024-01"
    assert _injected(nbformat.read(str(path), as_version=4))[1]["period"] == "2024-01"

    executed = subprocess.run([str(JUPYTER), "nbconvert", "--execute", "--to", "notebook", "--output-dir",
                               str(tmp_path / "executed"), path.name], cwd=path.parent, env=env,
                              capture_output=True, text=True)
    assert executed.returncode == 0, executed.stderr[-3000:]
    nb = nbformat.read(str(tmp_path / "executed" / path.name), as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and not [o for o in outputs if o.output_type == "error"]
    # its tables went to scratch/outputs/, and nothing outside scratch/ changed: no reports/, no book
    assert (root / "scratch" / "outputs" / "2024-01" / "tables" / "satisfaction_scores.csv").is_file()
    assert _files(root) == before
    assert not (root / "reports").exists()
    assert len(toc.find_reports(root)) == 0


# --- serving the book -----------------------------------------------------------------------------

def _fake_book(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    html = root / "_build" / "html"
    (html / "reports").mkdir(parents=True)
    (html / "index.html").write_text("<!doctype html><title>Gold Book</title><p>كتاب</p>\n", encoding="utf-8")
    return root


def test_urls_name_this_machine_and_each_address_colleagues_can_reach():
    addresses = ["127.0.0.1", "192.168.1.20", "169.254.7.1", "10.0.0.5", "10.0.0.5", "0.0.0.0", "fe80::1", "x"]
    assert serve.urls("0.0.0.0", 8000, addresses) == [
        ("this machine", "http://localhost:8000/"),
        ("colleagues", "http://10.0.0.5:8000/"),
        ("colleagues", "http://192.168.1.20:8000/"),
    ]
    assert serve.urls("127.0.0.1", 8001, addresses) == [("this machine", "http://127.0.0.1:8001/")]
    assert serve.urls("192.168.1.20", 80, addresses) == [("colleagues", "http://192.168.1.20:80/")]
    assert serve.urls("::1", 8000, []) == [("this machine", "http://[::1]:8000/")]
    assert "127.0.0.1" in serve.machine_addresses()          # psutil reads the interfaces


def test_make_serve_answers_index_html_on_a_free_port(tmp_path):
    root = _fake_book(tmp_path)
    port = free_port()
    log = tmp_path / "serve.log"
    url = f"http://127.0.0.1:{port}"
    with _running(["make", "-s", "serve", f"PORT={port}", "BIND=127.0.0.1", f"ROOT={root}"], _env(tmp_path),
                  log) as process:
        body = _wait_until(lambda: _body(f"{url}/index.html"), process, log)
        assert body == (root / "_build" / "html" / "index.html").read_bytes()
        assert _get(f"{url}/")[1] == body
        assert _get(f"{url}/reports/")[0] == 404             # no folder listings
        assert _get(f"{url}/nothing.html")[0] == 404
    printed = log.read_text(encoding="utf-8").splitlines()
    assert printed[:3] == [f"serving _build/html/ on port {port} (Ctrl-C stops it); open:",
                           f"  this machine: http://127.0.0.1:{port}/",
                           "only this machine can open it; --bind 0.0.0.0 shares it on the network"]


def test_serve_refuses_a_taken_port_in_one_line(tmp_path, capsys):
    root = _fake_book(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = cli.main(["--root", str(root), "serve", "--port", str(port), "--bind", "127.0.0.1"])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"goldbook serve: port {port} is already in use on 127.0.0.1: choose another "
                                f"(--port {port + 1}, or make serve PORT={port + 1})"]


def test_serve_refuses_a_book_not_built_in_one_line(tmp_path, capsys):
    code = cli.main(["serve", "--root", str(tmp_path), "--port", "0"])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.splitlines() == ["goldbook serve: the book is not built (_build/html/index.html is missing): "
                                "run `goldbook build` (or `make book`) first"]


def test_a_published_run_never_writes_staff_summaries_where_a_scratch_copy_would(monkeypatch):
    # a shell that explored a scratch copy may still hold the redirect: the runner's kernels drop it
    monkeypatch.setenv(RESTRICTED_ENV, "/tmp/elsewhere")
    assert RESTRICTED_ENV not in kernel.inherited_env(())
    assert kernel.inherited_env(((RESTRICTED_ENV, "/tmp/x"),))[RESTRICTED_ENV] == "/tmp/x"   # only on purpose
