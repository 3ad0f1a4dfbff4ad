"""``goldbook snapshot``: a month or a day read from a real PostgreSQL server into raw files.

The server is ``postgres_server`` (conftest): Debian's PostgreSQL, started for the session, no mock.
The demo's two months (``demo_root``) are loaded into it with the database's natural types
(timestamp and timestamptz, boolean, integer and smallint, text, varchar, an enum type, date) under
other table and column names, so the snapshot must map and convert every value. The acceptance:
the snapshot's files are the demo's bytes, and ingesting them gives the demo's processed store
byte for byte (and, e2e, the month's report tables).

The tests that take ``postgres_server`` (directly, or through ``demo_db`` and ``dsn``) use the
server; the others check the pure parts (mapping, conversion, order, messages) on small inputs
worked out by hand.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import pytest
import yaml
from conftest import PG_PASSWORD, PG_ROLE, PG_SUPERUSER_PASSWORD, free_port

from helpers import cli
from helpers.base.config import ConfigError, load_config
from helpers.base.paths import CODE_ROOT
from helpers.data import contract, ingest, rawcsv, snapshot
from helpers.pipeline import runner

MONTHS = ("2024-01", "2024-02")
DSN_ENV = "GOLDBOOK_TEST_DSN"
DEMO_DB = "gb_demo_db"
SECRETS = (PG_PASSWORD, PG_SUPERUSER_PASSWORD, "wrong-Pw-0b1c")

# How the test database keeps the contract's tables: (relation, contract column -> database
# column where they differ, database type where it is not the natural one of NATURAL).
NATURAL = {"id": "text", "str": "text", "text": "text", "enum": "text", "list": "text",
           "datetime": "timestamp", "date": "date", "bool": "boolean", "int": "integer"}
DB_TABLES = {
    "tickets": ("service_tickets", {"created_at": "opened_at", "centre_id": "centre"}, {}),
    "surveys": ("survey_responses", {}, {"submitted_at": "timestamptz", "nps": "smallint", "comment": "varchar(4000)"}),
    "feedback": ("feedback", {}, {"status": "cs.feedback_status", "category": "varchar(40)"}),
    "feedback_updates": ("closings", {}, {}),          # read through the view cs.feedback_closings
    "staff": ("roster", {}, {}),                       # plus roster_month, one roster per month
    "self_assessment": ("self_assessment", {"evidence": "evidence_text"}, {}),
}
MAPPING = {
    "schema": "cs",
    "tables": {
        "tickets": {"source": "service_tickets", "columns": {"created_at": "opened_at", "centre_id": "centre"}},
        "surveys": {"source": "survey_responses"},
        "feedback": {},
        "feedback_updates": {"source": "feedback_closings", "order": ["resolved_at", "feedback_id"]},
        "staff": {"source": "roster", "period": "roster_month", "order": ["centre_id", "employee_id"]},
        "self_assessment": {"columns": {"evidence": "evidence_text"}},
    },
}


# --- helpers ------------------------------------------------------------------------------------
def goldbook(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with the sha256 of its bytes."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def snapshot_root(base: Path, demo_root: Path, mapping: dict = MAPPING) -> Path:
    """A clean data root: the demo's config with the test database's mapping, the initiatives
    registry (not a database table), and no month."""
    root = base / "snap"
    shutil.copytree(demo_root / "config", root / "config")
    (root / "config" / "snapshot.yaml").write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    (root / "data" / "raw").mkdir(parents=True)
    shutil.copy(demo_root / "data" / "raw" / "initiatives.csv", root / "data" / "raw" / "initiatives.csv")
    return root


def assert_one_clean_line(code: int, out: str, err: str, *, says: tuple[str, ...]) -> str:
    """Exit 1, one line on stderr, nothing on stdout, no secret; the line says ``says``."""
    assert code == 1, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for secret in SECRETS:
        assert secret not in err
    for word in says:
        assert word in lines[0], lines[0]
    return lines[0]


def create_database(server, name: str) -> None:
    with server.admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name} OWNER {PG_ROLE} ENCODING 'UTF8' TEMPLATE template0")


def load_demo(server, name: str, demo_root: Path) -> None:
    """Database ``name`` holding the demo's months in schema ``cs`` (``DB_TABLES``), loaded with
    COPY from the demo's CSV files in the entity's timezone, as the test role."""
    create_database(server, name)
    with psycopg.connect(server.dsn(name), autocommit=True) as conn:
        conn.execute("SET TimeZone = 'Asia/Bahrain'")
        conn.execute("CREATE SCHEMA cs")
        statuses = ", ".join(f"'{s}'" for s in contract.FEEDBACK_STATUSES)
        conn.execute(f"CREATE TYPE cs.feedback_status AS ENUM ({statuses})")
        for table, (relation, renamed, types) in DB_TABLES.items():
            spec = contract.TABLES[table]
            columns = [f'"{renamed.get(c.name, c.name)}" {types.get(c.name, NATURAL[c.type])}' for c in spec.columns]
            if table == "staff":
                columns.append("roster_month date")
            conn.execute(f"CREATE TABLE cs.{relation} ({', '.join(columns)})")
            names = ", ".join(f'"{renamed.get(c, c)}"' for c in spec.names)
            for month in MONTHS:
                path = demo_root / "data" / "raw" / month / f"{table}.csv"
                if not path.exists():
                    continue
                with conn.cursor().copy(f"COPY cs.{relation} ({names}) FROM STDIN (FORMAT csv, HEADER true)") as copy:
                    copy.write(path.read_bytes())
                if table == "staff":
                    conn.execute("UPDATE cs.roster SET roster_month = %s WHERE roster_month IS NULL", [f"{month}-01"])
        conn.execute("CREATE VIEW cs.feedback_closings AS SELECT * FROM cs.closings")


# --- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def demo_db(postgres_server, demo_root) -> str:
    """The demo's months loaded into the server (once per session); the connection string."""
    load_demo(postgres_server, DEMO_DB, demo_root)
    return postgres_server.dsn(DEMO_DB)


