"""The edge where a report shows things to readers and writes them for analysts.

A notebook makes one ``Report`` and calls it: ``heading`` and ``say`` print catalogue messages,
``table`` displays a frame (escaped, stable ids, names instead of ids) and writes the same rows
as CSV under ``reports/<period>/tables/``, ``figure`` displays a figure as deterministic SVG and
writes it under ``reports/<period>/figures/<lang>/``.

What a reader sees of a table is kept short (issue 15): a table with no rows is one catalogue
sentence instead of a header, a table longer than ``COLLAPSE_ROWS`` is folded into a closed
``<details>`` block (not printed; the CSV has every row), and a missing value or a number that
could not be computed ("nan", "None", "inf" …) is shown as an en dash.
"""

from __future__ import annotations

import os
import re
from html import escape as html_escape

import numpy as np
import pandas as pd
from IPython.display import HTML, SVG, Markdown, display

from ..base import messages, plots
from ..base.config import load_config, parse_period
from ..base.files import write_atomic
from ..base.messages import escape_markdown
from ..base.paths import get_paths
from ..base.periods import Period
from ..data import store

__all__ = ["COLLAPSE_ROWS", "ID_COLUMNS", "Report", "reader_cell", "table_csv"]

# Columns whose ids are shown with the configured names; CSV keeps the ids.
ID_COLUMNS = {
    "centre_id": "centres",
    "channel_id": "channels",
    "service_id": "services",
    "category": "feedback_categories",
    "owner": "departments",
}
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
# A reader's table longer than this is collapsed (a closed <details>): leadership reads the page and
# prints it; the analyst has every row in the CSV. Report.table(collapse_rows=...) overrides it.
COLLAPSE_ROWS = 15
# What a cell shows for a missing value or a number that could not be computed.
MISSING = "–"
# A formatted cell that is only a missing or impossible number, perhaps signed and with a unit
# ("nan", "+nan%", "-inf pp", "None", "NaT", "<NA>"): a reader sees MISSING instead.
_NOT_A_VALUE_RE = re.compile(
    r"^\s*[+\-\u2212]?\s*(nan|inf|infinity|none|nat|<na>|null)\s*(%|pp|s|min|h|نقطة|ث|د|س)?\s*$", re.IGNORECASE)
# The table whose "not provided" sentence stands for another's (feedback_updates goes with feedback).
_SENTENCE_OF = {"feedback_updates": "feedback"}


def reader_cell(value):
    """A table cell as a reader may see it: missing values, infinities and formatted non-numbers
    ("nan", "+nan%", "None", "NaT" …) become ``MISSING``; anything else is left as it is."""
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return MISSING
    if isinstance(value, str) and _NOT_A_VALUE_RE.match(value):
        return MISSING
    return value


def table_csv(frame: pd.DataFrame) -> bytes:
    """The analyst's CSV of a table: UTF-8, ``\\n`` line ends, no index, fixed float format."""
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.6g").encode("utf-8")


