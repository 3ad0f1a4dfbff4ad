"""The originals: a copy of every raw file version ingest accepted, so that a raw file corrected
in place does not lose the version an earlier edition read.

Ingest keeps the copy next to what it stored, in the same atomic fill: a month file of
``data/raw/<month>/`` in ``data/processed/<month>/_originals/``, a day drop's file in
``data/processed/<month>/days/<day>/_originals/``, the initiatives registry in
``data/processed/initiatives/_originals/``. When a re-ingest accepts a changed (or removed) file,
the copy of the version it replaces is linked into ``data/raw/.superseded/`` (same folders as
under ``data/raw/``) before the swap, and stays there. A copy is named after the file and its
sha256 (``surveys.<sha256>.csv.gz``) and is a deterministic gzip (no time, no name in the
header): the same raw bytes give the same copy. ``.superseded`` is a hidden folder: nothing that
lists raw months or stages raw files sees it.

``restore`` writes a version back (from the raw file when it is that version, else from a copy);
``superseded`` lists the superseded versions kept.
"""

from __future__ import annotations

import gzip
import io
import os
import re
from pathlib import Path, PurePosixPath

from ..base.files import sha256_bytes, write_atomic
from ..base.paths import Paths, get_paths
from .store import DAYS_DIR, REGISTRY_DIR

ORIGINALS_DIR = "_originals"    # inside a processed folder: the copies of the raw files it was ingested from
SUPERSEDED_DIR = ".superseded"  # under data/raw/: the copies of versions a correction replaced
LEVEL = 1  # gzip level: the raw CSVs shrink about 4.5 times, at ~120 MB/s (level 6: 6 times, 3.4 times slower)
_COPY = re.compile(r"^(?P<stem>.+)\.(?P<sha>[0-9a-f]{64})(?P<ext>\.[^.]+)?\.gz$")


def gzip_bytes(data: bytes) -> bytes:
    """``data`` gzipped the same way every time: no time stamp and no file name in the header."""
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=LEVEL) as fh:
        fh.write(data)
    return out.getvalue()


def copy_name(name: str, sha256: str) -> str:
    """The name of the copy of file ``name`` at version ``sha256``: ``surveys.<sha256>.csv.gz``."""
    path = PurePosixPath(name)
    return f"{path.stem}.{sha256}{path.suffix}.gz"


def _parse_copy(name: str) -> tuple[str, str] | None:
    """(file name, sha256) of a copy's name, or None for any other name."""
    match = _COPY.match(name)
    return (match["stem"] + (match["ext"] or ""), match["sha"]) if match else None


def _under_raw(rel_path: str, paths: Paths) -> PurePosixPath | None:
    """``rel_path`` (relative to the root) relative to ``data/raw/``; None when it is not a raw
    file's path (outside data/raw/, in a hidden folder, or with ``..``)."""
    path, raw = PurePosixPath(rel_path), PurePosixPath(paths.rel(paths.raw))
    if path.parts[:len(raw.parts)] != raw.parts or len(path.parts) == len(raw.parts):
        return None
    inner = PurePosixPath(*path.parts[len(raw.parts):])
    if any(p in ("", ".", "..") or p.startswith(".") for p in inner.parts):
        return None
    return inner


def originals_dir(rel_path: str, paths: Paths) -> Path | None:
    """The processed folder's ``_originals/`` that keeps the ingested versions of raw file
    ``rel_path``: its month's, its day drop's or the registry's; None for any other path."""
    inner = _under_raw(rel_path, paths)
    if inner is None:
        return None
    parts = inner.parts
    if len(parts) == 1:
        return paths.processed / REGISTRY_DIR / ORIGINALS_DIR
    if len(parts) == 2:
        return paths.processed / parts[0] / ORIGINALS_DIR
    if len(parts) == 3:
        return paths.processed / parts[0] / DAYS_DIR / parts[1] / ORIGINALS_DIR
    return None


def superseded_path(rel_path: str, sha256: str, paths: Paths) -> Path | None:
    """Where the superseded version ``sha256`` of raw file ``rel_path`` is kept."""
    inner = _under_raw(rel_path, paths)
    if inner is None:
        return None
    return paths.raw / SUPERSEDED_DIR / inner.parent / copy_name(inner.name, sha256)


