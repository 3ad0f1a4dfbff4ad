"""Verify: rebuild a period from its raw files in a clean folder and prove the outputs identical.

``verify`` stages the config and the raw months the period may read (``stage_sources``),
ingests them from scratch (``ingest_clean``, two chains at once when it pays), runs the
period's notebooks with the runner (``rebuild``) and compares every output with the manifest
(``pipeline.manifest``), naming what differs and which inputs, config, code or lock changed.
It also checks the files published in ``reports/<period>/`` against the manifest
(``check_published``: an edited, deleted or added published file is named) and the manifest
against the ledger (``pipeline.ledger``: the chain holds and the manifest is the one the ledger
names for the period); ``verify_published`` does only that, without rebuilding. Prints
(``reports/<period>/print/``, ``goldbook pdf``) are made from the built book, not by the run: the
published check compares them with the manifest's ``prints``, and the rebuild leaves them out.

``edition=N`` checks an earlier edition (``reports/<period>/editions/<n>/``) against its own
manifest, rebuilt from its own inputs: a raw file corrected since is replaced in the rebuild by
its kept original (``data.originals.restore``) and a raw file it did not read is left out.
"""

from __future__ import annotations

import calendar
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from ..base.config import parse_period
from ..base.files import link_tree, sha256_file
from ..base.paths import CODE_ROOT, get_paths
from ..data import ingest, originals, store
from . import ledger, runner
from .manifest import (
    LOCK_FILE,
    MANIFEST_NAME,
    PRINTS_KEY,
    code_hash,
    config_hashes,
    git_state,
    lock_hash,
    output_hashes,
    period_inputs,
    print_hashes,
    read_manifest,
    read_manifest_file,
    short_digest,
)

_MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")
# below this many months a second ingest process costs more (start-up, imports) than it saves
PARALLEL_MIN_MONTHS = 4


def _title(period: str, edition: int | None) -> str:
    """How a result names what it checked: the period, and the edition when one was asked for."""
    return period if edition is None else f"{period} edition {edition}"


@dataclass
class PublishedCheck:
    """The files in ``reports/<period>/`` compared with the manifest's ``outputs``."""

    period: str
    matching: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)   # in both, another normalised sha256
    missing: list[str] = field(default_factory=list)  # in the manifest, not in the folder
    extra: list[str] = field(default_factory=list)    # in the folder, not in the manifest
    error: str | None = None  # nothing to check against (no manifest, or another period's)
    ledger: list[str] = field(default_factory=list)   # the chain broken, or not the manifest it names
    edition: int | None = None  # an edition asked for by number (``--edition``)

    @property
    def title(self) -> str:
        return _title(self.period, self.edition)

    @property
    def total(self) -> int:
        return len(self.matching) + len(self.edited) + len(self.missing)

    @property
    def ok(self) -> bool:
        """Every recorded output is published with its recorded sha256, nothing else is, and the
        manifest is the one the ledger names."""
        return (self.error is None and not self.edited and not self.missing and not self.extra and self.total > 0
                and not self.ledger)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def lines(self) -> list[str]:
        """One line per edited, missing or extra published file (none when all match)."""
        return ([f"published file edited: {p}" for p in self.edited]
                + [f"published file missing: {p}" for p in self.missing]
                + [f"published file not in manifest: {p}" for p in self.extra]
                + [f"ledger: {p}" for p in self.ledger])

    def summary(self) -> str:
        return f"{len(self.matching)} of {self.total} published files match the manifest"

    def report(self) -> str:
        """One line when every published file matches; otherwise each file that does not."""
        if self.ok:
            return f"{self.title}: {self.summary()}"
        if self.error:
            return "\n".join([f"{self.title}: NOT verified: {self.error}"] + [f"  ledger: {p}" for p in self.ledger])
        return "\n".join([f"{self.title}: NOT verified: {self.summary()}"] + [f"  {line}" for line in self.lines()])


