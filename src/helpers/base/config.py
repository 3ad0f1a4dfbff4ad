"""The entity's configuration (``config/entity.yaml`` and ``config/criteria/``), read once.

Only this module parses configuration files; everything else asks it. Lookups return plain
frames or dicts so that computation modules stay pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from .paths import get_paths
from .periods import ISO_WEEK_START, WEEKDAYS, Period, kind_of, parse


class ConfigError(ValueError):
    """The configuration is missing something or contradicts itself."""


COLOUR_KINDS = ("channels", "centres")
DURATION_UNITS = ("seconds", "minutes", "hours")
# The unit of each duration where ``units:`` is silent (the shipped config/entity.yaml's choice).
DEFAULT_UNITS = {"waits": {"walk_in": "minutes", "phone": "seconds", "messaging": "seconds", "video": "seconds",
                           "email": "hours", "self_service": "minutes"},
                 "handle": "minutes", "pooled": "minutes"}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
# Colours for a channel or centre that ``colours:`` leaves out, in this order, skipping any colour
# already configured: the item's colour still depends only on the configuration, never on a chart.
SPARE_COLOURS = ("#1b4f72", "#c9a227", "#2e86c1", "#7d3c98", "#229954", "#cb4335", "#f39c12",
                 "#17a589", "#a04000", "#5d6d7e", "#d4ac0d")


@dataclass(frozen=True)
class Config:
    """The parsed entity configuration. ``raw`` is the YAML as a dict."""

    raw: dict
    config_dir: Path

    # --- reference lists -------------------------------------------------------------------
    def _frame(self, key: str) -> pd.DataFrame:
        return pd.DataFrame(self.raw[key]).astype({"id": str})

    @property
    def centres(self) -> pd.DataFrame:
        return self._frame("centres")

    @property
    def channels(self) -> pd.DataFrame:
        return self._frame("channels")

    @property
    def services(self) -> pd.DataFrame:
        return self._frame("services")

    @property
    def departments(self) -> pd.DataFrame:
        return self._frame("departments")

    @property
    def feedback_categories(self) -> pd.DataFrame:
        return self._frame("feedback_categories")

    def ids(self, key: str) -> list[str]:
        """Known ids of ``centres``, ``channels``, ``services``, ``departments`` or ``feedback_categories``."""
        return [str(item["id"]) for item in self.raw[key]]

    def name(self, key: str, item_id: str, lang: str) -> str:
        """The display name of a configured item in ``lang`` (``en``/``ar``); the id if unknown."""
        for item in self.raw.get(key, []):
            if str(item["id"]) == str(item_id):
                return str(item.get(f"name_{lang}", item_id))
        return str(item_id)

    @property
    def virtual_channels(self) -> list[str]:
        return [str(c["id"]) for c in self.raw["channels"] if c.get("virtual")]

    def channel_kind(self, channel_id: str) -> str:
        for c in self.raw["channels"]:
            if c["id"] == channel_id:
                return str(c["kind"])
        raise ConfigError(f"unknown channel {channel_id!r}")

    def centre_kind(self, centre_id: str) -> str:
        for c in self.raw["centres"]:
            if c["id"] == centre_id:
                return str(c["kind"])
        raise ConfigError(f"unknown centre {centre_id!r}")

    # --- presentation ----------------------------------------------------------------------
    def colours(self, kind: str) -> dict[str, str]:
        """``{id: "#rrggbb"}`` for every configured item of ``kind`` (``channels`` or ``centres``):
        the ``colours:`` block's colour, else the next spare colour (``SPARE_COLOURS``) in the
        configured order. Every chart of every month and language draws the item in it."""
        if kind not in COLOUR_KINDS:
            raise ConfigError(f"colours are configured for {' and '.join(COLOUR_KINDS)}, not {kind!r}")
        given = {str(k): str(v).lower() for k, v in ((self.raw.get("colours") or {}).get(kind) or {}).items()}
        spare = iter(c for c in SPARE_COLOURS if c not in set(given.values()))
        return {i: given[i] if i in given else next(spare, "#808080") for i in self.ids(kind)}

    @property
    def units(self) -> dict:
        """The unit a reader sees each duration in (``units:``; ``DEFAULT_UNITS`` where
        it is silent): ``waits`` per channel kind, ``handle`` for handling time and ``pooled`` for
        a wait over channels of several kinds."""
        raw = self.raw.get("units") or {}
        return {"waits": {**DEFAULT_UNITS["waits"], **(raw.get("waits") or {})},
                "handle": raw.get("handle", DEFAULT_UNITS["handle"]),
                "pooled": raw.get("pooled", DEFAULT_UNITS["pooled"])}

    # --- settings --------------------------------------------------------------------------
    @property
    def kpi(self) -> dict:
        return self.raw["kpi"]

    @property
    def version(self) -> str:
        return str(self.raw.get("version", "unversioned"))

    @property
    def seed(self) -> int:
        return int(self.raw.get("seeds", {}).get("analysis", 0))

    @property
    def classification(self) -> dict:
        return self.raw["classification"]

    # --- calendar --------------------------------------------------------------------------
    @property
    def holidays(self) -> dict[date, dict]:
        return {pd.Timestamp(h["date"]).date(): h for h in self.raw["calendar"].get("holidays", [])}

    def is_working_day(self, day: date) -> bool:
        """Sunday–Thursday (as configured) and not a public holiday."""
        day = pd.Timestamp(day).date()
        return WEEKDAYS[day.weekday()] in self.raw["calendar"]["working_days"] and day not in self.holidays

    @property
    def week_starts(self) -> str:
        """The first day of the entity's week, ``calendar.week_starts`` (``Mon`` … ``Sun``);
        ``Mon``, the default, gives ISO 8601 weeks. Week labels follow it (``base.periods``)."""
        value = (self.raw.get("calendar") or {}).get("week_starts", ISO_WEEK_START)
        if value not in WEEKDAYS:
            raise ConfigError(f"config/entity.yaml: calendar.week_starts is {value!r}; "
                              f"use one of {', '.join(WEEKDAYS)}")
        return str(value)

    def is_ramadan(self, day: date) -> bool:
        day = pd.Timestamp(day).date()
        return any(
            pd.Timestamp(r["start"]).date() <= day <= pd.Timestamp(r["end"]).date()
            for r in self.raw["calendar"].get("ramadan", [])
        )

    def opening_hours(self, centre_kind: str, day: date) -> tuple[str, str]:
        table = self.raw["calendar"]["ramadan_hours" if self.is_ramadan(day) else "hours"]
        h = table[centre_kind]
        return str(h["open"]), str(h["close"])

    # --- criteria catalogues ---------------------------------------------------------------
    @property
    def catalogues(self) -> list[dict]:
        """Catalogue versions, oldest first, each with ``effective_from`` as ``YYYY-MM``."""
        out = []
        for entry in self.raw.get("criteria", []):
            item = dict(entry)
            eff = item["effective_from"]
            item["effective_from"] = eff if isinstance(eff, str) else f"{eff:%Y-%m}"
            out.append(item)
        return sorted(out, key=lambda e: e["effective_from"])

    def catalogue_entry(self, month: str) -> dict:
        """The catalogue version in force in ``month`` (``YYYY-MM``)."""
        in_force = [e for e in self.catalogues if e["effective_from"] <= month]
        if not in_force:
            raise ConfigError(f"no criteria catalogue is in force in {month}")
        return in_force[-1]

    def catalogue(self, month: str) -> pd.DataFrame:
        """The criteria catalogue in force in ``month``, with ``guideline`` added."""
        entry = self.catalogue_entry(month)
        frame = pd.read_csv(self.config_dir / entry["file"], dtype=str, keep_default_na=False)
        frame["weight"] = frame["weight"].astype(float)
        frame["guideline"] = entry["guideline"]
        return frame

    def settings_file(self, name: str) -> dict:
        """``config/<name>.yaml`` as a dict (settings kept apart from entity.yaml, e.g. the
        database mapping ``snapshot.yaml``); {} when the file does not exist."""
        path = self.config_dir / f"{name}.yaml"
        if not path.is_file():
            return {}
        try:
            with open(path, encoding="utf-8") as fh:
                raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise ConfigError(f"config/{name}.yaml is not valid YAML: {str(exc).splitlines()[0]}") from None
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise ConfigError(f"config/{name}.yaml must hold a mapping (key: value lines), not {type(raw).__name__}")
        return raw

    def files(self) -> list[Path]:
        """Every configuration file, sorted: what the manifest hashes."""
        return sorted(p for p in self.config_dir.rglob("*") if p.is_file() and not p.name.startswith("."))


def check_colours(raw: dict) -> None:
    """``colours:`` names configured channels and centres only, each with a ``#rrggbb`` colour of
    its own; else ``ConfigError`` saying which entry is wrong."""
    block = raw.get("colours")
    if block is None:
        return
    if not isinstance(block, dict) or set(block) - set(COLOUR_KINDS):
        raise ConfigError(f"config/entity.yaml: colours must map {' and/or '.join(COLOUR_KINDS)} to "
                          f"{{id: \"#rrggbb\"}}, got {block!r}")
    for kind, items in block.items():
        if not isinstance(items, dict):
            raise ConfigError(f"config/entity.yaml: colours.{kind} must map each id to a colour")
        known = {str(item["id"]) for item in raw.get(kind) or []}
        seen: dict[str, str] = {}
        for item_id, colour in items.items():
            if str(item_id) not in known:
                raise ConfigError(f"config/entity.yaml: colours.{kind}.{item_id}: no configured {kind[:-1]} "
                                  f"has id {item_id!r} (ids: {', '.join(sorted(known))})")
            if not isinstance(colour, str) or not _HEX.match(colour):
                raise ConfigError(f"config/entity.yaml: colours.{kind}.{item_id} is {colour!r}; "
                                  f"write a colour as \"#rrggbb\" (six hex digits, quoted), e.g. \"#1b4f72\"")
            if colour.lower() in seen:
                raise ConfigError(f"config/entity.yaml: colours.{kind}: {seen[colour.lower()]} and {item_id} "
                                  f"share {colour}; each {kind[:-1]} needs a colour of its own")
            seen[colour.lower()] = str(item_id)


def check_units(raw: dict) -> None:
    """``units:`` gives ``waits`` per configured channel kind, ``handle`` and ``pooled``, each
    one of ``DURATION_UNITS``; else ``ConfigError`` saying which entry is wrong."""
    block = raw.get("units")
    if block is None:
        return
    allowed = ", ".join(DURATION_UNITS)
    if not isinstance(block, dict) or set(block) - {"waits", "handle", "pooled"}:
        raise ConfigError(f"config/entity.yaml: units takes waits (per channel kind), handle and pooled; got {block!r}")
    kinds = {str(c["kind"]) for c in raw.get("channels") or []}
    waits = block.get("waits") or {}
    if not isinstance(waits, dict):
        raise ConfigError("config/entity.yaml: units.waits must map each channel kind to a unit")
    for kind, unit in waits.items():
        if str(kind) not in kinds:
            raise ConfigError(f"config/entity.yaml: units.waits.{kind}: no channel is of kind {kind!r} "
                              f"(kinds: {', '.join(sorted(kinds))})")
        if unit not in DURATION_UNITS:
            raise ConfigError(f"config/entity.yaml: units.waits.{kind} is {unit!r}; use one of {allowed}")
    for key in ("handle", "pooled"):
        if key in block and block[key] not in DURATION_UNITS:
            raise ConfigError(f"config/entity.yaml: units.{key} is {block[key]!r}; use one of {allowed}")


@lru_cache(maxsize=8)
def _load(config_dir: str) -> Config:
    path = Path(config_dir) / "entity.yaml"
    if not path.exists():
        raise ConfigError(f"no configuration at {path.name}: expected config/entity.yaml")
    with open(path, encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    check_colours(raw)
    check_units(raw)
    return Config(raw=raw, config_dir=Path(config_dir))


def load_config(root=None) -> Config:
    """The configuration under ``root`` (default: see ``paths.get_paths``)."""
    return _load(str(get_paths(root).config))


def parse_period(label, root=None) -> Period:
    """``periods.parse`` as the entity reads a label: a week with its ``calendar.week_starts``
    (the configuration under ``root`` is read for a week label only). A Period is returned as is."""
    if isinstance(label, Period):
        return label
    week_starts = load_config(root).week_starts if kind_of(label) == "week" else None
    return parse(label, week_starts=week_starts)