@pytest.fixture
def dsn(demo_db, monkeypatch) -> str:
    monkeypatch.setenv(DSN_ENV, demo_db)
    return demo_db


# --- the acceptance: the same bytes as the CSV files --------------------------------------------
def test_snapshot_then_ingest_gives_the_demos_raw_files_and_store_byte_for_byte(tmp_path, demo_root, dsn, capsys):
    root = snapshot_root(tmp_path, demo_root)
    for month in MONTHS:
        code, out, err = goldbook(capsys, "--root", root, "snapshot", month, "--dsn-env", DSN_ENV)
        assert code == 0, err
        assert out.startswith(f"snapshot {month}:") and "PostgreSQL 15" in out
    for month in MONTHS:
        mine = {k: v for k, v in tree(root / "data" / "raw" / month).items() if k != snapshot.SOURCE_RECORD}
        assert mine == tree(demo_root / "data" / "raw" / month)

    for month in MONTHS:
        code, out, err = goldbook(capsys, "--root", root, "ingest", month)
        assert code == 0, err
    ours, theirs = tree(root / "data" / "processed"), tree(demo_root / "data" / "processed")
    assert len(theirs) >= 2 * len(contract.MONTH_TABLES)
    assert ours == theirs


def test_source_json_records_queries_parameters_counts_and_version_never_the_dsn(tmp_path, demo_root, dsn, capsys):
    root = snapshot_root(tmp_path, demo_root)
    assert goldbook(capsys, "--root", root, "snapshot", "2024-02", "--dsn-env", DSN_ENV)[0] == 0
    record = json.loads((root / "data" / "raw" / "2024-02" / "source.json").read_text(encoding="utf-8"))
    assert len(record["mapping"].pop("sha256")) == 64
    text = json.dumps(record)
    port = dsn.split("port=")[1].split()[0]
    for secret in (*SECRETS, port, "127.0.0.1", DEMO_DB, PG_ROLE):
        assert secret not in text, secret         # the connection's parts are nowhere
    assert record["server_version"].startswith("15")
    assert record["period"] == "2024-02" and record["timezone"] == "Asia/Bahrain"
    assert set(record["volatile"]) >= {"snapshot_taken_at"}
    demo = demo_root / "data" / "raw" / "2024-02"
    for table in contract.MONTH_TABLES:
        entry = record["tables"][table]
        rows = len(pd.read_csv(demo / f"{table}.csv", dtype=str)) if (demo / f"{table}.csv").exists() else 0
        assert entry["rows"] == rows
        assert entry["query"].startswith("SELECT ")
    tickets = record["tables"]["tickets"]
    assert tickets["query"] == ('SELECT "ticket_id", "centre" AS "centre_id", "channel_id", "service_id", "employee_id", '
                                '"customer_ref", "opened_at" AS "created_at", "booked", "called_at", "started_at", '
                                '"ended_at", "outcome", "resolved_first_contact", "assisted_digital" '
                                'FROM "cs"."service_tickets" WHERE "opened_at" >= %(start)s AND "opened_at" < %(end)s')
    assert tickets["parameters"] == {"start": "2024-02-01 00:00:00", "end": "2024-03-01 00:00:00"}
    assert record["tables"]["staff"]["parameters"]["start"] == "2024-02-01 00:00:00"


