"""Report jobs on a real Dask cluster (``pipeline.cluster``, ``goldbook run … --scheduler``).

``dask_cluster`` starts a real ``dask scheduler`` and two ``dask worker`` processes (one process
and one thread each, no dashboard) from this environment's ``bin/`` on 127.0.0.1, the scheduler
on a port the system picks, and stops them at the end, also when a test fails. The scheduler
allows one worker death per job (``distributed.scheduler.allowed-failures``, 3 by default) so
that a job that keeps killing its worker gives up after two deaths.

- The small demo (e2e): its last day through the cluster is byte-identical to a local run of the
  same day, its two jobs ran on the workers, and ``goldbook verify --scheduler`` rebuilds the
  local run's day on the cluster and finds every output identical (one test).
- A bare data root with fixture notebooks (as in tests/test_runner.py): a worker killed mid-job
  (the notebook kills its own worker, once) has its job run again and the period is published;
  a job whose workers keep dying fails its period with nothing published; a failing cell fails
  the period as in a local run.
- No cluster: an unreachable scheduler, a malformed address, a lost job, the pure checks.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import types
from concurrent.futures import Executor, Future
from pathlib import Path

import pytest
from distributed import Client, KilledWorker, get_task_stream

from helpers import cli
from helpers.base.paths import CODE_ROOT
from helpers.base.periods import parse
from helpers.pipeline import cluster, kernel, manifest, runner
from helpers.pipeline.jobs import Group, Job, Outcome, RunError

BIN = Path(sys.executable).parent
FIXTURES = Path(__file__).parent / "notebooks"
DAY = "2024-02-29"   # the demo's last day: one notebook (10_daily) in each language, a job for each worker
START_TIMEOUT_S = 180
# no dashboard; the HTTP server Dask keeps for its health checks on a free port of 127.0.0.1
NO_DASHBOARD = ("--no-dashboard", "--dashboard-address", "127.0.0.1:0")


def quiet(_line: str) -> None:
    pass


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- a real cluster ----------------------------------------------------------------------------

class DaskCluster:
    def __init__(self, base: Path, env: dict):
        self.base, self.env = base, env
        self.processes: list[subprocess.Popen] = []
        self.address = ""

    def spawn(self, name: str, *args) -> None:
        with open(self.base / f"{name}.log", "wb") as log:   # its own process group: stopped as one
            self.processes.append(subprocess.Popen([str(a) for a in args], stdout=log, stderr=subprocess.STDOUT,
                                                   cwd=self.base, env=self.env, start_new_session=True))

    def start(self) -> None:
        address_file = self.base / "scheduler.json"
        self.spawn("scheduler", BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", "0", *NO_DASHBOARD,
                   "--scheduler-file", address_file, "--idle-timeout", "1800s")
        deadline = time.monotonic() + START_TIMEOUT_S
        while not address_file.exists():
            assert time.monotonic() < deadline and self.processes[0].poll() is None, self.logs()
            time.sleep(0.2)
        self.address = json.loads(address_file.read_text())["address"]
        for i in (1, 2):
            self.spawn(f"worker-{i}", BIN / "dask", "worker", self.address, "--nworkers", "1", "--nthreads", "1",
                       *NO_DASHBOARD, "--name", f"worker-{i}", "--local-directory", self.base / f"worker-{i}",
                       "--death-timeout", "120s")
        self.ready()

    def client(self) -> Client:
        return Client(self.address, timeout=30, set_as_default=False)

    def ready(self) -> list[str]:
        """Wait until both workers are connected (again, after a test killed one); their addresses."""
        with self.client() as client:
            try:
                client.wait_for_workers(2, timeout=START_TIMEOUT_S)
            except TimeoutError:
                pytest.fail(f"the Dask workers did not connect:\n{self.logs()}")
            return sorted(client.scheduler_info()["workers"])

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.base.glob("*.log")))

    def stop(self) -> None:
        for process in reversed(self.processes):   # the workers, then the scheduler
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = "1"
    running = DaskCluster(tmp_path_factory.mktemp("dask"), env)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture
def workers(dask_cluster) -> list[str]:
    """Both workers connected; their addresses."""
    return dask_cluster.ready()


# --- the demo's last day, locally and on the cluster --------------------------------------------

def _files(root: Path) -> dict[str, bytes]:
    return tree(root / "reports" / DAY)


@pytest.mark.e2e
def test_a_day_on_the_cluster_is_byte_identical_to_a_local_run_and_verifies_there(dask_cluster, demo_root, tmp_path):
    """The demo's last day, run locally and on the cluster in two copies of the demo: the same
    bytes; its two jobs ran on the workers and their progress came back; and
    ``goldbook verify DAY --scheduler`` rebuilds the local run's day on the cluster, identical.

    One test, as an end-to-end story: under pytest-xdist, tests of one module may go to two
    processes, and each would run the day twice more on a cluster of its own.
    """
    local, remote = (shutil.copytree(demo_root, tmp_path / name, ignore=shutil.ignore_patterns(".ready"))
                     for name in ("local", "cluster"))
    local_result = runner.run_period(DAY, local, progress=quiet)
    addresses = dask_cluster.ready()
    lines: list[str] = []
    with dask_cluster.client() as watcher, get_task_stream(client=watcher) as stream:
        with cluster.connect(dask_cluster.address) as executor:
            remote_result = runner.run_period(DAY, remote, progress=lines.append, executor=executor)
    assert local_result.status == "published", local_result.message
    assert remote_result.status == "published", remote_result.message
    assert remote_result.outputs == local_result.outputs == (
        f"reports/{DAY}/ar/10_daily.ipynb", f"reports/{DAY}/en/10_daily.ipynb")

    # the same bytes
    here, there = _files(local), _files(remote)
    assert sorted(there) == sorted(here)
    assert any(n.startswith("tables/") for n in here) and any(n.startswith("figures/") for n in here)
    for name in here:   # every table and figure, byte for byte
        if not name.endswith((".ipynb", "manifest.json")):
            assert there[name] == here[name], name
    for lang in ("en", "ar"):   # the executed notebooks: every cell's source and outputs
        cells = [[(c["source"], c.get("outputs")) for c in json.loads(files[f"{lang}/10_daily.ipynb"])["cells"]]
                 for files in (here, there)]
        assert cells[1] == cells[0], lang
    # the manifests hash the same outputs and record nothing of how the day was run
    recorded = [json.loads(files["manifest.json"]) for files in (here, there)]
    assert recorded[1]["outputs"] == recorded[0]["outputs"]
    assert {k: v for k, v in recorded[1].items() if k != "volatile"} == \
        {k: v for k, v in recorded[0].items() if k != "volatile"}
    assert sorted(p.name for p in (remote / "reports").iterdir()) == [DAY, "ledger.jsonl"]

    # on the workers, one job per language, with their progress sent back
    jobs = [t for t in stream.data if str(t["key"]).startswith(f"goldbook-{DAY}-")]
    assert sorted(str(t["key"]).split("-")[4] for t in jobs) == ["ar", "en"]
    assert {t["status"] for t in jobs} == {"OK"} and {t["worker"] for t in jobs} <= set(addresses)
    assert sorted(line for line in lines if line.endswith(": started")) == [
        f"[1/2] {DAY} en 10_daily: started", f"[2/2] {DAY} ar 10_daily: started"]
    assert sum(" 10_daily: done in " in line for line in lines) == 2
    assert lines[-1].startswith(f"{DAY}: published 2 notebooks")

    # verify, its rebuild on the cluster
    before = sorted(p.name for p in (local / "reports").iterdir())
    done = subprocess.run([str(BIN / "goldbook"), "--root", str(local), "verify", DAY,
                           "--scheduler", dask_cluster.address], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    total = len(recorded[0]["outputs"])
    assert f"{DAY}: {total} of {total} outputs identical" in done.stdout
    assert sorted(p.name for p in (local / "reports").iterdir()) == before   # its rebuild folder is gone


# --- failure modes on the cluster, on a bare data root -------------------------------------------

@pytest.fixture
def bare(tmp_path, monkeypatch):
    """A data root with config only, 2024-01 counting as processed, and a stand-in manifest (as in
    tests/test_runner.py): the runner alone, with fixture notebooks in ``notebooks``."""
    root = tmp_path / "root"
    shutil.copytree(CODE_ROOT / "config", root / "config")
    monkeypatch.setattr(runner, "processed_months", lambda r=None: ["2024-01"])
    monkeypatch.setattr(manifest, "fingerprint", lambda period, r: {"inputs": "fixture"})
    monkeypatch.setattr(manifest, "recorded_fingerprint", lambda recorded: recorded["fingerprint"])

    def write_manifest(period, r, params, outputs_dir):
        (Path(outputs_dir) / "manifest.json").write_text(json.dumps(
            {"run": {"period": period, "languages": params["langs"]}, "fingerprint": {"inputs": "fixture"}}))

    monkeypatch.setattr(manifest, "write_manifest", write_manifest)
    (tmp_path / "notebooks").mkdir()
    return types.SimpleNamespace(root=root, notebooks=tmp_path / "notebooks")


def fixture_notebook(bare, name: str, *cells: str, base: str = "ok") -> None:
    """``tests/notebooks/<base>.ipynb`` with ``cells`` appended, as ``notebooks/<name>.ipynb``."""
    nb = json.loads((FIXTURES / f"{base}.ipynb").read_text())
    nb["cells"] += [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c}
                    for c in cells]
    (bare.notebooks / f"{name}.ipynb").write_text(json.dumps(nb))


THREADS_CELL = (
    "# the kernel's thread settings, which a Dask nanny sets to 1 for its workers\n"
    "(tables / f'threads_{lang}.csv').write_text(','.join(str(os.environ.get(n)) for n in "
    f"{cluster.THREAD_SETTINGS!r}))"
)
# kills the process that runs this kernel (its parent: the Dask worker), in the middle of the job
KILL_CELL = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
KILL_ONCE_CELL = (
    "import os, signal\n"
    "from pathlib import Path\n"
    "if not Path('killed-worker.pid').exists():\n"
    "    Path('killed-worker.pid').write_text(str(os.getppid()))\n"
    "    os.kill(os.getppid(), signal.SIGKILL)"
)


def run_on(address: str, bare, langs=("en",), lines: list | None = None):
    with cluster.connect(address) as executor:
        return runner.run_period("2024-01", bare.root, langs=langs, notebooks_dir=bare.notebooks, force=True,
                                 progress=quiet if lines is None else lines.append, executor=executor)


def test_a_worker_killed_mid_job_has_its_job_run_again(bare, dask_cluster, workers):
    fixture_notebook(bare, "01_kill_once", THREADS_CELL, KILL_ONCE_CELL)
    lines: list[str] = []
    result = run_on(dask_cluster.address, bare, lines=lines)
    assert result.status == "published", result.message + "\n" + dask_cluster.logs()
    killed = int((bare.root / "killed-worker.pid").read_text())
    assert killed != os.getpid()
    with pytest.raises(ProcessLookupError):   # the worker that ran the first attempt is gone
        os.kill(killed, 0)
    # the job started twice, from its first notebook, and finished once
    assert [line for line in lines if line.endswith(": started")] == ["[1/1] 2024-01 en 01_kill_once: started"] * 2
    assert result.outputs == ("reports/2024-01/en/01_kill_once.ipynb",)
    published = bare.root / "reports" / "2024-01"
    assert (published / "en" / "01_kill_once.ipynb").exists()
    # the kernel took this machine's thread settings, not the nanny's 1
    assert (published / "tables" / "threads_en.csv").read_text() == \
        ",".join(str(os.environ.get(n)) for n in cluster.THREAD_SETTINGS)
    assert sorted(p.name for p in (bare.root / "reports").iterdir()) == ["2024-01", "ledger.jsonl"]


def test_a_job_whose_workers_keep_dying_fails_its_period_and_publishes_nothing(bare, dask_cluster, workers):
    fixture_notebook(bare, "01_kill", KILL_CELL)
    result = run_on(dask_cluster.address, bare)
    assert result.status == "failed"
    first = result.message.splitlines()[0]
    assert first.startswith("2024-01 failed: the en job (01_kill) did not finish: its worker died while running "
                            "it, 2 times (the last: tcp://127.0.0.1:"), first
    assert first.endswith("); the scheduler gave up (distributed.scheduler.allowed-failures)"), first
    assert "Nothing of 2024-01 was published" in result.message and "Traceback" not in result.message
    assert sorted(p.name for p in (bare.root / "reports").iterdir()) == [".failed"]


def test_a_failing_cell_on_the_cluster_fails_the_period_as_locally(bare, dask_cluster, workers):
    fixture_notebook(bare, "01_fails", base="fails")
    result = run_on(dask_cluster.address, bare)
    assert result.status == "failed"
    assert result.message.splitlines()[0] == (
        "2024-01 failed: notebooks/01_fails.ipynb (en), cell 4 `counts = {\"seef\": 3}`: KeyError: 'tijjar'")
    assert (bare.root / "reports" / ".failed" / "2024-01" / "en" / "01_fails.ipynb").exists()
    assert sorted(p.name for p in (bare.root / "reports").iterdir()) == [".failed"]


# --- without a cluster ---------------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:   # bound, then closed: nothing listens
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line_exit_1_and_nothing_written(tmp_path):
    root = tmp_path / "root"
    shutil.copytree(CODE_ROOT / "config", root / "config")
    address = f"tcp://127.0.0.1:{_closed_port()}"
    done = subprocess.run([str(BIN / "goldbook"), "--root", str(root), "run", "2024-01", "--scheduler", address],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"goldbook run: cannot reach the Dask scheduler at {address} within "
                                        f"{cluster.CONNECT_TIMEOUT_S:g} s; is `dask scheduler` running there?"]
    assert done.stdout == ""
    assert sorted(p.name for p in root.iterdir()) == ["config"]


@pytest.mark.parametrize("address", ["localhost:8786", "tcp://127.0.0.1", "http://127.0.0.1:8786", "tcp://:8786"])
def test_a_malformed_scheduler_address_is_refused(tmp_path, capsys, address):
    assert cli.main(["--root", str(tmp_path), "run", "2024-01", "--scheduler", address]) == 1
    assert capsys.readouterr().err == (f"goldbook run: --scheduler {address}: give the Dask scheduler's address as "
                                       f"tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786)\n")


def test_verify_published_only_takes_no_scheduler(tmp_path, capsys):
    assert cli.main(["--root", str(tmp_path), "verify", "2024-01", "--published-only",
                     "--scheduler", "tcp://127.0.0.1:8786"]) == 1
    assert "--published-only does not rebuild" in capsys.readouterr().err


class LosingExecutor(Executor):
    """An executor whose every job is lost, as a cluster's is when its workers keep dying."""

    def submit(self, fn, /, group, progress, abandon=None):
        future = Future()
        future.set_exception(RunError("its worker died"))
        return future


