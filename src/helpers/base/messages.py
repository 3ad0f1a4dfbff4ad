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
# Western digits in both languages (as Bahrain government publications use); "%" after the number.

def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_num(x, lang: str, digits: int = 0) -> str:
    """``1,234`` style; an en dash for a missing value."""
    if _missing(x):
        return "–"
    return f"{x:,.{digits}f}"


def fmt_pct(share, lang: str, digits: int = 1) -> str:
    """A share (0–1) as a percentage: ``85.3%``."""
    if _missing(share):
        return "–"
    return f"{100 * share:.{digits}f}%"


def fmt_pp(delta_share, lang: str, digits: int = 1) -> str:
    """A change in a share as signed percentage points: ``+2.1 pp`` / ``+2.1 نقطة``."""
    if _missing(delta_share):
        return "–"
    points = round(100 * delta_share, digits) + 0.0   # + 0.0: no "-0.0" for a change that rounds away
    return t("unit.pp", lang, value=f"{points:+.{digits}f}")


def fmt_duration(seconds, lang: str) -> str:
    """Seconds as ``42 s``, ``12.5 min`` or ``3.2 h`` in the reader's language."""
    if _missing(seconds):
        return "–"
    if seconds < 120:
        return t("unit.seconds", lang, value=f"{seconds:.0f}")
    if seconds < 3 * 3600:
        return t("unit.minutes", lang, value=f"{seconds / 60:.1f}")
    return t("unit.hours", lang, value=f"{seconds / 3600:.1f}")


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