def test_a_day_snapshot_writes_that_days_tickets_surveys_and_feedback(tmp_path, demo_root, dsn, capsys):
    root = snapshot_root(tmp_path, demo_root)
    code, out, err = goldbook(capsys, "--root", root, "snapshot", "2024-01-15", "--dsn-env", DSN_ENV)
    assert code == 0, err
    day = root / "data" / "raw" / "2024-01" / "2024-01-15"
    assert sorted(p.name for p in day.iterdir()) == ["feedback.csv", "source.json", "surveys.csv", "tickets.csv"]
    assert sorted(p.name for p in day.parent.iterdir()) == ["2024-01-15"]     # no monthly table for a day
    for table in ("tickets", "surveys", "feedback"):
        path = demo_root / "data" / "raw" / "2024-01" / f"{table}.csv"
        month = pd.read_csv(path, dtype=str, keep_default_na=False)
        rawcsv.write_csv(month, tmp_path / "round.csv", list(month.columns))
        assert (tmp_path / "round.csv").read_bytes() == path.read_bytes()      # the comparison below is fair
        dated = contract.TABLES[table].dated_by
        rawcsv.write_csv(month[month[dated].str.startswith("2024-01-15")], tmp_path / "day.csv", list(month.columns))
        expected = (tmp_path / "day.csv").read_bytes()
        assert expected.count(b"\n") > 1 or table == "feedback"
        assert (day / f"{table}.csv").read_bytes() == expected


@pytest.mark.e2e
def test_the_months_report_tables_are_those_of_the_csv_files(tmp_path, demo_root, demo_run, dsn, capsys):
    root = snapshot_root(tmp_path, demo_root)
    for month in MONTHS:
        assert goldbook(capsys, "--root", root, "snapshot", month, "--dsn-env", DSN_ENV)[0] == 0
        assert goldbook(capsys, "--root", root, "ingest", month)[0] == 0
    result = runner.run_period("2024-01", root, progress=lambda line: None)
    assert result.ok, result.message
    ours = tree(root / "reports" / "2024-01" / "tables")
    assert ours and ours == tree(demo_run / "reports" / "2024-01" / "tables")


