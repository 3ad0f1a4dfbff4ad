"""The pages of the book that are not notebooks, as MyST Markdown.

The landing page, the month chapters, the archive of weekly and daily reports, the annual reviews,
Methods, Data dictionary, Assumptions and caveats, Audit (``book_pages`` gives them all), and the
small Markdown helpers they use.

Every sentence a reader sees comes from the message catalogue (``config/messages/book.yaml``).
Text that comes from data (CSV cells, manifests) is escaped before it reaches Markdown, by the
project's one escaper, ``base.messages.escape_markdown``.
Arabic pages are right-to-left: each carries ``<meta name="page-dir" content="rtl">`` and
``book_assets/goldbook.js`` sets ``dir``/``lang`` on ``<html>`` from it.
"""

from __future__ import annotations

import csv
import html
import math
import os
from datetime import timedelta
from pathlib import Path

import pandas as pd

from ..base import messages
from ..base.config import load_config
from ..base.files import sha256_file
from ..base.messages import DIRECTION, LANGS, escape_markdown, period_title, t
from ..base.paths import Paths, get_paths
from ..base.periods import WEEKDAYS, Period, PeriodError, kind_of, parse
from ..chapters.headline_view import headline_display
from ..chapters.recognition import MORALE, TEAM_COLUMNS
from ..chapters.recognition_view import team_display
from ..data import contract
from ..pipeline.ledger import REASONS, Edition, editions
from ..pipeline.manifest import audit_summary, listed_print, published_periods
from . import landing
from .toc import SECTION_PAGES, ReportIndex, find_reports, unpublished

TEAM_TABLE = "recognition_team.csv"
# The landing page's short team view: the recognition chapter's columns a leader reads first.
TEAM_SHOWN = ("centre_id", "team_csat", "team_csat_change", "compliments_per_1000", "morale")

KIND_ORDER = ("month", "week", "day", "year")
# Settings whose two-element list is a [low, high] range of scores, not a list of scores.
RANGE_SETTINGS = ("nps.promoters", "nps.detractors")


# --- Markdown building blocks -------------------------------------------------------------------

def _cell(text: str) -> str:
    """Catalogue text inside a table cell: only the column separator needs escaping."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_table(header: list[str], rows: list[list[str]]) -> str:
    """A pipe table; cells must already be escaped (``escape_markdown``) or trusted (``_cell``)."""
    if not rows:
        return ""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def md_code(text) -> str:
    """Inline code for commands and hashes (read left to right in either language)."""
    text = str(text).replace("`", "'")
    return f"`{text}`"


def link(label: str, target: str, here: str) -> str:
    """A Markdown link from document ``here`` to ``target`` (both source paths, with suffix)."""
    rel = os.path.relpath(target, os.path.dirname(here) or ".")
    label = str(label).replace("[", "\\[").replace("]", "\\]")
    return f"[{label}]({Path(rel).as_posix()})"


def bilingual(en: str, ar: str) -> str:
    """``en · ar`` with each half in a Unicode first-strong isolate, so that neither the English
    nor the Arabic half is reordered by the other's direction (on LTR and RTL pages alike)."""
    return f"\u2068{en}\u2069 · \u2068{ar}\u2069"


def front_matter(lang: str) -> str:
    """Per-page direction for ``goldbook.js``, the same keys the runner sets on notebooks."""
    return f"---\nmyst:\n  html_meta:\n    page-dir: {DIRECTION[lang]}\n    language: {lang}\n---\n\n"



# --- numbers for readers ------------------------------------------------------------------------

def _missing(x) -> bool:
    if x is None:
        return True
    if isinstance(x, str):
        return x.strip() == "" or x.strip().lower() == "nan"
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def _number(x) -> float:
    """A CSV cell as a number; NaN when empty or not a number."""
    if _missing(x):
        return math.nan
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _truthy(x) -> bool | None:
    if _missing(x):
        return None
    if isinstance(x, str):
        return x.strip().lower() in ("true", "1", "yes")
    return bool(x)


def _label(column: str, lang: str) -> str:
    for key in (f"col.{column}", f"book.col.{column}"):
        if messages.has(key):
            return _cell(t(key, lang))
    return escape_markdown(column)


