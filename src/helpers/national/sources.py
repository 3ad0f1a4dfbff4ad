"""Where the national book's numbers come from: each entity's published tables, located and checked
through the entity's own manifest (``reports/<month>/manifest.json``, ``pipeline.manifest``).

Nothing else of an entity is read: never its raw files or its processed store. For each entity and
month read, the listing (``list_inputs``) records the entity's manifest, its ``config/entity.yaml``
(centre kinds and names) and the tables read (``TABLES``), each with its path in the workspace and
sha256. The national manifest keeps that listing; ``load`` reads exactly the files a listing names
and refuses any whose bytes are not the listed ones, so a rebuild from a recorded listing reads what
the first build read, or says which file changed.

A table is read only when its entity's manifest lists it among its outputs with the same sha256 (an
edited published table is refused, named); one the manifest does not list was not published by
that entity (it does not provide surveys, say) and is absent. An entity's ``config/entity.yaml``
must be the one its manifests of the months read record (else the entity is not refreshed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from ..base.messages import LANGS
from ..base.files import sha256_file
from ..base.periods import kind_of, parse, shift_month
from ..pipeline.manifest import MANIFEST_NAME, ManifestError, published_periods, read_manifest_file
from .workspace import NationalError, Settings, Workspace

TABLES = ("channels_by_channel", "satisfaction_centre", "readiness_standing")
# the columns read of each table (``compare.centre_month``)
COLUMNS = {"channels_by_channel": ("centre_id", "completed", "digital", "sl_met", "sl_base"),
           "satisfaction_centre": ("centre_id", "responses", "satisfied"),
           "readiness_standing": ("centre_id", "score", "classification")}
ENTITY_CONFIG = "config/entity.yaml"
_TEXT = {"centre_id": str, "channel_id": str, "classification": str, "next_class": str}


@dataclass(frozen=True)
class EntityInfo:
    """What the national book shows of an entity: its names, its centres (id, kind, names) and its
    readiness classes (per centre kind, highest first), from its ``config/entity.yaml``."""

    entity_id: str
    names: dict
    centres: tuple              # ((centre_id, kind, {lang: name}), ...) in config order
    bands: tuple                # ((kind, (class, ...)), ...)

    def centre_kinds(self) -> list[tuple[str, str]]:
        return [(c, k) for c, k, _ in self.centres]


@dataclass(frozen=True)
class EntityMonth:
    """One entity's published month: its published tables (None: not published)."""

    entity_id: str
    month: str
    tables: dict


def months_of(period: str) -> tuple[list[str], list[str]]:
    """``(the months the period shows, the months it compares them with)``: a month shows itself
    and is compared with the month before; a year shows its months, its first compared with its last."""
    if kind_of(period) == "month":
        return [period], [shift_month(period, -1)]
    p = parse(period)
    if p.kind != "year":
        raise NationalError(f"{period}: the national book has months (YYYY-MM) and years (YYYY)")
    return p.months, []


def published_months(ws: Workspace, settings: Settings) -> dict[str, list[str]]:
    """``{entity id: its published months}`` (periods of kind month with a manifest)."""
    out = {}
    for entity_id in settings.entities:
        root = ws.entity(entity_id)
        out[entity_id] = [p for p in published_periods(root) if kind_of(p) == "month"] if root.is_dir() else []
    return out


def national_periods(ws: Workspace, settings: Settings) -> list[str]:
    """Every national period: each month some entity published, then each year of those months."""
    months = sorted({m for found in published_months(ws, settings).values() for m in found})
    return months + sorted({m[:4] for m in months})


def _entry(ws: Workspace, path: Path) -> dict:
    return {"path": ws.rel(path), "sha256": sha256_file(path)}


def list_inputs(ws: Workspace, settings: Settings, period: str) -> tuple[list[dict], list[str]]:
    """The listing of what national ``period`` reads, and the entities it lacks.

    A month reads each entity's month and the month before it (for the change); a year reads each
    entity's months of the year. An entity without a published month the period shows is missing.
    Each listing entry is ``{entity, period, manifest, config, tables: {name: {path, sha256}}}``;
    ``NationalError`` when a table does not match its entity's manifest or the entity's config is
    not the one its manifest records.
    """
    shown, compared = months_of(period)
    published = published_months(ws, settings)
    listing, missing = [], []
    for entity_id in settings.entities:
        months = [m for m in published[entity_id] if m in shown]
        if not months:
            missing.append(entity_id)
            continue
        months += [m for m in published[entity_id] if m in compared]
        for month in sorted(months):
            listing.append(_list_month(ws, entity_id, month))
    return listing, missing


