"""The one message catalogue: every sentence, heading and label a reader sees, in Arabic and English.

The catalogue lives in ``config/messages/*.yaml`` (one file per chapter, merged into one
namespace; a key may appear in one file only). Each entry is ``key: {en: "...", ar: "..."}``
with ``{name}`` placeholders filled by ``t``. Numbers are formatted here, not in notebooks.
"""

from __future__ import annotations

import html
import math
import re
from functools import lru_cache
from pathlib import Path

import yaml

from .config import DURATION_UNITS, load_config
from .paths import CODE_ROOT

LANGS = ("en", "ar")
DIRECTION = {"en": "ltr", "ar": "rtl"}
CATALOGUE_DIR = CODE_ROOT / "config" / "messages"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster


class MessageError(KeyError):
    """A key missing from the catalogue, or missing one of the two languages."""


@lru_cache(maxsize=4)
def catalogue(directory: str = str(CATALOGUE_DIR)) -> dict[str, dict[str, str]]:
    """The merged catalogue ``{key: {"en": ..., "ar": ...}}``; duplicate keys are an error."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        with open(path, encoding="utf-8") as fh:
            entries = yaml.load(fh, Loader=_LOADER) or {}
        for key, value in entries.items():
            if key in merged:
                raise MessageError(f"message {key!r} is defined twice (second time in {path.name})")
            merged[key] = {lang: str(value[lang]) for lang in value}
    return merged


class LanguageError(ValueError):
    """A language the book is not written in."""


def check_lang(lang: str) -> str:
    """``lang`` itself when it is one of ``LANGS``; else ``LanguageError`` saying which are."""
    if lang not in LANGS:
        raise LanguageError(f"language {lang!r} is not supported; use {' or '.join(LANGS)}")
    return lang


def t(key: str, lang: str, **values) -> str:
    """The message ``key`` in ``lang`` with ``values`` substituted."""
    check_lang(lang)
    entry = catalogue().get(key)
    if entry is None or lang not in entry:
        raise MessageError(f"message {key!r} has no {lang!r} text in config/messages/")
    return entry[lang].format(**values) if values else entry[lang]


def has(key: str) -> bool:
    return key in catalogue()


# --- numbers ---------------------------------------------------------------------------------
# The one place every number a reader sees is written (issue 15): thousands separators always,
# Western digits in both languages (as Bahrain government publications use; Arabic pages keep
# them), "%" after the number, an en dash for a missing value, and one unit per duration measure
# as config/entity.yaml ``units:`` sets it (minutes for walk-in waits, seconds for phone and chat).

MISSING = "–"
_PER_SECOND = {"seconds": 1, "minutes": 60, "hours": 3600}
_UNIT_DIGITS = {"seconds": 0, "minutes": 1, "hours": 1}
_units: dict = {}     # ``use_units``: the registered configuration's units and channel kinds


def _missing(x) -> bool:
    """None, NaN, NaT, pandas NA and ±inf: nothing a reader can be shown as a number."""
    if x is None:
        return True
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError):
        return True


def _rounded(x, digits: int) -> float:
    """``x`` rounded half away from zero to ``digits`` places (0.125 → 0.13, as a reader rounds;
    Python's float formatting would give 0.12), without a ``-0``."""
    shifted = abs(float(x)) * 10 ** digits
    value = math.floor(shifted + 0.5 + 1e-9) / 10 ** digits
    return math.copysign(value, float(x)) + 0.0 if value else 0.0


# Left-to-right isolate: a signed number inside right-to-left text keeps its sign before its digits.
LRI, PDI = "\u2066", "\u2069"


def _signed_text(number: str, lang: str) -> str:
    """A formatted number as it goes into ``lang``'s text: in a right-to-left language a signed one
    (``-0.1``, ``+2``) is a left-to-right isolate, else the bidi algorithm shows ``0.1-``."""
    if DIRECTION.get(lang) == "rtl" and number[:1] in "+-":
        return f"{LRI}{number}{PDI}"
    return number


def fmt_num(x, lang: str, digits: int = 0) -> str:
    """``1,234`` (``digits`` decimals, thousands separated); ``–`` for a missing value."""
    if _missing(x):
        return MISSING
    return _signed_text(f"{_rounded(x, digits):,.{digits}f}", lang)


def fmt_signed(x, lang: str, digits: int = 0) -> str:
    """A change in a count or score, always signed: ``+1,234``, ``-0.5``, ``+0`` for none."""
    if _missing(x):
        return MISSING
    return _signed_text(f"{_rounded(x, digits):+,.{digits}f}", lang)


def fmt_pct(share, lang: str, digits: int = 1) -> str:
    """A share (0–1) as a percentage: ``85.3%``."""
    if _missing(share):
        return MISSING
    return _signed_text(f"{_rounded(100 * float(share), digits):,.{digits}f}%", lang)


def fmt_change(ratio, lang: str, digits: int = 0) -> str:
    """A relative change (0.12 = 12% more) as a signed percentage: ``+12%``, ``-3%``."""
    if _missing(ratio):
        return MISSING
    return _signed_text(f"{_rounded(100 * float(ratio), digits):+,.{digits}f}%", lang)


def fmt_pp(delta_share, lang: str, digits: int = 1) -> str:
    """A change in a share as signed percentage points: ``+2.1 pp`` / ``+2.1 نقطة مئوية``."""
    if _missing(delta_share):
        return MISSING
    return t("unit.pp", lang, value=_signed_text(f"{_rounded(100 * float(delta_share), digits):+,.{digits}f}", lang))


def fmt_p(p, lang: str, cell: bool = False) -> str:
    """A p-value: ``p < 0.001`` or ``p = 0.034`` in a sentence; ``< 0.001`` / ``0.034`` in a table
    cell (``cell``) whose heading names it."""
    if _missing(p):
        return MISSING
    value = "< 0.001" if float(p) < 0.001 else f"{_rounded(p, 3):.3f}"
    if cell:
        return value
    return f"p {value}" if value.startswith("<") else f"p = {value}"


def fmt_cell(value, lang: str) -> str:
    """A table cell no helper formatted: a whole number as ``fmt_num``, a fraction with one
    decimal, text as it is, ``–`` when missing (the report's table display uses it)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if value is None or type(value).__name__ in ("NAType", "NaTType"):    # pandas' NA and NaT
        return MISSING
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if _missing(number):
        return MISSING
    return fmt_num(number, lang, 0 if number.is_integer() else 1)


def fmt_duration(seconds, lang: str, unit: str = "minutes") -> str:
    """Seconds in ``unit`` (``seconds``: ``42 s``; ``minutes``: ``12.5 min``; ``hours``: ``3.2 h``)
    in the reader's language. A measure keeps one unit whatever its size (``duration_unit``)."""
    if unit not in _PER_SECOND:
        raise ValueError(f"duration unit {unit!r}: use one of {', '.join(DURATION_UNITS)}")
    if _missing(seconds):
        return MISSING
    return t(f"unit.{unit}", lang, value=fmt_num(float(seconds) / _PER_SECOND[unit], lang, _UNIT_DIGITS[unit]))


def use_units(cfg) -> None:
    """Register the configuration's duration units (``Config.units``) and its channels' kinds,
    so that ``duration_unit`` answers by channel; ``Report`` calls it."""
    units = cfg.units
    _units.update(waits=dict(units["waits"]), handle=units["handle"], pooled=units["pooled"],
                  channel_kinds={str(c["id"]): str(c["kind"]) for c in cfg.raw.get("channels", [])})


def duration_unit(metric: str = "wait", channel_id=None, kind=None) -> str:
    """The one unit a reader sees ``metric`` in: a wait (``wait_*``) in its channel kind's unit
    (``kind``, or the kind of ``channel_id``), the pooled unit for a wait over several kinds; a
    handling time (``handle_*``) in the handle unit."""
    if not _units:
        use_units(load_config(CODE_ROOT))     # none registered: the shipped configuration's
    if str(metric).startswith("handle"):
        return _units["handle"]
    if kind is None and channel_id is not None:
        kind = _units["channel_kinds"].get(str(channel_id))
    return _units["waits"].get(kind, _units["pooled"]) if kind else _units["pooled"]


def fmt_wait(seconds, lang: str, metric: str = "wait", channel_id=None, kind=None) -> str:
    """``fmt_duration`` in ``duration_unit(metric, channel_id, kind)``."""
    return fmt_duration(seconds, lang, duration_unit(metric, channel_id, kind))


def period_title(period, lang: str) -> str:
    """A period's label for readers, e.g. ``March 2024`` / ``مارس 2024``, ``Week 5, 2024 (…)``
    (a week numbered under its own first day, ``Period.year_week``)."""
    kind = period.kind
    if kind == "month":
        return t("period.month", lang, month=t(f"month.{period.start.month}", lang), year=period.start.year)
    if kind == "week":
        y, w = period.year_week
        return t("period.week", lang, week=w, year=y, first=f"{period.start:%Y-%m-%d}", last=f"{period.last:%Y-%m-%d}")
    if kind == "day":
        return t("period.day", lang, weekday=t(f"weekday.{period.start.isoweekday()}", lang),
                 day=period.start.day, month=t(f"month.{period.start.month}", lang), year=period.start.year)
    return t("period.year", lang, year=period.start.year)


_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")


def render_markdown(source: str, lang: str, period) -> str:
    """A template's markdown cell in ``lang``: ``{{ key }}`` becomes the catalogue text and
    ``{{ period }}`` the period's title. The runner does this before execution, so one template
    serves both languages."""

    def sub(match: re.Match) -> str:
        key = match.group(1)
        return period_title(period, lang) if key == "period" else t(key, lang)

    return _PLACEHOLDER.sub(sub, source)


def escape_markdown(text) -> str:
    """Text from data, safe inside Markdown (a catalogue sentence, a table cell, a book page).

    HTML-escaped (``<``, ``>``, ``&``), then every Markdown special a reader's data could use to
    make markup is backslash-escaped: ``\\ ` * _ { } [ ] < > # |`` and ``$`` (math). The one
    escaper of the project: the report and the book's pages use it.
    """
    return re.sub(r"([\\`*_{}\[\]<>#|$])", r"\\\1", html.escape(str(text), quote=False))