# --- conversions on a table of the server's types -----------------------------------------------
def test_types_are_converted_to_the_contracts_text(tmp_path, postgres_server, monkeypatch, demo_root, capsys):
    """Integer ids, a numeric score, timestamptz in the entity's timezone, fractions of a second
    dropped and counted, an enum, a quoted comment, a null: worked out by hand."""
    create_database(postgres_server, "types")
    with psycopg.connect(postgres_server.dsn("types"), autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute("CREATE TYPE channel AS ENUM ('phone', 'walk_in')")
        conn.execute("CREATE TABLE s (response_id bigint, ticket_id text, centre_id text, channel_id channel, "
                     "service_id text, employee_id integer, submitted_at timestamptz, csat numeric(3,1), "
                     "nps smallint, ces double precision, comment text)")
        conn.execute("INSERT INTO s VALUES "
                     "(10, NULL, 'seef', 'phone', NULL, 1001, '2024-03-04 21:30:00.75+00', 4.0, 9, 7, 'fine, \"really\"'), "
                     "(9, 'T1', 'seef', 'walk_in', 'appeal', NULL, '2024-03-04 05:00:00+00', 3, NULL, NULL, NULL), "
                     "(11, NULL, 'seef', 'phone', NULL, 7, '2024-03-31 21:00:00+00', 5, 0, 2.5, 'next month in Bahrain')")
    mapping = {"tables": {"surveys": {"source": "s"}}}
    root = snapshot_root(tmp_path, demo_root, mapping)
    entity = root / "config" / "entity.yaml"
    config = yaml.safe_load(entity.read_text(encoding="utf-8"))
    config["tables"] = ["surveys"]             # the entity provides tickets, staff and surveys
    entity.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv(DSN_ENV, postgres_server.dsn("types"))
    # tickets and staff are always provided: map them to empty views of the right shape
    with psycopg.connect(postgres_server.dsn("types"), autocommit=True) as conn:
        for table in ("tickets", "staff"):
            cols = ", ".join(f"NULL::{NATURAL[c.type]} AS {c.name}" for c in contract.TABLES[table].columns)
            conn.execute(f"CREATE VIEW {table} AS SELECT {cols} WHERE false")
    code, out, err = goldbook(capsys, "--root", root, "snapshot", "2024-03", "--dsn-env", DSN_ENV)
    assert code == 0, err
    assert "1 timestamp had a fraction of a second, dropped" in out
    text = (root / "data" / "raw" / "2024-03" / "surveys.csv").read_text(encoding="utf-8")
    assert text == (
        "response_id,ticket_id,centre_id,channel_id,service_id,employee_id,submitted_at,csat,nps,ces,comment\n"
        "10,,seef,phone,,1001,2024-03-05 00:30:00,4,9,7,\"fine, \"\"really\"\"\"\n"   # 21:30:00.75 UTC = 00:30 next day in Bahrain
        "9,T1,seef,walk_in,appeal,,2024-03-04 08:00:00,3,,,\n"                        # "10" < "9": ids sort as text
    )   # 2024-03-31 21:00 UTC is 2024-04-01 00:00 in Bahrain: next month
    assert (root / "data" / "raw" / "2024-03" / "tickets.csv").read_text() == ",".join(contract.TABLES["tickets"].names) + "\n"
    record = json.loads((root / "data" / "raw" / "2024-03" / "source.json").read_text())
    assert record["tables"]["surveys"]["fractions_of_a_second_dropped"] == 1
    assert set(record["tables"]) == {"tickets", "staff", "surveys"}


def test_rows_that_break_the_contract_are_written_and_ingest_names_their_line(tmp_path, postgres_server, demo_root,
                                                                                 dsn, monkeypatch, capsys):
    """A bad outcome on the 5th ticket in key order is written as exported; ingest reports line 6."""
    load_demo(postgres_server, "broken", demo_root)
    with psycopg.connect(postgres_server.dsn("broken"), autocommit=True) as conn:
        fifth = conn.execute("SELECT ticket_id FROM cs.service_tickets WHERE opened_at < '2024-02-01' "
                             "ORDER BY ticket_id COLLATE \"C\" OFFSET 4 LIMIT 1").fetchone()[0]
        conn.execute("UPDATE cs.service_tickets SET outcome = 'vanished' WHERE ticket_id = %s", [fifth])
    monkeypatch.setenv(DSN_ENV, postgres_server.dsn("broken"))
    root = snapshot_root(tmp_path, demo_root)
    assert goldbook(capsys, "--root", root, "snapshot", "2024-01", "--dsn-env", DSN_ENV)[0] == 0
    lines = (root / "data" / "raw" / "2024-01" / "tickets.csv").read_text().splitlines()
    assert lines[5].startswith(f"{fifth},") and ",vanished," in lines[5]
    result = ingest.ingest_month("2024-01", root)
    assert not result.ok
    bad = [p for p in result.problems if p.value == "vanished"]
    assert [(p.file, p.line, p.column) for p in bad] == [("data/raw/2024-01/tickets.csv", 6, "outcome")]


def test_closings_are_listed_as_they_happened_and_an_empty_optional_table_has_no_file(tmp_path, postgres_server,
                                                                                         demo_root, monkeypatch, capsys):
    load_demo(postgres_server, "closings", demo_root)
    with psycopg.connect(postgres_server.dsn("closings"), autocommit=True) as conn:
        conn.execute("INSERT INTO cs.closings VALUES ('F2401-00002', 'resolved', '2024-02-09 10:00:00', true), "
                     "('F2401-00009', 'rejected', '2024-02-03 08:00:00', NULL), "
                     "('F2401-00001', 'resolved', '2024-03-01 00:00:00', false)")   # March: not February's
    monkeypatch.setenv(DSN_ENV, postgres_server.dsn("closings"))
    root = snapshot_root(tmp_path, demo_root)
    for month in MONTHS:
        assert goldbook(capsys, "--root", root, "snapshot", month, "--dsn-env", DSN_ENV)[0] == 0
    assert not (root / "data" / "raw" / "2024-01" / "feedback_updates.csv").exists()
    record = json.loads((root / "data" / "raw" / "2024-01" / "source.json").read_text())
    assert record["tables"]["feedback_updates"]["rows"] == 0 and record["tables"]["feedback_updates"]["file"] is None
    assert (root / "data" / "raw" / "2024-02" / "feedback_updates.csv").read_text() == (
        "feedback_id,status,resolved_at,substantiated\n"
        "F2401-00009,rejected,2024-02-03 08:00:00,\n"
        "F2401-00002,resolved,2024-02-09 10:00:00,true\n")


# --- bad cases: one line, exit 1, nothing written, no secret ------------------------------------
def test_a_wrong_password_is_one_line_and_writes_nothing(tmp_path, demo_root, postgres_server, monkeypatch, capsys):
    root = snapshot_root(tmp_path, demo_root)
    before = tree(root)
    monkeypatch.setenv(DSN_ENV, postgres_server.dsn(DEMO_DB, password="wrong-Pw-0b1c"))
    line = assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-01", "--dsn-env", DSN_ENV),
                                 says=("refused the credentials", DSN_ENV))
    assert PG_ROLE not in line and "127.0.0.1" not in line
    assert tree(root) == before


