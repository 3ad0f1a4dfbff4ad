"""A national workspace: many entities, each a complete Gold Book data root, and the national book.

The layout (every path below is relative to the workspace and derived here, once)::

    national.yaml                         the programme: its name, its entities, targets, ranking settings
    entities/<entity_id>/                 one entity's data root (config/, data/raw, data/processed, reports/),
                                          used exactly as any data root: goldbook --root entities/<id> ...
    national/reports/<period>/            the national tables, figures and manifest of a month or a year
    national/book/, national/_toc.yml     the national book's generated sources
    national/_build/html                  the national book

``load_settings`` reads and checks ``national.yaml``; a problem is a ``NationalError`` naming the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..base.files import sha256_file
from ..base.paths import get_paths

SETTINGS_FILE = "national.yaml"
ENTITIES_DIR = "entities"
NATIONAL_DIR = "national"
# What a setting is when national.yaml leaves it out.
DEFAULTS = {
    "targets": {"digital_take_up": 0.60, "csat": 0.90, "service_level": 0.80},
    "ranking": {"confidence": 0.95, "min_base": 30, "improved": 10, "near": 0.02},
}
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


class NationalError(ValueError):
    """A national workspace that is missing something or contradicts itself; printed as is."""


@dataclass(frozen=True)
class Workspace:
    """Every path of one national workspace."""

    root: Path

    @property
    def settings_file(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def entities(self) -> Path:
        return self.root / ENTITIES_DIR

    def entity(self, entity_id: str) -> Path:
        """The data root of entity ``entity_id``."""
        return self.entities / entity_id

    @property
    def national(self) -> Path:
        return self.root / NATIONAL_DIR

    @property
    def reports(self) -> Path:
        return self.national / "reports"

    def period_reports(self, period: str) -> Path:
        return self.reports / period

    @property
    def book_src(self) -> Path:
        return self.national / "book"

    @property
    def toc(self) -> Path:
        return self.national / "_toc.yml"

    @property
    def build(self) -> Path:
        return self.national / "_build"

    def rel(self, path: str | os.PathLike) -> str:
        """A path as manifests and pages record it: relative to the workspace, never absolute."""
        try:
            return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return Path(path).name


def get_workspace(root: str | os.PathLike | None = None) -> Workspace:
    """The workspace at ``root`` (default as for any data root: ``$GOLDBOOK_ROOT`` or the checkout)."""
    return Workspace(get_paths(root).root)


def is_workspace(root: str | os.PathLike | None = None) -> bool:
    """Whether ``root`` is a national workspace (it has ``national.yaml``)."""
    return get_workspace(root).settings_file.is_file()


@dataclass(frozen=True)
class Settings:
    """``national.yaml``, checked, with the defaults filled in."""

    name_en: str
    name_ar: str
    entities: tuple[str, ...]
    targets: dict
    ranking: dict
    sha256: str

    def name(self, lang: str) -> str:
        return self.name_ar if lang == "ar" else self.name_en


def load_settings(root: str | os.PathLike | None = None) -> Settings:
    """The workspace's ``national.yaml`` (``NationalError`` when absent or wrong)."""
    ws = get_workspace(root)
    path = ws.settings_file
    if not path.is_file():
        raise NationalError(f"no {SETTINGS_FILE} in {ws.root.name}/: not a national workspace "
                            f"(`goldbook demo-data --national --root DIR` writes one)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise NationalError(f"{SETTINGS_FILE} cannot be read: {str(exc).splitlines()[0]}") from None
    return check_settings(raw, sha256_file(path))


def check_settings(raw: dict, sha256: str = "") -> Settings:
    """``national.yaml``'s content as ``Settings``; ``NationalError`` naming the first wrong key."""
    if not isinstance(raw, dict):
        raise NationalError(f"{SETTINGS_FILE} must be a mapping of settings")
    programme = raw.get("programme") or {}
    if not isinstance(programme, dict) or not programme.get("name_en") or not programme.get("name_ar"):
        raise NationalError(f"{SETTINGS_FILE}: programme needs name_en and name_ar")
    entities = raw.get("entities")
    if not isinstance(entities, list) or not entities:
        raise NationalError(f"{SETTINGS_FILE}: entities must list at least one entity id "
                            f"(a folder under {ENTITIES_DIR}/)")
    ids = [str(e) for e in entities]
    for entity_id in ids:
        if not entity_id or not set(entity_id) <= _ID_CHARS:
            raise NationalError(f"{SETTINGS_FILE}: entity id {entity_id!r}: use lower-case letters, digits and '_'")
    doubled = sorted({e for e in ids if ids.count(e) > 1})
    if doubled:
        raise NationalError(f"{SETTINGS_FILE}: entities lists {', '.join(doubled)} more than once")
    sections = {}
    for key, defaults in DEFAULTS.items():
        given = raw.get(key) or {}
        if not isinstance(given, dict) or set(given) - set(defaults):
            unknown = sorted(set(given) - set(defaults)) if isinstance(given, dict) else [repr(given)]
            raise NationalError(f"{SETTINGS_FILE}: {key} takes {', '.join(defaults)}; not {', '.join(unknown)}")
        sections[key] = {**defaults, **given}
    for name, value in sections["targets"].items():
        if not _is_share(value):
            raise NationalError(f"{SETTINGS_FILE}: targets.{name} is {value!r}; give a share between 0 and 1")
    ranking = sections["ranking"]
    if not _is_share(ranking["confidence"]) or not 0.5 <= float(ranking["confidence"]) < 1:
        raise NationalError(f"{SETTINGS_FILE}: ranking.confidence is {ranking['confidence']!r}; give e.g. 0.95")
    for name in ("min_base", "improved"):
        if not isinstance(ranking[name], int) or isinstance(ranking[name], bool) or ranking[name] < 1:
            raise NationalError(f"{SETTINGS_FILE}: ranking.{name} is {ranking[name]!r}; "
                                f"give a whole number of at least 1")
    if not _is_share(ranking["near"]):
        raise NationalError(f"{SETTINGS_FILE}: ranking.near is {ranking['near']!r}; give a share between 0 and 1")
    return Settings(str(programme["name_en"]), str(programme["name_ar"]), tuple(ids),
                    {k: float(v) for k, v in sections["targets"].items()}, ranking, sha256)


def _is_share(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= float(value) <= 1


def entity_roots(root: str | os.PathLike | None = None, settings: Settings | None = None) -> dict[str, Path]:
    """``{entity id: its data root}`` in ``national.yaml``'s order; ``NationalError`` naming an
    entity without a folder or without ``config/entity.yaml``."""
    ws = get_workspace(root)
    settings = settings or load_settings(ws.root)
    out = {}
    for entity_id in settings.entities:
        folder = ws.entity(entity_id)
        if not (folder / "config" / "entity.yaml").is_file():
            raise NationalError(f"entity {entity_id} (listed in {SETTINGS_FILE}) has no "
                                f"{ENTITIES_DIR}/{entity_id}/config/entity.yaml")
        out[entity_id] = folder
    return out