def table_frame(rows: list[dict], text_columns: tuple[str, ...] = ("metric", "centre_id", "morale")):
    """The records of an analyst CSV (strings) as a frame of numbers, as the chapter computed them:
    ``text_columns`` stay text, ``significant*`` become True/False/None, everything else a number
    (NaN when empty or not a number)."""
    frame = pd.DataFrame(rows)
    for column in frame.columns:
        if column in text_columns:
            frame[column] = frame[column].astype(object)
        elif column.startswith("significant"):
            frame[column] = pd.Series([_truthy(v) for v in frame[column]], index=frame.index, dtype=object)
        else:
            frame[column] = [_number(v) for v in frame[column]]
    return frame


def shown_table(shown, lang: str) -> str:
    """A frame of reader's cells (column ids, strings) as a pipe table: ``col.*`` labels, every
    cell escaped."""
    header = [_label(str(c), lang) for c in shown.columns]
    return md_table(header, [[escape_markdown(v) for v in row] for row in shown.itertuples(index=False)])


def headline_table(rows: list[dict], lang: str) -> str:
    """The headline figures of ``overview_headline.csv`` (its records) as a Markdown table in ``lang``.

    The numbers are read back, then rendered by ``headline_view.headline_display``, the one renderer the
    overview chapter uses too; every cell is escaped. ``""`` without rows.
    """
    if not rows or "metric" not in rows[0]:
        return ""
    return shown_table(headline_display(table_frame(rows), lang), lang)


def team_table(rows: list[dict], lang: str, centre_name) -> str:
    """The recognition chapter's team view (``recognition_team.csv`` records) in short: per centre,
    team satisfaction, its change, compliments per 1,000 and the morale signal, formatted by
    ``recognition_view.team_display`` (as in the chapter). ``centre_name(id)`` is the configured name.
    ``""`` when the table is absent or not the chapter's shape (an older report)."""
    if not rows or any(c not in rows[0] for c in TEAM_COLUMNS) or any(r["morale"] not in MORALE for r in rows):
        return ""
    shown = team_display(table_frame(rows), lang)[list(TEAM_SHOWN)]
    shown["centre_id"] = [centre_name(c) for c in shown["centre_id"]]
    return shown_table(shown, lang)


def read_csv_records(path: Path) -> list[dict]:
    """A CSV's rows as dicts of strings (language-neutral analyst tables), [] if absent."""
    if not path.is_file():
        return []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def read_csv_header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), [])


# --- the pages ------------------------------------------------------------------------------------

def _month_page(lang: str, period: Period) -> str:
    return f"{lang}/months/{period.label}.md"


def _year_page(lang: str, period: Period) -> str:
    return f"{lang}/annual/{period.label}.md"


def _notebook_list(reports: ReportIndex, period: Period, lang: str, here: str) -> str:
    items = [f"- {link(nb.title(), nb.file, here)}" for nb in reports.notebooks(period, lang)]
    return "\n".join(items) + "\n" if items else t("common.none", lang) + "\n"


def _month_links(reports: ReportIndex, lang: str, here: str) -> str:
    """Every month chapter, one line per year (newest year first, months in calendar order)."""
    months = reports.periods("month", lang)
    years: dict[int, list[Period]] = {}
    for p in sorted(months):
        years.setdefault(p.start.year, []).append(p)
    lines = []
    for year in sorted(years, reverse=True):
        links = " · ".join(link(t(f"month.{p.start.month}", lang), _month_page(lang, p), here) for p in years[year])
        lines.append(f"- **{year}**: {links}")
    return "\n".join(lines) + "\n" if lines else t("book.months.none", lang) + "\n"


def _reading_links(reports: ReportIndex, lang: str, here: str) -> str:
    """Links to the weekly and daily archives (how many reports, the latest), the annual reviews
    and the reference pages."""
    lines = []
    for kind, page in ARCHIVE_PAGES.items():
        published = reports.periods(kind, lang)
        target = link(t(f"book.{page}.title", lang), f"{lang}/{page}.md", here)
        suffix = t("book.archive.summary", lang, count=messages.fmt_num(len(published), lang),
                   latest=_latest_link(reports, published[0], lang, here)) if published \
            else t(f"book.{page}.missing", lang)
        lines.append(f"- {target}: {suffix}")
    years = reports.periods("year", lang)
    suffix = ": " + " · ".join(p.label for p in years) if years else ""
    lines.append(f"- {link(t('book.annual.title', lang), f'{lang}/annual.md', here)}{suffix}")
    for page in SECTION_PAGES:
        lines.append(f"- {link(t(f'book.{page}.title', lang), f'{lang}/{page}.md', here)}")
    return "\n".join(lines) + "\n"


