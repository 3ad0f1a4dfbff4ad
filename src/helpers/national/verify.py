"""Verifying a national period: rebuild its tables and figures from exactly the entity files its
manifest lists, in a clean folder, and prove them identical (``goldbook verify --national PERIOD``).

``verify`` checks, in order:

1. every file the manifest's listing names (each entity's manifest, its ``config/entity.yaml`` and
   the tables read) still has the listed sha256, and each table still matches its entity's manifest;
   a changed or missing one is named, and nothing is rebuilt from files that are not those read;
2. the period rebuilt from the listing (``publish.write_outputs``) in a temporary folder gives
   every recorded output with the recorded sha256, and nothing else;
3. the files published in ``national/reports/<period>/`` are the recorded ones.

``ok`` only when all three hold. Notes say what does not make it fail but a reader should know:
``national.yaml``, the message catalogue, the code or the lock file differ from the recorded ones, or entities have
published since (``goldbook national build`` would republish the period).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..base.files import sha256_file
from ..pipeline.manifest import MANIFEST_NAME, code_hash, lock_hash, output_hashes, read_manifest_file
from ..pipeline.verify import compare_outputs
from . import publish, sources
from .workspace import NationalError, get_workspace, load_settings


@dataclass
class NationalVerify:
    period: str
    identical: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)       # recorded, not rebuilt
    extra: list[str] = field(default_factory=list)         # rebuilt, not recorded
    inputs: int = 0                                        # entity files checked
    manifests: int = 0                                     # of which entity manifests
    inputs_changed: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)     # published files not as recorded
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def total(self) -> int:
        return len(self.identical) + len(self.differing) + len(self.missing)

    @property
    def ok(self) -> bool:
        return (self.error is None and not self.inputs_changed and not self.differing and not self.missing
                and not self.extra and not self.published and self.total > 0)

    def report(self) -> str:
        title = f"national {self.period}"
        if self.ok:
            lines = [f"{title}: {self.total} of {self.total} outputs identical",
                     f"  {self.manifests} entity manifests and {self.inputs - self.manifests} entity files as listed",
                     f"  {self.total} of {self.total} published files match the manifest"]
        elif self.error:
            lines = [f"{title}: NOT verified: {self.error}"]
        else:
            lines = [f"{title}: NOT verified: {len(self.identical)} of {self.total} outputs identical"]
        lines += [f"  entity file changed since it was read: {c}" for c in self.inputs_changed]
        if self.inputs_changed:
            lines.append("  the period was not rebuilt: its inputs are not the ones it was made from "
                         "(`goldbook national build` republishes it from the entities' current tables)")
        lines += [f"  differs: {p}" for p in self.differing]
        lines += [f"  missing from rebuild: {p}" for p in self.missing]
        lines += [f"  not in manifest: {p}" for p in self.extra]
        lines += [f"  published file {p}" for p in self.published]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _changed(ws, entry: dict) -> str | None:
    path = ws.root / entry["path"]
    if not path.is_file():
        return f"{entry['path']} (missing; listed sha256 {entry['sha256'][:12]})"
    found = sha256_file(path)
    if found != entry["sha256"]:
        return f"{entry['path']} (sha256 {entry['sha256'][:12]} → {found[:12]})"
    return None


def check_inputs(ws, listing: list[dict]) -> tuple[list[str], int, int]:
    """Which listed entity files changed or went missing; how many files and manifests were checked.
    A listed table must also still be the one its entity's manifest records."""
    changed, files = [], 0
    for item in listing:
        entries = [item["manifest"], item["config"], *item["tables"].values()]
        files += len(entries)
        changed += [c for c in (_changed(ws, e) for e in entries) if c]
        manifest_path = ws.root / item["manifest"]["path"]
        if not manifest_path.is_file():
            continue
        try:
            outputs = (read_manifest_file(manifest_path) or {}).get("outputs") or {}
        except ValueError:
            continue            # its sha256 already differs: named above
        for name, entry in item["tables"].items():
            if outputs.get(f"tables/{name}.csv") != entry["sha256"]:
                changed.append(f"{entry['path']} (its entity's manifest no longer records this table as read)")
    return sorted(dict.fromkeys(changed)), files, len(listing)


def verify(period: str, root=None, keep: bool = False) -> NationalVerify:
    """Verify national ``period`` (see the module)."""
    ws = get_workspace(root)
    result = NationalVerify(period)
    folder = ws.period_reports(period)
    try:
        sources.months_of(period)
        manifest = publish.read_manifest(ws, period)
    except NationalError as exc:
        result.error = str(exc)
        return result
    if manifest is None:
        result.error = (f"no manifest at national/reports/{period}/{MANIFEST_NAME}: "
                        f"`goldbook national build` publishes the national periods")
        return result
    recorded = manifest.get("outputs") or {}
    listing, missing = manifest.get("inputs") or [], list(manifest.get("missing") or [])
    settings = load_settings(ws.root)

    published = output_hashes(folder)
    same, edited, absent, added = compare_outputs(recorded, published)
    result.published = ([f"edited: {p}" for p in edited] + [f"missing: {p}" for p in absent]
                        + [f"not in manifest: {p}" for p in added])

    result.inputs_changed, result.inputs, result.manifests = check_inputs(ws, listing)
    if settings.sha256 != (manifest.get("settings") or {}).get("sha256"):
        result.notes.append("national.yaml differs from the one recorded (its targets and ranking settings "
                            "were used for the rebuild)")
    if code_hash()["sha256"] != (manifest.get("code") or {}).get("sha256"):
        result.notes.append("code differs: src/helpers and notebooks hash "
                            f"{str((manifest.get('code') or {}).get('sha256'))[:12]} → {code_hash()['sha256'][:12]}")
    if publish.catalogue_hashes() != manifest.get("catalogue"):
        result.notes.append("the message catalogue (config/messages) differs from the recorded one")
    if lock_hash()["sha256"] != (manifest.get("lock") or {}).get("sha256"):
        result.notes.append("the lock file differs from the recorded one")
    if result.inputs_changed:
        result.missing = sorted(recorded)
        return result
    try:
        now, now_missing = sources.list_inputs(ws, settings, period)
        if now != listing or sorted(now_missing) != sorted(missing):
            result.notes.append("entities have published since this period was made; "
                                "`goldbook national build` republishes it")
    except NationalError as exc:
        result.notes.append(f"the entities' current tables cannot be listed: {exc}")

    work = Path(tempfile.mkdtemp(prefix=f"goldbook-verify-national-{period}-"))
    try:
        rebuilt = publish.write_outputs(ws, settings, period, listing, missing, work)
        result.identical, result.differing, result.missing, result.extra = compare_outputs(recorded, rebuilt)
    except NationalError as exc:
        result.error = f"the rebuild failed: {exc}"
        result.missing = sorted(recorded)
    finally:
        if keep:
            result.notes.append(f"the rebuild is in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return result
