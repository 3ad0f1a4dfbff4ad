"""The manifest: what a period was built from and what it produced (the design's *Reproducibility
contract*). Verify (``pipeline.verify``) checks a rebuild against it; the runner skips a period
whose manifest is current.

- ``fingerprint`` says what a period's outputs depend on: the raw inputs it may read (as-of:
  nothing after the period), every config file in force, the code (``src/helpers`` and the
  notebook templates, committed or not) and the lock file. ``up_to_date`` compares it with the
  manifest's.
- ``normalise_notebook`` strips what is truly volatile from an executed notebook (timings,
  kernel execution records, papermill times, absolute paths) and keeps everything a reader
  sees; ``output_sha256`` hashes an output after that normalisation (other files: raw bytes,
  so they must be deterministic in fact).
- ``write_manifest`` records it all in ``reports/<period>/manifest.json``; what records *when*
  lives under ``volatile`` only, which feeds no hash. ``read_manifest`` is the one reader.
- ``published_periods`` and ``audit_summary`` list every period's manifest (the CLI, the book's
  Audit page). Earlier editions of a period (``reports/<period>/editions/<n>/``, see
  ``pipeline.ledger``) are not outputs of the current one: ``output_hashes`` leaves them out.
- Prints (``reports/<period>/print/``, ``goldbook pdf``) are made from the built book after the
  run: not outputs either, they are listed in the manifest's ``prints`` section (``print_hashes``,
  ``with_prints``; ``ledger.publish_print`` re-seals the manifest) and a rerun drops them.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from ..base.config import load_config, parse_period
from ..base.files import canonical_json, sha256_bytes, sha256_file, write_atomic
from ..base.paths import CODE_ROOT, get_paths
from ..base.periods import PeriodError
from ..data import store

MANIFEST_NAME = "manifest.json"
EDITIONS_DIR = "editions"       # reports/<period>/editions/<n>/: earlier editions, not outputs
# reports/<period>/print/<period>-<lang>.pdf: the printed book (``goldbook pdf``), made from the built
# book after the run, so not an output a rebuild makes: listed in the manifest's ``prints`` section.
PRINTS_DIR = "print"
PRINTS_KEY = "prints"
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


class ManifestError(ValueError):
    """A manifest that exists but cannot be read as one."""


def short_digest(digest) -> str:
    return "none" if not digest else str(digest)[:12]


# --- fingerprint --------------------------------------------------------------------------
def period_inputs(period: str, root=None) -> list[dict]:
    """The raw files period ``period`` may read, as ``store.inputs`` lists them, sorted by path.

    Each is ``{"path": <relative to the root>, "sha256", "rows"}``, plus ``scope`` when the
    hash is of the rows in force rather than of the file (the initiatives registry).
    """
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
    try:
        cfg = load_config(root)
        entries = cfg.catalogues
        month = parse_period(period, root).month
    except Exception:  # a broken config is hashed whole; the run itself will report it
        return set()
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
    label = parse_period(period, root).label
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


def up_to_date(period: str, root=None, langs: Sequence[str] | None = None, fingerprint_now=None) -> bool:
    """True when the period's manifest records the current fingerprint (and, when given, exactly
    these languages). A missing or unreadable manifest is not up to date. ``fingerprint_now``
    saves recomputing a fingerprint the caller already has."""
    try:
        manifest = read_manifest(period, root)
    except ManifestError:
        return False
    if manifest is None:
        return False
    if langs is not None and sorted((manifest.get("run") or {}).get("languages") or []) != sorted(langs):
        return False
    if fingerprint_now is None:
        fingerprint_now = fingerprint(period, root)
    return recorded_fingerprint(manifest) == fingerprint_now


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

    Every file counts (executed notebooks, tables, figures …) except the manifest itself, hidden
    files (staging leftovers, editor files), earlier editions (``editions/``) and prints (``print/``,
    see ``print_hashes``).
    """
    outputs_dir = Path(outputs_dir)
    found = {}
    for p in outputs_dir.rglob("*"):
        rel = p.relative_to(outputs_dir)
        if (not p.is_file() or rel.as_posix() == MANIFEST_NAME or any(s.startswith(".") for s in rel.parts)
                or rel.parts[0] in (EDITIONS_DIR, PRINTS_DIR)):
            continue
        found[rel.as_posix()] = output_sha256(p, roots=[outputs_dir.parent.parent, *roots])
    return dict(sorted(found.items()))


# --- prints -----------------------------------------------------------------------------
def print_name(period: str, lang: str) -> str:
    """Where the print of ``period`` in ``lang`` lives, relative to the period folder."""
    return f"{PRINTS_DIR}/{period}-{lang}.pdf"


