"""Publishing a national period: its tables and figures, and the manifest that makes it reproducible.

``publish_period`` lists what the period reads (``sources.list_inputs``: each entity's manifest,
configuration and published tables, with their sha256), makes the national tables
(``tables.period_tables``) and figures (``compare_view``) in a staging folder, writes
``manifest.json`` beside them and swaps the folder into ``national/reports/<period>/``: a reader
sees the old period or the new one, never half of one. A period whose listing, ``national.yaml``,
code and lock file are those its manifest records is left as it is (unless forced).

The manifest records (``build_manifest``):

- ``inputs``: the listing, so the period can be rebuilt from exactly those files
  (``goldbook verify --national PERIOD``);
- ``missing``: the entities of ``national.yaml`` that had not published the period;
- ``settings``: ``national.yaml``'s sha256; ``catalogue``: the message catalogue's files (the
  figures' words); ``code``, ``lock``, ``environment`` as an entity manifest records them
  (``pipeline.manifest``);
- ``outputs``: every table's and figure's sha256 (the bytes are deterministic: fixed sort orders,
  the house style's fixed SVG salt and no SVG date);
- ``volatile``: when it was recorded, which feeds no hash.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from ..base import plots
from ..base.files import canonical_json, sha256_file, swap_dir, write_atomic
from ..base.messages import CATALOGUE_DIR, LANGS
from ..base.periods import kind_of
from ..pipeline.manifest import (
    MANIFEST_NAME,
    ManifestError,
    code_hash,
    environment,
    git_state,
    lock_hash,
    output_hashes,
    read_manifest_file,
)
from ..report.publish import table_csv
from . import compare_view, sources, tables
from .workspace import SETTINGS_FILE, NationalError, Settings, Workspace, get_workspace, load_settings

MANIFEST_FORMAT = 1
FIGURES = ("take_up", "readiness", "shrinkage_csat")
STAGING_PREFIX = ".staging-"
# what a national period's outputs depend on (``fingerprint``)
FINGERPRINT_KEYS = ("settings", "inputs", "missing", "catalogue", "code", "lock")


@dataclass(frozen=True)
class PeriodResult:
    period: str
    status: str           # published or unchanged
    entities: int
    missing: int

    def line(self) -> str:
        what = "published" if self.status == "published" else "unchanged, left as it is"
        gap = f", {self.missing} without it" if self.missing else ""
        return f"national {self.period}: {what} ({self.entities} entities{gap})"


def write_outputs(ws: Workspace, settings: Settings, period: str, listing: list[dict], missing: list[str],
                  folder: Path) -> dict[str, str]:
    """Make the period's tables (``tables/<name>.csv``) and figures (``figures/<lang>/<name>.svg``)
    in ``folder`` from exactly the files ``listing`` names; returns their sha256 by relative path."""
    infos, months = sources.load(ws, listing)
    found = tables.period_tables(period, infos, months, settings, missing)
    for name in tables.TABLE_NAMES:
        write_atomic(folder / "tables" / f"{name}.csv", table_csv(found[name]))
    for lang in LANGS:
        for name, svg in figures(found, infos, settings, lang).items():
            write_atomic(folder / "figures" / lang / f"{name}.svg", svg.encode("utf-8"))
    return output_hashes(folder)


def figures(found: dict, infos: dict, settings: Settings, lang: str) -> dict[str, str]:
    """The period's figures in ``lang`` as SVG text, by name (``FIGURES``); a figure with nothing to
    draw is left out."""
    names = compare_view.Names(infos, lang)
    out = {}
    take_up = found["national_take_up"]
    if take_up["take_up"].notna().any():
        out["take_up"] = plots.to_svg(compare_view.take_up_chart(take_up, names, settings.targets["digital_take_up"]))
    if len(found["national_readiness"]):
        out["readiness"] = plots.to_svg(compare_view.readiness_chart(found["national_readiness"], lang))
    csat = found["national_rank_csat"]
    if csat["strength"].notna().any():
        out["shrinkage_csat"] = plots.to_svg(compare_view.shrinkage_chart(csat, lang))
    return out


def fingerprint(settings: Settings, listing: list[dict], missing: list[str]) -> dict:
    """What a national period's outputs depend on: ``national.yaml``, the listing, the entities
    missing, the code and the lock file (as ``build_manifest`` records them)."""
    code = code_hash()
    return {"settings": {"file": SETTINGS_FILE, "sha256": settings.sha256}, "inputs": listing,
            "missing": sorted(missing), "catalogue": catalogue_hashes(),
            "code": {"sha256": code["sha256"], "files": code["files"]}, "lock": lock_hash()}


def catalogue_hashes() -> dict[str, str]:
    """``{config/messages/<file>: sha256}`` of the message catalogue the figures' words come from."""
    return {f"config/messages/{p.name}": sha256_file(p) for p in sorted(CATALOGUE_DIR.glob("*.yaml"))}