def test_an_unknown_user_is_refused_like_a_wrong_password(tmp_path, demo_root, postgres_server, monkeypatch, capsys):
    root = snapshot_root(tmp_path, demo_root)
    monkeypatch.setenv(DSN_ENV, postgres_server.dsn(DEMO_DB, user="nobody_here"))
    line = assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-01", "--dsn-env", DSN_ENV),
                                 says=("refused the credentials",))
    assert "nobody_here" not in line


def test_an_unreachable_server_is_one_line_and_writes_nothing(tmp_path, demo_root, postgres_server, monkeypatch, capsys):
    root = snapshot_root(tmp_path, demo_root)
    before = tree(root)
    monkeypatch.setenv(DSN_ENV, postgres_server.dsn(DEMO_DB, port=free_port()))
    assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-01", "--dsn-env", DSN_ENV),
                          says=("cannot be reached", DSN_ENV))
    assert tree(root) == before


def test_a_missing_database_is_named_as_such_not_by_name(tmp_path, demo_root, postgres_server, monkeypatch, capsys):
    root = snapshot_root(tmp_path, demo_root)
    monkeypatch.setenv(DSN_ENV, postgres_server.dsn("no_such_db"))
    line = assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-01", "--dsn-env", DSN_ENV),
                                 says=("database named in",))
    assert "no_such_db" not in line


