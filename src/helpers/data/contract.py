"""The raw-data contract: every table's columns, types and rules, as data.

``TABLES`` says what each table holds; ``RULES`` is the one table of rules, each with the
sentence a person reads when a row breaks it. ``data/raw/README.md`` is generated from the
same two tables (``markdown()``), so the documentation and the checks cannot drift apart.

The pipeline for one table is:

1. ``parse(table, raw)``: raw strings (as read, never coerced) to typed columns; a value that
   does not parse is a ``type`` violation.
2. ``schema(table, context)``: a pandera (pandas backend) ``DataFrameSchema`` compiled from
   ``RULES``; every check is named by its rule id.
3. ``check(table, typed, context)``: run the schema lazily and return every violation.

Everything is vectorised; a frame's index is the line a person sees in a spreadsheet
(header = line 1), so violations carry their line without bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from ..base.config import Config, ConfigError

if TYPE_CHECKING:
    import pandera.pandas as pa

CONTRACT_VERSION = "1"
SELF_SERVICE_KIND = "self_service"
UNSERVED_OUTCOMES = ("abandoned", "no_show")  # never served: no employee to name
# Timestamps from two systems (queue, telephony, CRM) may be inverted by a clock difference.
# Beyond a minute an inversion is a wrong timestamp, not skew, so the setting is capped there.
DEFAULT_CLOCK_SKEW_SECONDS = 5
MAX_CLOCK_SKEW_SECONDS = 60
TOLERANCE_PLACEHOLDER = "{tolerance}"
TOLERANCE_DOC = f"`ingest: clock_skew_seconds` in config/entity.yaml, default {DEFAULT_CLOCK_SKEW_SECONDS} s"
NATIONAL_ID_PATTERN = r"\d{9}"

MONTH_TABLES = ("tickets", "surveys", "feedback", "feedback_updates", "staff", "self_assessment")
OPTIONAL_TABLES = ("feedback_updates",)  # a month folder may leave these out
DAY_TABLES = ("tickets", "surveys", "feedback")   # may come day by day (day drops); the others stay monthly
ALWAYS_PROVIDED = ("tickets", "staff")   # every entity provides these; the others are declared in config
DECLARABLE_TABLES = ("surveys", "feedback", "self_assessment")

# How each contract type is written in a file, and held once parsed.
TYPES = {
    "id": ("str", "text id, kept exactly as written (`007` stays `007`)"),
    "str": ("str", "text"),
    "text": ("str", "free text, any language, kept as written"),
    "enum": ("str", "one of the listed values"),
    "list": ("str", "`all`, or ids separated by `;`"),
    "datetime": ("datetime64[us]", "`YYYY-MM-DD HH:MM:SS` local time (`YYYY-MM-DDTHH:MM:SS` and no seconds accepted)"),
    "date": ("datetime64[us]", "`YYYY-MM-DD`"),
    "bool": ("boolean", "`true` or `false` (any letter case)"),
    "int": ("Int64", "whole number"),
}
TEXT_TYPES = ("text",)  # free text keeps its spaces; every other value is trimmed


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = False
    values: tuple[str, ...] = ()  # enum values
    doc: str = ""

    @property
    def dtype(self) -> str:
        return TYPES[self.type][0]


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]             # unique within a month; processed rows are sorted by it
    dated_by: str | None = None      # dated inside the folder's month; the as-of column
    snapshot: bool = False           # a whole-month snapshot (store adds a ``month`` column)
    registry: bool = False           # lives in data/raw/, spans months

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def dtypes(self) -> dict[str, str]:
        return {c.name: c.dtype for c in self.columns}


def _c(name, type_, nullable=False, values=(), doc=""):
    return Column(name, type_, nullable, tuple(values), doc)


OUTCOMES = ("completed", "abandoned", "no_show", "transferred", "referred")
SOURCES = ("national_complaints_system", "satisfaction_system", "email", "social_media", "in_person", "phone")
FEEDBACK_KINDS = ("complaint", "suggestion", "compliment", "inquiry")
FEEDBACK_STATUSES = ("open", "in_progress", "resolved", "rejected")
CLOSING_STATUSES = ("resolved", "rejected")
ROLES = ("agent", "senior_agent", "supervisor")
ASSESSMENT_STATUSES = ("met", "partial", "not_met", "not_applicable")
BLOCKERS = ("none", "budget", "procurement", "external_approval", "training", "it_system", "other")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "tickets",
            "One row per service transaction on any channel.",
            (
                _c("ticket_id", "id"),
                _c("centre_id", "id"),
                _c("channel_id", "id"),
                _c("service_id", "id"),
                _c("employee_id", "id", True),
                _c("customer_ref", "id", True),
                _c("created_at", "datetime", doc="ticket issued or contact started"),
                _c("booked", "bool", doc="came through an appointment"),
                _c("called_at", "datetime", True),
                _c("started_at", "datetime", True),
                _c("ended_at", "datetime", True),
                _c("outcome", "enum", values=OUTCOMES),
                _c("resolved_first_contact", "bool", True),
                _c("assisted_digital", "bool", doc="staff helped the customer complete it digitally"),
            ),
            key=("ticket_id",),
            dated_by="created_at",
        ),
        Table(
            "surveys",
            "One row per satisfaction response.",
            (
                _c("response_id", "id"),
                _c("ticket_id", "id", True),
                _c("centre_id", "id"),
                _c("channel_id", "id"),
                _c("service_id", "id", True),
                _c("employee_id", "id", True),
                _c("submitted_at", "datetime"),
                _c("csat", "int", doc="5 = very satisfied"),
                _c("nps", "int", True),
                _c("ces", "int", True, doc="7 = very easy"),
                _c("comment", "text", True, doc="any language"),
            ),
            key=("response_id",),
            dated_by="submitted_at",
        ),
        Table(
            "feedback",
            "Complaints, suggestions, compliments (thank-you messages) and inquiries, from every source.",
            (
                _c("feedback_id", "id"),
                _c("received_at", "datetime"),
                _c("source", "enum", values=SOURCES),
                _c("kind", "enum", values=FEEDBACK_KINDS),
                _c("centre_id", "id", True),
                _c("channel_id", "id", True),
                _c("service_id", "id", True),
                _c("employee_id", "id", True, doc="the staff member the message names"),
                _c("category", "id"),
                _c("text", "text"),
                _c("status", "enum", values=FEEDBACK_STATUSES),
                _c("resolved_at", "datetime", True),
                _c("substantiated", "bool", True, doc="the complaint proved valid"),
            ),
            key=("feedback_id",),
            dated_by="received_at",
        ),
        Table(
            "feedback_updates",
            "Feedback received in an earlier month and closed in this one: one row per message, "
            "its status and resolution as of its closing. A month's feedback file is that month's "
            "export and is never edited afterwards, so a message still open at the end of its month "
            "is closed here, in the folder of the month it was closed. The latest closing of a "
            "message counts from its resolved_at on.",
            (
                _c("feedback_id", "id", doc="a message of an earlier month's feedback file"),
                _c("status", "enum", values=CLOSING_STATUSES),
                _c("resolved_at", "datetime", doc="when it was resolved or rejected"),
                _c("substantiated", "bool", True, doc="the complaint proved valid"),
            ),
            key=("feedback_id",),
            dated_by="resolved_at",
        ),
        Table(
            "staff",
            "The month's roster.",
            (
                _c("employee_id", "id"),
                _c("name_en", "str", doc="shown only in recognition"),
                _c("name_ar", "str", doc="shown only in recognition"),
                _c("centre_id", "id"),
                _c("role", "enum", values=ROLES),
                _c("joined_on", "date"),
                _c("active", "bool"),
            ),
            key=("employee_id",),
            snapshot=True,
        ),
        Table(
            "self_assessment",
            "Each centre's monthly check of each criterion.",
            (
                _c("centre_id", "id"),
                _c("criterion_id", "id"),
                _c("assessed_on", "date"),
                _c("status", "enum", values=ASSESSMENT_STATUSES),
                _c("evidence", "text", True),
                _c("owner", "id", doc="a department"),
                _c("reason", "text", True),
                _c("blocker", "enum", values=BLOCKERS),
                _c("action", "text", True),
                _c("due_on", "date", True),
                _c("assessor_id", "id", doc="a supervisor"),
            ),
            key=("centre_id", "criterion_id"),
            dated_by="assessed_on",
            snapshot=True,
        ),
        Table(
            "initiatives",
            "The initiatives registry, `data/raw/initiatives.csv`: one row per initiative, across months. "
            "A period sees only the rows in force (start_on on or before its end).",
            (
                _c("initiative_id", "id"),
                _c("name_en", "str"),
                _c("name_ar", "str"),
                _c("start_on", "date"),
                _c("end_on", "date", True),
                _c("centres", "list"),
                _c("channels", "list"),
                _c("expected", "str", doc="e.g. `virtual_share:up`, `csat:up`, `wait:down`"),
                _c("owner", "str"),
                _c("description", "text", True),
            ),
            key=("initiative_id",),
            registry=True,
        ),
    )
}


@dataclass(frozen=True)
class Rule:
    """One contract rule. ``column`` is where a violation is reported; ``kind`` picks the check."""

    id: str
    table: str
    column: str
    kind: str
    sentence: str
    params: dict = field(default_factory=dict, hash=False, compare=False)

    def text(self, tolerance_seconds: int | None = None) -> str:
        """The sentence a person reads: with the clock-skew tolerance in seconds when given
        (a report), else with where it is set and its default (the documentation)."""
        shown = TOLERANCE_DOC if tolerance_seconds is None else f"{tolerance_seconds} s"
        return self.sentence.replace(TOLERANCE_PLACEHOLDER, shown)


_TYPE_SENTENCES = {
    "datetime": "{col} must be a real date and time written YYYY-MM-DD HH:MM:SS (YYYY-MM-DDTHH:MM:SS and HH:MM without seconds are accepted).",
    "date": "{col} must be a real date written YYYY-MM-DD.",
    "bool": "{col} must be true or false.",
    "int": "{col} must be a whole number.",
}
_REF_NAMES = {
    "centres": "a centre",
    "channels": "a channel",
    "services": "a service",
    "departments": "a department",
    "feedback_categories": "a feedback category",
}


def _ref(table, col, key, *, when_given=False):
    cond = ", when given," if when_given else ""
    return (f"{table}.{col}.ref", table, col, "ref",
            f"{col}{cond} must be {_REF_NAMES[key]} id listed in config/entity.yaml ({key}).", {"key": key})


def _in_month(table, col):
    return (f"{table}.{col}.in_month", table, col, "in_month", f"{col} must fall inside the folder's month.", {})


def _unique(table, col, what):
    return (f"{table}.{col}.unique", table, col, "unique", f"{col} must not repeat within the file: each {what} appears once.", {})


# The rules beyond type, emptiness and enum values (those three are generated from TABLES).
_EXPLICIT_RULES = (
    # tickets
    _unique("tickets", "ticket_id", "ticket"),
    ("tickets.ticket_id.unique_across_months", "tickets", "ticket_id", "unique_across_months",
     "ticket_id must be unique across all months: it must not already belong to a ticket of another ingested month.", {}),
    _ref("tickets", "centre_id", "centres"),
    _ref("tickets", "channel_id", "channels"),
    _ref("tickets", "service_id", "services"),
    ("tickets.employee_id.required_when_served", "tickets", "employee_id", "required_when_served",
     "employee_id may be empty only when the ticket was never served (outcome abandoned or no_show) or on a "
     "self-service channel (channel kind self_service); every served ticket names its employee.", {}),
    ("tickets.employee_id.on_roster", "tickets", "employee_id", "on_roster",
     "employee_id must be on that month's staff roster (staff file of the same folder).", {}),
    ("tickets.customer_ref.not_national_id", "tickets", "customer_ref", "not_national_id",
     "customer_ref must be pseudonymous: a national ID number (exactly 9 digits) is refused.", {}),
    _in_month("tickets", "created_at"),
    # the four stamps may come from two systems: a small inversion is clock skew (settle_clock_skew)
    ("tickets.called_at.order", "tickets", "called_at", "order",
     "called_at must not be earlier than created_at by more than the clock-skew tolerance ({tolerance}); "
     "within it, called_at is moved up to created_at. Order: created_at ≤ called_at ≤ started_at ≤ ended_at.",
     {"after": ("created_at",), "skew": True}),
    ("tickets.started_at.order", "tickets", "started_at", "order",
     "started_at must not be earlier than created_at or called_at by more than the clock-skew tolerance ({tolerance}); "
     "within it, started_at is moved up to the later of them. Order: created_at ≤ called_at ≤ started_at ≤ ended_at.",
     {"after": ("created_at", "called_at"), "skew": True}),
    ("tickets.ended_at.order", "tickets", "ended_at", "order",
     "ended_at must not be earlier than created_at, called_at or started_at by more than the clock-skew tolerance "
     "({tolerance}); within it, ended_at is moved up to the latest of them. "
     "Order: created_at ≤ called_at ≤ started_at ≤ ended_at.",
     {"after": ("created_at", "called_at", "started_at"), "skew": True}),
    # surveys
    _unique("surveys", "response_id", "response"),
    ("surveys.ticket_id.known_ticket", "surveys", "ticket_id", "known_ticket",
     "ticket_id, when given, must be a ticket of the same month or of an earlier ingested month.", {}),
    _ref("surveys", "centre_id", "centres"),
    _ref("surveys", "channel_id", "channels"),
    _ref("surveys", "service_id", "services", when_given=True),
    _in_month("surveys", "submitted_at"),
    ("surveys.csat.range", "surveys", "csat", "range", "csat must be from 1 to 5 (5 = very satisfied).", {"lo": 1, "hi": 5}),
    ("surveys.nps.range", "surveys", "nps", "range", "nps, when given, must be from 0 to 10.", {"lo": 0, "hi": 10}),
    ("surveys.ces.range", "surveys", "ces", "range", "ces, when given, must be from 1 to 7 (7 = very easy).", {"lo": 1, "hi": 7}),
    ("surveys.comment.max_length", "surveys", "comment", "max_length",
     "comment must be at most 2,000 characters.", {"max": 2000}),
    # feedback
    _unique("feedback", "feedback_id", "message"),
    _in_month("feedback", "received_at"),
    _ref("feedback", "centre_id", "centres", when_given=True),
    _ref("feedback", "channel_id", "channels", when_given=True),
    _ref("feedback", "service_id", "services", when_given=True),
    _ref("feedback", "category", "feedback_categories"),
    ("feedback.resolved_at.not_before", "feedback", "resolved_at", "order",
     "resolved_at must not be earlier than received_at.", {"after": ("received_at",)}),
    ("feedback.resolved_at.required_when_resolved", "feedback", "resolved_at", "required_when",
     "resolved_at is required when status is resolved.", {"when": "status", "in": ("resolved",)}),
    # feedback_updates
    _unique("feedback_updates", "feedback_id", "message"),
    ("feedback_updates.feedback_id.earlier_feedback", "feedback_updates", "feedback_id", "earlier_feedback",
     "feedback_id must be a message of an earlier ingested month that was still open (open or in_progress) "
     "in that month's feedback file; a message closed there needs no closing here.", {}),
    _in_month("feedback_updates", "resolved_at"),
    # staff
    _unique("staff", "employee_id", "employee"),
    _ref("staff", "centre_id", "centres"),
    # self_assessment
    ("self_assessment.criterion_id.unique_pair", "self_assessment", "criterion_id", "unique_together",
     "The pair (centre_id, criterion_id) must not repeat: each centre assesses each criterion once a month.",
     {"columns": ("centre_id", "criterion_id")}),
    _ref("self_assessment", "centre_id", "centres"),
    ("self_assessment.criterion_id.in_catalogue", "self_assessment", "criterion_id", "in_catalogue",
     "criterion_id must be a criterion of the catalogue in force that month (config/criteria/).", {}),
    _in_month("self_assessment", "assessed_on"),
    _ref("self_assessment", "owner", "departments"),
    ("self_assessment.reason.required_unless_met", "self_assessment", "reason", "required_unless",
     "reason is required unless status is met or not_applicable.", {"when": "status", "in": ("met", "not_applicable")}),
    ("self_assessment.assessor_id.supervisor", "self_assessment", "assessor_id", "supervisor",
     "assessor_id must be a supervisor (role supervisor) on that month's staff roster.", {}),
    # initiatives
    _unique("initiatives", "initiative_id", "initiative"),
    ("initiatives.end_on.not_before", "initiatives", "end_on", "order",
     "end_on, when given, must not be earlier than start_on.", {"after": ("start_on",)}),
    ("initiatives.centres.id_list", "initiatives", "centres", "id_list",
     "centres must be all, or centre ids from config/entity.yaml separated by ;.", {"key": "centres"}),
    ("initiatives.channels.id_list", "initiatives", "channels", "id_list",
     "channels must be all, or channel ids from config/entity.yaml separated by ;.", {"key": "channels"}),
    ("initiatives.expected.pattern", "initiatives", "expected", "pattern",
     "expected must be one or more measure:up or measure:down separated by ; (e.g. virtual_share:up).",
     {"regex": r"[a-z][a-z0-9_]*:(up|down)(;[a-z][a-z0-9_]*:(up|down))*"}),
)


def _generated_rules() -> list[Rule]:
    out = []
    for t in TABLES.values():
        for c in t.columns:
            if c.type in _TYPE_SENTENCES:
                out.append(Rule(f"{t.name}.{c.name}.type", t.name, c.name, "type", _TYPE_SENTENCES[c.type].format(col=c.name)))
            if not c.nullable:
                out.append(Rule(f"{t.name}.{c.name}.required", t.name, c.name, "required", f"{c.name} must not be empty."))
            if c.values:
                out.append(Rule(f"{t.name}.{c.name}.enum", t.name, c.name, "enum",
                                f"{c.name} must be one of: {', '.join(c.values)}.", {"values": c.values}))
    return out


def _all_rules() -> dict[str, Rule]:
    rules = _generated_rules() + [Rule(*r) for r in _EXPLICIT_RULES]
    table_order = list(TABLES)
    col_order = {(t.name, c.name): i for t in TABLES.values() for i, c in enumerate(t.columns)}
    rules.sort(key=lambda r: (table_order.index(r.table), col_order[(r.table, r.column)]))
    out: dict[str, Rule] = {}
    for r in rules:
        if r.id in out:
            raise ValueError(f"duplicate rule id {r.id}")
        out[r.id] = r
    return out


RULES: dict[str, Rule] = _all_rules()

# File-level rules: not about a cell, about the files themselves (reported with line 1 or no line).
FILE_RULES = {
    "file.missing": "Every month folder must hold one file (.csv or .xlsx) per table the entity provides: "
                    "{always} always, and each of {declarable} that config/entity.yaml declares under tables: "
                    "(all of them when the key is absent); {optional} may be left out.",
    "file.unknown": "A month folder holds only the table files {tables}; other files are not read.",
    "file.undeclared": "A month folder holds files only for the tables config/entity.yaml declares under tables:; "
                       "declare this table there, or remove the file.",
    "file.twice": "A table must come in one file only, not both .csv and .xlsx.",
    "file.unreadable": "A .csv file must be UTF-8 text (with or without BOM) and an .xlsx file a readable workbook.",
    "file.ragged": "Every line must have as many fields as the header.",
    "file.short": "A line of a .csv file with fewer fields than the header is refused, never filled with empty cells "
                  "(in an .xlsx file an absent cell is an empty cell).",
    "file.empty": "A file must have at least its header line, on line 1.",
    "column.missing": "The header must name every column of the table.",
    "column.unknown": "The header must name only the table's columns.",
    "column.twice": "The header must name each column once.",
    "folder.month": "A month folder is named YYYY-MM after a real month and holds that month's files.",
    "folder.day": "A day folder (a day drop) is named YYYY-MM-DD after a real day of its month folder's month and "
                  "holds only that day's tickets, surveys and feedback files; the other tables stay month files.",
    "file.both": "A table of a month comes either as one month file or as day files (YYYY-MM-DD/<table>.csv), "
                 "never both.",
    "row.in_day": "Every row of a day drop must be dated inside its day: tickets by created_at, surveys by "
                  "submitted_at, feedback by received_at.",
    "row.day_unique": "An id must not repeat across the day drops of a month: together they hold each ticket, "
                      "response and message once, as one month file would.",
    "config.catalogue": "A criteria catalogue must be in force for a month whose self_assessment has rows "
                        "(config/entity.yaml, criteria).",
}


def provided_tables(config: Config) -> tuple[str, ...]:
    """The month tables this entity provides, in ``MONTH_TABLES`` order.

    ``tables:`` in ``config/entity.yaml`` lists the declarable ones it provides (surveys,
    feedback, self_assessment); tickets and staff are always provided, and feedback_updates goes
    with feedback. Without the key, every table is provided. A declared table is required every
    month; an undeclared one is absent, and the sections that need it say so.
    """
    declared = config.raw.get("tables")
    if declared is None:
        declared = DECLARABLE_TABLES
    if isinstance(declared, str) or not isinstance(declared, (list, tuple)):
        raise ConfigError(f"tables in config/entity.yaml must be a list of table names, not {declared!r}")
    unknown = [str(t) for t in declared if t not in DECLARABLE_TABLES + ALWAYS_PROVIDED]
    if unknown:
        raise ConfigError(f"tables in config/entity.yaml: unknown {', '.join(unknown)}; "
                          f"declare any of {', '.join(DECLARABLE_TABLES)} (tickets and staff are always provided)")
    chosen = set(ALWAYS_PROVIDED) | {str(t) for t in declared}
    if "feedback" in chosen:
        chosen.add("feedback_updates")
    return tuple(t for t in MONTH_TABLES if t in chosen)


def clock_skew_seconds(config: Config) -> int:
    """The clock-skew tolerance in whole seconds: ``ingest: clock_skew_seconds`` in
    ``config/entity.yaml``, ``DEFAULT_CLOCK_SKEW_SECONDS`` when absent. An inversion of the ticket
    timestamps up to this size is settled (``settle_clock_skew``); a larger one is refused."""
    section = config.raw.get("ingest") or {}
    if not isinstance(section, dict):
        raise ConfigError(f"ingest in config/entity.yaml must be a mapping (e.g. clock_skew_seconds: 5), not {section!r}")
    value = section.get("clock_skew_seconds", DEFAULT_CLOCK_SKEW_SECONDS)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CLOCK_SKEW_SECONDS:
        raise ConfigError(f"ingest.clock_skew_seconds in config/entity.yaml must be a whole number of seconds "
                          f"from 0 to {MAX_CLOCK_SKEW_SECONDS}, not {value!r}")
    return value


def file_rule(rule_id: str) -> str:
    """The sentence of a file-level rule, with the tables it names filled in."""
    return FILE_RULES[rule_id].format(
        tables=", ".join(MONTH_TABLES),
        always=" and ".join(ALWAYS_PROVIDED),
        declarable=", ".join(DECLARABLE_TABLES),
        optional=" and ".join(OPTIONAL_TABLES))


def rules_for(table: str) -> list[Rule]:
    return [r for r in RULES.values() if r.table == table]


# --- parsing ---------------------------------------------------------------------------------
_DATETIME_SHAPE = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
# The same shape byte by byte ("0" stands for an ASCII digit), for ``_all_of_shape``.
_DATETIME_BYTES = "0000-00-00 00:00:00"


# --- the cells' bytes: quick answers for the usual column, before any regular expression -----
# A column as an export writes it (no padding, every stamp in the one spelling) is recognised
# from its bytes at memory speed; any other column takes the general path, which says exactly
# what the quick answer would have said about a usual column.
def _offsets_and_bytes(chunk: pyarrow.Array) -> tuple[np.ndarray, np.ndarray]:
    """Where each value of an Arrow (large) string array starts and ends in its data, and the data."""
    wide = pyarrow.types.is_large_string(chunk.type)
    _, offsets, data = chunk.buffers()
    off = np.frombuffer(offsets, dtype=np.int64 if wide else np.int32, count=len(chunk) + 1,
                        offset=chunk.offset * (8 if wide else 4))
    return off, (np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8))


def _valid(chunk: pyarrow.Array) -> np.ndarray:
    if chunk.null_count == 0:
        return np.ones(len(chunk), dtype=bool)
    return chunk.is_valid().to_numpy(zero_copy_only=False)


_MAYBE_SPACE = np.array([b <= 0x20 or b >= 0x80 for b in range(256)])  # by byte: could begin or end whitespace


def _unpadded(cells: pyarrow.ChunkedArray) -> tuple[pyarrow.ChunkedArray, bool] | None:
    """``cells`` with the empty ones made null, and whether any was empty or null, when no value
    starts or ends with a byte that could be whitespace (ASCII 0x00-0x20, or any byte of a
    multi-byte character): then trimming would change nothing. None when some value might."""
    whole = cells.combine_chunks()
    off, data = _offsets_and_bytes(whole)
    filled = _valid(whole) & (off[1:] > off[:-1])
    if len(data):  # the first and the last byte of each value (an empty or null one's are not looked at)
        first, last = data[np.minimum(off[:-1], len(data) - 1)], data[np.maximum(off[1:], 1) - 1]
        if (_MAYBE_SPACE[first] & filled).any() or (_MAYBE_SPACE[last] & filled).any():
            return None
    if filled.all():
        return cells, False
    return pc.if_else(pyarrow.array(~filled), pyarrow.scalar(None, cells.type), cells), True


def _all_of_shape(s: pd.Series, shape: str) -> bool:
    """Whether every non-null value of ``s`` has exactly the ASCII ``shape`` ("0" = a digit,
    any other character itself). False (then a regular expression decides) also when the
    question cannot be answered from the bytes at once (a null that holds bytes)."""
    want = np.frombuffer(shape.encode("ascii"), dtype=np.uint8)
    digit = want == ord("0")
    whole = _arrow_chunks(s).combine_chunks()
    off, data = _offsets_and_bytes(whole)
    valid = _valid(whole)
    n = int(valid.sum())
    if off[-1] - off[0] != n * len(want) or not ((off[1:] - off[:-1])[valid] == len(want)).all():
        return False  # a value of another length (or a null holding bytes)
    cells = data[off[0]:off[-1]].reshape(n, len(want))
    lowest = np.where(digit, ord("0"), want).astype(np.uint8)  # each position's byte lies in [lowest, lowest + span]
    span = np.where(digit, 9, 0).astype(np.uint8)
    return bool(((cells - lowest) <= span).all())  # below lowest wraps around to above any span


def _parse_datetime(s: pd.Series) -> pd.Series:
    if _all_of_shape(s, _DATETIME_BYTES):  # the usual column: every stamp in the one spelling
        return _stamps(s, "%Y-%m-%d %H:%M:%S")
    canonical = s.str.fullmatch(_DATETIME_SHAPE).fillna(False).to_numpy(dtype=bool)
    other = ~canonical & s.notna().to_numpy()  # a null stays null: nothing to rewrite
    shaped = s
    if other.any():  # rewrite only the other spellings (a spreadsheet's, an ISO "T")
        fixed = s[other]
        fixed = fixed.str.replace(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})$", r"\1 \2:00", regex=True)
        fixed = fixed.str.replace(r"^(\d{4}-\d{2}-\d{2})T", r"\1 ", regex=True)
        fixed = fixed.where(fixed.str.fullmatch(_DATETIME_SHAPE).fillna(False).astype(bool))
        shaped = s.copy()
        shaped.iloc[np.flatnonzero(other)] = fixed.to_numpy()
    return _stamps(shaped, "%Y-%m-%d %H:%M:%S")


def _stamps(shaped: pd.Series, fmt: str) -> pd.Series:
    """``shaped`` (null, or text of the shape ``fmt`` writes) as datetime64[us]; a value that is
    no real date or time (30 February, hour 24) becomes NaT.

    Arrow's cast parses the whole column at once, several times faster than pandas, and agrees
    with it on every value it accepts; it refuses the whole column when one value is not a real
    date (or is one pandas reads differently, such as second 60), and then pandas parses it,
    value by value, as it always did."""
    try:
        stamps = pc.cast(_arrow_chunks(shaped), pyarrow.timestamp("us"))
    except (pyarrow.ArrowInvalid, pyarrow.ArrowNotImplementedError):
        return pd.to_datetime(shaped, format=fmt, errors="coerce").astype("datetime64[us]")
    return pd.Series(stamps.to_numpy(zero_copy_only=False), index=shaped.index, dtype="datetime64[us]")


def _parse_date(s: pd.Series) -> pd.Series:
    shaped = s.where(s.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool))
    return pd.to_datetime(shaped, format="%Y-%m-%d", errors="coerce").astype("datetime64[us]")


def _parse_bool(s: pd.Series) -> pd.Series:
    yes = (s == "true").fillna(False).to_numpy(dtype=bool)
    no = (s == "false").fillna(False).to_numpy(dtype=bool)
    if not (yes | no | s.isna().to_numpy()).all():  # some other letter case (or no boolean at all)
        low = s.str.lower()
        yes = (low == "true").fillna(False).to_numpy(dtype=bool)
        no = (low == "false").fillna(False).to_numpy(dtype=bool)
    return pd.Series(pd.arrays.BooleanArray(yes, ~(yes | no)), index=s.index)


def _parse_int(s: pd.Series) -> pd.Series:
    ok = s.str.fullmatch(r"[+-]?\d{1,15}").fillna(False).astype(bool)
    shaped = s.where(ok)
    try:  # Arrow's cast first, as for timestamps: the same numbers; pandas for "+5", which Arrow refuses
        numbers = pc.cast(_arrow_chunks(shaped), pyarrow.int64())
    except (pyarrow.ArrowInvalid, pyarrow.ArrowNotImplementedError):
        return pd.to_numeric(shaped, errors="coerce").astype("Int64")
    values = pc.fill_null(numbers, 0).to_numpy(zero_copy_only=False)
    return pd.Series(pd.arrays.IntegerArray(values, numbers.is_null().to_numpy(zero_copy_only=False)), index=s.index)


_PARSERS = {"datetime": _parse_datetime, "date": _parse_date, "bool": _parse_bool, "int": _parse_int}


def normalise(table: str, raw: pd.DataFrame) -> pd.DataFrame:
    """Raw cells as strings: trimmed (except free text), empty or blank → null. Nothing else changes.

    In Arrow, column by column (the whitespace trim pandas' ``str.strip`` does on Arrow strings),
    chunk by chunk: the chunks the reader made stay as they are, and so do the Parquet pages
    ingest writes from them."""
    spec = TABLES[table]
    out = {}
    for name in raw.columns:
        cells = _arrow_chunks(raw[name])
        is_text = name in spec.names and spec.column(name).type in TEXT_TYPES
        quick = _unpadded(cells)
        if quick is not None:
            kept, blank = quick
            if not blank and not is_text:  # the chunks pandas' trim leaves (and ``if_else``): no empty one
                kept = pyarrow.chunked_array([c for c in kept.chunks if len(c)], type=kept.type)
        else:
            trimmed = pc.utf8_trim_whitespace(cells)
            blank = pc.fill_null(pc.equal(trimmed, ""), True)
            kept = cells if is_text else trimmed
            if pc.any(blank).as_py():
                kept = pc.if_else(blank, pyarrow.scalar(None, trimmed.type), kept)
        out[name] = pd.Series(pd.arrays.ArrowStringArray(kept), index=raw.index, dtype="str")
    return pd.DataFrame(out, index=raw.index, columns=raw.columns)


def parse(table: str, raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed frame for the contract columns present in ``raw`` (normalised strings), and the
    type violations (``line``, ``column``, ``rule``) for values that do not parse."""
    spec = TABLES[table]
    typed, bad = {}, []
    for c in spec.columns:
        if c.name not in raw.columns:
            continue
        s = raw[c.name]
        parser = _PARSERS.get(c.type)
        if parser is None:
            typed[c.name] = s.astype("str")
            continue
        parsed = parser(s)
        failed = s.notna() & parsed.isna()
        if failed.any():
            bad.append(_violations(failed[failed].index, c.name, f"{table}.{c.name}.type"))
        typed[c.name] = parsed
    frame = pd.DataFrame(typed, index=raw.index)
    return frame, _concat(bad)


def empty_frame(table: str) -> pd.DataFrame:
    """A frame with no rows and the table's processed dtypes."""
    return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in TABLES[table].columns})