def _list_month(ws: Workspace, entity_id: str, month: str) -> dict:
    root = ws.entity(entity_id)
    folder = root / "reports" / month
    manifest_path = folder / MANIFEST_NAME
    try:
        manifest = read_manifest_file(manifest_path) or {}
    except ManifestError as exc:
        raise NationalError(f"entity {entity_id}: {exc}") from None
    shown = ws.rel(folder)
    config = root / ENTITY_CONFIG
    recorded_config = (manifest.get("config") or {}).get(ENTITY_CONFIG)
    if not config.is_file() or sha256_file(config) != recorded_config:
        raise NationalError(f"entity {entity_id}: {ws.rel(config)} is not the one its {month} was published with; "
                            f"refresh it first (goldbook national refresh)")
    outputs = manifest.get("outputs") or {}
    tables = {}
    for name in TABLES:
        rel = f"tables/{name}.csv"
        if rel not in outputs:
            continue        # not published by this entity
        path = folder / rel
        if not path.is_file():
            raise NationalError(f"{shown}/{rel} is listed in its manifest but missing: "
                                f"`goldbook --root {ws.rel(root)} verify {month} --published-only` says more")
        entry = _entry(ws, path)
        if entry["sha256"] != outputs[rel]:
            raise NationalError(f"{shown}/{rel} does not match its entity's manifest (edited after publication?): "
                                f"`goldbook --root {ws.rel(root)} verify {month} --published-only` names it")
        tables[name] = entry
    return {"entity": entity_id, "period": month, "manifest": _entry(ws, manifest_path),
            "config": _entry(ws, config), "tables": tables}


# --- reading what a listing names ----------------------------------------------------------------

def check_listed(ws: Workspace, entry: dict) -> Path:
    """The file of a listing ``entry`` (``{path, sha256}``) if its bytes are the listed ones;
    ``NationalError`` naming it otherwise."""
    path = ws.root / entry["path"]
    if not path.is_file():
        raise NationalError(f"{entry['path']}: listed but missing")
    found = sha256_file(path)
    if found != entry["sha256"]:
        raise NationalError(f"{entry['path']} changed since it was read (sha256 {entry['sha256'][:12]} → {found[:12]})")
    return path


def load(ws: Workspace, listing: list[dict]) -> tuple[dict[str, EntityInfo], list[EntityMonth]]:
    """The entities' information and published months that ``listing`` names, every file checked
    against its listed sha256 (``check_listed``): nothing but the listed bytes is read."""
    infos: dict[str, EntityInfo] = {}
    months = []
    for item in listing:
        entity_id = item["entity"]
        check_listed(ws, item["manifest"])
        if entity_id not in infos:
            infos[entity_id] = entity_info(entity_id, check_listed(ws, item["config"]))
        else:
            check_listed(ws, item["config"])
        tables = {name: None for name in TABLES}
        for name, entry in sorted(item["tables"].items()):
            frame = pd.read_csv(check_listed(ws, entry), dtype={k: v for k, v in _TEXT.items()})
            lacking = [c for c in COLUMNS[name] if c not in frame.columns]
            if lacking:
                raise NationalError(f"{entry['path']} has no column {', '.join(lacking)}: published by another "
                                    f"version of Gold Book? Refresh the entity (goldbook national refresh --force)")
            tables[name] = frame
        months.append(EntityMonth(entity_id, item["period"], tables))
    return infos, months


def entity_info(entity_id: str, config: Path) -> EntityInfo:
    """An entity's names, centres and readiness bands from its ``config/entity.yaml`` (the file
    ``config``, read as it is now: the caller has checked its bytes)."""
    try:
        raw = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise NationalError(f"entity {entity_id}: {config.name} cannot be read: {str(exc).splitlines()[0]}") from None
    entity = raw.get("entity") or {}
    names = {lang: str(entity.get(f"name_{lang}") or entity_id) for lang in LANGS}
    centres = tuple((str(c["id"]), str(c["kind"]), {lang: str(c.get(f"name_{lang}") or c["id"]) for lang in LANGS})
                    for c in raw.get("centres") or [])
    bands = tuple((str(kind), tuple(str(b["class"]) for b in items))
                  for kind, items in (raw.get("classification") or {}).items() if isinstance(items, list))
    return EntityInfo(entity_id, names, centres, bands)