def _mapping_with(table: str, **entry) -> dict:
    mapping = json.loads(json.dumps(MAPPING))
    mapping["tables"][table] = {**mapping["tables"][table], **entry}
    return mapping


def test_a_missing_table_is_named(tmp_path, demo_root, dsn, capsys):
    root = snapshot_root(tmp_path, demo_root, _mapping_with("surveys", source="responses_gone"))
    before = tree(root)
    assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-01", "--dsn-env", DSN_ENV),
                          says=("cs.responses_gone does not exist", "surveys"))
    assert tree(root) == before


def test_a_missing_column_is_named(tmp_path, demo_root, dsn, capsys):
    root = snapshot_root(tmp_path, demo_root, _mapping_with("tickets", columns={"created_at": "opened_at",
                                                                                "centre_id": "centre",
                                                                                "outcome": "result"}))
    before = tree(root)
    assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-01", "--dsn-env", DSN_ENV),
                          says=("cs.service_tickets has no column result (for tickets.outcome)",))
    assert tree(root) == before


def test_a_type_that_cannot_be_converted_is_named(tmp_path, demo_root, postgres_server, dsn, capsys):
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE OR REPLACE VIEW cs.tickets_json AS SELECT t.*, "
                     "jsonb_build_object('ok', true) AS outcome_json FROM cs.service_tickets t")
    mapping = _mapping_with("tickets", source="tickets_json",
                            columns={"created_at": "opened_at", "centre_id": "centre", "outcome": "outcome_json"})
    root = snapshot_root(tmp_path, demo_root, mapping)
    before = tree(root)
    assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-01", "--dsn-env", DSN_ENV),
                          says=("cs.tickets_json.outcome_json is jsonb", "tickets.outcome", "cannot be converted"))
    assert tree(root) == before


def test_a_period_column_that_is_text_is_refused(tmp_path, demo_root, dsn, capsys):
    root = snapshot_root(tmp_path, demo_root, _mapping_with("tickets", period="outcome"))
    assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-01", "--dsn-env", DSN_ENV),
                          says=("cs.service_tickets.outcome is text", "must be a date or a timestamp"))


def test_existing_raw_files_are_never_overwritten(tmp_path, demo_root, dsn, capsys):
    root = snapshot_root(tmp_path, demo_root)
    month = root / "data" / "raw" / "2024-01"
    month.mkdir()
    (month / "tickets.csv").write_text("an analyst's own export\n")
    before = tree(root)
    assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-01", "--dsn-env", DSN_ENV),
                          says=("data/raw/2024-01/tickets.csv already exists", "never overwritten"))
    assert tree(root) == before
    # a day of a month that came as month files: a table comes one way or the other
    assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-01-15", "--dsn-env", DSN_ENV),
                          says=("data/raw/2024-01/tickets.csv already exists",))
    assert tree(root) == before
    # and the second snapshot of a month refuses, naming every file it would replace
    (month / "tickets.csv").unlink()
    assert goldbook(capsys, "--root", root, "snapshot", "2024-02", "--dsn-env", DSN_ENV)[0] == 0
    before = tree(root)
    line = assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-02", "--dsn-env", DSN_ENV),
                                 says=("data/raw/2024-02/tickets.csv", "data/raw/2024-02/source.json"))
    assert "already exist:" in line
    assert tree(root) == before