def test_a_lost_job_fails_its_period_and_publishes_nothing(bare):
    fixture_notebook(bare, "01_ok")
    result = runner.run_period("2024-01", bare.root, notebooks_dir=bare.notebooks, progress=quiet,
                               executor=LosingExecutor())
    assert result.status == "failed"
    assert result.message.splitlines()[0] in ("2024-01 failed: the en job (01_ok) did not finish: its worker died",
                                              "2024-01 failed: the ar job (01_ok) did not finish: its worker died")
    assert sorted(p.name for p in (bare.root / "reports").iterdir()) == [".failed"]


class ReadingEndsTheSecond(Future):
    """The first job's future: reading its result ends the second job, failed."""

    def __init__(self, executor: LateFailure):
        super().__init__()
        self.executor = executor

    def result(self, timeout=None):
        second, group = self.executor.futures[1], self.executor.groups[1]
        if not second.done():
            second.set_result([Outcome(group.jobs[0], False, 0.0, "failed as the first was read")])
        return super().result(timeout)


class LateFailure(Executor):
    """Two jobs: the first ends at once, its notebooks done; the second ends, failed, while the
    runner reads the first. Both must be read before the period is concluded."""

    def __init__(self):
        self.groups: list[Group] = []
        self.futures: list[Future] = []

    def submit(self, fn, /, group, progress, abandon=None):
        self.groups.append(group)
        self.futures.append(ReadingEndsTheSecond(self) if not self.futures else Future())
        if len(self.futures) == 1:
            self.futures[0].set_result([Outcome(job, True, 0.0) for job in group.jobs])
        return self.futures[-1]