@dataclass
class VerifyResult:
    """The outcome of rebuilding one period and comparing it with its manifest."""

    period: str
    identical: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)    # in the manifest, not rebuilt
    extra: list[str] = field(default_factory=list)      # rebuilt, not in the manifest
    inputs_changed: list[dict] = field(default_factory=list)  # {path, change, recorded, current}
    config_changed: list[dict] = field(default_factory=list)  # {path, change}
    code: dict = field(default_factory=dict)  # recorded vs current sha256, commit, clean
    lock: dict = field(default_factory=dict)
    error: str | None = None  # the rebuild could not run (no manifest, bad input, failing cell)
    published: PublishedCheck | None = None  # None: no reports/<period>/ to check (an auditor's clone)
    notes: list[str] = field(default_factory=list)  # how the rebuild went, when worth saying
    seconds: dict = field(default_factory=dict)     # wall time per step, for the benchmark only
    edition: int | None = None  # an edition asked for by number (``--edition``)

    @property
    def title(self) -> str:
        return _title(self.period, self.edition)

    @property
    def total(self) -> int:
        return len(self.identical) + len(self.differing) + len(self.missing)

    @property
    def ok(self) -> bool:
        """Every recorded output rebuilt identical, nothing extra, the same inputs read, and the
        published files (when there are any to check) as recorded.

        Inputs count too: a corrected raw file that happens to leave every output unchanged
        still means the period was not built from the files the manifest names.
        """
        return (self.error is None and not self.differing and not self.missing and not self.extra
                and not self.inputs_changed and self.total > 0
                and (self.published is None or self.published.ok))

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def report(self) -> str:
        """One line when identical; otherwise what differs and why."""
        n = self.total
        published = [f"  {line}" for line in self.published.lines()] if self.published else []
        if self.ok:
            lines = [f"{self.title}: {n} of {n} outputs identical"]
            if self.published is not None:
                lines.append(f"  {self.published.summary()}")
            lines += [f"  note: {why}" for why in self._config_reasons() + self._code_reasons() + self._notes()]
            return "\n".join(lines)
        if self.error and n == 0:
            lines = [f"{self.title}: NOT verified: {self.error}"]
        else:
            lines = [f"{self.title}: NOT verified: {len(self.identical)} of {n} outputs identical"]
            if self.error:
                lines.append(f"  rebuild failed: {self.error}")
        lines += [f"  differs: {p}" for p in self.differing]
        if self.error and self.missing and not (self.identical or self.differing):
            # the rebuild stopped before any output: one line, not one per output
            lines.append(f"  missing from rebuild: all {len(self.missing)} outputs")
        else:
            lines += [f"  missing from rebuild: {p}" for p in self.missing]
        lines += [f"  not in manifest: {p}" for p in self.extra]
        lines += published
        why = self._input_reasons() + self._config_reasons() + self._code_reasons()
        if why:
            lines.append("  why:")
            lines += [f"    {w}" for w in why]
        elif self.differing or self.extra:
            lines.append("  why: inputs, config, code and lock are all as recorded, so an output is "
                         "not deterministic; the notebook, table or figure named above needs fixing")
        lines += [f"  note: {n}" for n in self._notes()]
        return "\n".join(lines)

    def _input_reasons(self) -> list[str]:
        out = []
        for c in self.inputs_changed:
            if c["change"] == "changed":
                rec, cur = c["recorded"], c["current"]
                rows = "" if rec.get("rows") == cur.get("rows") else f", rows {rec.get('rows')} → {cur.get('rows')}"
                out.append(f"input changed: {c['path']} (sha256 {short_digest(rec.get('sha256'))} → "
                           f"{short_digest(cur.get('sha256'))}{rows})")
            elif c["change"] == "missing":
                out.append(f"input missing: {c['path']} (recorded sha256 {short_digest(c['recorded'].get('sha256'))})")
            else:
                out.append(f"input added: {c['path']} (not in the manifest)")
        return out

    def _config_reasons(self) -> list[str]:
        return [f"config {c['change']}: {c['path']}" for c in self.config_changed]

    def _notes(self) -> list[str]:
        out = list(self.notes)
        if self.code.get("recorded_clean") is False:
            out.append("the recorded run was made from a work tree with uncommitted changes, so its commit "
                       "alone does not identify the code; the code hash does")
        return out

    def _code_reasons(self) -> list[str]:
        out = []
        code = self.code
        if code and code.get("recorded_sha256") != code.get("current_sha256"):
            out.append(f"code differs: src/helpers and notebooks hash {short_digest(code.get('recorded_sha256'))} "
                       f"→ {short_digest(code.get('current_sha256'))}")
        if code and code.get("recorded_commit") != code.get("current_commit"):
            out.append(f"code commit differs: {short_digest(code.get('recorded_commit'))} → "
                       f"{short_digest(code.get('current_commit'))}")
        if self.lock and self.lock.get("recorded") != self.lock.get("current"):
            out.append(f"lock file differs: {LOCK_FILE} {short_digest(self.lock.get('recorded'))} → "
                       f"{short_digest(self.lock.get('current'))}")
        return out


def compare_inputs(recorded: Sequence[Mapping], current: Sequence[Mapping]) -> list[dict]:
    """Inputs whose sha256 or rows differ, or that are missing or added, sorted by path."""
    rec = {r["path"]: r for r in recorded}
    cur = {c["path"]: c for c in current}
    out = []
    for path in sorted(set(rec) | set(cur)):
        a, b = rec.get(path), cur.get(path)
        if a is None:
            out.append({"path": path, "change": "added", "recorded": {}, "current": dict(b)})
        elif b is None:
            out.append({"path": path, "change": "missing", "recorded": dict(a), "current": {}})
        elif (a.get("sha256"), a.get("rows")) != (b.get("sha256"), b.get("rows")):
            out.append({"path": path, "change": "changed", "recorded": dict(a), "current": dict(b)})
    return out


def compare_config(recorded: Mapping[str, str], current: Mapping[str, str]) -> list[dict]:
    """Config files changed, added or removed since the manifest, sorted by path."""
    out = []
    for path in sorted(set(recorded) | set(current)):
        if path not in current:
            out.append({"path": path, "change": "removed"})
        elif path not in recorded:
            out.append({"path": path, "change": "added"})
        elif recorded[path] != current[path]:
            out.append({"path": path, "change": "changed"})
    return out


def whole_file_inputs(manifest: Mapping) -> list[dict]:
    """The manifest's inputs hashed as whole files (not those with a ``scope`` of rows in force)."""
    return [dict(i) for i in manifest.get("inputs", []) if "scope" not in i]


def raw_file_inputs(manifest: Mapping, root=None) -> list[dict]:
    """The manifest's whole-file inputs re-hashed from the files as they are now (rows as recorded).

    Used to name a changed file even when the rebuild cannot ingest it.
    """
    paths = get_paths(root)
    out = []
    for item in whole_file_inputs(manifest):
        f = paths.root / item["path"]
        if f.exists():
            out.append({"path": item["path"], "sha256": sha256_file(f), "rows": item.get("rows")})
    return out


def months_read(period: str, root=None) -> list[str]:
    """Raw month folders (``YYYY-MM``) that period ``period`` may read: every month up to its own."""
    raw = get_paths(root).raw
    last = parse_period(period, root).month
    if not raw.exists():
        return []
    return sorted(d.name for d in raw.iterdir() if d.is_dir() and _MONTH_DIR.match(d.name) and d.name <= last)


def stage_sources(period: str, src_root, dest_root) -> None:
    """Copy into ``dest_root`` what a clean rebuild of ``period`` starts from.

    ``config/``, the top-level raw files (registries, README) and every raw month folder up to
    the period's month, as they are now: a corrected or added file shows up in the rebuild. Of
    a month of day drops that the period ends inside (``staged_month``), only the roster and
    the day drops up to the period's last day: a later drop or a month-end file is not what the
    period read. No processed store, no reports.
    """
    src, dest = get_paths(src_root), get_paths(dest_root)
    shutil.copytree(src.config, dest.config, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    dest.raw.mkdir(parents=True, exist_ok=True)
    if src.raw.exists():
        for f in sorted(src.raw.iterdir()):
            if f.is_file() and not f.name.startswith("."):
                shutil.copy2(f, dest.raw / f.name)
    last = f"{parse_period(period, src.root).last:%Y-%m-%d}"
    for month in months_read(period, src.root):
        shutil.copytree(src.month_raw(month), dest.month_raw(month),
                        ignore=lambda folder, names, m=month: staged_month(m, last, folder, names))
    # the lock travels for reference: the code (and its lock) come from the checkout
    if (CODE_ROOT / LOCK_FILE).exists():
        shutil.copy2(CODE_ROOT / LOCK_FILE, dest.root / LOCK_FILE)


def staged_month(month: str, last: str, folder: str, names: list[str]) -> set[str]:
    """What ``stage_sources`` leaves out of ``folder`` (a raw month folder or one of its day
    folders) for a period whose last day is ``last`` (``YYYY-MM-DD``): hidden files always; and
    when ``folder`` is the month folder of a month of day drops that does not end by ``last``,
    the day drops after ``last`` and every month file but the roster's (a ``shutil.copytree``
    ignore function)."""
    left_out = {n for n in names if n.startswith(".")}
    if Path(folder).name != month:
        return left_out
    days = [n for n in names if store.DAY_RE.match(n) and (Path(folder) / n).is_dir()]
    if not days or last >= _month_last_day(month):
        return left_out
    left_out |= {d for d in days if d > last}
    left_out |= {n for n in names if (Path(folder) / n).is_file() and Path(n).stem != store.ROSTER}
    return left_out


def _month_last_day(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{month}-{calendar.monthrange(year, number)[1]:02d}"


def _ingest_in_order(months: Sequence[str], root) -> str | None:
    """Ingest ``months`` oldest first in ``root``; the first rejected month's report, else None."""
    for month in months:
        done = ingest.ingest_month(month, root)
        if not done.ok:
            return done.report()
    return None


def _split(months: Sequence[str], root) -> int:
    """Where to cut ``months`` so that both chains take about as long.

    A month's ingest costs about its raw bytes plus a little for every earlier month's ticket
    ids it checks against (6% of their bytes, measured on the demo); the later chain also
    starts a fresh interpreter, worth about one average month.
    """
    raw = get_paths(root).raw
    sizes = [sum(f.stat().st_size for f in (raw / m).rglob("*") if f.is_file()) for m in months]
    costs, before = [], 0
    for size in sizes:
        costs.append(size + 0.06 * before)
        before += size
    start_up = sum(sizes) / len(sizes)
    total, head, best, cut = sum(costs), 0.0, None, 1
    for i in range(1, len(months)):
        head += costs[i - 1]
        slowest = max(head, total - head + start_up)
        if best is None or slowest < best:
            best, cut = slowest, i
    return cut


def _same_month(a: Path, b: Path) -> bool:
    """Two processed month folders hold the same files with the same bytes, the copies of the
    month's own raw files (``originals.ORIGINALS_DIR``) left out: no later month's ingest reads
    them, and a store ingested before ingest kept them has none."""
    def listing(folder: Path) -> dict[str, str]:
        return {p.relative_to(folder).as_posix(): sha256_file(p) for p in folder.rglob("*")
                if p.is_file() and originals.ORIGINALS_DIR not in p.relative_to(folder).parts}
    return a.is_dir() and b.is_dir() and listing(a) == listing(b)


def ingest_clean(work_root, hint_root=None, notes: list | None = None) -> None:
    """Ingest every raw month staged in ``work_root``, with exactly the result of ingesting them
    one by one, oldest first, in that clean folder. Raises RuntimeError with the first rejected
    month's report.

    Ingest of a month checks it against the months before it (ticket ids unique across months,
    survey-to-ticket links), so the months form one chain. To use both cores, the chain is cut
    in two: the later half is ingested at the same time in a side folder that starts from
    ``hint_root``'s processed copies of the earlier months (without their copies of raw files,
    which no later month reads). That start is only a guess: it is kept only if those copies
    turn out byte-identical to the earlier months just rebuilt from raw (``_same_month``), in
    which case the later half saw exactly what the sequential ingest would have seen.
    Otherwise the later half is ingested again, in order, after the first (``notes`` says so).
    Nothing of ``hint_root`` ever ends up in the rebuild.
    """
    work = get_paths(work_root)
    months = ingest.raw_months(work.root)
    hint = get_paths(hint_root) if hint_root is not None else None
    cut = _split(months, work.root) if hint is not None and len(months) >= PARALLEL_MIN_MONTHS else 0
    head, tail = months[:cut], months[cut:]
    if not head or not all((hint.processed / m / "_ingest.json").is_file() for m in head):
        problem = _ingest_in_order(months, work.root)
        if problem:
            raise RuntimeError(problem)
        return

    side = get_paths(Path(tempfile.mkdtemp(prefix="goldbook-verify-tail-", dir=work.root.parent)))
    try:
        shutil.copytree(work.config, side.config)
        side.raw.mkdir(parents=True)
        for f in work.raw.iterdir():
            if f.is_file():
                shutil.copy2(f, side.raw / f.name)
        for m in tail:
            link_tree(work.month_raw(m), side.month_raw(m))  # raw files are only read
        for m in head:  # the guess: what the earlier months should rebuild to
            shutil.copytree(hint.processed / m, side.processed / m,
                            ignore=shutil.ignore_patterns(originals.ORIGINALS_DIR))

        # a fresh interpreter: forking a process that holds pyarrow's threads is not safe
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            later = pool.submit(_ingest_in_order, tail, str(side.root))
            problem = _ingest_in_order(head, work.root)
            try:
                tail_problem, tail_crash = later.result(), None
            except Exception as exc:  # noqa: BLE001 - a broken guess can break the side ingest
                tail_problem, tail_crash = None, exc
        if problem:
            raise RuntimeError(problem)
        guessed_right = all(_same_month(work.processed / m, side.processed / m) for m in head)
        if guessed_right and tail_crash is None:
            if tail_problem:
                raise RuntimeError(tail_problem)
            for m in tail:
                shutil.move(str(side.processed / m), str(work.processed / m))
            return
        if notes is not None and guessed_right:
            # e.g. no second interpreter can start (a script read from standard input)
            notes.append(f"the second ingest process failed ({type(tail_crash).__name__}); "
                         f"the later months were ingested in order")
        elif notes is not None:
            notes.append(f"the processed store of {hint.rel(hint.processed)} differs from a rebuild of "
                         f"{head[0]}..{head[-1]} from raw (not re-ingested since a raw file changed?); "
                         f"the later months were ingested again in order")
        problem = _ingest_in_order(tail, work.root)
        if problem:
            raise RuntimeError(problem)
    finally:
        shutil.rmtree(side.root, ignore_errors=True)


def rebuild(period: str, work_root, languages: Sequence[str], *, hint_root=None,
            seconds: dict | None = None, notes: list | None = None, executor: Executor | None = None) -> None:
    """Ingest the staged raw months in ``work_root`` (``ingest_clean``) and run the period's
    notebooks there with the runner, forced, in ``languages`` (on ``executor`` when given: a
    cluster, ``runner.run_periods``).

    A rejected month or a failed run is raised as ``RuntimeError`` with its report. ``seconds``
    receives the wall time of each step (for the benchmark).
    """
    started = time.perf_counter()
    ingest_clean(work_root, hint_root, notes)
    middle = time.perf_counter()
    result = runner.run_period(period, root=work_root, langs=tuple(languages), force=True, progress=_rebuild_progress,
                               executor=executor)
    if seconds is not None:
        seconds.update(ingest=middle - started, run=time.perf_counter() - middle)
    if getattr(result, "ok", True) is False:
        raise RuntimeError(str(getattr(result, "message", None) or result))


def _rebuild_progress(line: str) -> None:
    """The rebuild's notebook lines as a run prints them, without its "published" sentence: the
    rebuild publishes in a temporary root, never in ``reports/``."""
    if ": published " not in line:
        print(line, file=sys.stderr, flush=True)


def check_published(period: str, manifest: Mapping, root=None, folder=None) -> PublishedCheck:
    """The files in ``reports/<period>/`` (or ``folder``, an earlier edition's) under ``root``
    against ``manifest``'s ``outputs`` and ``prints``.

    Each file is hashed exactly as the manifest was written (``output_hashes`` with the root as
    ``build_manifest`` passes it: notebooks normalised, every other file byte for byte; the
    manifest, hidden files and ``editions/`` left out; prints byte for byte, ``print_hashes``), so a
    file is ``edited`` only if its recorded sha256 differs. A period without the folder has every
    recorded output ``missing``.
    """
    paths = get_paths(root)
    check = PublishedCheck(period=period)
    recorded = {**manifest.get("outputs", {}), **(manifest.get(PRINTS_KEY) or {})}
    folder = Path(folder) if folder is not None else paths.period_reports(period)
    published = {**output_hashes(folder, roots=[paths.root]), **print_hashes(folder)} if folder.is_dir() else {}
    check.matching, check.edited, check.missing, check.extra = compare_outputs(recorded, published)
    return check


def compare_outputs(recorded: Mapping[str, str], found: Mapping[str, str]) -> tuple[list, list, list, list]:
    """``(same, differing, missing, extra)`` output names, each sorted: same or another sha256,
    recorded but not found, found but not recorded."""
    same, differing, missing, extra = [], [], [], []
    for name in sorted(set(recorded) | set(found)):
        if name not in found:
            missing.append(name)
        elif name not in recorded:
            extra.append(name)
        elif found[name] == recorded[name]:
            same.append(name)
        else:
            differing.append(name)
    return same, differing, missing, extra


def _load_manifest(label: str, root, manifest) -> tuple[Mapping | None, str | None]:
    """The manifest to check ``label`` against (``manifest`` a file, else the published one),
    or None and why not."""
    if manifest is not None:
        if not Path(manifest).is_file():
            raise FileNotFoundError(f"no manifest at {manifest}")
        manifest = read_manifest_file(manifest)
    else:
        manifest = read_manifest(label, root)
    if manifest is None:
        return None, f"no manifest at reports/{label}/{MANIFEST_NAME}; run `goldbook run {label}` first"
    recorded_period = (manifest.get("run") or {}).get("period")
    if recorded_period != label:
        return None, f"the manifest given is for {recorded_period}, not {label}"
    return manifest, None


def _edition(label: str, root, edition: int | None) -> tuple[ledger.Edition | None, str | None]:
    """The ledger's edition ``edition`` of ``label`` (None when not asked for), or why there is none."""
    if edition is None:
        return None, None
    found = ledger.editions(label, root)
    for e in found:
        if e.number == edition:
            return e, None
    if not found:
        return None, f"{label} has no edition in the ledger (reports/{ledger.LEDGER_NAME})"
    return None, f"{label} has no edition {edition}; its editions: {', '.join(str(e.number) for e in found)}"


def _published(label: str, manifest: Mapping, root, folder: Path, edition: int | None) -> PublishedCheck:
    """``check_published`` on ``folder``, plus the ledger: the chain, and its manifest the one named."""
    check = check_published(label, manifest, root, folder)
    check.edition = edition
    check.ledger = ledger.check_ledger(root)
    named = ledger.check_manifest(label, folder / MANIFEST_NAME, root,
                                  edition if folder != get_paths(root).period_reports(label) else None)
    if named:
        check.ledger.append(named)
    return check


def verify_published(period: str, root=None, *, manifest=None, edition: int | None = None) -> PublishedCheck:
    """Only the published files of ``period`` against its manifest and the ledger
    (``check_published``, ``ledger``), no rebuild: ``goldbook verify --published-only``.
    ``manifest`` and ``edition`` as in ``verify``."""
    paths = get_paths(root)
    label = parse_period(period, paths.root).label
    chosen, problem = _edition(label, paths.root, edition)
    if problem:
        return PublishedCheck(period=label, error=problem, edition=edition)
    folder = paths.root / chosen.folder if chosen else paths.period_reports(label)
    if chosen and manifest is None:
        manifest = folder / MANIFEST_NAME
    recorded, problem = _load_manifest(label, paths.root, manifest)
    if recorded is None:
        return PublishedCheck(period=label, error=problem, edition=edition)
    return _published(label, recorded, paths.root, folder, edition)


def verify(period: str, root=None, *, manifest=None, keep: bool = False, work_root=None,
           edition: int | None = None, executor: Executor | None = None) -> VerifyResult:
    """Rebuild ``period`` in a clean temporary root and compare it with its manifest.

    ``ok`` only when every recorded output is rebuilt with the same normalised sha256, nothing
    extra appears and the inputs read are the recorded ones. Otherwise the result names each
    differing, missing or extra output and why: changed/missing/added input files, changed
    config files, a different code hash, commit or lock. ``manifest`` is the published manifest
    to check against (default ``reports/<period>/manifest.json`` under the root: an auditor with
    a fresh clone, the raw files and the published manifest passes its path). The files in
    ``reports/<period>/``, when that folder exists, must also match the manifest, and the
    manifest must be the one the ledger names (``published`` in the result). ``edition`` checks
    that edition of the period instead (an earlier one lives in ``reports/<period>/editions/<n>/``),
    rebuilt from its own inputs (``restore_inputs``). ``keep`` leaves the temporary root in place
    for inspection; ``work_root`` chooses it (empty or absent). ``executor`` runs the rebuild's
    notebooks (a cluster: the temporary root is then made in ``reports/``, under the data root that
    the workers share, as a staging folder that ``runner.settle`` removes if verify is killed).
    """
    paths = get_paths(root)
    label = parse_period(period, paths.root).label
    result = VerifyResult(period=label, edition=edition)
    chosen, result.error = _edition(label, paths.root, edition)
    if result.error:
        return result
    earlier = chosen is not None and not chosen.current
    folder = paths.root / chosen.folder if chosen else paths.period_reports(label)
    if chosen and manifest is None:
        manifest = folder / MANIFEST_NAME
    manifest, result.error = _load_manifest(label, paths.root, manifest)
    if manifest is None:
        return result
    if folder.is_dir():
        result.published = _published(label, manifest, paths.root, folder, edition)
    else:  # an auditor's clone: the raw files and a manifest, nothing published to check
        result.notes.append(f"no reports/{label}/ here: the published files were not checked")

    recorded_outputs: dict = manifest.get("outputs", {})
    prints = sorted(manifest.get(PRINTS_KEY) or {})
    if prints:   # the rebuild makes no print: they are checked with the published files only
        result.notes.append(f"{len(prints)} print(s) ({', '.join(prints)}) are made from the built book "
                            f"(`goldbook pdf`), not rebuilt: checked against the manifest with the published files")
    git_now = git_state()
    code_now = code_hash()
    result.code = {
        "recorded_sha256": (manifest.get("code") or {}).get("sha256"), "current_sha256": code_now["sha256"],
        "recorded_commit": (manifest.get("code") or {}).get("commit"), "current_commit": git_now["commit"],
        "recorded_clean": (manifest.get("code") or {}).get("clean"), "current_clean": git_now["clean"],
    }
    result.lock = {"recorded": (manifest.get("lock") or {}).get("sha256"), "current": lock_hash()["sha256"]}
    result.config_changed = compare_config(manifest.get("config", {}), config_hashes(label, paths.root))

    made_tmp = work_root is None
    scratch = None
    if not made_tmp:
        work = Path(work_root)
    elif executor is not None:
        paths.reports.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f"{runner.STAGING_PREFIX}verify-{label}-{os.getpid()}-",
                                        dir=paths.reports))
        work = scratch / "root"   # ingest's side folder goes beside it, inside the staging folder
        work.mkdir()
    else:
        work = Path(tempfile.mkdtemp(prefix=f"goldbook-verify-{label}-"))
    clock = time.perf_counter()
    try:
        languages = (manifest.get("run") or {}).get("languages") or ["en"]
        try:
            stage_sources(label, paths.root, work)
            hint = paths.root
            if earlier:
                missing, changed = restore_inputs(manifest, paths.root, work)
                if missing:
                    raise RuntimeError("\n".join(missing))
                if changed:
                    hint = None  # the store here was built from other raw files: no use as a guess
                    result.notes.append(f"rebuilt from edition {edition}'s own inputs: "
                                        f"{len(changed)} raw file(s) as they were then")
            result.seconds["stage"] = time.perf_counter() - clock
            rebuild(label, work, languages, hint_root=hint, seconds=result.seconds, notes=result.notes,
                    executor=executor)
        except Exception as exc:  # noqa: BLE001 - a failed rebuild is a verify finding, not a crash
            result.error = _describe(exc)
            if made_tmp and not keep:
                result.notes.append(f"`goldbook verify {label} --keep` keeps the rebuild for inspection")
        if keep or not made_tmp:
            result.notes.append(f"the rebuild is in {work}" + (" until the next goldbook command (a staging folder "
                                                                "in reports/, for the cluster)" if scratch else ""))
        # after a failed rebuild the store may be partial: hash the raw files themselves instead
        rebuilt_inputs = _safe_inputs(label, work) if result.error is None else None
        if rebuilt_inputs is None:
            result.inputs_changed = compare_inputs(whole_file_inputs(manifest),
                                                   raw_file_inputs(manifest, work if earlier else paths.root))
        else:
            result.inputs_changed = compare_inputs(manifest.get("inputs", []), rebuilt_inputs)
        clock = time.perf_counter()
        out_dir = get_paths(work).period_reports(label)
        rebuilt = output_hashes(out_dir, roots=[work]) if out_dir.exists() else {}
        result.identical, result.differing, result.missing, result.extra = compare_outputs(recorded_outputs, rebuilt)
        result.seconds["compare"] = time.perf_counter() - clock
    finally:
        if made_tmp and not keep:
            shutil.rmtree(scratch or work, ignore_errors=True)
    return result


# Raw files a rebuild of an earlier edition leaves out when that edition did not read them.
_DATA_SUFFIXES = (".csv", ".xlsx")


def restore_inputs(manifest: Mapping, root, work) -> tuple[list[str], list[str]]:
    """Make the raw files staged in ``work`` those ``manifest`` recorded: each whole-file input
    whose staged sha256 differs is written from its kept original (``originals.restore``) and
    each staged data file (CSV, xlsx) it did not read is removed, a month folder it did not read
    at all (a year published before that month came) with all its files.

    Returns ``(missing, changed)``: one sentence per original that is not available, and the
    paths restored or removed.
    """
    work = get_paths(work)
    missing, changed = [], []
    recorded = whole_file_inputs(manifest)
    for item in recorded:
        dest = work.root / item["path"]
        if dest.is_file() and sha256_file(dest) == item["sha256"]:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        if originals.restore(root, item["path"], item["sha256"], dest):
            changed.append(item["path"])
        else:
            dest.unlink(missing_ok=True)
            missing.append(f"the original of {item['path']} (sha256 {short_digest(item['sha256'])}) is not "
                           f"available: the file has changed and no copy of that version is kept")
    read = {str(i["path"]) for i in manifest.get("inputs", [])}
    for month in sorted(d for d in work.raw.iterdir() if d.is_dir() and _MONTH_DIR.match(d.name)):
        if not any(p.startswith(f"{work.rel(month)}/") for p in read):  # a month added since
            shutil.rmtree(month)
            changed.append(work.rel(month) + "/")
    for f in sorted(work.raw.rglob("*")):
        rel = work.rel(f)
        if f.is_file() and f.suffix.lower() in _DATA_SUFFIXES and rel not in read:
            f.unlink()
            changed.append(rel)
    for d in sorted((d for d in work.raw.rglob("*") if d.is_dir()), key=lambda d: -len(d.parts)):
        if not any(d.iterdir()):
            d.rmdir()
    return missing, changed


def _safe_inputs(period: str, root) -> list[dict] | None:
    try:
        return period_inputs(period, root)
    except Exception:  # noqa: BLE001 - no processed store in the rebuild: the caller falls back
        return None


def _describe(exc: BaseException) -> str:
    """The error's own report (ingest and the runner write clear ones), else its type."""
    return str(exc).strip() or type(exc).__name__