def keep(source: Path, sha256: str, folder: Path, previous: Path | None = None) -> None:
    """Put the copy of raw file ``source`` (version ``sha256``) in ``folder`` (a processed
    folder being filled): a hard link to the copy in ``previous`` (the folder it replaces) when
    that one holds it already, else the gzip of ``source``'s bytes, which must hash to ``sha256``."""
    name = copy_name(source.name, sha256)
    target = folder / ORIGINALS_DIR / name
    target.parent.mkdir(parents=True, exist_ok=True)
    old = previous / ORIGINALS_DIR / name if previous is not None else None
    if old is not None and old.is_file():
        try:
            os.link(old, target)
            return
        except OSError:
            pass
    data = source.read_bytes()
    if sha256_bytes(data) != sha256:
        raise RuntimeError(f"{source} changed while it was being ingested; ingest it again")
    target.write_bytes(gzip_bytes(data))


def backfill(entries: list[tuple[str, str]], paths: Paths) -> list[str]:
    """Keep the copy of each (raw path, sha256) in ``entries`` that its processed folder lacks
    (a store ingested before ingest kept originals), when the raw file still is that version.
    The paths of the copies written, relative to the root."""
    written = []
    for rel, sha in entries:
        folder = originals_dir(rel, paths)
        if folder is None or not folder.parent.is_dir():
            continue
        target = folder / copy_name(PurePosixPath(rel).name, sha)
        source = paths.root / rel
        if target.is_file() or not source.is_file():
            continue
        data = source.read_bytes()
        if sha256_bytes(data) == sha:
            write_atomic(target, gzip_bytes(data))
            written.append(paths.rel(target))
    return written


def supersede(rel_path: str, sha256: str, paths: Paths) -> dict | None:
    """Keep the ingested copy of version ``sha256`` of raw file ``rel_path`` under
    ``data/raw/.superseded/`` (a hard link, or a copy across file systems), before its processed
    folder is replaced. ``{path, sha256, kept}``, or None when no copy of that version was kept."""
    folder = originals_dir(rel_path, paths)
    target = superseded_path(rel_path, sha256, paths)
    if folder is None or target is None:
        return None
    source = folder / copy_name(PurePosixPath(rel_path).name, sha256)
    if not target.is_file():
        if not source.is_file():
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except FileExistsError:
            pass
        except OSError:
            write_atomic(target, source.read_bytes())
    return {"path": rel_path, "sha256": sha256, "kept": paths.rel(target)}


def _version(copy: Path, sha256: str) -> bytes | None:
    """The raw bytes kept in ``copy`` if they are version ``sha256``."""
    if not copy.is_file():
        return None
    try:
        data = gzip.decompress(copy.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    return data if sha256_bytes(data) == sha256 else None


def restore(root, rel_path: str, sha256: str, dest: Path) -> bool:
    """Write version ``sha256`` of raw file ``rel_path`` (relative to the root, e.g.
    ``data/raw/2024-05/surveys.csv``) to ``dest``: from the raw file when it is that version,
    else from the copy ingest kept (in the processed store or under ``data/raw/.superseded/``).
    False, and nothing written, when that version is not available."""
    paths = get_paths(root)
    folder = originals_dir(rel_path, paths)
    if folder is None:
        return False
    current = paths.root / rel_path
    if current.is_file():
        data = current.read_bytes()
        if sha256_bytes(data) == sha256:
            write_atomic(dest, data)
            return True
    for copy in (folder / copy_name(PurePosixPath(rel_path).name, sha256),
                 superseded_path(rel_path, sha256, paths)):
        data = _version(copy, sha256)
        if data is not None:
            write_atomic(dest, data)
            return True
    return False


def superseded(root=None) -> list[dict]:
    """Every superseded version kept under ``data/raw/.superseded/``: ``{path, sha256, kept}``
    (the raw file's path and the copy's, relative to the root), sorted by path, then sha256."""
    paths = get_paths(root)
    base = paths.raw / SUPERSEDED_DIR
    if not base.is_dir():
        return []
    out = []
    for folder, _, names in os.walk(base):
        for name in names:
            parsed = _parse_copy(name)
            if parsed is None:
                continue
            inner = Path(folder).relative_to(base) / parsed[0]
            out.append({"path": paths.rel(paths.raw / inner), "sha256": parsed[1],
                        "kept": paths.rel(Path(folder) / name)})
    return sorted(out, key=lambda e: (e["path"], e["sha256"]))