def typed_frame(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` cast to the table's processed dtypes (columns in contract order)."""
    spec = TABLES[table]
    return pd.DataFrame({c.name: frame[c.name].astype(c.dtype) for c in spec.columns}, index=frame.index)


# --- checking --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Context:
    """What the rules need beyond the table itself.

    ``roster``: that month's staff (employee_id, role) or None when the staff file is unusable;
    ``month_tickets``: this month's ticket ids; ``stored_tickets``: month of each ticket id in
    OTHER ingested months (index ticket_id); ``stored_feedback``: the same for the feedback ids
    still open (open or in_progress) in their own month's file.
    Rules whose context is missing are skipped: the missing file is reported instead.
    """

    config: Config
    month: str | None = None
    roster: pd.DataFrame | None = None
    month_tickets: pd.Index | None = None
    stored_tickets: pd.Series | None = None
    stored_feedback: pd.Series | None = None
    criteria: tuple[str, ...] | None = None


def _arrow_chunks(values) -> pyarrow.ChunkedArray:
    """``values`` as Arrow strings, in the chunks they already are in (no copy) when they are."""
    arr = pyarrow.array(pd.Series(values, dtype="str").array)
    return arr if isinstance(arr, pyarrow.ChunkedArray) else pyarrow.chunked_array([arr])


def _arrow_strings(values) -> pyarrow.Array:
    """``values`` as one Arrow string array."""
    return _arrow_chunks(values).combine_chunks()


def _member_of(values):
    """A vectorised membership test against ``values`` (no nulls).

    pandas' ``isin`` on Arrow strings is slow for large value sets, so Arrow's ``is_in`` does
    it, hashing the smaller side: a few known values (centres, a roster) are hashed and every
    cell looked up among them; against many (all ticket ids of earlier months) the column is
    hashed instead, the known values that occur in it found, and the cells looked up among
    those few. Both give each cell's membership of ``values``; a null cell is never a member.
    """
    known = pd.Index(values, dtype="str")
    known = _arrow_strings(known.dropna() if known.hasnans else known)

    def test(s: pd.Series) -> pd.Series:
        column = _arrow_chunks(s)
        if len(known) > len(column):
            known_here = known.filter(pc.is_in(known, value_set=column.combine_chunks()))
            hit = pc.is_in(column, value_set=known_here)
        else:
            hit = pc.is_in(column, value_set=known)
        return pd.Series(hit.to_numpy(zero_copy_only=False), index=s.index, dtype=bool)

    return test


def _month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(f"{month}-01")
    return start, start + pd.offsets.MonthBegin(1) - pd.Timedelta(microseconds=1)


def _element_check(rule: Rule, ctx: Context):
    """The vectorised element check for ``rule`` (True = fine), or None when it cannot run."""
    p, kind = rule.params, rule.kind
    if kind == "enum":
        return _member_of(p["values"])
    if kind == "ref":
        return _member_of(ctx.config.ids(p["key"]))
    if kind == "range":
        lo, hi = p["lo"], p["hi"]
        return lambda s: ((s >= lo) & (s <= hi)).fillna(False).astype(bool)
    if kind == "max_length":
        n = p["max"]
        return lambda s: (s.str.len() <= n).fillna(False).astype(bool)
    if kind == "not_national_id":
        return lambda s: ~s.str.fullmatch(NATIONAL_ID_PATTERN).fillna(False).astype(bool)
    if kind == "pattern":
        regex = p["regex"]
        return lambda s: s.str.fullmatch(regex).fillna(False).astype(bool)
    if kind == "unique":
        return _first_of_each
    if kind == "in_month":
        if ctx.month is None:
            return None
        lo, hi = _month_bounds(ctx.month)
        return lambda s: ((s >= lo) & (s <= hi)).fillna(False).astype(bool)
    if kind == "in_catalogue":
        if ctx.criteria is None:
            return None
        return _member_of(ctx.criteria)
    if kind == "id_list":
        ids = set(ctx.config.ids(p["key"]))
        return lambda s: _id_list_ok(s, ids)
    if kind == "on_roster":
        if ctx.roster is None:
            return None
        return _member_of(ctx.roster["employee_id"].dropna())
    if kind == "supervisor":
        if ctx.roster is None:
            return None
        return _member_of(ctx.roster.loc[ctx.roster["role"] == "supervisor", "employee_id"].dropna())
    if kind == "unique_across_months":
        if ctx.stored_tickets is None:
            return None
        stored = _member_of(ctx.stored_tickets.index)
        return lambda s: ~stored(s)
    if kind == "known_ticket":
        if ctx.month_tickets is None or ctx.stored_tickets is None:
            return None
        earlier = ctx.stored_tickets.index[(ctx.stored_tickets < ctx.month).to_numpy()]
        return _member_of(ctx.month_tickets.append(earlier))
    if kind == "earlier_feedback":
        if ctx.stored_feedback is None or ctx.month is None:
            return None
        return _member_of(ctx.stored_feedback.index[(ctx.stored_feedback < ctx.month).to_numpy()])
    raise ValueError(f"rule {rule.id}: no element check for kind {kind!r}")


def _first_of_each(s: pd.Series) -> pd.Series:
    """True for each value's first occurrence (``~duplicated(keep="first")``). Text ids without
    nulls are compared in sorted order (Arrow's stable sort: among equal values the first in the
    column comes first), which is quicker than pandas' hashing; strictly increasing ones (an
    export in key order) need no sort at all."""
    if s.dtype != "str" or len(s) < 2 or s.hasnans:
        return ~s.duplicated(keep="first")
    ids = _arrow_strings(s)
    if pc.all(pc.less(ids[:-1], ids[1:])).as_py():
        return pd.Series(True, index=s.index)
    order = pc.array_sort_indices(ids)
    ranked = ids.take(order)
    again = pc.equal(ranked[1:], ranked[:-1]).to_numpy(zero_copy_only=False)  # equal to the one before it
    first = np.ones(len(s), dtype=bool)
    first[order.to_numpy()[1:][again]] = False
    return pd.Series(first, index=s.index)


def _id_list_ok(s: pd.Series, ids: set[str]) -> pd.Series:
    parts = s.str.split(";").explode().str.strip()
    part_ok = parts.isin(list(ids))
    ok = part_ok.groupby(level=0).all()
    return (s == "all") | ok.reindex(s.index, fill_value=False).astype(bool)


def _wide_check(rule: Rule, ctx: Context, present: set[str]):
    """The vectorised row check for ``rule`` (True = fine), or None when its columns are absent."""
    p, kind, col = rule.params, rule.kind, rule.column
    if kind == "order":
        after = [c for c in p["after"] if c in present]
        if col not in present or not after:
            return None
        tolerance = pd.Timedelta(seconds=clock_skew_seconds(ctx.config)) if p.get("skew") else pd.Timedelta(0)

        def order(df):
            earlier = df[after].max(axis=1, skipna=True)
            return ~(df[col] < earlier - tolerance).fillna(False).astype(bool)

        return order
    if kind in ("required_when", "required_unless"):
        when, values = p["when"], list(p["in"])
        if col not in present or when not in present:
            return None
        if kind == "required_when":
            return lambda df: df[col].notna() | ~df[when].isin(values)
        return lambda df: df[col].notna() | df[when].isin(values)
    if kind == "required_when_served":
        if not {col, "outcome", "channel_id"} <= present:
            return None  # the missing column is reported; without it the rule cannot tell
        self_service = [str(c["id"]) for c in ctx.config.raw["channels"] if c.get("kind") == SELF_SERVICE_KIND]
        return lambda df: (df[col].notna() | df["outcome"].isin(UNSERVED_OUTCOMES)
                           | df["channel_id"].isin(self_service))
    if kind == "unique_together":
        cols = list(p["columns"])
        if not set(cols) <= present:
            return None
        return lambda df: ~df.duplicated(subset=cols, keep="first") | df[cols].isna().any(axis=1)
    raise ValueError(f"rule {rule.id}: no row check for kind {kind!r}")


WIDE_KINDS = ("order", "required_when", "required_unless", "required_when_served", "unique_together")


def _pandera():
    """pandera's pandas API, imported when a table is first checked: it takes about half a second
    to import, which a command with nothing to check (a rerun with nothing changed: an unchanged
    ingest, a run, a build) never needs."""
    import pandera.pandas

    return pandera.pandas


def schema(table: str, ctx: Context, present: list[str] | None = None) -> pa.DataFrameSchema:
    """The pandera schema for ``table`` compiled from ``RULES``, over the ``present`` columns
    (default: all). Each check is named by its rule id so a failure maps back to its sentence."""
    pa = _pandera()
    spec = TABLES[table]
    present_set = set(spec.names if present is None else present)
    columns = {}
    for c in spec.columns:
        if c.name not in present_set:
            continue
        checks = []
        for r in rules_for(table):
            if r.column != c.name or r.kind in ("type", "required") + WIDE_KINDS:
                continue
            fn = _element_check(r, ctx)
            if fn is not None:
                checks.append(pa.Check(fn, name=r.id))
        columns[c.name] = pa.Column(c.dtype, checks=checks, nullable=c.nullable, coerce=False)
    wide = []
    for r in rules_for(table):
        if r.kind in WIDE_KINDS:
            fn = _wide_check(r, ctx, present_set)
            if fn is not None:
                wide.append(pa.Check(fn, name=r.id, ignore_na=False))
    return pa.DataFrameSchema(columns, checks=wide, name=table, strict=False, coerce=False)


def _violations(lines, column: str, rule: str, detail=None) -> pd.DataFrame:
    lines = pd.Index(lines)
    return pd.DataFrame({
        "line": pd.Series(lines.to_numpy(), dtype="int64"),
        "column": pd.Series([column] * len(lines), dtype="str"),
        "rule": pd.Series([rule] * len(lines), dtype="str"),
        "detail": pd.Series([""] * len(lines) if detail is None else list(detail), dtype="str"),
    })


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return _violations([], "", "")
    return pd.concat(frames, ignore_index=True)


def check(table: str, typed: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Every rule violation in ``typed`` (index = spreadsheet line): a frame of ``line``,
    ``column``, ``rule`` (rule id) and ``detail`` (e.g. where the first copy of a duplicate is)."""
    sch = schema(table, ctx, list(typed.columns))
    try:
        sch.validate(typed, lazy=True)
        return _concat([])
    except _pandera().errors.SchemaErrors as exc:
        cases = exc.failure_cases
    found = []
    for check_name, group in cases.groupby("check", sort=False):
        if check_name == "not_nullable":
            for col, g in group.groupby("column", sort=False):
                found.append(_violations(g["index"].astype("int64"), col, f"{table}.{col}.required"))
            continue
        rule = RULES.get(str(check_name))
        if rule is None:
            # a check the contract did not declare (a dtype mismatch, a check that raised): a bug
            raise RuntimeError(f"{table}: unexpected validation failure {check_name!r}: {group.head(3).to_dict('records')}")
        lines = pd.Index(group["index"].astype("int64")).unique()
        found.append(_violations(lines, rule.column, rule.id, _detail(rule, typed, lines, ctx)))
    out = _concat(found)
    return out.drop_duplicates(["line", "column", "rule"]).reset_index(drop=True)


def validate(table: str, raw: pd.DataFrame, ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse then check ``raw`` (normalised strings, index = line): the typed frame and every
    violation (``line``, ``column``, ``rule``, ``detail``). A value that does not parse is
    reported once, as a type problem, not again as an empty required cell."""
    typed, type_violations = parse(table, raw)
    found = check(table, typed, ctx)
    if len(type_violations) and len(found):
        bad = pd.MultiIndex.from_frame(type_violations[["line", "column"]])
        here = pd.MultiIndex.from_frame(found[["line", "column"]])
        found = found[~(here.isin(bad) & (found["rule"].str.endswith(".required"))).to_numpy()]
    return typed, _concat([type_violations, found])


def _detail(rule: Rule, typed: pd.DataFrame, lines: pd.Index, ctx: Context) -> list[str] | None:
    """A short pointer that helps fix the row: the first line of a duplicate, the known ids."""
    if rule.kind in ("unique", "unique_together"):
        cols = list(rule.params.get("columns", (rule.column,)))
        keys = typed[cols].astype(str).agg("|".join, axis=1) if len(cols) > 1 else typed[cols[0]]
        first = pd.Series(keys.index, index=keys.index).groupby(keys.to_numpy(), dropna=False).transform("min")
        return [f"first on line {n}" for n in first.loc[lines]]
    if rule.kind == "unique_across_months":
        months = ctx.stored_tickets.reindex(typed.loc[lines, rule.column].to_numpy())
        return [f"already in {m}" for m in months]
    if rule.kind in ("ref", "id_list"):
        ids = ctx.config.ids(rule.params["key"])
        if len(ids) <= 12:
            return [f"known: {', '.join(ids)}"] * len(lines)
    if rule.kind == "in_month" and ctx.month:
        return [f"folder {ctx.month}"] * len(lines)
    if rule.kind == "order" and rule.params.get("skew"):
        # how far the stamp is inverted, and against which: the fix is often in one system's clock
        after = [c for c in rule.params["after"] if c in typed.columns]
        rows = typed.loc[lines, after]
        latest = rows.idxmax(axis=1, skipna=True)
        gap = (rows.max(axis=1, skipna=True) - typed.loc[lines, rule.column]).dt.total_seconds()
        return [f"{g:,.0f} s before {c}" for g, c in zip(gap, latest)]
    return None


def settle_clock_skew(table: str, typed: pd.DataFrame, tolerance_seconds: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """``typed`` with every small clock-skew inversion settled, and how many stamps moved per column.

    For each column of an ``order`` rule marked ``skew`` (called_at, started_at, ended_at, in
    that order), a value earlier than the latest of the columns before it by at most
    ``tolerance_seconds`` is moved up to that latest value, so the stored row reads
    created_at ≤ called_at ≤ started_at ≤ ended_at and no wait or handle time is negative. A
    larger inversion is left as it is (``check`` refuses its row). Moving a column up never
    changes the latest of the columns before the next one, so the order of the moves does not
    change which stamps are within the tolerance. Columns with nothing moved are not listed.
    """
    tolerance = pd.Timedelta(seconds=tolerance_seconds)
    out, moved = typed, {}
    for rule in rules_for(table):
        if rule.kind != "order" or not rule.params.get("skew") or rule.column not in typed.columns:
            continue
        after = [c for c in rule.params["after"] if c in typed.columns]
        if not after:
            continue
        earlier = out[after].max(axis=1, skipna=True)
        gap = earlier - out[rule.column]
        settle = ((gap > pd.Timedelta(0)) & (gap <= tolerance)).fillna(False).astype(bool)
        if settle.any():
            out = out.copy() if out is typed else out
            out[rule.column] = out[rule.column].mask(settle, earlier)
            moved[rule.column] = int(settle.sum())
    return out, moved


def criteria_ids(config: Config, month: str) -> tuple[str, ...]:
    """Criterion ids of the catalogue in force in ``month``; raises ConfigError if there is none."""
    try:
        frame = config.catalogue(month)
    except (OSError, KeyError) as exc:
        raise ConfigError(f"the criteria catalogue for {month} cannot be read: {exc}") from None
    return tuple(frame["criterion_id"].astype(str))


# --- documentation ---------------------------------------------------------------------------
README_START = "<!-- contract:start (generated by helpers.data.contract.markdown; do not edit by hand) -->"
README_END = "<!-- contract:end -->"


def markdown() -> str:
    """The contract as Markdown: one section per table, its columns, types and rule sentences.
    ``data/raw/README.md`` holds exactly this text between ``README_START`` and ``README_END``."""
    lines = ["## Value types", "", "| type | how it is written |", "|---|---|"]
    lines += [f"| {name} | {doc} |" for name, (_, doc) in TYPES.items()]
    lines += ["", "Empty cells mean null; a value that does not parse as its type is refused, never guessed. "
              "A column with \"no\" under *may be empty* refuses an empty cell.", ""]
    lines += ["## File rules", ""]
    lines += [f"- `{rid}`: {file_rule(rid)}" for rid in FILE_RULES]
    lines.append("")
    for t in TABLES.values():
        where = "`data/raw/initiatives.csv`" if t.registry else f"`data/raw/YYYY-MM/{t.name}.csv` (or `.xlsx`)"
        if t.name in DECLARABLE_TABLES:
            where += ", every month when config/entity.yaml declares the table under `tables:` (or has no `tables:`)"
        if t.name in OPTIONAL_TABLES:
            where += ", only in a month that has such rows (and only when feedback is declared)"
        lines += [f"## {t.name}", "", t.doc, "", f"File: {where}. Key: {', '.join(t.key)}.", ""]
        lines += ["| column | type | may be empty | meaning and rules |", "|---|---|---|---|"]
        for c in t.columns:
            said = [c.doc[0].upper() + c.doc[1:] + "."] if c.doc else []
            said += [r.text() for r in rules_for(t.name)
                     if r.column == c.name and r.kind not in ("type", "required")]
            lines.append(f"| {c.name} | {c.type} | {'yes' if c.nullable else 'no'} | {' '.join(said)} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