def _team_block(paths: Paths, period: Period | None, lang: str, heading: str, cfg) -> str:
    """The period's per-centre team view (issue 8, for the leadership page); nothing when absent."""
    if period is None:
        return ""
    rows = read_csv_records(paths.period_reports(period.label) / "tables" / TEAM_TABLE)
    table = team_table(rows, lang, lambda c: escape_markdown(_centre_name(cfg, c, lang)))
    if not table:
        return ""
    return (f"{heading} {t('book.index.team', lang, period=period_title(period, lang))}\n\n"
            + t("book.index.team_note", lang) + "\n\n" + table + "\n")


def _centre_name(cfg, centre_id: str, lang: str) -> str:
    try:
        return cfg.name("centres", centre_id, lang)
    except (KeyError, ValueError):
        return centre_id


def landing_page(paths: Paths, reports: ReportIndex, cfg, lang: str = LANGS[0]) -> str:
    """The landing page of ``lang`` (``landing.page_path``: ``index.md`` in English, ``ar/index.md``):
    the latest month's headline sentence and tiles (``book.landing``), then the full chapter,
    every month and the other reading."""
    here = landing.page_path(lang)
    latest = reports.latest("month", lang)
    links = [f"**{link(t('book.index.read', lang), f'{lang}/months.md', here)}**\n"]
    if latest is not None and reports.notebooks(latest, lang):
        links.append(t("book.index.full_chapter", lang) + " "
                     + link(period_title(latest, lang), _month_page(lang, latest), here) + "\n")
    links += [_team_block(paths, latest, lang, "##", cfg),
              f"## {t('book.months.title', lang)}\n", _month_links(reports, lang, here),
              f"## {t('book.index.more', lang)}\n", _reading_links(reports, lang, here)]
    return landing.landing_page(paths, reports, cfg, lang, front_matter(lang), "\n".join(links))


def months_page(reports: ReportIndex, lang: str) -> str:
    here = f"{lang}/months.md"
    return (front_matter(lang) + f"# {t('book.months.title', lang)}\n\n{t('book.months.intro', lang)}\n\n"
            + _month_links(reports, lang, here))


def correction_notice(eds: list[Edition] | tuple[Edition, ...], lang: str, code=md_code,
                      text=escape_markdown) -> str | None:
    """The sentence of a corrected period (more than one edition): when the current edition was
    published, which inputs changed (each shown by ``code``: Markdown inline code, or HTML) and
    which edition it replaces; ``text`` escapes the date. None for one edition or none."""
    if len(eds) < 2:
        return None
    current, previous = eds[-1], eds[-2]
    inputs = (t("book.edition.inputs", lang, files=", ".join(code(p) for p in current.changed_inputs))
              if current.changed_inputs else t("book.edition.no_inputs", lang))
    return t(f"book.edition.{_notice_kind(current)}.notice", lang, date=text(current.date), inputs=inputs,
             edition=current.number, previous=previous.number)


def _notice_kind(edition: Edition) -> str:
    """``updated`` when the edition only added inputs (a year with a new month), else ``corrected``."""
    return "updated" if edition.reason == "inputs added" else "corrected"


def reason_text(reason: str, lang: str) -> str:
    """A ledger reason in the reader's language (``ledger.REASONS``); an unknown one as escaped text."""
    name = REASONS.get(reason)
    return t(f"book.edition.reason.{name}", lang) if name else escape_markdown(reason)


def _notice_block(eds, lang: str) -> list[str]:
    """The correction notice as a MyST admonition, in a list of one block; [] when not corrected."""
    notice = correction_notice(eds, lang)
    if not notice:
        return []
    title = t(f"book.edition.{_notice_kind(eds[-1])}.title", lang)
    return [f":::{{admonition}} {title}\n:class: note goldbook-correction\n\n{notice}\n:::\n"]


def notice_html(eds: list[Edition] | tuple[Edition, ...], lang: str) -> str | None:
    """The correction notice as HTML (the admonition MyST makes of ``_notice_block``), for the
    period's notebook pages (``sphinx_ext``); None when not corrected."""
    notice = correction_notice(eds, lang, code=lambda p: f"<code class=\"docutils literal notranslate\">"
                                                      f"{html.escape(str(p))}</code>", text=html.escape)
    if not notice:
        return None
    return (f'<div class="admonition note goldbook-correction">\n<p class="admonition-title">'
            f"{html.escape(t(f'book.edition.{_notice_kind(eds[-1])}.title', lang))}</p>\n<p>{notice}</p>\n</div>\n")


