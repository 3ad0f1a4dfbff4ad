"""What there is to publish and the book's table of contents.

``find_reports`` lists every executed notebook ``reports/<period>/<lang>/NN_topic.ipynb`` (a
``ReportIndex`` of ``ReportNotebook``), and ``book_toc`` turns it into ``_toc.yml``: an English and
an Arabic part. ``page_language`` reads a page's reader language from its path in that layout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..base import messages
from ..base.config import parse_period
from ..base.messages import LANGS, period_title, t
from ..base.paths import get_paths
from ..base.periods import Period, PeriodError

SECTION_PAGES = ("methods", "data_dictionary", "assumptions", "audit")


class BookError(RuntimeError):
    """The book could not be built, or the built book must not be published."""


# --- what there is to publish -------------------------------------------------------------------

@dataclass(frozen=True)
class ReportNotebook:
    """One executed notebook, ``reports/<period>/<lang>/<name>.ipynb``."""

    period: Period
    lang: str
    name: str
    title_key: str | None = None

    @property
    def docname(self) -> str:
        return f"reports/{self.period.label}/{self.lang}/{self.name}"

    @property
    def file(self) -> str:
        return f"{self.docname}.ipynb"

    def title(self) -> str:
        """The page title: the notebook's ``goldbook.title`` catalogue key, else its file name."""
        if self.title_key and messages.has(self.title_key):
            return t(self.title_key, self.lang)
        return self.name


class ReportIndex:
    """Every executed notebook, by language, kind and period."""

    def __init__(self, notebooks: list[ReportNotebook]):
        self._by: dict[tuple[str, str], list[ReportNotebook]] = {}
        for nb in sorted(notebooks, key=lambda n: (n.period, n.lang, n.name)):
            self._by.setdefault((nb.period.label, nb.lang), []).append(nb)
        self._periods = {nb.period.label: nb.period for nb in notebooks}

    def periods(self, kind: str, lang: str | None = None) -> list[Period]:
        """Periods of ``kind`` with notebooks (in ``lang`` if given), newest first."""
        found = {label for (label, lg) in self._by if lang is None or lg == lang}
        return sorted((self._periods[p] for p in found if self._periods[p].kind == kind), reverse=True)

    def latest(self, kind: str, lang: str | None = None) -> Period | None:
        found = self.periods(kind, lang)
        return found[0] if found else None

    def notebooks(self, period: Period, lang: str) -> list[ReportNotebook]:
        """The period's notebooks in ``lang``, in file-name order (the chapter order)."""
        return list(self._by.get((period.label, lang), []))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by.values())


def unpublished(name: str) -> bool:
    """True for a folder or file of ``reports/`` that is never published: a hidden one
    (``.staging-*``, ``.failed``, ``.ingest``, drafts), a ``_``-prefixed one, or a ``.old-*`` copy."""
    return name.startswith((".", "_")) or ".old-" in name


def find_reports(root=None) -> ReportIndex:
    """Every ``reports/<period>/<lang>/*.ipynb`` whose folder names are a period and a language:
    only published periods (never a hidden folder such as ``.staging-*``, ``.failed/`` or
    ``.ingest/``, a ``.old-*`` copy, or a period's ``editions/``), never a hidden notebook."""
    reports = get_paths(root).reports
    found = []
    if reports.is_dir():
        for period_dir in sorted(reports.iterdir()):
            if unpublished(period_dir.name) or not period_dir.is_dir():
                continue
            try:
                period = parse_period(period_dir.name, root)   # weeks from the entity's first day
            except PeriodError:
                continue
            for lang in LANGS:
                for path in sorted((period_dir / lang).glob("*.ipynb")):
                    if unpublished(path.name):
                        continue
                    found.append(ReportNotebook(period, lang, path.stem, _title_key(path)))
    return ReportIndex(found)


def _title_key(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            meta = json.load(fh).get("metadata", {})
    except (OSError, ValueError) as exc:
        raise BookError(f"{path.parent.parent.name}/{path.parent.name}/{path.name} is not a readable notebook: {exc}") from None
    key = (meta.get("goldbook") or {}).get("title")
    return str(key) if key else None


def page_language(docname: str) -> str | None:
    """The reader language of a page from its path: ``<lang>/…`` or ``reports/<period>/<lang>/…``."""
    parts = docname.split("/")
    if parts[0] in LANGS and len(parts) > 1:
        return parts[0]
    if parts[0] == "reports" and len(parts) > 3 and parts[2] in LANGS:
        return parts[2]
    return None


# --- table of contents ------------------------------------------------------------------------

def _entry(file: str, title: str, sections: list | None = None) -> dict:
    entry = {"file": file, "title": title}
    if sections:
        entry["sections"] = sections
    return entry


def _notebook_entries(reports: ReportIndex, period: Period, lang: str) -> list[dict]:
    return [_entry(nb.docname, nb.title()) for nb in reports.notebooks(period, lang)]


def archive_entries(reports: ReportIndex, kind: str, lang: str) -> list[dict]:
    """Every published week's or day's notebooks (newest first), each titled by its period: the
    archive under the weekly or daily page (the sidebar shows it only on those pages)."""
    entries = []
    for period in reports.periods(kind, lang):
        notebooks = reports.notebooks(period, lang)
        for nb in notebooks:
            title = period_title(period, lang)
            entries.append(_entry(nb.docname, title if len(notebooks) == 1 else f"{title} · {nb.title()}"))
    return entries


def book_toc(reports: ReportIndex) -> dict:
    """The ``_toc.yml`` (jb-book): an English and an Arabic part, each with the month chapters
    (newest first, each month's notebooks as its sections in file-name order), every published
    weekly and daily report (``archive_entries``), the annual reviews, Methods, Data dictionary,
    Assumptions and caveats, Audit.
    """
    parts = []
    for lang in LANGS:
        months = [_entry(f"{lang}/months/{p.label}", period_title(p, lang), _notebook_entries(reports, p, lang))
                  for p in reports.periods("month", lang)]
        chapters = [_entry(f"{lang}/months", t("book.months.title", lang), months)]
        if lang != LANGS[0]:   # the root (index) is the first language's landing; each other part opens with its own
            chapters.insert(0, _entry(f"{lang}/index", t("landing.home", lang)))
        for kind, page in (("week", "weekly"), ("day", "daily")):
            chapters.append(_entry(f"{lang}/{page}", t(f"book.{page}.title", lang),
                                   archive_entries(reports, kind, lang)))
        years = [_entry(f"{lang}/annual/{p.label}", t("book.annual.year", lang, year=p.label),
                        _notebook_entries(reports, p, lang)) for p in reports.periods("year", lang)]
        chapters.append(_entry(f"{lang}/annual", t("book.annual.title", lang), years))
        chapters += [_entry(f"{lang}/{page}", t(f"book.{page}.title", lang)) for page in SECTION_PAGES]
        parts.append({"caption": t(f"lang.{lang}", lang), "chapters": chapters})
    return {"format": "jb-book", "root": "index", "parts": parts}
