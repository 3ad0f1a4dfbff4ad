"""The national refresh: ingest every entity's new raw months and run its monthly reports.

Each entity is refreshed exactly as ``goldbook --root entities/<id> ingest --all`` followed by
``goldbook --root entities/<id> run <each processed month>`` would (the pipeline's own functions,
``ingest.ingest_all`` and ``runner.run_periods``): every monthly notebook in the languages asked,
unchanged months skipped, a failing month publishing nothing. So each entity's book, ``status`` and
``verify`` work on it as on any data root. Years, weeks and days are the entity's own business
(``goldbook run --all`` there): the national book reads only monthly tables.

Entities are independent: ``jobs`` of them are refreshed at once, each in a thread of this
process that ingests it and then waits on its notebooks, one kernel at a time (the kernels are
processes: the cores are theirs). With an ``executor`` (a Dask cluster, ``pipeline.cluster``), the
notebooks of ``jobs`` entities at once go to the cluster instead; ingest stays here.
"""

from __future__ import annotations

import time
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Callable, Sequence

from ..base.messages import LANGS
from ..data import ingest
from ..pipeline import runner
from ..pipeline.jobs import RunError
from .workspace import NationalError, entity_roots, get_workspace, load_settings


@dataclass
class EntityRefresh:
    """What became of one entity: months ingested or rejected, months published, skipped or failed."""

    entity_id: str
    accepted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)   # the reports of rejected months and failed runs
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.rejected or self.failed or self.problems)

    def line(self) -> str:
        """One line for the refresh's progress."""
        parts = [f"{len(self.accepted)} months ingested"]
        if self.rejected:
            parts.append(f"rejected {', '.join(self.rejected)}")
        parts.append(f"{len(self.published)} published, {len(self.skipped)} unchanged")
        if self.failed:
            parts.append(f"failed {', '.join(self.failed)}")
        return f"{self.entity_id}: {'; '.join(parts)} ({self.seconds:.1f} s)"


def refresh_entity(entity_id: str, root: str, langs: Sequence[str] = LANGS, jobs: int = 1, force: bool = False,
                   executor: Executor | None = None) -> EntityRefresh:
    """Ingest every raw month of the entity at ``root`` and run each processed month's notebooks.

    A rejected month stops nothing else: the months before it still run (a later month needs it,
    so the runner refuses those and says so)."""
    started = time.monotonic()
    done = EntityRefresh(entity_id)
    for result in ingest.ingest_all(root):
        (done.accepted if result.ok else done.rejected).append(result.month)
        if not result.ok:
            done.problems.append(result.report())
            break   # ingest checks a month against the ones before it: stop at the first refused
    months = runner.processed_months(root)
    if months:
        try:
            results = runner.run_periods(months, root, langs=tuple(langs), jobs=jobs, force=force,
                                         progress=lambda line: None, executor=executor)
        except RunError as exc:
            done.failed.append("-")
            done.problems.append(str(exc))
            results = []
        for result in results:
            {"published": done.published, "skipped": done.skipped}.get(result.status, done.failed).append(result.period)
            if not result.ok:
                done.problems.append(result.message)
    done.seconds = time.monotonic() - started
    return done


def refresh(root=None, *, jobs: int = 2, langs: Sequence[str] = LANGS, force: bool = False,
            entities: Sequence[str] | None = None, executor: Executor | None = None,
            progress: Callable[[str], None] = print) -> list[EntityRefresh]:
    """Refresh every entity of the workspace (``entities``: only these), ``jobs`` at once; one line
    of ``progress`` per entity as it finishes. Returns one ``EntityRefresh`` per entity, in
    ``national.yaml``'s order."""
    ws = get_workspace(root)
    settings = load_settings(ws.root)
    roots = entity_roots(ws.root, settings)
    if entities:
        unknown = [e for e in entities if e not in roots]
        if unknown:
            raise NationalError(f"not an entity of national.yaml: {', '.join(unknown)}")
        roots = {e: roots[e] for e in roots if e in set(entities)}
    if jobs < 1:
        raise NationalError(f"--jobs must be at least 1, not {jobs}")
    todo = [(entity_id, str(folder)) for entity_id, folder in roots.items()]
    found: dict[str, EntityRefresh] = {}
    count = 0

    def finished(result: EntityRefresh) -> None:
        nonlocal count
        count += 1
        found[result.entity_id] = result
        progress(f"[{count}/{len(todo)}] {result.line()}")

    if jobs == 1 or len(todo) == 1:
        for entity_id, folder in todo:
            finished(refresh_entity(entity_id, folder, langs, jobs if executor is None else 1, force, executor))
    else:
        # threads suffice: each entity's notebooks run in kernel processes (or on the cluster); a
        # thread only ingests its entity and waits on them
        with ThreadPoolExecutor(max_workers=min(jobs, len(todo)), thread_name_prefix="goldbook-national") as pool:
            futures = [pool.submit(refresh_entity, e, r, tuple(langs), 1, force, executor) for e, r in todo]
            try:
                for future in as_completed(futures):
                    finished(future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    return [found[entity_id] for entity_id, _ in todo]