def notebook_notices(root=None) -> dict[str, dict[str, str]]:
    """``{period: {lang: notice HTML}}`` for every corrected published period."""
    out = {}
    for period, eds in period_editions(root, published_periods(root)).items():
        notices = {lang: notice_html(eds, lang) for lang in LANGS}
        if all(notices.values()):
            out[period] = notices
    return out


def print_link(paths: Paths, period: Period, lang: str, here: str) -> list[str]:
    """The month's printed PDF (``goldbook pdf``) as a download, in a list of one block; [] unless the
    period's manifest lists the file with its own sha256. The sha256 sits in a comment so that a new
    print changes the page (and the book rebuilds and copies it); the class keeps it out of prints."""
    found = listed_print(period.label, lang, paths.root)
    if found is None:
        return []
    # a link to a file that is not a page: MyST makes it a download (copied into _downloads/)
    return [f"% print sha256 {sha256_file(found)}\n:::{{container}} goldbook-print-link goldbook-no-print\n"
            f"{link(t('print.download', lang), paths.rel(found), here)}\n:::\n"]


def month_page(paths: Paths, reports: ReportIndex, period: Period, lang: str, kpi: dict,
               eds: list[Edition] | tuple[Edition, ...] = ()) -> str:
    """A month's chapter page: its notebooks, headline figures and, when the month was corrected
    (``eds``, its editions), the correction notice first."""
    here = _month_page(lang, period)
    other = [lg for lg in LANGS if lg != lang and reports.notebooks(period, lg)]
    out = [front_matter(lang), f"# {period_title(period, lang)}\n", *_notice_block(eds, lang),
           landing.month_block(paths, reports, None, period, lang, here),
           t("book.month.intro", lang, period=period_title(period, lang)) + "\n",
           *print_link(paths, period, lang, here),
           f"## {t('book.month.reports', lang)}\n", _notebook_list(reports, period, lang, here)]
    for lg in other:
        out.append(link(t("book.month.other_lang", lang, language=t(f"lang.{lg}", lang)), _month_page(lg, period), here) + "\n")
    return "\n".join(out)


ARCHIVE_PAGES = {"week": "weekly", "day": "daily"}


def archive_month(period: Period) -> Period:
    """The month a weekly or daily report is listed under: a day's own month, a week's middle
    day's (the day that gives a week its year, ``base.periods``)."""
    day = period.start + timedelta(days=3) if period.kind == "week" else period.start
    return parse(f"{day:%Y-%m}")


def archive_groups(reports: ReportIndex, kind: str, lang: str) -> list[tuple[Period, list[Period]]]:
    """The published weeks or days in ``lang`` by month (``archive_month``): newest month first,
    newest period first within it."""
    groups: dict[Period, list[Period]] = {}
    for period in reports.periods(kind, lang):
        groups.setdefault(archive_month(period), []).append(period)
    return sorted(groups.items(), key=lambda item: item[0], reverse=True)


def _archive_item(reports: ReportIndex, period: Period, lang: str, here: str) -> str:
    """One report of the archive: its period linking to its notebook (to each, named, if several)."""
    notebooks = reports.notebooks(period, lang)
    if len(notebooks) == 1:
        return f"- {link(period_title(period, lang), notebooks[0].file, here)}"
    return f"- {period_title(period, lang)}: " + " · ".join(link(nb.title(), nb.file, here) for nb in notebooks)


def _latest_link(reports: ReportIndex, period: Period, lang: str, here: str) -> str:
    """The period's title linking to its first notebook."""
    return link(period_title(period, lang), reports.notebooks(period, lang)[0].file, here)


def archive_page(reports: ReportIndex, kind: str, lang: str) -> str:
    """``weekly.md`` / ``daily.md``: every published week's or day's report, grouped by month
    (``archive_groups``), each linking to its notebook; the reports are this page's sections in
    the table of contents (``toc.archive_entries``)."""
    page = ARCHIVE_PAGES[kind]
    here = f"{lang}/{page}.md"
    out = [front_matter(lang), f"# {t(f'book.{page}.title', lang)}\n"]
    groups = archive_groups(reports, kind, lang)
    if not groups:
        return "\n".join(out + [t(f"book.{page}.none", lang) + "\n"])
    count = sum(len(periods) for _, periods in groups)
    out.append(t(f"book.{page}.intro", lang, count=messages.fmt_num(count, lang),
                 latest=_latest_link(reports, groups[0][1][0], lang, here)) + "\n")
    for month, periods in groups:
        out += [f"## {period_title(month, lang)}\n",
                "\n".join(_archive_item(reports, p, lang, here) for p in periods) + "\n"]
    return "\n".join(out)