# --- without a server: the environment variable, the period ------------------------------------
def test_an_unset_variable_or_a_dsn_in_place_of_its_name_is_one_line(tmp_path, demo_root, monkeypatch, capsys):
    root = snapshot_root(tmp_path, demo_root)
    monkeypatch.delenv("GOLDBOOK_DSN", raising=False)
    assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-01"),
                          says=("GOLDBOOK_DSN is not set",))
    given = f"postgresql://{PG_ROLE}:{PG_PASSWORD}@127.0.0.1/demo"
    line = assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-01", "--dsn-env", given),
                                 says=("NAME of an environment variable",))
    assert "127.0.0.1" not in line
    monkeypatch.setenv(DSN_ENV, f"host=127.0.0.1 password={PG_PASSWORD} nonsense")
    assert_one_clean_line(*goldbook(capsys, "--root", root, "snapshot", "2024-01", "--dsn-env", DSN_ENV),
                          says=("is not valid",))
    assert tree(root / "data" / "raw") == {"initiatives.csv": tree(root / "data" / "raw")["initiatives.csv"]}


@pytest.mark.parametrize("label", ["2024-W03", "2024", "2024-13"])
def test_a_snapshot_takes_a_month_or_a_day(label, tmp_path, demo_root, capsys):
    root = snapshot_root(tmp_path, demo_root)
    code, out, err = goldbook(capsys, "--root", root, "snapshot", label)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_snapshot_has_its_own_help_and_default_variable(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["snapshot", "--help"])
    assert stop.value.code == 0
    help_text = capsys.readouterr().out
    assert "usage: goldbook snapshot" in help_text and snapshot.DEFAULT_DSN_ENV in help_text
    assert cli.build_parser().parse_args(["snapshot", "2024-01"]).dsn_env == snapshot.DEFAULT_DSN_ENV


# --- the pure parts -----------------------------------------------------------------------------
def test_the_shipped_mapping_is_valid_and_defaults_to_the_contracts_names():
    sources = snapshot.mapping(load_config(CODE_ROOT))
    assert set(sources) == set(contract.MONTH_TABLES)
    tickets = sources["tickets"]
    assert tickets.relation == ("tickets",) and tickets.period == "created_at" and tickets.order == ("ticket_id",)
    assert tickets.columns == {c: c for c in contract.TABLES["tickets"].names}
    assert sources["staff"].period is None and sources["staff"].order == ("centre_id", "employee_id")
    assert sources["self_assessment"].period == "assessed_on"


def test_the_default_period_column_follows_a_renamed_dated_column(tmp_path):
    config = load_config(CODE_ROOT)
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    (tmp_path / "config" / "snapshot.yaml").write_text(yaml.safe_dump(MAPPING), encoding="utf-8")
    sources = snapshot.mapping(load_config(tmp_path))
    assert sources["tickets"].period == "opened_at"
    assert sources["tickets"].relation == ("cs", "service_tickets")
    assert config is not None


