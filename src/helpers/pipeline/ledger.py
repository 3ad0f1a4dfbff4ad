"""The ledger: ``reports/ledger.jsonl``, one line per publication of a period, each chained to the
line before it by that line's sha256, so that a line edited by hand is caught.

A line is one JSON object: ``period``, ``edition``, ``manifest_sha256`` (of the published
``manifest.json``'s bytes), ``prev`` (sha256 of the previous line's bytes without its newline,
``null`` on the first line), ``time`` (ISO-8601 UTC), ``reason``, ``changed_inputs``
(``[{path, before, after}]``) and ``superseded`` (``[{path, sha256, kept}]``, the kept originals of
the raw files that changed). The runner appends a line each time it publishes a period.

Crash safety. The runner writes the entry as pending (``reports/.ledger-pending/<period>.json``)
before it swaps the period in, appends it after, then removes the pending file. ``reconcile``
settles what a killed process left: a pending entry whose manifest is the one published is
appended (the swap happened), any other is dropped (it did not); a last line cut off in the
middle of writing a pending entry is removed first. A cut-off line that no pending entry
explains is not touched: ``check_ledger`` names it. Writers hold a lock on ``reports/`` itself.

``editions`` lists a period's editions for the book; ``check_manifest`` says whether a manifest is
the one the ledger names; ``adopt`` records periods published before the ledger existed.
``publish_print`` adds a print (``goldbook pdf``) to a published period: the manifest lists it, and
a new line names that manifest for the same edition, written the way the runner publishes.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time as clock
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from ..base.config import parse_period
from ..base.files import canonical_json, link_file, sha256_bytes, sha256_file, swap_dir, write_atomic
from ..base.paths import get_paths
from ..base.periods import PeriodError
from .manifest import EDITIONS_DIR, MANIFEST_NAME, PRINTS_DIR, PRINTS_KEY, print_hashes, read_manifest_file, with_prints

LEDGER_NAME = "ledger.jsonl"
PENDING_DIR = ".ledger-pending"
KEYS = ("period", "edition", "manifest_sha256", "prev", "time", "reason", "changed_inputs", "superseded")
ADOPTED = "recorded when the ledger was introduced"
UNRECORDED = "first publication recorded (the files before it did not match their manifest)"
PRINT_ADDED = "print added"
# Every reason the runner records, and the short name the book shows it by (``book.edition.reason.<name>``
# in the catalogue); the ledger keeps the English text so that it reads on its own.
REASONS = {
    "first publication": "first",
    ADOPTED: "adopted",
    UNRECORDED: "unrecorded",
    "published again (the previous edition's folder was missing)": "again",
    "inputs changed": "inputs",
    "inputs added": "added",
    "config changed": "config",
    "inputs and config changed": "inputs_config",
    "code changed, inputs unchanged": "code",
    "lock file changed, inputs unchanged": "lock",
    "run settings changed, inputs unchanged": "settings",
    "rerun, inputs unchanged": "rerun",
    PRINT_ADDED: "print",
}
# What a staging folder of ``publish_print`` is called: the runner's pattern, which
# ``base.files.clean_leftovers`` removes once its process is gone.
STAGING = ".staging-{pid}-{ns}"


class LedgerError(ValueError):
    """The ledger cannot take a new line (its last line is cut off); the message says why."""


@dataclass(frozen=True)
class Edition:
    """One edition of a period, from its ledger lines (oldest first in ``editions``).

    ``date``, ``reason`` and ``changed_inputs`` come from the line that made the edition;
    ``manifest_sha256`` from its latest line (a rerun with the same inputs republishes it).
    """

    number: int
    manifest_sha256: str
    date: str                       # YYYY-MM-DD, UTC
    reason: str
    changed_inputs: tuple[str, ...]  # relative paths
    folder: str                     # relative to the root
    current: bool


# --- reading and checking ----------------------------------------------------------------------
def ledger_path(root=None) -> Path:
    return get_paths(root).reports / LEDGER_NAME


def line_bytes(entry: Mapping) -> bytes:
    """The bytes of an entry's line, without its newline: sorted keys, no spaces, UTF-8."""
    return json.dumps(dict(entry), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _split(data: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines (without newlines) and the cut-off tail after the last newline."""
    *lines, tail = data.split(b"\n")
    return lines, tail


def head(root=None) -> dict:
    """``{"lines", "sha256"}``: how many complete lines the ledger has and the sha256 of the last
    one (None when empty). Kept elsewhere (the book's build manifest, an auditor's notes), it pins
    every line up to it: the chain makes each earlier line depend on the last."""
    path = ledger_path(root)
    lines = _split(path.read_bytes())[0] if path.is_file() else []
    return {"lines": len(lines), "sha256": sha256_bytes(lines[-1]) if lines else None}


def check_head(recorded: Mapping, root=None, where: str = "recorded") -> str | None:
    """Why the ledger no longer starts with the lines a recorded ``head`` pins, or None; ``where``
    completes "is not the ledger …" (who recorded the head)."""
    count = int(recorded.get("lines") or 0)
    if not count:
        return None
    path = ledger_path(root)
    lines = _split(path.read_bytes())[0] if path.is_file() else []
    if len(lines) < count or sha256_bytes(lines[count - 1]) != recorded.get("sha256"):
        return (f"reports/{LEDGER_NAME} is not the ledger {where}: its first {count} line(s) were "
                f"edited, removed or rewritten (line {count} should have sha256 {str(recorded.get('sha256'))[:12]})")
    return None


def read_ledger(root=None) -> list[dict]:
    """Every complete line that parses as an entry, in order, each with ``line`` (its 1-based
    number) added. Lines that do not parse are left out; ``check_ledger`` names them."""
    path = ledger_path(root)
    if not path.is_file():
        return []
    lines, _ = _split(path.read_bytes())
    out = []
    for number, raw in enumerate(lines, start=1):
        entry = _parse(raw)
        if entry is not None:
            out.append({**entry, "line": number})
    return out


def _parse(raw: bytes) -> dict | None:
    try:
        entry = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return entry if isinstance(entry, dict) else None


def check_ledger(root=None) -> list[str]:
    """What is wrong with the ledger, one sentence per problem naming its line: a line that is
    not an entry, a broken chain (a line edited or removed), an edition number out of order, a
    last line cut off. Empty when the chain holds (or there is no ledger)."""
    path = ledger_path(root)
    if not path.is_file():
        return []
    shown = f"reports/{LEDGER_NAME}"
    lines, tail = _split(path.read_bytes())
    problems = []
    prev = None
    last_edition: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        entry = _parse(raw)
        if entry is None or not _well_formed(entry):
            problems.append(f"{shown} line {number} is not a ledger entry")
        else:
            if entry["prev"] != prev:
                problems.append(f"{shown} line {number} does not follow line {number - 1}: the chain is broken "
                                f"(line {number - 1} was edited, or a line was removed or inserted)"
                                if number > 1 else f"{shown} line 1 does not start the chain")
            before = last_edition.get(entry["period"], 0)
            if entry["edition"] not in (before, before + 1) or entry["edition"] < 1:
                problems.append(f"{shown} line {number}: edition {entry['edition']} of {entry['period']} "
                                f"follows edition {before}")
            last_edition[entry["period"]] = entry["edition"]
        prev = sha256_bytes(raw)
    if tail:
        problems.append(cut_off_line(len(lines) + 1))
    return problems


def cut_off_line(number: int) -> str:
    return (f"reports/{LEDGER_NAME} line {number} is cut off (no end of line): a write was stopped "
            f"mid-line or the file was edited")


def cut_off(root=None) -> str | None:
    """The problem of a last line without its end of line (nothing can be chained to it), or None."""
    path = ledger_path(root)
    data = path.read_bytes() if path.is_file() else b""
    if not data or data.endswith(b"\n"):
        return None
    return cut_off_line(data.count(b"\n") + 1)


def _well_formed(entry: Mapping) -> bool:
    return (all(k in entry for k in KEYS) and isinstance(entry["period"], str)
            and isinstance(entry["edition"], int) and isinstance(entry["manifest_sha256"], str)
            and (entry["prev"] is None or isinstance(entry["prev"], str)))


def latest(period: str, root=None, edition: int | None = None) -> dict | None:
    """The period's last ledger line (of ``edition``, when given), or None."""
    found = [e for e in read_ledger(root) if e.get("period") == period
             and (edition is None or e.get("edition") == edition)]
    return found[-1] if found else None


def edition_folder(period: str, number: int | None = None) -> str:
    """``reports/<period>`` (the current edition) or ``reports/<period>/editions/<n>``."""
    return f"reports/{period}" if number is None else f"reports/{period}/{EDITIONS_DIR}/{number}"


def editions(period: str, root=None) -> list[Edition]:
    """The period's editions in the ledger, oldest first; the last one is the current one."""
    entries = [e for e in read_ledger(root) if e.get("period") == period and isinstance(e.get("edition"), int)]
    numbers = sorted({e["edition"] for e in entries})
    out = []
    for n in numbers:
        mine = [e for e in entries if e["edition"] == n]
        first, last = mine[0], mine[-1]
        current = n == numbers[-1]
        out.append(Edition(
            number=n,
            manifest_sha256=str(last.get("manifest_sha256")),
            date=str(first.get("time", ""))[:10],
            reason=str(first.get("reason", "")),
            changed_inputs=tuple(str(c.get("path")) for c in first.get("changed_inputs") or []),
            folder=edition_folder(period, None if current else n),
            current=current,
        ))
    return out


def current_edition(period: str, root=None) -> int:
    """The period's current edition number (0 when the ledger does not have it)."""
    entry = latest(period, root)
    return int(entry["edition"]) if entry else 0


def check_manifest(period: str, manifest_path, root=None, edition: int | None = None) -> str | None:
    """Why the manifest at ``manifest_path`` is not the one the ledger names for ``period``
    (its latest line, or the latest line of ``edition``), or None when it is. A published
    manifest with no ledger at all is not recorded either: deleting the ledger must not pass."""
    paths = get_paths(root)
    if not ledger_path(paths.root).is_file():
        return (f"there is no reports/{LEDGER_NAME}: nothing records that {period} was published "
                f"(`goldbook run` records the periods published before the ledger existed)")
    shown = paths.rel(Path(manifest_path))
    entry = latest(period, paths.root, edition)
    if entry is None:
        what = f"edition {edition} of {period}" if edition is not None else period
        return (f"{what} is not in the ledger (reports/{LEDGER_NAME}): nothing records that it was published"
                + ("" if edition is not None else " (`goldbook run` records a period published before the ledger)"))
    if not Path(manifest_path).is_file() or sha256_file(manifest_path) != entry.get("manifest_sha256"):
        return f"{shown} is not the manifest the ledger names (ledger line {entry['line']})"
    return None


# --- writing -----------------------------------------------------------------------------------
def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def new_entry(period: str, edition: int, manifest_sha256: str, reason: str,
              changed_inputs: Sequence[Mapping] = (), superseded: Sequence[Mapping] = (),
              time: str | None = None) -> dict:
    """An entry without its ``prev`` (``append`` sets it)."""
    return {
        "period": period, "edition": int(edition), "manifest_sha256": manifest_sha256,
        "time": time or now(), "reason": reason,
        "changed_inputs": [{"path": c["path"], "before": c.get("before"), "after": c.get("after")}
                           for c in changed_inputs],
        "superseded": [{"path": s["path"], "sha256": s["sha256"], "kept": s.get("kept")} for s in superseded],
    }


@contextmanager
def locked(root=None) -> Iterator[None]:
    """Hold an exclusive lock on the ``reports/`` folder itself (released when the process ends,
    however it ends): one writer of the ledger and the published periods at a time."""
    reports = get_paths(root).reports
    reports.mkdir(parents=True, exist_ok=True)
    fd = os.open(reports, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _head(data: bytes) -> str | None:
    lines, _ = _split(data)
    return sha256_bytes(lines[-1]) if lines else None


def append(entry: Mapping, root=None) -> dict:
    """Append ``entry`` (``new_entry``) chained to the last line; returns it with ``prev``."""
    return append_all([entry], root)[0]


def append_all(entries: Sequence[Mapping], root=None) -> list[dict]:
    """Append ``entries`` in order, each chained to the line before, in one ``write`` (a killed
    process leaves all of them or none, short of a cut in the middle, which ``reconcile`` and
    ``check_ledger`` handle). Raises LedgerError, writing nothing, when the last line is cut off.
    """
    path = ledger_path(root)
    data = path.read_bytes() if path.is_file() else b""
    if data and not data.endswith(b"\n"):
        raise LedgerError(f"reports/{LEDGER_NAME}: its last line is cut off (no end of line), so nothing can "
                          f"be chained to it; `goldbook verify --all --published-only` names the line")
    prev, out, chunk = _head(data), [], b""
    for entry in entries:
        full = {**{k: v for k, v in entry.items() if k != "line"}, "prev": prev}
        line = line_bytes(full)
        chunk += line + b"\n"
        prev = sha256_bytes(line)
        out.append(full)
    if chunk:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, chunk)
        finally:
            os.close(fd)
    return out


def pending_path(period: str, root=None) -> Path:
    return get_paths(root).reports / PENDING_DIR / f"{period}.json"


def write_pending(entry: Mapping, root=None) -> Path:
    """Record ``entry`` as about to be published (before the swap)."""
    path = pending_path(entry["period"], root)
    write_atomic(path, json.dumps(dict(entry), sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n")
    return path


def publish(entry: Mapping, root=None) -> dict:
    """Append a pending entry and remove its pending file (after the swap)."""
    full = append(entry, root)
    _unpend(pending_path(entry["period"], root))
    return full


def _unpend(path: Path) -> None:
    """Remove a pending entry, and the pending folder once it is empty."""
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()
    except OSError:  # another pending entry is still there
        pass


def reconcile(root=None) -> list[str]:
    """Settle the pending entries a killed run left; one sentence per thing done.

    A pending entry already in the ledger is removed; one whose manifest is the published one is
    appended (after removing a last line cut off while writing it); any other is dropped. Call it
    holding ``locked`` (the runner, verify and status do).
    """
    paths = get_paths(root)
    folder = paths.reports / PENDING_DIR
    if not folder.is_dir():
        return []
    said = []
    for pending in sorted(folder.glob("*.json")):
        try:
            entry = json.loads(pending.read_text(encoding="utf-8"))
            period = entry["period"]
        except (OSError, ValueError, KeyError, TypeError):
            _unpend(pending)
            said.append(f"ledger: removed an unreadable pending entry {PENDING_DIR}/{pending.name}")
            continue
        path = ledger_path(paths.root)
        data = path.read_bytes() if path.is_file() else b""
        lines, tail = _split(data)
        if tail:
            candidate = line_bytes({**entry, "prev": sha256_bytes(lines[-1]) if lines else None})
            if candidate.startswith(tail):
                with open(path, "r+b") as fh:
                    fh.truncate(len(data) - len(tail))
                said.append(f"ledger: removed the cut-off last line of reports/{LEDGER_NAME} "
                            f"(a stopped run was writing it)")
                data = data[:len(data) - len(tail)]
                lines, tail = _split(data)
        recorded = any(_same(_parse(raw), entry) for raw in lines)
        published = paths.period_reports(period) / MANIFEST_NAME
        if recorded:
            _unpend(pending)
            continue
        if published.is_file() and sha256_file(published) == entry.get("manifest_sha256"):
            if tail:  # a cut-off line this entry does not explain: leave both for a person to see
                said.append(f"ledger: cannot record edition {entry.get('edition')} of {period} "
                            f"({PENDING_DIR}/{pending.name}): the ledger's last line is cut off")
                continue
            append(entry, paths.root)
            _unpend(pending)
            said.append(f"ledger: recorded edition {entry.get('edition')} of {period}, published by a run "
                        f"that stopped before recording it")
        else:
            _unpend(pending)
            said.append(f"ledger: dropped the pending entry of {period}: the run that wrote it stopped "
                        f"before publishing, so {period} is as it was")
    return said


def _same(a: Mapping | None, b: Mapping) -> bool:
    return a is not None and all(a.get(k) == b.get(k) for k in ("period", "edition", "manifest_sha256", "time"))


def adopt(root=None, accept=None) -> list[str]:
    """Record, as edition 1 (or the number of its ``editions/`` folders plus one), each published
    period that the ledger does not have yet: periods published before the ledger existed.

    ``accept(period) -> str | None`` says why a period must not be recorded (its published
    files do not match its manifest); such a period is named and left out. Call it holding
    ``locked``.
    """
    paths = get_paths(root)
    have = {e.get("period") for e in read_ledger(paths.root)}
    found = []
    for manifest in paths.reports.glob(f"*/{MANIFEST_NAME}"):
        try:
            found.append(parse_period(manifest.parent.name, paths.root))
        except PeriodError:
            continue
    said, entries = [], []
    for period in sorted(found):
        label = period.label
        if label in have:
            continue
        why = accept(label) if accept is not None else None
        if why:
            said.append(f"ledger: {label} not recorded: {why}")
            continue
        folder = paths.period_reports(label)
        number = 1 + sum(1 for d in (folder / EDITIONS_DIR).glob("*") if d.is_dir() and d.name.isdigit())
        entries.append(new_entry(label, number, sha256_file(folder / MANIFEST_NAME), ADOPTED))
    append_all(entries, paths.root)  # all at once: a kill leaves every one of them recorded or none
    if entries:
        labels = [e["period"] for e in entries]
        shown = ", ".join(labels) if len(labels) <= 3 else f"{labels[0]} … {labels[-1]}"
        said.insert(0, f"ledger: recorded {len(labels)} period(s) published before the ledger existed, "
                       f"each as its current edition: {shown}")
    return said


# --- prints ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sealed:
    """A print put into a published period by ``publish_print``."""

    path: str              # relative to the root
    sha256: str
    edition: int
    manifest_sha256: str
    changed: bool          # False: the period already held these bytes, listed (nothing was written)


def run_manifests(period: str, root=None) -> set[str]:
    """The manifests the ledger names for the period's latest publication by a run: that run's own
    and each one a print added to it since (the same outputs, other ``prints``)."""
    mine = [e for e in read_ledger(root) if e.get("period") == period]
    runs = [i for i, e in enumerate(mine) if e.get("reason") != PRINT_ADDED]
    return {str(e.get("manifest_sha256")) for e in mine[runs[-1] if runs else 0:]}


def run_manifest_sha256(manifest: Mapping) -> str:
    """The sha256 of a manifest as the run wrote it, without the prints added since."""
    return sha256_bytes(canonical_json(with_prints(manifest, {})))


def publish_print(period: str, name: str, data: bytes, root=None, made_from: str | None = None) -> Sealed:
    """Put the print ``data`` at ``reports/<period>/<name>`` (``name`` under ``print/``), list it in
    the period's manifest (its ``prints``) and append a ledger line naming the new manifest for the
    same edition (``PRINT_ADDED``).

    Written as the runner publishes, holding ``locked``: the period folder is copied by hard links
    into a staging folder, the print and the manifest are written there, the entry is written as
    pending, the folder is swapped in, then the entry is appended. A killed process leaves the old
    period or the new one, and ``reconcile`` appends or drops the pending entry. The other prints
    the manifest lists stay when their files still match; any other file under ``print/`` goes.
    Raises LedgerError, changing nothing, when the published manifest is not the one the ledger
    names (or the ledger's last line is cut off), or, given ``made_from`` (``run_manifest_sha256``
    of the manifest the print was made from), when the period was published again meanwhile.
    """
    paths = get_paths(root)
    folder = paths.period_reports(period)
    target = folder / MANIFEST_NAME
    digest = sha256_bytes(data)
    with locked(paths.root):
        problem = cut_off(paths.root) or check_manifest(period, target, paths.root)
        if problem:
            raise LedgerError(f"{problem}; the print was not added (`goldbook verify {period} --published-only` "
                              f"says what is wrong)")
        manifest = read_manifest_file(target) or {}
        if made_from is not None and run_manifest_sha256(manifest) != made_from:
            raise LedgerError(f"{period} was published again while it was printed; the print was not added "
                              f"(print it again)")
        found = print_hashes(folder)
        kept = {rel: sha for rel, sha in (manifest.get(PRINTS_KEY) or {}).items()
                if rel != name and found.get(rel) == sha}
        new = canonical_json(with_prints(manifest, {**kept, name: digest}))
        edition = current_edition(period, paths.root)
        shown = f"reports/{period}/{name}"
        if new == target.read_bytes() and found == {**kept, name: digest}:
            return Sealed(shown, digest, edition, sha256_file(target), False)
        base = paths.reports / STAGING.format(pid=os.getpid(), ns=clock.time_ns())
        staged = base / period
        try:
            shutil.copytree(folder, staged, copy_function=link_file, ignore=shutil.ignore_patterns(".*"))
            for rel in found:
                if rel not in kept:
                    (staged / rel).unlink()
            (staged / PRINTS_DIR).mkdir(exist_ok=True)
            write_atomic(staged / name, data)        # a new file: the linked one is replaced, never edited
            write_atomic(staged / MANIFEST_NAME, new)
            entry = new_entry(period, edition, sha256_bytes(new), PRINT_ADDED)
            write_pending(entry, paths.root)
            swap_dir(staged, folder)
            publish(entry, paths.root)
        finally:
            shutil.rmtree(base, ignore_errors=True)
    return Sealed(shown, digest, edition, sha256_bytes(new), True)