def annual_page(reports: ReportIndex, lang: str) -> str:
    here = f"{lang}/annual.md"
    out = [front_matter(lang), f"# {t('book.annual.title', lang)}\n", t("book.annual.intro", lang) + "\n"]
    years = reports.periods("year", lang)
    if not years:
        out.append(t("book.annual.missing", lang) + "\n")
    for p in years:
        out.append(f"- {link(t('book.annual.year', lang, year=p.label), _year_page(lang, p), here)}")
    return "\n".join(out) + "\n"


def year_page(reports: ReportIndex, period: Period, lang: str, eds: list[Edition] | tuple[Edition, ...] = ()) -> str:
    here = _year_page(lang, period)
    return "\n".join([front_matter(lang), f"# {t('book.annual.year', lang, year=period.label)}\n",
                      *_notice_block(eds, lang),
                      t("book.annual.year_intro", lang, year=period.label) + "\n",
                      _notebook_list(reports, period, lang, here)])


# --- Methods ----------------------------------------------------------------------------------

KPI_DEFINITIONS = ("digital_take_up", "completion_rate", "wait", "service_level", "handle_time",
                   "abandonment", "csat", "nps", "ces", "response_rate", "feedback")


def _flatten(d: dict, prefix: str = "") -> list[tuple[str, object]]:
    out = []
    for key, value in d.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flatten(value, path + ".")
        else:
            out.append((path, value))
    return out


def setting_label(path: str, lang: str) -> str:
    """A KPI setting's name for readers; per-kind thresholds share one sentence."""
    head, _, last = path.rpartition(".")
    if head.endswith("thresholds_seconds") and messages.has(f"book.setting.{head}"):
        kind_key = f"book.channel_kind.{last}"
        kind = t(kind_key, lang) if messages.has(kind_key) else escape_markdown(last)
        return t(f"book.setting.{head}", lang, kind=kind)
    key = f"book.setting.{path}"
    return _cell(t(key, lang)) if messages.has(key) else md_code(path)


