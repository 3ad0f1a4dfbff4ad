"""Report jobs on a Dask distributed cluster: ``goldbook run … --scheduler tcp://HOST:PORT``.

A job on the cluster is what a thread of the local pool runs: one ``Group``, the notebooks of one
period in one language in one kernel (``kernel.execute_group``). ``connect`` gives a
``ClusterExecutor``, a ``concurrent.futures.Executor`` the runner uses instead of its threads;
waiting and publishing stay the runner's, so a period is published here only when all its
groups succeeded, as in a local run.

A job carries paths: the data root and the staging folder under its ``reports/``, which every
worker must see at the same absolute path (a shared folder), and the notebooks, which a worker
reads from its own checkout. The worker first checks that it has this checkout's code
(``src/helpers`` and ``notebooks``), lock and packages and that it sees the data root: otherwise
the job fails, saying so, instead of writing outputs the manifest would not describe. The kernel
gets the thread settings of this machine (BLAS threads, which a Dask nanny sets to 1), so it
computes as a local kernel would. Progress lines come back as Dask events.

A worker that dies mid-job: the scheduler runs the job again on another worker, from its first
notebook, up to ``distributed.scheduler.allowed-failures`` times (3 by default); beyond that the
job fails, so its period fails and nothing of it is published.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
import uuid
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator

from distributed import Client, Event, KilledWorker, get_worker

from ..base.paths import CODE_ROOT
from . import manifest
from .jobs import Group, Outcome, RunError

CONNECT_TIMEOUT_S = 5
IDENTITY_TTL_S = 1.0   # how long this checkout's identity is taken as current between submissions
SCHEMES = ("tcp", "tls")
# what a Dask nanny sets for its workers (``distributed.nanny.pre-spawn-environ``) that can change
# how a kernel computes; a kernel on the cluster takes this machine's values instead
THREAD_SETTINGS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def check_address(address: str) -> str:
    """``address`` if it names a scheduler as ``tcp://HOST:PORT`` (or ``tls://``); RunError otherwise."""
    scheme, sep, rest = str(address).partition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in SCHEMES or not sep or not host or not port.isdigit():
        raise RunError(f"--scheduler {address}: give the Dask scheduler's address as tcp://HOST:PORT "
                       f"(e.g. tcp://10.0.0.5:8786)")
    return address


@contextmanager
def connect(address: str, timeout: float = CONNECT_TIMEOUT_S) -> Iterator[ClusterExecutor]:
    """A ``ClusterExecutor`` on the scheduler at ``address``, closed on leaving.

    Raises RunError (one sentence) when the address is malformed, the scheduler does not answer
    within ``timeout`` seconds, or no worker joins it within that time.
    """
    check_address(address)
    with _quiet_dask_logs():
        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError):
            raise RunError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s; "
                           f"is `dask scheduler` running there?") from None
        try:
            try:
                client.wait_for_workers(1, timeout=timeout)
            except (OSError, TimeoutError):
                raise RunError(f"the Dask scheduler at {address} has no worker; start one with "
                               f"`dask worker {address}`") from None
            executor = ClusterExecutor(client)
            try:
                yield executor
            except BaseException:
                executor.shutdown(wait=False, cancel_futures=True)
                raise
            executor.shutdown(wait=True)
        finally:
            client.close()


def _drop(record: logging.LogRecord) -> bool:
    return False


@contextmanager
def _quiet_dask_logs() -> Iterator[None]:
    """Dask's own log lines on this machine held back: a lost scheduler logs a traceback for each
    retry, while the run says what became of each period in one line."""
    names = [n for n in list(logging.root.manager.loggerDict) if n == "distributed" or n.startswith("distributed.")]
    handlers = {h for n in names for h in logging.getLogger(n).handlers}
    for handler in handlers:
        handler.addFilter(_drop)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(_drop)