def test_a_period_is_concluded_only_once_every_job_of_it_was_read(bare):
    fixture_notebook(bare, "01_ok")
    result = runner.run_period("2024-01", bare.root, notebooks_dir=bare.notebooks, progress=quiet,
                               executor=LateFailure())
    assert result.status == "failed", result.message
    assert result.message.splitlines()[0] == "2024-01 failed: failed as the first was read"
    assert sorted(p.name for p in (bare.root / "reports").iterdir()) == [".failed"]


def test_a_killed_worker_reads_as_one_sentence():
    last = types.SimpleNamespace(address="tcp://10.0.0.7:4000")
    lost = cluster.lost(KilledWorker("goldbook-2024-01-en-x-1", last, 3))
    assert str(lost) == ("its worker died while running it, 4 times (the last: tcp://10.0.0.7:4000); the scheduler "
                         "gave up (distributed.scheduler.allowed-failures)")
    assert str(cluster.lost(OSError("disk full\nmore"))) == "it stopped on the cluster: OSError: disk full"


def test_a_worker_must_have_this_code_lock_and_packages_and_see_the_data_root(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "entity.yaml").write_text("name: x\n")
    here = {"code": "a" * 64, "lock": "b" * 64, "environment": {"python": "3.11.9"}}
    assert cluster.unfit(here, dict(here), tmp_path, "tcp://w:1") is None
    assert cluster.unfit(here, {**here, "code": "c" * 64}, tmp_path, "tcp://w:1") == (
        "worker tcp://w:1 has other code (src/helpers and notebooks hash cccccccccccc, here aaaaaaaaaaaa when the "
        "job was sent); every worker needs this checkout, unchanged during the run")
    assert cluster.unfit(here, {**here, "lock": "d" * 64}, tmp_path, "tcp://w:1") == (
        "worker tcp://w:1 has another uv.lock (dddddddddddd, here bbbbbbbbbbbb); every worker needs this checkout "
        "and `make env`")
    assert cluster.unfit(here, {**here, "environment": {"python": "3.12.1"}}, tmp_path, "tcp://w:1") == (
        "worker tcp://w:1 has other packages or another Python than here; run `make env` there")
    assert cluster.unfit(here, dict(here), tmp_path / "elsewhere", "tcp://w:1") == (
        f"worker tcp://w:1 does not see the data root {tmp_path / 'elsewhere'}; workers need it on a shared "
        f"folder at the same absolute path")