def setting_value(path: str, value, lang: str) -> str:
    """A KPI setting's value for readers (durations, shares, yes/no, catalogue names of variants).

    A list is a list of scores (``3, 5``; consecutive scores read as a range, ``4–5``), except
    under ``RANGE_SETTINGS``, where ``[low, high]`` is a range: NPS detractors ``[0, 6]`` are ``0–6``.
    """
    last = path.rpartition(".")[2]
    if isinstance(value, bool):
        return t("common.yes" if value else "common.no", lang)
    if isinstance(value, (list, tuple)):
        if path.endswith(RANGE_SETTINGS) and len(value) == 2:
            return f"{escape_markdown(value[0])}–{escape_markdown(value[1])}"
        ints = [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
        if len(ints) == len(value) > 1 and sorted(ints) == list(range(min(ints), max(ints) + 1)):
            return f"{min(ints)}–{max(ints)}"
        return ", ".join(escape_markdown(v) for v in value)
    if isinstance(value, (int, float)):
        if "seconds" in path:     # a wait threshold in its channel kind's unit; other settings in seconds
            unit = messages.duration_unit(kind=last) if ".thresholds_seconds." in f".{path}" else "seconds"
            return messages.fmt_duration(value, lang, unit)
        if last.endswith("_days"):
            return t("book.unit.days", lang, value=messages.fmt_num(value, lang))
        if last in ("target", "target_max", "confidence") and 0 < value <= 1:
            return messages.fmt_pct(value, lang, 0 if round(value * 100, 6).is_integer() else 1)
        return escape_markdown(value)
    key = f"book.value.{value}"
    return _cell(t(key, lang)) if messages.has(key) else escape_markdown(value)


def natural_key(key: str) -> tuple:
    """Sort key for catalogue keys: numbered parts in number order (``x.2`` before ``x.10``)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in key.split("."))


def week_days(week_starts: str, lang: str) -> dict[str, str]:
    """The first, middle and last weekday of a week starting on ``week_starts`` (``Mon`` … ``Sun``),
    named in ``lang``: ``{"first_day", "middle_day", "last_day"}``."""
    first = WEEKDAYS.index(week_starts)
    name = lambda offset: t(f"weekday.{(first + offset) % 7 + 1}", lang)  # noqa: E731 - catalogue weekday.1 = Monday
    return {"first_day": name(0), "middle_day": name(3), "last_day": name(6)}


def periods_definition(week_starts: str, lang: str) -> str:
    """What the period labels mean, a week under the entity's first day (``base.periods``), with
    week 1 of 2024 as the worked example (``book.methods.periods``)."""
    example = parse("2024-W01", week_starts=week_starts)
    return t("book.methods.periods", lang, **week_days(week_starts, lang),
             example_first=f"{example.start:%Y-%m-%d}", example_last=f"{example.last:%Y-%m-%d}")


def methods_page(cfg, lang: str) -> str:
    """KPI definitions, what the periods are, the KPI settings in force (with versions), then every
    ``methods.*`` text."""
    kpi = dict(cfg.kpi)
    out = [front_matter(lang), f"# {t('book.methods.title', lang)}\n", t("book.methods.intro", lang) + "\n",
           f"## {t('book.methods.h.kpi', lang)}\n"]
    out += [f"- {t(f'book.kpi.{k}', lang)}" for k in KPI_DEFINITIONS]
    out += ["", f"## {t('book.methods.h.periods', lang)}\n", periods_definition(cfg.week_starts, lang) + "\n"]
    out += ["", f"## {t('book.methods.h.settings', lang)}\n",
            t("book.methods.settings_intro", lang, kpi_version=escape_markdown(kpi.get("version", "–")),
              config_version=escape_markdown(cfg.version)) + "\n"]
    rows = [[setting_label(path, lang), setting_value(path, value, lang)]
            for path, value in _flatten({k: v for k, v in kpi.items() if k != "version"})]
    out.append(md_table([t("book.col.setting", lang), t("book.col.value", lang)], rows))
    chapter_keys = sorted((k for k in messages.catalogue() if k.startswith("methods.")), key=natural_key)
    if chapter_keys:
        out.append(f"## {t('book.methods.h.chapters', lang)}\n")
        out += [t(k, lang) + "\n" for k in chapter_keys]
    return "\n".join(out)


# --- Data dictionary --------------------------------------------------------------------------

def _describe(table: str, column: str, fallback: str, lang: str) -> str:
    for key in (f"doc.raw.{table}.{column}", f"doc.col.{column}"):
        if messages.has(key):
            return _cell(t(key, lang))
    return escape_markdown(fallback) if fallback else ""


def raw_tables() -> list[dict]:
    """The raw tables as ``{name, doc, columns: [{name, type, nullable, values, doc}]}``.

    From ``helpers.data.contract.TABLES`` (the contract as data), so the page and the checks cannot drift.
    """
    out = []
    for table in contract.TABLES.values():
        out.append({"name": table.name, "doc": table.doc, "columns": [
            {"name": c.name, "type": c.type, "nullable": c.nullable, "values": tuple(c.values), "doc": c.doc}
            for c in table.columns]})
    return out


def analyst_tables(paths: Paths) -> dict[str, dict]:
    """Every ``reports/<period>/tables/<name>.csv`` of a published period (never a hidden folder,
    ``.old-*`` copy or ``editions/``) by name: its columns and the period kinds it appears in."""
    found: dict[str, dict] = {}
    reports = paths.reports
    if not reports.is_dir():
        return found
    for period_dir in sorted(reports.iterdir()):
        if unpublished(period_dir.name) or not period_dir.is_dir():    # the rule of ``toc.find_reports``
            continue
        try:
            kind = kind_of(period_dir.name)
        except PeriodError:
            continue
        for path in sorted((period_dir / "tables").glob("*.csv")):
            entry = found.setdefault(path.stem, {"columns": [], "kinds": set()})
            entry["kinds"].add(kind)
            for column in read_csv_header(path):
                if column not in entry["columns"]:
                    entry["columns"].append(column)
    return dict(sorted(found.items()))


def data_dictionary_page(paths: Paths, lang: str) -> str:
    out = [front_matter(lang), f"# {t('book.data_dictionary.title', lang)}\n", t("book.dd.intro", lang) + "\n",
           f"## {t('book.dd.h.raw', lang)}\n", t("book.dd.raw_intro", lang) + "\n"]
    header = [t("book.dd.col.column", lang), t("book.dd.col.type", lang), t("book.dd.col.empty", lang),
              t("book.dd.col.description", lang)]
    for table in raw_tables():
        name = table["name"]
        out.append(f"### {md_code(name)}\n")
        doc_key = f"doc.raw.{name}"
        out.append((t(doc_key, lang) if messages.has(doc_key) else escape_markdown(table["doc"])) + "\n")
        rows = []
        for c in table["columns"]:
            type_key = f"book.type.{c['type']}"
            kind = t(type_key, lang) if messages.has(type_key) else escape_markdown(c["type"])
            if c["values"]:
                kind += ": " + ", ".join(md_code(v) for v in c["values"])
            rows.append([md_code(c["name"]), kind, t("common.yes" if c["nullable"] else "common.no", lang),
                         _describe(name, c["name"], c["doc"], lang)])
        out.append(md_table(header, rows))
    out += [f"## {t('book.dd.h.analyst', lang)}\n", t("book.dd.analyst_intro", lang) + "\n"]
    tables = analyst_tables(paths)
    if not tables:
        out.append(t("common.none", lang) + "\n")
    header = [t("book.dd.col.column", lang), t("book.dd.col.label", lang), t("book.dd.col.description", lang)]
    for name, entry in tables.items():
        kinds = ", ".join(t(f"book.kind.{k}", lang) for k in KIND_ORDER if k in entry["kinds"])
        out.append(f"### {md_code(name + '.csv')}\n")
        out.append(t("book.dd.analyst_kinds", lang, kinds=kinds) + "\n")
        rows = []
        for column in entry["columns"]:
            label = t(f"col.{column}", lang) if messages.has(f"col.{column}") else "–"
            doc = t(f"doc.col.{column}", lang) if messages.has(f"doc.col.{column}") else ""
            rows.append([md_code(column), _cell(label), _cell(doc)])
        out.append(md_table(header, rows))
    return "\n".join(out)


# --- Assumptions and caveats ------------------------------------------------------------------

def assumptions_page(paths: Paths, cfg, lang: str) -> str:
    """The govcookiecutter assumptions log: example catalogue, synthetic data, KPI variants chosen."""
    kpi = cfg.kpi
    out = [front_matter(lang), f"# {t('book.assumptions.title', lang)}\n", t("book.assumptions.intro", lang) + "\n",
           f"## {t('book.assumptions.h.data', lang)}\n"]
    examples = [c["guideline"] for c in cfg.catalogues if c.get("example")]
    if examples:
        out.append("- " + t("book.assumptions.example_catalogue", lang,
                            guidelines=", ".join(md_code(g) for g in examples)))
    out.append("- " + t("book.assumptions.demo_data" if paths.truth.exists() else "book.assumptions.real_data", lang))
    out += ["- " + t(f"book.assumptions.{k}", lang) for k in ("as_of", "self_assessment", "surveys")]
    out.append("- " + t("book.assumptions.weeks", lang, **week_days(cfg.week_starts, lang)))
    sl, ab, cs, sig = kpi["service_level"], kpi["abandonment"], kpi["csat"], kpi["significance"]
    out += ["", f"## {t('book.assumptions.h.variants', lang)}\n", t("book.assumptions.variants_intro", lang) + "\n"]
    out += ["- " + t("book.assumptions.assisted_digital", lang, value=setting_value(
                "assisted", bool(kpi["digital_take_up"]["assisted_digital_counts_as_digital"]), lang)),
            "- " + t("book.assumptions.service_level", lang, variant=setting_value("variant", sl["variant"], lang)),
            "- " + t("book.assumptions.short_abandons", lang,
                     seconds=messages.fmt_duration(ab["short_abandon_seconds"], lang, "seconds")),
            "- " + t("book.assumptions.top_box", lang, scores=", ".join(str(s) for s in cs["top_box"])),
            "- " + t("book.assumptions.significance", lang, alpha=escape_markdown(sig["alpha"]),
                     correction=setting_value("correction", sig["correction"], lang))]
    return "\n".join(out) + "\n"


# --- Audit ------------------------------------------------------------------------------------

AUDIT_ORDER = ("period", "languages", "input_files", "input_rows", "inputs_sha256", "commit", "clean",
               "code_sha256", "lock_sha256", "python", "pandas", "outputs", "verify")


def audit_rows(root=None) -> list[dict]:
    """Every period's manifest in brief (``pipeline.manifest.audit_summary``), for the Audit page."""
    return list(audit_summary(root))


def _audit_value(key: str, value, lang: str) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if isinstance(value, bool):
        return t("common.yes" if value else "common.no", lang)
    if key == "period":
        return escape_markdown(value)
    if key == "languages" and isinstance(value, (list, tuple)):
        return ", ".join(t(f"lang.{v}", lang) if messages.has(f"lang.{v}") else escape_markdown(v) for v in value)
    if isinstance(value, (list, tuple)):
        return ", ".join(escape_markdown(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{escape_markdown(k)} {escape_markdown(v)}" for k, v in sorted(value.items()))
    if isinstance(value, int) and not isinstance(value, bool):
        return messages.fmt_num(value, lang)
    if key == "verify" or key.endswith(("sha256", "commit")) or key in ("python", "pandas"):
        return md_code(value)
    return escape_markdown(value)


def audit_page(rows: list[dict], lang: str, eds: dict[str, list[Edition]] | None = None) -> str:
    """One table per period kind: each period's inputs, code, environment and how to verify it;
    then the editions of each period in the ledger (``eds``, by period)."""
    out = [front_matter(lang), f"# {t('book.audit.title', lang)}\n", t("book.audit.intro", lang) + "\n"]
    if not rows:
        out.append(t("book.audit.none", lang) + "\n")
        return "\n".join(out + [editions_section(eds or {}, lang)])
    keys = [k for k in AUDIT_ORDER if any(k in r for r in rows)]
    keys += sorted({k for r in rows for k in r} - set(keys) - {"kind"})
    header = [t(f"book.audit.{k}", lang) if messages.has(f"book.audit.{k}") else escape_markdown(k) for k in keys]
    for kind in KIND_ORDER:
        mine = [r for r in rows if (r.get("kind") or _kind(r.get("period"))) == kind]
        if mine:
            out.append(f"## {t(f'book.kind.{kind}', lang)}\n")
            out.append(md_table(header, [[_audit_value(k, r.get(k), lang) for k in keys] for r in mine]))
    out.append(editions_section(eds or {}, lang))
    return "\n".join(out)


EDITION_COLUMNS = ("period", "edition", "date", "reason", "changed_inputs", "verify")


def editions_section(eds: dict[str, list[Edition]], lang: str) -> str:
    """The Audit page's editions: one row per edition of each period (period order, oldest
    edition first), with the command that verifies it; the current one marked."""
    out = [f"## {t('book.audit.h.editions', lang)}\n", t("book.audit.editions_intro", lang) + "\n"]
    rows = []
    for period, mine in eds.items():
        for e in mine:
            number = messages.fmt_num(e.number, lang)
            command = f"goldbook verify {period}" + ("" if e.current else f" --edition {e.number}")
            rows.append([escape_markdown(period),
                         number + (f" ({t('book.audit.current', lang)})" if e.current else ""),
                         escape_markdown(e.date) if e.date else "–",
                         reason_text(e.reason, lang) if e.reason else "–",
                         ", ".join(md_code(p) for p in e.changed_inputs) or "–",
                         md_code(command)])
    if not rows:
        return "\n".join(out + [t("book.audit.editions_none", lang) + "\n"])
    header = [t(f"book.audit.{k}", lang) for k in EDITION_COLUMNS]
    return "\n".join(out + [md_table(header, rows)])


def period_editions(root, periods: list[str]) -> dict[str, list[Edition]]:
    """The editions (``pipeline.ledger.editions``) of each of ``periods`` that the ledger has, in order."""
    found = {label: editions(label, root) for label in periods}
    return {label: eds for label, eds in found.items() if eds}


def _kind(label) -> str | None:
    try:
        return kind_of(label)
    except PeriodError:
        return None


# --- generation ---------------------------------------------------------------------------------

def book_pages(root=None, reports: ReportIndex | None = None) -> dict[str, str]:
    """Every generated page as ``{path under book/: MyST Markdown}``."""
    paths = get_paths(root)
    cfg = load_config(paths.root)
    reports = reports if reports is not None else find_reports(paths.root)
    pages = {landing.page_path(lang): landing_page(paths, reports, cfg, lang) for lang in LANGS}
    audit = audit_rows(paths.root)
    eds = period_editions(paths.root, [r["period"] for r in audit])
    for lang in LANGS:
        pages[f"{lang}/months.md"] = months_page(reports, lang)
        for p in reports.periods("month", lang):
            pages[_month_page(lang, p)] = month_page(paths, reports, p, lang, cfg.kpi, eds.get(p.label, ()))
        for kind, page in ARCHIVE_PAGES.items():
            pages[f"{lang}/{page}.md"] = archive_page(reports, kind, lang)
        pages[f"{lang}/annual.md"] = annual_page(reports, lang)
        for p in reports.periods("year", lang):
            pages[_year_page(lang, p)] = year_page(reports, p, lang, eds.get(p.label, ()))
        pages[f"{lang}/methods.md"] = methods_page(cfg, lang)
        pages[f"{lang}/data_dictionary.md"] = data_dictionary_page(paths, lang)
        pages[f"{lang}/assumptions.md"] = assumptions_page(paths, cfg, lang)
        pages[f"{lang}/audit.md"] = audit_page(audit, lang, eds)
    return pages