def recorded_fingerprint(manifest: dict) -> dict:
    out = {key: manifest.get(key) for key in FINGERPRINT_KEYS}
    if isinstance(out.get("code"), dict):
        out["code"] = {k: out["code"].get(k) for k in ("sha256", "files")}
    return out


def build_manifest(period: str, settings: Settings, listing: list[dict], missing: list[str],
                   outputs: dict[str, str]) -> dict:
    fp = fingerprint(settings, listing, missing)
    return {
        "manifest_format": MANIFEST_FORMAT,
        "national": {"period": period, "kind": kind_of(period), "languages": list(LANGS),
                     "entities": len({i["entity"] for i in listing})},
        "settings": fp["settings"],
        "inputs": listing,
        "missing": fp["missing"],
        "catalogue": fp["catalogue"],
        "code": {**fp["code"], **git_state()},
        "lock": fp["lock"],
        "environment": environment(),
        "outputs": outputs,
        "verify": f"goldbook verify --national {period}",
        "volatile": {
            "note": "when the national period was recorded; never part of an output hash or the fingerprint",
            "recorded_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        },
    }


def read_manifest(ws: Workspace, period: str) -> dict | None:
    """The national period's manifest (None when it has none); ``NationalError`` when unreadable."""
    try:
        return read_manifest_file(ws.period_reports(period) / MANIFEST_NAME)
    except ManifestError as exc:
        raise NationalError(f"national {exc}") from None


def publish_period(ws: Workspace, settings: Settings, period: str, force: bool = False) -> PeriodResult:
    """Make and publish national ``period`` (see the module); unchanged periods are left as they are."""
    listing, missing = sources.list_inputs(ws, settings, period)
    entities = len({i["entity"] for i in listing})
    if not listing:
        raise NationalError(f"national {period}: no entity has published it")
    target = ws.period_reports(period)
    recorded = read_manifest(ws, period)
    if (not force and recorded is not None and recorded_fingerprint(recorded) == fingerprint(settings, listing, missing)
            and output_hashes(target) == recorded.get("outputs")):
        return PeriodResult(period, "unchanged", entities, len(missing))
    staged = ws.reports / f"{STAGING_PREFIX}{period}-{os.getpid()}-{time.time_ns()}"
    try:
        outputs = write_outputs(ws, settings, period, listing, missing, staged)
        record = build_manifest(period, settings, listing, missing, outputs)
        write_atomic(staged / MANIFEST_NAME, canonical_json(record))
        swap_dir(staged, target)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return PeriodResult(period, "published", entities, len(missing))


def publish_all(root=None, force: bool = False, progress: Callable[[str], None] = print) -> list[PeriodResult]:
    """Publish every national period (``sources.national_periods``: each month some entity
    published, then each year); one ``progress`` line each."""
    ws = get_workspace(root)
    settings = load_settings(ws.root)
    for leftover in sorted(ws.reports.glob(f"{STAGING_PREFIX}*")) if ws.reports.is_dir() else []:
        shutil.rmtree(leftover, ignore_errors=True)     # what a stopped build left
    periods = sources.national_periods(ws, settings)
    if not periods:
        raise NationalError("no entity has published a month yet: run `goldbook national refresh` first")
    results = []
    for period in periods:
        results.append(publish_period(ws, settings, period, force))
        progress(results[-1].line())
    return results