class Report:
    """One notebook's view of one period in one language."""

    def __init__(self, period: str | Period, lang: str, root: str | os.PathLike = ".", notebook: str = "report"):
        self.paths = get_paths(root)
        self.period = parse_period(period, self.paths.root)   # a week from the entity's first day
        self.lang = messages.check_lang(lang)
        self.cfg = load_config(self.paths.root)
        self.notebook = notebook
        plots.apply_style()
        plots.use_colours(self.cfg)     # one colour per channel and centre in every chart
        messages.use_units(self.cfg)    # one unit per duration measure

    # --- text ----------------------------------------------------------------------------
    def t(self, key: str, **values) -> str:
        return messages.t(key, self.lang, **values)

    def heading(self, key: str, level: int = 2, **values) -> None:
        display(Markdown(f"{'#' * level} {self.t(key, **values)}"))

    def say(self, key: str, **values) -> None:
        """Display a catalogue sentence; values are escaped so data can never become markup."""
        safe = {k: escape_markdown(v) if isinstance(v, str) else v for k, v in values.items()}
        display(Markdown(self.t(key, **safe)))

    def lines(self, sentences: list[str]) -> None:
        """Display sentences already built from the catalogue by a helper, one paragraph each.

        No sentences, no output: an empty ``Markdown`` would be published as its Python repr.
        """
        if not sentences:
            return
        display(Markdown("\n\n".join(sentences)))

    # --- tables the entity may not provide ------------------------------------------------
    def provided(self, table: str) -> bool:
        """Whether the entity provides month table ``table`` (``store.provided``: tickets and staff
        always; surveys, feedback and self_assessment as ``tables:`` in config/entity.yaml declares)."""
        return store.provided(table, self.paths.root)

    @property
    def provided_tables(self) -> tuple[str, ...]:
        """The month tables the entity provides (``store.provided_tables``), for a chapter function
        that leaves out the parts of a section made from the others."""
        return store.provided_tables(self.paths.root)

    def missing(self, *tables: str) -> list[str]:
        """The catalogue sentence ``data.not_provided.<table>`` ("No self-assessment was provided
        this month.") for each of ``tables`` the entity does not provide, in order and once each
        (feedback_updates goes with feedback); [] when it provides them all."""
        when = self.t(f"data.when.{self.period.kind}")
        out = []
        for table in tables:
            if self.provided(table):
                continue
            sentence = self.t(f"data.not_provided.{_SENTENCE_OF.get(table, table)}", when=when)
            if sentence not in out:
                out.append(sentence)
        return out

    def needs(self, *tables: str) -> bool:
        """Whether the entity provides every one of ``tables``; for each it does not, display the
        one sentence saying so (``missing``).

        A section that means nothing without them runs under ``if rep.needs(...):``, so that no
        table, figure or number is made from data that was never provided and the reader gets the
        sentence instead. Called on its own, it says what a section shown in part leaves out.
        """
        sentences = self.missing(*tables)
        self.lines(sentences)
        return not sentences

    def needs_any(self, *tables: str) -> bool:
        """As ``needs``, for a section that can be shown from any one of ``tables`` (e.g. comment
        themes from surveys or feedback): says which are not provided, and returns whether at least
        one is."""
        self.lines(self.missing(*tables))
        return any(self.provided(table) for table in tables)

    def labels(self, key: str) -> dict[str, str]:
        """``{id: display name}`` for every configured item of ``key`` (``centres``, ``channels`` …)."""
        return {i: self.name(key, i) for i in self.cfg.ids(key)}

    def name(self, key: str, item_id: str) -> str:
        """A configured item's display name (``key`` is ``centres``, ``channels`` …)."""
        return self.cfg.name(key, item_id, self.lang)

    @property
    def title(self) -> str:
        return messages.period_title(self.period, self.lang)

    # --- tables --------------------------------------------------------------------------
    def labelled(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame for readers: configured names instead of ids, catalogue column labels."""
        shown = frame.copy()
        for column, key in ID_COLUMNS.items():
            if column in shown.columns:
                shown[column] = [self.name(key, v) if pd.notna(v) else "" for v in shown[column]]
        shown.columns = [self.t(f"col.{c}") if messages.has(f"col.{c}") else str(c) for c in shown.columns]
        return shown

    def table(self, frame: pd.DataFrame, name: str, *, formats: dict | None = None,
              shown: pd.DataFrame | None = None, write: bool = True, empty: str | None = None,
              collapse_rows: int = COLLAPSE_ROWS, show: bool = True) -> None:
        """Write ``frame`` to ``tables/<name>.csv`` and display it escaped, with a stable id.

        ``shown`` is an alternative frame for readers (e.g. figures already formatted by a
        helper); ``formats`` maps a column id to a callable ``value -> str`` (e.g. a share as a %).
        The CSV is written whatever the reader sees. With no rows to show, the reader gets one
        sentence instead of a bare header (``empty_sentence``; ``empty=""``: none, when the
        notebook's own sentence already says there is nothing); with more than ``collapse_rows``
        rows, the table comes folded in a closed ``<details>`` whose summary says how many rows.
        ``show=False`` writes the CSV only: an analyst's table that a chart or tile already shows.
        """
        if not _NAME_RE.match(name):
            raise ValueError(f"table name {name!r}: use lower-case letters, digits, '_' and '-'")
        if write:
            write_atomic(self.paths.period_reports(self.period.label) / "tables" / f"{name}.csv", table_csv(frame))
        if not show:
            return
        shown = (frame if shown is None else shown).copy()
        if shown.empty:
            if empty != "":       # "": the notebook's own sentence already says there is none
                display(Markdown(self.empty_sentence(name, empty)))
            return
        for column, fmt in (formats or {}).items():
            if column in shown.columns:
                shown[column] = [fmt(v) for v in shown[column]]
        shown = self.labelled(shown)
        display(HTML(self.table_html(shown, name, collapse_rows)))

    def empty_sentence(self, name: str, empty: str | None = None) -> str:
        """The sentence shown for table ``name`` when it has no rows: the catalogue key ``empty``
        when given, else ``table.empty.<name>`` when the catalogue has it, else ``table.empty``
        ("Nothing to list this month.", in the period's kind)."""
        key = empty or (f"table.empty.{name}" if messages.has(f"table.empty.{name}") else "table.empty")
        return self.t(key, when=self.t(f"data.when.{self.period.kind}"))

    def table_html(self, shown: pd.DataFrame, name: str, collapse_rows: int = COLLAPSE_ROWS) -> str:
        """The reader's frame (already labelled) as escaped HTML, every cell through ``reader_cell``,
        folded in a closed ``<details>`` when it has more than ``collapse_rows`` rows."""
        cells = shown.astype(object).map(reader_cell) if len(shown.columns) else shown
        styler = (
            cells.style.set_uuid(name.replace("-", "_"))
            .hide(axis="index")
            .format(lambda v: messages.fmt_cell(v, self.lang), escape="html", na_rep=MISSING)
            .set_table_attributes('class="goldbook-table"')
        )
        html = styler.to_html()
        if len(shown) <= collapse_rows:
            return html
        summary = html_escape(self.t("table.collapsed", n=messages.fmt_num(len(shown), self.lang)))
        return (f'<details class="goldbook-collapsed"><summary>{summary}</summary>\n'
                f"{html}</details>")

    def sections(self, sections, heading: str, level: int = 3) -> None:
        """Display computed per-centre sections (e.g. ``satisfaction_view.CentreWeek``): for each, the
        ``heading`` message with the centre's name, its ``lines``, then each of its ``tables``
        (``heading`` key, ``note`` lines, ``frame`` written as CSV, ``shown`` displayed), then its
        ``figures`` if it has any (``(figure, name)`` pairs, as ``figure`` takes them)."""
        for section in sections:
            self.heading(heading, level=level, centre=self.name("centres", section.centre_id))
            self.lines(section.lines)
            for part in section.tables:
                self.heading(part.heading, level=level + 1)
                self.lines(part.note)
                # a table's note says what an empty table would ("no comments this week")
                self.table(part.frame, part.name, shown=part.shown, empty="" if part.note else None)
            for fig, name in getattr(section, "figures", ()):
                self.figure(fig, name)

    # --- figures -------------------------------------------------------------------------
    def figure(self, fig, name: str) -> None:
        """Display ``fig`` as SVG and write it to ``figures/<lang>/<name>.svg``; closes the figure."""
        if not _NAME_RE.match(name):
            raise ValueError(f"figure name {name!r}: use lower-case letters, digits, '_' and '-'")
        svg = plots.to_svg(fig)
        write_atomic(self.paths.period_reports(self.period.label) / "figures" / self.lang / f"{name}.svg",
                     svg.encode("utf-8"))
        display(SVG(data=svg))