def test_a_worker_reads_the_notebooks_from_its_own_checkout(tmp_path):
    period = parse("2024-01")

    def job(template: Path) -> Job:
        return Job(1, 2, period, "en", template, tmp_path / "out.ipynb", 1)

    group = Group(period, "en", tmp_path, tmp_path, (job(Path("/srv/gb/notebooks/01_overview.ipynb")),
                                                     job(tmp_path / "02_fixture.ipynb")))
    moved = cluster.local_templates(group, Path("/srv/gb"))
    assert [j.template for j in moved.jobs] == [CODE_ROOT / "notebooks" / "01_overview.ipynb",
                                                tmp_path / "02_fixture.ipynb"]
    assert cluster.local_templates(group, CODE_ROOT) == group


def test_the_kernel_environment_takes_the_group_settings(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("MKL_NUM_THREADS", "1")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    env = kernel.inherited_env((("OMP_NUM_THREADS", None), ("OPENBLAS_NUM_THREADS", "4")))
    assert "OMP_NUM_THREADS" not in env and env["OPENBLAS_NUM_THREADS"] == "4" and env["MKL_NUM_THREADS"] == "1"
    assert kernel.inherited_env(()) == dict(os.environ)


def test_a_group_of_a_period_already_lost_starts_no_kernel(monkeypatch, tmp_path):
    def no_kernel(*args):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(kernel, "_start_kernel", no_kernel)
    period = parse("2024-01")
    group = Group(period, "en", tmp_path, tmp_path, (Job(1, 1, period, "en", FIXTURES / "ok.ipynb",
                                                         tmp_path / "ok.ipynb", 1),))
    lost = threading.Event()
    lost.set()
    assert kernel.execute_group(group, quiet, lost) == []


def test_a_cluster_job_cannot_be_taken_back_but_is_asked_to_stop():
    stops = []
    future = cluster.JobFuture(lambda: stops.append("stop"))
    assert future.running() and not future.done()
    assert future.cancel() is False and stops == ["stop"] and not future.cancelled()
    future.set_result([])
    assert future.result() == []
