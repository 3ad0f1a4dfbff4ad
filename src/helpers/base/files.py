"""Writing files so that a reader never sees half of one, and hashing them.

The one copy of each: every module that writes or hashes a file uses these.

- ``write_atomic`` writes bytes to a temporary sibling, then renames it over the target;
  ``write_if_changed`` does the same only when the bytes differ (Sphinx rebuilds by mtime).
- ``swap_dir`` puts a finished folder in place of another in two renames; ``replace_dir``
  fills a temporary sibling folder and swaps it in (a month of the store, a published period).
- ``remove_dir`` removes a folder in one rename (then deletes it out of sight);
- ``link_tree`` copies a folder by hard links (files that are replaced, never edited in place);
- ``clean_leftovers`` finishes or undoes what a killed process left behind (a swap cut between
  its two renames, an unfinished temporary folder, a run's staging folder);
- ``sha256_bytes``, ``sha256_file``: hex digests; ``canonical_json``: the bytes of a JSON record
  (manifests, ingest records) that hash the same on every machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable


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


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write bytes so that a reader sees the old file or the new one, never half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_if_changed(path: str | os.PathLike, data: bytes) -> bool:
    """``write_atomic`` unless the file already holds these bytes (its mtime then stays); True if written."""
    path = Path(path)
    if path.is_file() and path.read_bytes() == data:
        return False
    write_atomic(path, data)
    return True


def swap_dir(new: str | os.PathLike, target: str | os.PathLike) -> None:
    """Put the folder ``new`` in place of ``target`` (which may not exist yet).

    Two renames on one file system: a reader sees the old folder or the new one, and the old
    one is removed afterwards.
    """
    new, target = Path(new), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.rename(new, target)
        return
    old = target.with_name(f".old-{target.name}-{os.getpid()}-{time.time_ns()}")
    os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


def replace_dir(target: str | os.PathLike, fill: Callable[[Path], None]) -> None:
    """Call ``fill(folder)`` on a new temporary sibling of ``target``, then swap it in.

    If ``fill`` raises, the temporary folder is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{target.name}-{os.getpid()}-", dir=target.parent))
    try:
        os.chmod(tmp, 0o755)
        fill(tmp)
        swap_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def remove_dir(path: str | os.PathLike) -> None:
    """Remove a folder so that no reader sees half of it: renamed first to a ``.tmp-`` name that
    ``clean_leftovers`` finishes removing if this process is killed while deleting."""
    path = Path(path)
    gone = path.with_name(f".tmp-{path.name}-{os.getpid()}-{time.time_ns()}")
    os.rename(path, gone)
    shutil.rmtree(gone)


def link_file(src: str | os.PathLike, dest: str | os.PathLike) -> None:
    """A hard link where the file system allows, else a copy."""
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def link_tree(src: Path, dest: Path) -> None:
    """Copy a folder by hard links where the file system allows: stored files are replaced,
    never changed in place, so a link is as good as a copy."""
    shutil.copytree(src, dest, copy_function=link_file)


# What ``swap_dir``, ``replace_dir`` and the runner name their temporary folders: the owner's pid
# comes before a last part that makes the name unique.
_LEFTOVER = re.compile(r"^\.(?P<what>old|tmp|staging)-(?:(?P<name>.+)-)?(?P<pid>\d+)-(?P<tail>[^-]+)$")


def pid_alive(pid: int) -> bool:
    """True if a process with this id exists (this one included)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


def clean_leftovers(parent: str | os.PathLike) -> list[str]:
    """Finish or undo what a killed process left in the folder ``parent``; one sentence per thing done.

    Only what belongs to a process that no longer runs is touched:

    - ``.old-<name>-<pid>-<n>``: a ``swap_dir`` cut between its two renames. If ``<name>`` is
      missing, the old folder is the last complete one and is renamed back; otherwise it is removed.
    - ``.tmp-<name>-<pid>-*``: an unfinished ``replace_dir`` folder, removed.
    - ``.staging-<pid>-*``: a run's staging folder, removed.

    Paths in the sentences are relative to ``parent``'s parent (e.g. ``reports/.staging-…``).
    """
    parent = Path(parent)
    if not parent.is_dir():
        return []
    done = []
    shown = lambda p: f"{parent.name}/{p.name}"  # noqa: E731
    for entry in sorted(parent.iterdir()):
        match = _LEFTOVER.match(entry.name)
        if not match or pid_alive(int(match["pid"])):
            continue
        what, name = match["what"], match["name"]
        if what == "old" and name and not (parent / name).exists():
            os.rename(entry, parent / name)
            done.append(f"restored {parent.name}/{name} from {shown(entry)}, left by a stopped swap")
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        kind = {"old": "a replaced copy", "tmp": "an unfinished folder", "staging": "a stopped run's staging"}[what]
        done.append(f"removed leftover {shown(entry)} ({kind})")
    return done