def print_hashes(outputs_dir: str | os.PathLike) -> dict[str, str]:
    """``{path relative to the period folder: sha256}`` of every file under its ``print/`` (hidden files
    left out), byte for byte: what the manifest's ``prints`` section lists when nothing was changed."""
    folder = Path(outputs_dir) / PRINTS_DIR
    if not folder.is_dir():
        return {}
    found = {p.relative_to(outputs_dir).as_posix(): sha256_file(p) for p in folder.rglob("*")
             if p.is_file() and not any(s.startswith(".") for s in p.relative_to(folder).parts)}
    return dict(sorted(found.items()))


def with_prints(manifest: Mapping, prints: Mapping[str, str]) -> dict:
    """The manifest with its ``prints`` section set to ``prints`` (left out when empty, as a run writes it)."""
    out = {k: v for k, v in manifest.items() if k != PRINTS_KEY}
    if prints:
        out[PRINTS_KEY] = dict(sorted(prints.items()))
    return out


def listed_print(period: str, lang: str, root=None) -> Path | None:
    """The published print of ``period`` in ``lang`` when the period's manifest lists it with the
    file's own sha256 (what the book may link to), else None."""
    folder = get_paths(root).period_reports(period)
    name = print_name(period, lang)
    try:
        recorded = (read_manifest_file(folder / MANIFEST_NAME) or {}).get(PRINTS_KEY) or {}
    except ManifestError:
        return None
    path = folder / name
    if not isinstance(recorded, Mapping) or not recorded.get(name) or not path.is_file():
        return None
    return path if sha256_file(path) == recorded[name] else None


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
    p = parse_period(period, paths.root)
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
    label = parse_period(period, paths.root).label
    outputs_dir = Path(outputs_dir) if outputs_dir is not None else paths.period_reports(label)
    manifest = build_manifest(period, paths.root, params, outputs_dir)
    target = outputs_dir / MANIFEST_NAME
    write_atomic(target, canonical_json(manifest))
    return target


def read_manifest(period: str, root=None) -> dict | None:
    """The period's manifest as a dict, or None when it has none; ``ManifestError`` when unreadable."""
    return read_manifest_file(get_paths(root).period_reports(parse_period(period, root).label) / MANIFEST_NAME)


def read_manifest_file(path: str | os.PathLike) -> dict | None:
    """A manifest file as a dict (None when absent); the one place a manifest is parsed."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path.name} of {path.parent.name} cannot be read: {exc}") from None
    if not isinstance(manifest, dict):
        raise ManifestError(f"{path.name} of {path.parent.name} is not a manifest (not a JSON object)")
    return manifest


def published_periods(root=None) -> list[str]:
    """Periods with a manifest under ``reports/``, in period order (by start, then end)."""
    found = []
    for path in get_paths(root).reports.glob(f"*/{MANIFEST_NAME}"):
        if not path.is_file():
            continue
        try:
            found.append(parse_period(path.parent.name, root))
        except PeriodError:
            continue
    return [p.label for p in sorted(found)]


def edition_numbers(period: str, root=None) -> list[int]:
    """The numbers of the period's earlier editions kept under ``reports/<period>/editions/``, in order."""
    folder = get_paths(root).period_reports(period) / EDITIONS_DIR
    return sorted(int(d.name) for d in folder.glob("*") if d.is_dir() and d.name.isdigit()
                  and (d / MANIFEST_NAME).is_file())


def without_volatile(manifest: Mapping) -> dict:
    """The manifest minus its ``volatile`` section: what two identical runs must share."""
    return {k: v for k, v in manifest.items() if k != "volatile"}


# --- audit page ---------------------------------------------------------------------------
def inputs_digest(inputs: Sequence[Mapping]) -> str:
    """One sha256 over a period's inputs (sorted ``path sha256 rows`` lines)."""
    lines = sorted(f"{i['path']} {i['sha256']} {i.get('rows')}" for i in inputs)
    return sha256_bytes("\n".join(lines).encode("utf-8"))


def audit_summary(root=None) -> list[dict]:
    """Every period with a manifest, in period order, in brief for the Audit page.

    Each: ``period, kind, languages, input_files, input_rows, inputs_sha256 (12 hex),
    commit (12 hex or None), clean, code_sha256 (12 hex), lock_sha256 (12 hex), python, pandas,
    outputs, editions`` (how many: the earlier ones under ``editions/`` and the current one)
    ``, verify`` (the command that rebuilds and checks it).
    """
    rows = []
    for label in published_periods(root):
        p = parse_period(label, root)
        m = read_manifest(label, root)
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
            "code_sha256": short_digest(code.get("sha256")),
            "lock_sha256": short_digest((m.get("lock") or {}).get("sha256")),
            "python": env.get("python"),
            "pandas": (env.get("packages") or {}).get("pandas"),
            "outputs": len(m.get("outputs", {})),
            "editions": 1 + len(edition_numbers(label, root)),
            "verify": f"goldbook verify {p.label}",
        })
    return rows