@pytest.mark.parametrize("mapping, says", [
    ({"tables": {"calls": {}}}, "calls is not a month table"),
    ({"tables": {"tickets": {"columns": {"created": "x"}}}}, "created is not a column of tickets"),
    ({"tables": {"tickets": {"order": ["nope"]}}}, "nope is not a column of tickets"),
    ({"tables": {"tickets": {"sourse": "x"}}}, "unknown key sourse"),
    ({"tables": {"tickets": {"source": "a.b.c"}}}, "schema.name"),
    ({"database": "x"}, "unknown key database"),
])
def test_a_wrong_mapping_names_the_setting(mapping, says, tmp_path):
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    (tmp_path / "config" / "snapshot.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    with pytest.raises(ConfigError, match="config/snapshot.yaml") as raised:
        snapshot.mapping(load_config(tmp_path))
    assert says in str(raised.value)


def test_one_datetime_format_for_the_demo_and_the_snapshot():
    """``fmt_datetime`` (the demo's, vectorised) and ``datetime_text`` (the snapshot's) agree."""
    seconds = np.array([0, 1_704_067_199, 1_706_745_600, 4_102_444_799], dtype=np.int64)
    by_numpy = rawcsv.fmt_datetime(seconds)
    by_python = [rawcsv.datetime_text(datetime.fromtimestamp(int(s), timezone.utc)) for s in seconds]
    assert list(by_numpy) == by_python == ["1970-01-01 00:00:00", "2023-12-31 23:59:59", "2024-02-01 00:00:00",
                                           "2099-12-31 23:59:59"]
    assert rawcsv.datetime_text(datetime(999, 1, 2, 3, 4, 5, 678)) == "0999-01-02 03:04:05"


def test_values_become_the_contracts_text():
    def col(ctype, kind):
        return snapshot.Column("c", ctype, "c", kind, kind)

    assert snapshot.column_text([Decimal("4.0"), Decimal("4.5"), None, 3.0, float("nan")], col("int", "numeric")) == \
        (["4", "4.5", "", "3", "nan"], 0)
    assert snapshot.column_text([True, False, None], col("bool", "bool")) == (["true", "false", ""], 0)
    stamps = [datetime(2024, 1, 2, 0, 0), datetime(2024, 1, 2, 8, 30, 5, 250), None]
    assert snapshot.column_text(stamps, col("date", "timestamp")) == (["2024-01-02", "2024-01-02 08:30:05", ""], 1)
    assert snapshot.column_text(stamps, col("datetime", "timestamp")) == \
        (["2024-01-02 00:00:00", "2024-01-02 08:30:05", ""], 1)
    assert snapshot.column_text([7, None], col("id", "int8")) == (["7", ""], 0)


def test_rows_are_sorted_by_the_stated_order_then_every_column():
    texts = {c: [""] * 4 for c in contract.TABLES["surveys"].names}
    texts["response_id"] = ["b", "a", "B", "a"]
    texts["csat"] = ["10", "9", "1", "2"]
    frame = snapshot.export_frame("surveys", texts, ("response_id",))
    assert list(frame["response_id"]) == ["B", "a", "a", "b"]          # code point: upper case first
    assert list(frame["csat"]) == ["1", "2", "9", "10"]               # a tie is broken by the next column, by value
    by_csat = snapshot.export_frame("surveys", texts, ("csat",))
    assert list(by_csat["csat"]) == ["1", "2", "9", "10"]


@pytest.mark.parametrize("message, says", [
    ('connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  password authentication '
     'failed for user "ops"', "refused the credentials"),
    ("connection failed: ... fe_sendauth: no password supplied", "refused the credentials"),
    ('FATAL:  role "ops" does not exist', "refused the credentials"),
    ('FATAL:  database "prod" does not exist', "database named in"),
    ("connection failed: connection to server at \"10.0.0.5\", port 5432 failed: Connection refused", "cannot be reached"),
    ("failed to resolve host 'db.example': [Errno -2] Name or service not known", "cannot be reached"),
    ("connection failed: timeout expired", "cannot be reached"),
    ("something else entirely from 10.0.0.5", "not shown"),
])
def test_connection_failures_are_told_in_our_words(message, says):
    text = snapshot._connection_problem(message, "GOLDBOOK_DSN")
    assert says in text
    for part in ("10.0.0.5", "ops", "prod", "db.example", "5432"):
        assert part not in text


def test_ingest_accepts_exactly_source_json_beside_the_files(demo_copy):
    month = demo_copy / "data" / "raw" / "2024-01"
    (month / snapshot.SOURCE_RECORD).write_text("{}\n")
    assert ingest.ingest_month("2024-01", demo_copy).ok
    (month / "source.txt").write_text("{}\n")
    result = ingest.ingest_month("2024-01", demo_copy)
    assert not result.ok and [p.value for p in result.problems] == ["source.txt"]
