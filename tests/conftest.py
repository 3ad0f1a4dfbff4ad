"""Shared fixtures: a small generated demo, built once per test session.

- ``demo_root``: two demo months (2024-01, 2024-02, seed 7, 5% of the full volume) generated
  and ingested into a temporary data root with its own copy of ``config/``. Read-only: a test
  that changes files takes ``demo_copy`` instead.
- ``demo_run``: a separate copy of that root after ``goldbook run --all`` (every notebook that
  serves the demo's periods, both languages). Read-only too.
- ``demo_book``: a copy of ``demo_run`` with the book built (``_build/html``). Read-only.
- ``demo_copy``: a private, writable copy of ``demo_root`` for one test.
- ``daily_base`` / ``daily``: the same demo with its last month as day drops (only 2024-01
  ingested), read-only, and a private copy of it for one test.
- ``chromium``: Debian's headless chromium, skipped or (in CI) failed when absent.
- ``postgres_server``: a real PostgreSQL server (Debian's ``postgresql`` package, 15 where
  installed) started for the session on 127.0.0.1 with a free port, password authentication for
  a test role and ``fsync`` off; stopped at the end. Without the package the tests that need it
  skip, saying why, except in CI (``CI=true``), where they fail: CI must run them.

Under pytest-xdist each worker is its own session; the first worker to need a fixture builds it
under the run's shared temporary folder while holding a file lock, and the others reuse it.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from helpers.base.config import load_config
from helpers.base.paths import CODE_ROOT, get_paths
from helpers.book import build as book_build
from helpers.data import ingest
from helpers.demo import generate as demo
from helpers.pipeline import runner

DEMO = {"seed": 7, "start": "2024-01", "end": "2024-02", "scale": 0.05}
# ``demo_run``'s archive (config ``archive``): February's weeks and the days of its last week, a
# few weekly and daily reports instead of the shipped quarter and month, to keep the suite quick.
DEMO_ARCHIVE = "archive: {weeks: month, days: week}\n"


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
        entity = root / "config" / "entity.yaml"
        text, found = re.subn(r"^archive:\n(?:[ #].*\n)*", DEMO_ARCHIVE, entity.read_text(encoding="utf-8"),
                              count=1, flags=re.M)
        assert found, "config/entity.yaml has no archive block for the demo to shorten"
        entity.write_text(text, encoding="utf-8")
        failed = [r.message for r in runner.run_all(root, progress=lambda line: None) if not r.ok]
        assert not failed, "the demo run failed:\n" + "\n".join(failed)

    return _shared(tmp_path_factory, "demo-run", build)


@pytest.fixture(scope="session")
def demo_book(tmp_path_factory, demo_run) -> Path:
    """Read-only: ``demo_run`` with the book built into ``_build/html`` (``goldbook build``)."""
    def make(root: Path) -> None:
        shutil.copytree(demo_run, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".ready"))
        book_build.build_book(root, quiet=True, jobs=1)

    return _shared(tmp_path_factory, "demo-book", make)


def _private_copy(shared: Path, target: Path) -> Path:
    shutil.copytree(shared, target, ignore=shutil.ignore_patterns(".ready"))
    return target


@pytest.fixture
def demo_copy(tmp_path, demo_root) -> Path:
    return _private_copy(demo_root, tmp_path / "demo")


def _build_daily(root: Path) -> None:
    """The demo with its last month (2024-02) as day drops; only 2024-01 ingested."""
    shutil.copytree(CODE_ROOT / "config", root / "config")
    demo.generate(get_paths(root).raw, cfg=load_config(root), daily=True, **DEMO)
    done = ingest.ingest_month("2024-01", root)
    assert done.ok, done.report()


@pytest.fixture(scope="session")
def daily_base(tmp_path_factory) -> Path:
    """Read-only: the demo with day drops (``_build_daily``)."""
    return _shared(tmp_path_factory, "demo-daily", _build_daily)


@pytest.fixture
def daily(tmp_path, daily_base) -> Path:
    """A private, writable copy of ``daily_base`` for one test."""
    return _private_copy(daily_base, tmp_path / "daily")


# --- a real PostgreSQL server (tests/test_snapshot.py) ----------------------------------------
PG_PREFERRED_MAJOR = "15"
PG_ROLE = "gb_analyst"
PG_PASSWORD = "Pw-test-7f3a9c-never-echoed"          # the test role's: no output may contain it
PG_SUPERUSER_PASSWORD = "Su-test-51d2e8-never-echoed"


@dataclass(frozen=True)
class PostgresServer:
    """A running server: ``dsn(...)`` builds connection strings for it."""

    bindir: Path
    port: int
    version: str
    host: str = "127.0.0.1"

    def dsn(self, dbname: str = "postgres", *, user: str = PG_ROLE, password: str = PG_PASSWORD,
            port: int | None = None) -> str:
        return f"host={self.host} port={port or self.port} dbname={dbname} user={user} password={password}"

    def admin(self, dbname: str = "postgres") -> psycopg.Connection:
        """A superuser connection (autocommit) for setting up test databases."""
        return psycopg.connect(self.dsn(dbname, user="postgres", password=PG_SUPERUSER_PASSWORD), autocommit=True)


def _postgres_bindir() -> Path | None:
    """Debian's server binaries: the preferred major version if installed, else the newest."""
    found = {p.parent.parent.name: p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")}
    if not found:
        return None
    return found.get(PG_PREFERRED_MAJOR) or found[max(found, key=lambda v: float(v))]


def _unavailable(reason: str):
    """Skip, saying why; in CI fail instead: every service a test needs is installed there
    (``.ci/run``), so a missing one is a broken CI, not a reason to skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run this test: {reason}", pytrace=False)
    pytest.skip(reason)


CHROMIUM = Path("/usr/bin/chromium")


def chromium_command(profile: Path, *args: str) -> list[str]:
    """Headless chromium with every network feature off and its own profile folder."""
    return [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", *args]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's headless chromium (``.ci/run`` installs it)."""
    if not CHROMIUM.exists():
        _unavailable("chromium is not installed (apt-get install chromium)")
    return CHROMIUM


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server for this test session (per xdist worker), stopped at the end.

    ``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` user, in a
    data folder it owns. Host connections need a password (scram-sha-256), so a wrong one is
    really refused; no Unix socket, only 127.0.0.1.
    """
    bindir = _postgres_bindir()
    if bindir is None:
        _unavailable("PostgreSQL is not installed (Debian package postgresql: no /usr/lib/postgresql/*/bin/initdb)")
    as_postgres = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            _unavailable("running as root without runuser: cannot start PostgreSQL as the postgres user")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="goldbook-pg-"))
    data, log = base / "data", base / "server.log"
    pwfile = base / "superuser-password"
    pwfile.write_text(PG_SUPERUSER_PASSWORD + "\n")
    if as_postgres:
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")

    def pg(*cmd):
        return subprocess.run([*as_postgres, *map(str, cmd)], capture_output=True, text=True, cwd=base)

    started = False
    try:
        done = pg(bindir / "initdb", "-D", data, "-U", "postgres", f"--pwfile={pwfile}", "--auth=scram-sha-256",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        if done.returncode:
            _unavailable(f"initdb failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
        for _ in range(3):   # a free port can be taken between finding it and listening on it
            port = free_port()
            options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='' "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            done = pg(bindir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "-o", options, "start")
            if done.returncode == 0:
                started = True
                break
        if not started:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
            _unavailable(f"PostgreSQL did not start: {tail}")
        server = PostgresServer(bindir, port, "")
        with server.admin() as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            conn.execute(f"CREATE ROLE {PG_ROLE} LOGIN PASSWORD '{PG_PASSWORD}'")
        yield PostgresServer(bindir, port, version)
    finally:
        if started:
            pg(bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def dead_pid() -> int:
    """The id of a process that has just ended: what a killed command's leftover folders are named by."""
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid
