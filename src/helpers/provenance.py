"""Provenance: what a period was built from, what it produced, and proof that it rebuilds the same.

Follows the design's *Reproducibility contract*:

- ``fingerprint`` says what a period's outputs depend on: the raw inputs it may read (as-of:
  nothing after the period), every config file in force, the code (``src/helpers`` and the
  notebook templates, committed or not) and the lock file. The runner skips a period whose
  fingerprint matches its manifest's (``up_to_date``).
- ``normalise_notebook`` strips what is truly volatile from an executed notebook (timings,
  kernel execution records, papermill times, absolute paths) and keeps everything a reader
  sees; ``output_sha256`` hashes an output after that normalisation (other files: raw bytes,
  so they must be deterministic in fact).
- ``write_manifest`` records it all in ``reports/<period>/manifest.json``; what records *when*
  lives under ``volatile`` only, which feeds no hash.
- ``verify`` rebuilds a period from its raw files in a clean temporary root and compares the
  outputs with the manifest one by one, saying which inputs, config, code or lock differ.
- ``audit_summary`` lists every period's manifest in brief for the book's Audit page.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from .paths import CODE_ROOT, get_paths
from .periods import parse

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
LOCK_FILE = "uv.lock"
KEY_PACKAGES = (
    "pandas", "numpy", "pyarrow", "duckdb", "pandera", "statsmodels",
    "matplotlib", "seaborn", "papermill", "jupyter-book",
)
# The manifest sections that make up a period's fingerprint (see ``recorded_fingerprint``).
FINGERPRINT_KEYS = ("period", "inputs", "config", "code", "lock")

# Volatile notebook metadata: when and for how long things ran, never what a reader sees.
_PAPERMILL_TIMES = ("start_time", "end_time", "duration")
_CELL_VOLATILE = ("execution", "ExecuteTime")
_PAPERMILL_PATHS = ("input_path", "output_path")
_MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")
# below this many months a second ingest process costs more (start-up, imports) than it saves
PARALLEL_MIN_MONTHS = 4


# --- hashing ------------------------------------------------------------------------------
def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    """The sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def canonical_json(obj) -> bytes:
    """Sorted keys, indent 2, UTF-8 (Arabic kept readable), one trailing newline."""
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


# --- fingerprint --------------------------------------------------------------------------
def period_inputs(period: str, root=None) -> list[dict]:
    """The raw files period ``period`` may read, as ``store.inputs`` lists them, sorted by path.

    Each is ``{"path": <relative to the root>, "sha256", "rows"}``, plus ``scope`` when the
    hash is of the rows in force rather than of the file (the initiatives registry).
    """
    from . import store  # the store owns which files a period reads (as-of)

    rows = [
        {**item, "path": str(item["path"]), "sha256": str(item["sha256"]), "rows": int(item["rows"])}
        for item in store.inputs(period, root)
    ]
    return sorted(rows, key=lambda r: r["path"])


def config_hashes(period: str, root=None) -> dict[str, str]:
    """``{relative path: sha256}`` of every config file in force for ``period``.

    A criteria catalogue that only comes into force after the period is left out: adding a
    later catalogue must not change a past period's fingerprint (design: as-of semantics).
    """
    paths = get_paths(root)
    files = sorted(p for p in paths.config.rglob("*")
                   if p.is_file() and not any(part.startswith(".") or part == "__pycache__"
                                              for part in p.relative_to(paths.config).parts))
    later = _later_catalogues(period, root)
    return {paths.rel(p): sha256_file(p) for p in files if paths.rel(p) not in later}


def _later_catalogues(period: str, root) -> set[str]:
    """Catalogue files (relative to the root) referenced only by versions in force after ``period``."""
    from .config import load_config

    try:
        cfg = load_config(root)
        entries = cfg.catalogues
    except Exception:  # a broken config is hashed whole; the run itself will report it
        return set()
    month = parse(period).month
    rel = lambda e: f"config/{Path(str(e['file'])).as_posix()}"  # noqa: E731
    early = {rel(e) for e in entries if e["effective_from"] <= month}
    return {rel(e) for e in entries if e["effective_from"] > month} - early


def code_files() -> list[Path]:
    """The code a report depends on: ``src/helpers/**/*.py`` and ``notebooks/*.ipynb``, sorted."""
    helpers = CODE_ROOT / "src" / "helpers"
    files = [p for p in helpers.rglob("*.py") if "__pycache__" not in p.parts]
    files += list((CODE_ROOT / "notebooks").glob("*.ipynb"))
    return sorted(files, key=lambda p: p.relative_to(CODE_ROOT).as_posix())


def code_hash() -> dict:
    """``{"sha256", "files"}`` over each code file's relative path and bytes.

    Hashes the working tree, so an uncommitted change counts even when the commit is the same.
    """
    digest = hashlib.sha256()
    files = code_files()
    for p in files:
        digest.update(p.relative_to(CODE_ROOT).as_posix().encode("utf-8") + b"\0")
        digest.update(sha256_file(p).encode("ascii") + b"\n")
    return {"sha256": digest.hexdigest(), "files": len(files)}


def lock_hash() -> dict:
    """``{"file": "uv.lock", "sha256"}`` of the code checkout's lock file (sha256 None if absent)."""
    path = CODE_ROOT / LOCK_FILE
    return {"file": LOCK_FILE, "sha256": sha256_file(path) if path.exists() else None}


def fingerprint(period: str, root=None) -> dict:
    """What period ``period``'s outputs depend on, JSON-able and sorted.

    ``{"period", "inputs": [{path, sha256, rows}], "config": {path: sha256},
    "code": {sha256, files}, "lock": {file, sha256}}``. Later months are never part of it
    (``store.inputs`` lists months ≤ the period's only), nor is the git commit: committing
    unchanged code must not force a rerun.
    """
    label = parse(period).label
    return {
        "period": label,
        "inputs": sorted(period_inputs(label, root), key=lambda r: r["path"]),
        "config": config_hashes(label, root),
        "code": code_hash(),
        "lock": lock_hash(),
    }


def recorded_fingerprint(manifest: Mapping) -> dict:
    """The fingerprint recorded in a manifest, comparable with ``fingerprint(...)``."""
    stored = {key: manifest.get(key) for key in FINGERPRINT_KEYS if key != "period"}
    stored["period"] = (manifest.get("run") or {}).get("period")
    if isinstance(stored.get("code"), Mapping):
        stored["code"] = {k: stored["code"].get(k) for k in ("sha256", "files")}
    return stored


def up_to_date(period: str, root=None) -> bool:
    """True when ``reports/<period>/manifest.json`` exists and its fingerprint is the current one."""
    manifest = read_manifest(period, root)
    return manifest is not None and recorded_fingerprint(manifest) == fingerprint(period, root)


# --- normalisation ------------------------------------------------------------------------
def _replacements(roots: Iterable) -> list[tuple[re.Pattern, str]]:
    """Absolute locations and what they become, longest first so a venv inside a root wins."""
    pairs: dict[str, str] = {}
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        pairs[str(prefix)] = "<python>"
        pairs[str(Path(prefix).resolve())] = "<python>"
    for r in [CODE_ROOT, *roots]:
        if r is None:
            continue
        for form in (str(r), str(Path(r).resolve())):
            if len(form) > 1:  # never replace "/" itself
                pairs.setdefault(form.rstrip("/\\"), ".")
    ordered = sorted(pairs.items(), key=lambda kv: -len(kv[0]))
    # only whole path components: /work/main must not eat /work/main2
    return [(re.compile(re.escape(old) + r"(?![\w.\-])"), new) for old, new in ordered]


def _scrub(value, rules):
    if isinstance(value, str):
        for pattern, new in rules:
            if pattern.search(value):
                value = pattern.sub(new, value)
        return value
    if isinstance(value, list):
        return [_scrub(v, rules) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, rules) for k, v in value.items()}
    return value


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:[\\/]", path))


def normalise_notebook(nb, roots: Sequence = ()) -> bytes:
    """The notebook as canonical JSON bytes with only volatile fields removed.

    Removed: papermill start/end times and durations (notebook and cells), cell ``execution``
    records (kernel message timestamps), ``ExecuteTime``; the random id papermill gives the
    injected-parameters cell becomes ``injected-parameters``; papermill's input/output paths,
    when absolute, keep their file name only; any absolute path under ``roots``, the code checkout or the
    Python installation becomes ``.`` (``<python>`` for the installation). Everything a reader
    sees (sources, outputs, execution counts, tags) is kept. Sorted keys, indent 1, UTF-8.
    """
    data = json.loads(json.dumps(nb))  # a plain deep copy of a dict or NotebookNode
    meta = data.get("metadata", {})
    pm = meta.get("papermill")
    if isinstance(pm, dict):
        for key in _PAPERMILL_TIMES:
            pm.pop(key, None)
        for key in _PAPERMILL_PATHS:
            # an absolute input/output path says where the run happened (e.g. a staging folder)
            if isinstance(pm.get(key), str) and _is_absolute(pm[key]):
                pm[key] = re.split(r"[\\/]", pm[key])[-1]
    for cell in data.get("cells", []):
        cmeta = cell.get("metadata", {})
        for key in _CELL_VOLATILE:
            cmeta.pop(key, None)
        if isinstance(cmeta.get("papermill"), dict):
            for key in _PAPERMILL_TIMES:
                cmeta["papermill"].pop(key, None)
        if "injected-parameters" in (cmeta.get("tags") or []) and "id" in cell:
            cell["id"] = "injected-parameters"
    data = _scrub(data, _replacements(roots))
    return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def output_sha256(path: str | os.PathLike, roots: Sequence = ()) -> str:
    """sha256 of an output: of the normalised notebook for ``.ipynb``, of the raw bytes otherwise."""
    path = Path(path)
    if path.suffix == ".ipynb":
        with open(path, encoding="utf-8") as fh:
            return sha256_bytes(normalise_notebook(json.load(fh), roots=roots))
    return sha256_file(path)


def output_hashes(outputs_dir: str | os.PathLike, roots: Sequence = ()) -> dict[str, str]:
    """``{path relative to the period folder: sha256}`` of every output, sorted.

    Every file counts (executed notebooks, tables, figures …) except the manifest itself and
    hidden files (staging leftovers, editor files).
    """
    outputs_dir = Path(outputs_dir)
    found = {}
    for p in outputs_dir.rglob("*"):
        rel = p.relative_to(outputs_dir)
        if not p.is_file() or rel.as_posix() == MANIFEST_NAME or any(s.startswith(".") for s in rel.parts):
            continue
        found[rel.as_posix()] = output_sha256(p, roots=[outputs_dir.parent.parent, *roots])
    return dict(sorted(found.items()))


# --- the manifest -------------------------------------------------------------------------
def git_state(repo: Path = CODE_ROOT) -> dict:
    """``{"commit", "clean"}`` of the code checkout; ``None`` for either when git cannot tell."""
    def git(*args) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                                  timeout=30, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout if done.returncode == 0 else None

    commit = git("rev-parse", "--verify", "--quiet", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=normal")
    return {
        "commit": commit.strip() if commit else None,
        "clean": None if status is None else status.strip() == "",
    }


def environment() -> dict:
    """Python version, platform and the key packages' installed versions."""
    packages = {}
    for name in KEY_PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": f"{sys.platform}-{platform.machine()}",
        "packages": packages,
    }


def _relative_params(value, root: Path):
    """Parameters made JSON-able with the run root (absolute) written as ``.``."""
    if isinstance(value, Mapping):
        return {str(k): _relative_params(v, root) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_relative_params(v, root) for v in value]
    if isinstance(value, os.PathLike) or (isinstance(value, str) and os.path.isabs(value)):
        text = _scrub(os.fspath(value), _replacements([root]))
        # a location outside the root says where, not what: keep the name only
        return Path(text).name if os.path.isabs(text) else text
    return value


def _languages(params: Mapping, outputs: Mapping) -> list[str]:
    for key in ("langs", "languages", "lang"):
        if params.get(key):
            value = params[key]
            return [value] if isinstance(value, str) else list(value)
    # no explicit setting: the languages whose notebooks were written
    return sorted({p.split("/")[0] for p in outputs if p.endswith(".ipynb") and "/" in p})


def build_manifest(period: str, root=None, params: Mapping | None = None, outputs_dir=None) -> dict:
    """The manifest of a finished run as a dict (see ``write_manifest``)."""
    paths = get_paths(root)
    p = parse(period)
    outputs_dir = Path(outputs_dir) if outputs_dir is not None else paths.period_reports(p.label)
    params = dict(params or {})
    outputs = output_hashes(outputs_dir, roots=[paths.root])
    fp = fingerprint(p.label, paths.root)
    return {
        "manifest_format": MANIFEST_FORMAT,
        "run": {"period": p.label, "kind": p.kind, "languages": _languages(params, outputs)},
        "parameters": _relative_params(params, paths.root),
        "inputs": fp["inputs"],
        "config": fp["config"],
        "code": {**fp["code"], **git_state()},
        "lock": fp["lock"],
        "environment": environment(),
        "outputs": outputs,
        "verify": f"goldbook verify {p.label}",
        "volatile": {
            "note": "when the run was recorded; never part of an output hash or the fingerprint",
            "recorded_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        },
    }


def write_manifest(period: str, root=None, params: Mapping | None = None, outputs_dir=None) -> Path:
    """Write ``<outputs_dir>/manifest.json`` (default ``reports/<period>/``) and return its path.

    Records run settings, raw inputs, config hashes, code (hash, commit, clean tree), lock,
    environment and every output's normalised sha256. Canonical JSON: two runs from scratch
    give the same bytes apart from ``volatile``.
    """
    paths = get_paths(root)
    outputs_dir = Path(outputs_dir) if outputs_dir is not None else paths.period_reports(parse(period).label)
    manifest = build_manifest(period, paths.root, params, outputs_dir)
    target = outputs_dir / MANIFEST_NAME
    tmp = target.with_name(f".{MANIFEST_NAME}.{os.getpid()}.tmp")
    tmp.write_bytes(canonical_json(manifest))
    os.replace(tmp, target)
    return target


def read_manifest(period: str, root=None) -> dict | None:
    """The period's manifest as a dict, or None when it has none."""
    path = get_paths(root).period_reports(parse(period).label) / MANIFEST_NAME
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def without_volatile(manifest: Mapping) -> dict:
    """The manifest minus its ``volatile`` section: what two identical runs must share."""
    return {k: v for k, v in manifest.items() if k != "volatile"}


# --- verify -------------------------------------------------------------------------------
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
    notes: list[str] = field(default_factory=list)  # how the rebuild went, when worth saying
    seconds: dict = field(default_factory=dict)     # wall time per step, for the benchmark only

    @property
    def total(self) -> int:
        return len(self.identical) + len(self.differing) + len(self.missing)

    @property
    def ok(self) -> bool:
        """Every recorded output rebuilt identical, nothing extra, and the same inputs read.

        Inputs count too: a corrected raw file that happens to leave every output unchanged
        still means the period was not built from the files the manifest names.
        """
        return (self.error is None and not self.differing and not self.missing and not self.extra
                and not self.inputs_changed and self.total > 0)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def report(self) -> str:
        """One line when identical; otherwise what differs and why."""
        n = self.total
        if self.ok:
            lines = [f"{self.period}: {n} of {n} outputs identical"]
            lines += [f"  note: {why}" for why in self._config_reasons() + self._code_reasons() + self._notes()]
            return "\n".join(lines)
        if self.error and n == 0:
            lines = [f"{self.period}: NOT verified: {self.error}"]
        else:
            lines = [f"{self.period}: NOT verified: {len(self.identical)} of {n} outputs identical"]
            if self.error:
                lines.append(f"  rebuild failed: {self.error}")
        lines += [f"  differs: {p}" for p in self.differing]
        if self.error and self.missing and not (self.identical or self.differing):
            # the rebuild stopped before any output: one line, not one per output
            lines.append(f"  missing from rebuild: all {len(self.missing)} outputs")
        else:
            lines += [f"  missing from rebuild: {p}" for p in self.missing]
        lines += [f"  not in manifest: {p}" for p in self.extra]
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
                out.append(f"input changed: {c['path']} (sha256 {_short(rec.get('sha256'))} → "
                           f"{_short(cur.get('sha256'))}{rows})")
            elif c["change"] == "missing":
                out.append(f"input missing: {c['path']} (recorded sha256 {_short(c['recorded'].get('sha256'))})")
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
            out.append(f"code differs: src/helpers and notebooks hash {_short(code.get('recorded_sha256'))} "
                       f"→ {_short(code.get('current_sha256'))}")
        if code and code.get("recorded_commit") != code.get("current_commit"):
            out.append(f"code commit differs: {_short(code.get('recorded_commit'))} → "
                       f"{_short(code.get('current_commit'))}")
        if self.lock and self.lock.get("recorded") != self.lock.get("current"):
            out.append(f"lock file differs: {LOCK_FILE} {_short(self.lock.get('recorded'))} → "
                       f"{_short(self.lock.get('current'))}")
        return out


def _short(digest) -> str:
    return "none" if not digest else str(digest)[:12]


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
    last = parse(period).month
    if not raw.exists():
        return []
    return sorted(d.name for d in raw.iterdir() if d.is_dir() and _MONTH_DIR.match(d.name) and d.name <= last)


def stage_sources(period: str, src_root, dest_root) -> None:
    """Copy into ``dest_root`` what a clean rebuild of ``period`` starts from.

    ``config/``, the top-level raw files (registries, README) and every raw month folder up to
    the period's month, as they are now: a corrected or added file shows up in the rebuild. No
    processed store, no reports.
    """
    src, dest = get_paths(src_root), get_paths(dest_root)
    shutil.copytree(src.config, dest.config, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    dest.raw.mkdir(parents=True, exist_ok=True)
    if src.raw.exists():
        for f in sorted(src.raw.iterdir()):
            if f.is_file() and not f.name.startswith("."):
                shutil.copy2(f, dest.raw / f.name)
    for month in months_read(period, src.root):
        shutil.copytree(src.month_raw(month), dest.month_raw(month), ignore=shutil.ignore_patterns(".*"))
    # the lock travels for reference: the code (and its lock) come from the checkout
    if (CODE_ROOT / LOCK_FILE).exists():
        shutil.copy2(CODE_ROOT / LOCK_FILE, dest.root / LOCK_FILE)


def _ingest_in_order(months: Sequence[str], root) -> str | None:
    """Ingest ``months`` oldest first in ``root``; the first rejected month's report, else None."""
    from . import ingest

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
    sizes = [sum(f.stat().st_size for f in (raw / m).iterdir() if f.is_file()) for m in months]
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
    """Two processed month folders hold the same files with the same bytes."""
    def listing(folder: Path) -> dict[str, str]:
        return {p.relative_to(folder).as_posix(): sha256_file(p) for p in folder.rglob("*") if p.is_file()}
    return a.is_dir() and b.is_dir() and listing(a) == listing(b)


def _link_tree(src: Path, dest: Path) -> None:
    """Copy a folder by hard links where the file system allows (the raw files are only read)."""
    def link(a, b):
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)
    shutil.copytree(src, dest, copy_function=link)


def ingest_clean(work_root, hint_root=None, notes: list | None = None) -> None:
    """Ingest every raw month staged in ``work_root``, with exactly the result of ingesting them
    one by one, oldest first, in that clean folder. Raises RuntimeError with the first rejected
    month's report.

    Ingest of a month checks it against the months before it (ticket ids unique across months,
    survey-to-ticket links), so the months form one chain. To use both cores, the chain is cut
    in two: the later half is ingested at the same time in a side folder that starts from
    ``hint_root``'s processed copies of the earlier months. That start is only a guess: it is
    kept only if those copies turn out byte-identical to the earlier months just rebuilt from
    raw, in which case the later half saw exactly what the sequential ingest would have seen.
    Otherwise the later half is ingested again, in order, after the first (``notes`` says so).
    Nothing of ``hint_root`` ever ends up in the rebuild.
    """
    from . import ingest

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
            _link_tree(work.month_raw(m), side.month_raw(m))
        for m in head:  # the guess: what the earlier months should rebuild to
            shutil.copytree(hint.processed / m, side.processed / m)

        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

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
            seconds: dict | None = None, notes: list | None = None) -> None:
    """Ingest the staged raw months in ``work_root`` (``ingest_clean``) and run the period's
    notebooks there with the runner, forced, in ``languages``.

    A rejected month or a failed run is raised as ``RuntimeError`` with its report. ``seconds``
    receives the wall time of each step (for the benchmark).
    """
    from . import runner

    started = time.perf_counter()
    ingest_clean(work_root, hint_root, notes)
    middle = time.perf_counter()
    result = runner.run_period(period, root=work_root, langs=tuple(languages), force=True)
    if seconds is not None:
        seconds.update(ingest=middle - started, run=time.perf_counter() - middle)
    if getattr(result, "ok", True) is False:
        raise RuntimeError(str(getattr(result, "message", None) or result))


def verify(period: str, root=None, *, manifest=None, keep: bool = False, work_root=None) -> VerifyResult:
    """Rebuild ``period`` in a clean temporary root and compare it with its manifest.

    ``ok`` only when every recorded output is rebuilt with the same normalised sha256, nothing
    extra appears and the inputs read are the recorded ones. Otherwise the result names each
    differing, missing or extra output and why: changed/missing/added input files, changed
    config files, a different code hash, commit or lock. ``manifest`` is the published manifest
    to check against (default ``reports/<period>/manifest.json`` under the root: an auditor with
    a fresh clone, the raw files and the published manifest passes its path). ``keep`` leaves
    the temporary root in place for inspection; ``work_root`` chooses it (empty or absent).
    """
    paths = get_paths(root)
    label = parse(period).label
    result = VerifyResult(period=label)
    if manifest is not None:
        with open(manifest, encoding="utf-8") as fh:
            manifest = json.load(fh)
    else:
        manifest = read_manifest(label, paths.root)
    if manifest is None:
        result.error = f"no manifest at reports/{label}/{MANIFEST_NAME}; run `goldbook run {label}` first"
        return result
    recorded_period = (manifest.get("run") or {}).get("period")
    if recorded_period != label:
        result.error = f"the manifest given is for {recorded_period}, not {label}"
        return result

    recorded_outputs: dict = manifest.get("outputs", {})
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
    work = Path(tempfile.mkdtemp(prefix=f"goldbook-verify-{label}-")) if made_tmp else Path(work_root)
    clock = time.perf_counter()
    try:
        languages = (manifest.get("run") or {}).get("languages") or ["en"]
        try:
            stage_sources(label, paths.root, work)
            result.seconds["stage"] = time.perf_counter() - clock
            rebuild(label, work, languages, hint_root=paths.root, seconds=result.seconds, notes=result.notes)
        except Exception as exc:  # noqa: BLE001 - a failed rebuild is a verify finding, not a crash
            result.error = _describe(exc)
            if made_tmp and not keep:
                result.notes.append(f"`goldbook verify {label} --keep` keeps the rebuild for inspection")
        if keep or not made_tmp:
            result.notes.append(f"the rebuild is in {work}")
        # after a failed rebuild the store may be partial: hash the raw files themselves instead
        rebuilt_inputs = _safe_inputs(label, work) if result.error is None else None
        if rebuilt_inputs is None:
            result.inputs_changed = compare_inputs(whole_file_inputs(manifest),
                                                   raw_file_inputs(manifest, paths.root))
        else:
            result.inputs_changed = compare_inputs(manifest.get("inputs", []), rebuilt_inputs)
        clock = time.perf_counter()
        out_dir = get_paths(work).period_reports(label)
        rebuilt = output_hashes(out_dir, roots=[work]) if out_dir.exists() else {}
        for name in sorted(set(recorded_outputs) | set(rebuilt)):
            if name not in rebuilt:
                result.missing.append(name)
            elif name not in recorded_outputs:
                result.extra.append(name)
            elif rebuilt[name] == recorded_outputs[name]:
                result.identical.append(name)
            else:
                result.differing.append(name)
        result.seconds["compare"] = time.perf_counter() - clock
    finally:
        if made_tmp and not keep:
            shutil.rmtree(work, ignore_errors=True)
    return result