class ClusterExecutor(Executor):
    """Runs the runner's groups on a Dask cluster.

    ``submit(fn, group, progress, abandon)`` calls ``fn(group, progress, abandon)`` on a worker
    (``run_group``): the worker's progress lines come back to ``progress`` here, and ``abandon``
    (a ``threading.Event``) is mirrored by a Dask ``Event`` the worker reads before each notebook.

    Its futures are running from the start (the cluster does not say when a worker picks a job
    up), so ``cancel`` cannot take a job back: it asks the job to stop before its next notebook,
    as the local pool's abandon flag does, and returns False; the job then ends, and its future.
    A job the cluster cannot finish (its workers died, it raised) ends its future with RunError.
    """

    def __init__(self, client: Client):
        self._client = client
        self._token = uuid.uuid4().hex[:12]
        self._topic = f"goldbook-progress-{self._token}"
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._progress: dict[int, Callable[[str], None]] = {}
        self._flags: dict[int, tuple[threading.Event, str]] = {}   # id(abandon) -> (abandon, flag name)
        self._set: set[str] = set()
        self._jobs: set = set()                                       # the Dask futures not yet done
        self._identity: tuple[float, dict] | None = None
        self._environ = tuple((name, os.environ.get(name)) for name in THREAD_SETTINGS)
        client.subscribe_topic(self._topic, self._forward)

    def submit(self, fn, /, group: Group, progress: Callable[[str], None], abandon: threading.Event | None = None):
        number = next(self._numbers)
        flag = self._flag(abandon) if abandon is not None else None
        with self._lock:
            self._progress[number] = progress
        future = JobFuture(lambda: self._stop(flag))
        job = self._client.submit(
            run_group, fn, replace(group, environ=self._environ), self._topic, number, flag, self._expected(),
            str(CODE_ROOT), key=f"goldbook-{group.period}-{group.lang}-{self._token}-{number}", pure=False)
        with self._lock:
            self._jobs.add(job)
        job.add_done_callback(lambda done: self._settle(done, future))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop listening; ``cancel_futures``: ask every job to stop and drop those not started.
        The flags set stay on the scheduler when jobs may still read them, else they are cleared."""
        with self._lock:
            jobs, flags = list(self._jobs), [name for _, name in self._flags.values()]
        try:
            if cancel_futures:
                for name in flags:
                    self._stop(name)
                self._client.cancel(jobs)
            elif wait and jobs:
                self._client.gather(jobs, errors="skip")
            self._client.unsubscribe_topic(self._topic)
            if not cancel_futures:
                for name in sorted(self._set):
                    Event(name, client=self._client).clear()
        except Exception:  # noqa: BLE001 - the scheduler is gone: nothing is left to tidy there
            pass

    # --- here, on the machine that asked for the run ---------------------------------------------

    def _expected(self) -> dict:
        """This checkout's ``identity()`` as the jobs submitted now must find it on their worker
        (hashed again once it is ``IDENTITY_TTL_S`` old: a run submits its jobs in one go)."""
        now = time.monotonic()
        if self._identity is None or now - self._identity[0] > IDENTITY_TTL_S:
            self._identity = (now, identity())
        return self._identity[1]

    def _flag(self, abandon: threading.Event) -> str:
        with self._lock:
            known = self._flags.get(id(abandon))
            if known is None:
                known = self._flags[id(abandon)] = (abandon, f"goldbook-abandon-{self._token}-{len(self._flags) + 1}")
        if abandon.is_set():
            self._stop(known[1])
        return known[1]

    def _stop(self, flag: str | None) -> None:
        if flag is None:
            return
        with self._lock:
            if flag in self._set:
                return
            self._set.add(flag)
        try:
            Event(flag, client=self._client).set()
        except Exception:  # noqa: BLE001 - the scheduler is gone, and its jobs with it
            pass

    def _forward(self, event) -> None:
        _, (number, line) = event
        progress = self._progress.get(number)
        if progress is not None:
            progress(line)

    def _settle(self, job, future: Future) -> None:
        """Pass a Dask future's end to the runner's future (in a thread of Dask's client)."""
        try:
            if job.status == "finished":
                future.set_result(job.result())
            elif job.status == "cancelled" and self._client.status != "running":
                future.set_exception(RunError("the connection to the Dask scheduler was lost"))
            elif job.status == "cancelled":
                future.set_exception(RunError("the cluster dropped it (was the scheduler restarted?)"))
            else:
                future.set_exception(lost(job.exception()))
        except Exception as exc:  # noqa: BLE001 - e.g. the result could not be fetched
            future.set_exception(lost(exc))
        finally:
            with self._lock:
                self._jobs.discard(job)


class JobFuture(Future):
    """A job's future as the runner sees it: running from the start; cancelling asks it to stop."""

    def __init__(self, stop: Callable[[], None]):
        super().__init__()
        self._stop = stop
        self.set_running_or_notify_cancel()

    def cancel(self) -> bool:
        self._stop()
        return False


def lost(exc: BaseException) -> RunError:
    """Why a job did not finish on the cluster, as one sentence."""
    if isinstance(exc, KilledWorker):
        return RunError(f"its worker died while running it, {exc.allowed_failures + 1} times (the last: "
                        f"{exc.last_worker.address}); the scheduler gave up (distributed.scheduler.allowed-failures)")
    if isinstance(exc, RunError):
        return exc
    return RunError(f"it stopped on the cluster: {type(exc).__name__}: {_first_line(exc)}")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# --- there, on a worker ------------------------------------------------------------------------

def identity() -> dict:
    """What a worker must share with the machine that asks for the run: the code (``src/helpers``
    and ``notebooks``), the lock file and the installed packages."""
    return {"code": manifest.code_hash()["sha256"], "lock": manifest.lock_hash()["sha256"],
            "environment": manifest.environment()}


def unfit(expected: dict, found: dict, root: Path, where: str) -> str | None:
    """Why a worker (named ``where``) with ``found`` as its ``identity()`` cannot run a job that
    asks for ``expected`` under the data root ``root``; None when it can."""
    there, here = ({k: manifest.short_digest(d[k]) for k in ("code", "lock")} for d in (found, expected))
    if found["code"] != expected["code"]:
        return (f"worker {where} has other code (src/helpers and notebooks hash {there['code']}, here "
                f"{here['code']} when the job was sent); every worker needs this checkout, unchanged during the run")
    if found["lock"] != expected["lock"]:
        return (f"worker {where} has another {manifest.LOCK_FILE} ({there['lock']}, here {here['lock']}); "
                f"every worker needs this checkout and `make env`")
    if found["environment"] != expected["environment"]:
        return f"worker {where} has other packages or another Python than here; run `make env` there"
    if not (root / "config" / "entity.yaml").is_file():
        return (f"worker {where} does not see the data root {root}; workers need it on a shared folder "
                f"at the same absolute path")
    return None


def local_templates(group: Group, code_root: Path) -> Group:
    """``group`` with each notebook under ``code_root`` (the asking machine's checkout) read from
    this machine's checkout instead; other notebooks (a folder given to the run) stay as they are."""
    jobs = []
    for job in group.jobs:
        try:
            template = CODE_ROOT / job.template.relative_to(code_root)
        except ValueError:
            template = job.template
        jobs.append(replace(job, template=template))
    return replace(group, jobs=tuple(jobs))


class _Flag:
    """The abandon flag as a worker reads it: a Dask ``Event`` by name."""

    def __init__(self, name: str | None):
        self.name = name

    def is_set(self) -> bool:
        return self.name is not None and Event(self.name).is_set()


def run_group(fn, group: Group, topic: str, number: int, flag: str | None, expected: dict,
              code_root: str) -> list[Outcome]:
    """On a worker: ``fn(group, progress, abandon)`` (``kernel.execute_group``) with the progress
    lines sent to ``topic`` and the abandon flag read from the Dask ``Event`` ``flag``; a worker
    that cannot run it (``unfit``) fails its first notebook, saying why."""
    worker = get_worker()
    problem = unfit(expected, identity(), group.root, worker.address)
    if problem:
        return [Outcome(group.jobs[0], False, 0.0, problem)]
    return fn(local_templates(group, Path(code_root)), lambda line: worker.log_event(topic, [number, line]),
              _Flag(flag))
