"""What ingest says: one ``Problem`` per broken rule, the ``IngestResult`` of a month or a day
and its report (the count per file and rule first, then the first examples of each rule), and
the full list as CSV for ``reports/.ingest/<period>-problems.csv``.

Every value shown goes through ``escape_controls``: a NUL or a carriage return from an export
is written as an escape, never printed raw.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..base.paths import get_paths
from . import contract

PROBLEMS_DIR = ".ingest"  # under reports/: outside the store, never a page


EXAMPLES_PER_RULE = 3


# Control characters (C0 with NUL, DEL, C1) and the Unicode line separators are written as
# escapes wherever a value is shown: a raw NUL or carriage return would garble a terminal, a
# log or a spreadsheet cell. Formatting marks (Arabic text needs its right-to-left marks) stay.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_ESCAPES.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"})


def escape_controls(text: str) -> str:
    """``text`` with every control character written as an escape: NUL as ``\\x00``, a tab as
    ``\\t``, a newline as ``\\n``; everything else as it is."""
    return text.translate(_ESCAPES)


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (file relative to the root, spreadsheet line, column), what (value)
    and why (the rule's sentence, plus what is particular to this row). ``line`` is None for a
    problem with the whole file; ``rule_id`` groups the report's count per file and rule."""

    file: str
    line: int | None
    column: str
    value: str
    sentence: str
    rule_id: str = ""
    detail: str = ""   # e.g. "first on line 2", "30 s before called_at"

    @property
    def rule(self) -> str:
        """The rule in plain words, with this row's detail."""
        return self.sentence + (f" ({self.detail})" if self.detail else "")

    def where(self) -> str:
        """``line 5, column centre_id, value "mars"`` (control characters escaped)."""
        parts = [f"line {self.line}" if self.line is not None else "file"]
        if self.column:
            parts.append(f"column {escape_controls(self.column)}")
        if self.value != "":
            parts.append(f'value "{_shorten(escape_controls(self.value))}"')
        elif self.column and self.line not in (None, 1):
            parts.append("value (empty)")
        return ", ".join(parts)


def problems_csv(problems: list[Problem]) -> bytes:
    """The full list as CSV (file, line, column, value, rule), in the order given, every text
    with its control characters escaped; UTF-8, ``\\n`` line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", "line", "column", "value", "rule"])
    for p in problems:
        writer.writerow([escape_controls(p.file), "" if p.line is None else p.line, escape_controls(p.column),
                         escape_controls(p.value), escape_controls(p.rule)])
    return out.getvalue().encode("utf-8")


def problems_path(month: str, root=None) -> Path:
    """Where a rejected month's full list of problems goes: ``reports/.ingest/<month>-problems.csv``."""
    return get_paths(root).reports / PROBLEMS_DIR / f"{month}-problems.csv"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _by_file_and_rule(problems: list[Problem]) -> dict[tuple[str, str], list[Problem]]:
    """The problems grouped by file and rule, in the order each group first appears."""
    groups: dict[tuple[str, str], list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.file, p.rule_id or p.sentence), []).append(p)
    return groups


@dataclass
class IngestResult:
    """What ``ingest_month`` did. ``status``: written (first time), corrected (replaced after a
    raw file changed), unchanged (no-op) or rejected (nothing written to the store).
    ``clock_skew``: per table, how many stamps of each column were moved within the tolerance
    of ``clock_skew_seconds``. ``problems_file``: the rejected month's full list, relative to
    the root. ``superseded``: the raw file versions this ingest replaced, each kept under
    ``data/raw/.superseded/`` (``{path, sha256, kept}``, ``data.originals``)."""

    month: str
    ok: bool
    status: str
    problems: list[Problem] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    clock_skew: dict[str, dict[str, int]] = field(default_factory=dict)
    clock_skew_seconds: int | None = None
    problems_file: str | None = None
    superseded: list[dict] = field(default_factory=list)

    def report(self, examples_per_rule: int = EXAMPLES_PER_RULE) -> str:
        """The report a person reads. Rejected: a headline, the count per file and rule, then
        the first ``examples_per_rule`` problems of each rule. Accepted: what was written, and
        how many timestamps were moved for clock skew."""
        if not self.ok:
            return self._rejection(examples_per_rule)
        if self.status == "unchanged":
            head = f"{self.month}: unchanged, the raw files are identical to the last ingest"
            head += "." if self.written else "; nothing to do."
        else:
            counts = ", ".join(f"{t} {n:,}" for t, n in self.rows.items())
            head = f"{self.month}: {self.status}, {counts} rows."
        lines = [head]
        moved = [(f"{t}.{c}", n) for t, cols in self.clock_skew.items() for c, n in cols.items()]
        if moved:
            lines.append(f"Clock skew: {_plural(sum(n for _, n in moved), 'timestamp')} moved to their neighbour "
                         f"within the {self.clock_skew_seconds} s tolerance: "
                         + ", ".join(f"{name} {n:,}" for name, n in moved) + ".")
        if self.changed:
            lines.append("Correction: these raw files differ from the last ingest:")
            lines += [f"  {escape_controls(c)}" for c in self.changed]
        lines += [f"Kept the original of {escape_controls(s['path'])} in {escape_controls(s['kept'])}."
                  for s in self.superseded]
        lines += self.notes
        if self.written:
            lines.append("Wrote " + ", ".join(self.written))
        return "\n".join(lines)

    def _rejection(self, examples_per_rule: int) -> str:
        files = {p.file for p in self.problems}
        head = (f"{self.month}: REJECTED, {_plural(len(self.problems), 'problem')} in {_plural(len(files), 'file')}. "
                f"Nothing was written to the store (data/processed/).")
        if self.problems_file:
            head += f" The full list is in {self.problems_file}, the only file written."
        groups = _by_file_and_rule(self.problems)
        lines = [head, "Problems per file and rule:"]
        for (file, _), mine in groups.items():
            unit = "row" if all(p.line is not None and p.line > 1 for p in mine) else "problem"
            lines.append(f"  {escape_controls(file)}: {_plural(len(mine), unit)}, {escape_controls(mine[0].sentence)}")
        lines.append(f"First examples of each rule (up to {examples_per_rule}):")
        for (file, _), mine in groups.items():
            lines.append(f"{escape_controls(file)}: {escape_controls(mine[0].sentence)}")
            for p in mine[:examples_per_rule]:
                lines.append(f"  {p.where()}" + (f": {escape_controls(p.detail)}" if p.detail else ""))
            if len(mine) > examples_per_rule:
                lines.append(f"  ... and {len(mine) - examples_per_rule:,} more"
                             + (f" in {self.problems_file}" if self.problems_file else ""))
        lines += self.notes
        return "\n".join(lines)


def _shorten(value: str, width: int = 80) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def file_problem(rel: str, rule_id: str, *, line=None, column="", value="", extra="") -> Problem:
    return Problem(rel, line, column, value, contract.file_rule(rule_id), rule_id, extra)
