"""The landing page of each language and the month pages' headline block (issue 15).

The overview chapter computes the tiles and writes them as analyst tables
(``reports/<period>/tables/overview_tiles.csv`` and ``overview_tiles_trend.csv``); the book reads
only those CSVs of the month it shows and renders them with ``chapters.landing_view`` (the same
renderer the chapter uses), as one raw HTML block: the headline sentence, the tiles (each linking
to the month's overview chapter, the statistical detail) and the row per centre. ``index.md`` is
the first language's landing, ``<lang>/index.md`` each other one's.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

import pandas as pd

from ..base.config import load_config
from ..base.messages import DIRECTION, LANGS, escape_markdown, has, period_title, t
from ..base.paths import Paths
from ..base.periods import Period
from ..chapters import landing_view
from ..chapters.landing import TILE_COLUMNS, TREND_COLUMNS
from .toc import ReportIndex

TILES_TABLE = "overview_tiles.csv"
TREND_TABLE = "overview_tiles_trend.csv"
OVERVIEW = "01_overview"
_TEXT = {"scope": str, "measure": str, "status": str, "month": str, "classification": object, "next_class": object}


def page_path(lang: str) -> str:
    """The landing page's source: ``index.md`` for the first language, ``<lang>/index.md`` else."""
    return "index.md" if lang == LANGS[0] else f"{lang}/index.md"


def _html_target(target_doc: str, here: str) -> str:
    """A link from source page ``here`` to document ``target_doc`` (no suffix) as built HTML:
    raw HTML is not rewritten by Sphinx, so the ``.html`` path is relative to the page."""
    return Path(os.path.relpath(f"{target_doc}.html", os.path.dirname(here) or ".")).as_posix()


def read_tiles(paths: Paths, period: Period) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The month's ``(tiles, trend)`` as the overview chapter wrote them; None when either table is
    absent or not of this shape (a month run before the tiles existed)."""
    folder = paths.period_reports(period.label) / "tables"
    frames = []
    for name, columns in ((TILES_TABLE, TILE_COLUMNS), (TREND_TABLE, TREND_COLUMNS)):
        path = folder / name
        if not path.is_file():
            return None
        frame = pd.read_csv(path, dtype=dict(_TEXT))
        if any(c not in frame.columns for c in columns):
            return None
        frames.append(frame[columns])
    tiles, trend = frames
    for column in ("classification", "next_class"):
        tiles[column] = [None if pd.isna(v) else str(v) for v in tiles[column]]
    return tiles, trend


def _detail_href(reports: ReportIndex, period: Period, lang: str, here: str) -> str | None:
    """The month's overview chapter in ``lang`` (else its first notebook), relative to ``here``."""
    notebooks = reports.notebooks(period, lang)
    if not notebooks:
        return None
    chosen = next((nb for nb in notebooks if nb.name == OVERVIEW), notebooks[0])
    return _html_target(chosen.docname, here)


def _names(cfg, lang: str) -> dict[str, str]:
    return {c: cfg.name("centres", c, lang) for c in cfg.ids("centres")}


def _raw(html: str) -> str:
    return f"```{{raw}} html\n{html}\n```\n"


def month_block(paths: Paths, reports: ReportIndex, cfg, period: Period | None, lang: str, here: str,
                extra: str = "") -> str:
    """The month's headline and tiles as a raw HTML block for page ``here``; the catalogue's
    sentence when the month has no tiles; ``""`` without a month. ``cfg`` None: the root's
    configuration, read only when there are tiles to show (centre names, ``landing.steady``)."""
    if period is None:
        return ""
    found = read_tiles(paths, period)
    if found is None:
        return (_raw(f'<div class="gb-landing">{extra}</div>') if extra else "") + \
            t("landing.missing_tables", lang) + "\n"
    tiles, trend = found
    cfg = load_config(paths.root) if cfg is None else cfg
    steady = (cfg.raw.get("landing") or {}).get("steady", {})
    html = landing_view.block_html(tiles, trend, lang, _names(cfg, lang), steady, period_title(period, lang),
                                   _detail_href(reports, period, lang, here), extra)
    return _raw(html)


def _lang_links(lang: str, here: str) -> str:
    """The small link to the other languages' landing pages."""
    links = []
    for other in LANGS:
        if other == lang:
            continue
        href = Path(os.path.relpath(page_path(other)[:-3] + ".html", os.path.dirname(here) or ".")).as_posix()
        title = t("nav.other_language", lang, language=t(f"lang.{other}", lang)) if has("nav.other_language") else ""
        links.append(f'<a class="goldbook-lang-link" href="{href}" hreflang="{other}" lang="{other}" '
                     f'dir="{DIRECTION[other]}" title="{escape(title)}">{escape(t(f"lang.{other}", other))}</a>')
    # the class of the book's own language switch (``sphinx_ext``), which then adds no second one
    return f'<p class="goldbook-lang-switch">{" · ".join(links)}</p>' if links else ""


def landing_page(paths: Paths, reports: ReportIndex, cfg, lang: str, front: str, links: str) -> str:
    """One language's landing page: ``front`` (its front matter), the title, the latest month's
    headline block with the small link to the other language, then the introduction and ``links``
    (Markdown the pages module makes: every month, the other reading)."""
    here = page_path(lang)
    entity = cfg.raw.get("entity", {})
    name = escape_markdown(entity.get(f"name_{lang}", entity.get("id", "")))
    latest = reports.latest("month", lang)
    other = '<span class="gb-landing-page" hidden></span>' + _lang_links(lang, here)   # the marker: landing.css
    block = month_block(paths, reports, cfg, latest, lang, here, other) if latest else \
        _raw(f'<div class="gb-landing">{other}</div>')
    body = [front, f"# {t('book.title', lang, entity=name)}\n", block, f"{t('book.index.intro', lang, entity=name)}\n"]
    if not len(reports):
        body.append(t("book.index.no_reports", lang) + "\n")
    return "\n".join(body + [links])