def _safe_inputs(period: str, root) -> list[dict] | None:
    try:
        return period_inputs(period, root)
    except Exception:  # noqa: BLE001 - no processed store in the rebuild: the caller falls back
        return None


def _describe(exc: BaseException) -> str:
    """The error's own report (ingest and the runner write clear ones), else its type."""
    return str(exc).strip() or type(exc).__name__


# --- audit page ---------------------------------------------------------------------------
def inputs_digest(inputs: Sequence[Mapping]) -> str:
    """One sha256 over a period's inputs (sorted ``path sha256 rows`` lines)."""
    lines = sorted(f"{i['path']} {i['sha256']} {i.get('rows')}" for i in inputs)
    return sha256_bytes("\n".join(lines).encode("utf-8"))


def audit_summary(root=None) -> list[dict]:
    """Every period with a manifest, in period order, in brief for the Audit page.

    Each: ``period, kind, languages, input_files, input_rows, inputs_sha256 (12 hex),
    commit (12 hex or None), clean, code_sha256 (12 hex), lock_sha256 (12 hex), python, pandas,
    outputs, verify`` (the command that rebuilds and checks it).
    """
    reports = get_paths(root).reports
    rows = []
    if not reports.exists():
        return rows
    for folder in reports.iterdir():
        manifest_path = folder / MANIFEST_NAME
        if not manifest_path.is_file():
            continue
        try:
            p = parse(folder.name)
        except ValueError:
            continue
        with open(manifest_path, encoding="utf-8") as fh:
            m = json.load(fh)
        inputs = m.get("inputs", [])
        code = m.get("code") or {}
        env = m.get("environment") or {}
        rows.append({
            "period": p.label,
            "kind": p.kind,
            "languages": list((m.get("run") or {}).get("languages") or []),
            "input_files": len(inputs),
            "input_rows": sum(int(i.get("rows") or 0) for i in inputs),
            "inputs_sha256": inputs_digest(inputs)[:12],
            "commit": code.get("commit")[:12] if code.get("commit") else None,
            "clean": code.get("clean"),
            "code_sha256": _short(code.get("sha256")),
            "lock_sha256": _short((m.get("lock") or {}).get("sha256")),
            "python": env.get("python"),
            "pandas": (env.get("packages") or {}).get("pandas"),
            "outputs": len(m.get("outputs", {})),
            "verify": f"goldbook verify {p.label}",
            "_order": p,
        })
    rows.sort(key=lambda r: r["_order"])
    for r in rows:
        del r["_order"]
    return rows
