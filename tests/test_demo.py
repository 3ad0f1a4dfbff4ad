"""The demo generator: determinism, the raw data contract and the rules later chapters rely on.

Small runs (5% of the volume, two or three months around the deliberate dip) keep this fast.
The expected headers are copied from DESIGN.md here, not imported from the generator.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.base.config import load_config
from helpers.base.paths import CODE_ROOT
from helpers.data import rawcsv
from helpers.demo import feedback, initiatives, tables, truth
from helpers.demo import generate as demo

SMALL = {"start": "2024-07", "end": "2024-08", "scale": 0.05}

CONTRACT = {
    "tickets": "ticket_id,centre_id,channel_id,service_id,employee_id,customer_ref,created_at,booked,called_at,"
               "started_at,ended_at,outcome,resolved_first_contact,assisted_digital",
    "surveys": "response_id,ticket_id,centre_id,channel_id,service_id,employee_id,submitted_at,csat,nps,ces,comment",
    "feedback": "feedback_id,received_at,source,kind,centre_id,channel_id,service_id,employee_id,category,text,"
                "status,resolved_at,substantiated",
    # not in DESIGN.md: its closings of earlier months' feedback (see helpers.data.contract)
    "feedback_updates": "feedback_id,status,resolved_at,substantiated",
    "staff": "employee_id,name_en,name_ar,centre_id,role,joined_on,active",
    "self_assessment": "centre_id,criterion_id,assessed_on,status,evidence,owner,reason,blocker,action,due_on,"
                       "assessor_id",
    "initiatives": "initiative_id,name_en,name_ar,start_on,end_on,centres,channels,expected,owner,description",
}


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _read(raw: Path, month: str, table: str) -> pd.DataFrame:
    return pd.read_csv(raw / month / f"{table}.csv", dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def cfg():
    return load_config(CODE_ROOT)


@pytest.fixture(scope="module")
def small(tmp_path_factory, cfg) -> Path:
    """A generated root: ``raw/`` with 2024-07..2024-08 and ``truth/demo_truth.json``."""
    root = tmp_path_factory.mktemp("demo_a")
    demo.generate(root / "raw", seed=7, cfg=cfg, **SMALL)
    return root


def _load(raw: Path, table: str, months=("2024-07", "2024-08")) -> pd.DataFrame:
    return pd.concat([_read(raw, m, table).assign(month=m) for m in months], ignore_index=True)


# --- determinism -------------------------------------------------------------------------------
def test_same_seed_gives_identical_bytes(small, tmp_path, cfg):
    demo.generate(tmp_path / "raw", seed=7, cfg=cfg, **SMALL)
    first, second = _hashes(small), _hashes(tmp_path)
    assert first == second
    assert "truth/demo_truth.json" in first and "raw/2024-08/tickets.csv" in first


def test_another_seed_gives_other_data(small, tmp_path, cfg):
    demo.generate(tmp_path / "raw", seed=8, cfg=cfg, **SMALL)
    for table in ("tickets", "surveys", "staff", "self_assessment"):
        assert (tmp_path / "raw/2024-07" / f"{table}.csv").read_bytes() != (small / "raw/2024-07" / f"{table}.csv").read_bytes()


def test_a_longer_range_leaves_earlier_months_unchanged(small, tmp_path, cfg):
    demo.generate(tmp_path / "raw", seed=7, cfg=cfg, start="2024-07", end="2024-09", scale=0.05)
    longer, shorter = _hashes(tmp_path / "raw"), _hashes(small / "raw")
    for name, digest in shorter.items():
        if name.startswith("2024-0"):
            assert longer[name] == digest, name
    # Adding the next month to an existing demo gives the same files as generating it in one go,
    # surveys carried over from the previous month's tickets included.
    added = tmp_path / "added"
    shutil.copytree(small / "raw", added / "raw")
    demo.generate(added / "raw", seed=7, cfg=cfg, start="2024-09", end="2024-09", scale=0.05)
    added_files = {k: v for k, v in _hashes(added / "raw").items() if k.startswith("2024-09/")}
    assert added_files == {k: v for k, v in longer.items() if k.startswith("2024-09/")}
    assert {f"2024-09/{t}.csv" for t in tables.TABLES if t != "feedback_updates"} <= set(added_files)


def test_the_range_cannot_start_before_the_origin(tmp_path, cfg):
    with pytest.raises(ValueError, match="2023-01"):
        demo.generate(tmp_path / "raw", cfg=cfg, start="2022-12", end="2023-01", scale=0.05)


# --- the contract ------------------------------------------------------------------------------
def test_headers_follow_the_contract(small):
    raw = small / "raw"
    for month in ("2024-07", "2024-08"):
        for table in tables.TABLES:
            path = raw / month / f"{table}.csv"
            if table == "feedback_updates" and not path.exists():
                continue  # optional: a month without closings of earlier messages has none
            header = path.read_text(encoding="utf-8").split("\n", 1)[0]
            assert header == CONTRACT[table], table
    assert (raw / "initiatives.csv").read_text(encoding="utf-8").split("\n", 1)[0] == CONTRACT["initiatives"]


def test_files_are_utf8_with_unix_line_ends(small):
    for path in sorted((small / "raw").rglob("*.csv")):
        data = path.read_bytes()
        data.decode("utf-8")
        assert b"\r" not in data, path.name
        assert data.endswith(b"\n")


def test_ids_are_unique_across_months(small):
    raw = small / "raw"
    for table, column in (("tickets", "ticket_id"), ("surveys", "response_id"), ("feedback", "feedback_id")):
        ids = _load(raw, table)[column]
        assert ids.is_unique and (ids != "").all(), table
    for month in ("2024-07", "2024-08"):
        assert _read(raw, month, "staff")["employee_id"].is_unique


def test_known_ids_enums_and_booleans(small, cfg):
    raw = small / "raw"
    tk, sv, fb = _load(raw, "tickets"), _load(raw, "surveys"), _load(raw, "feedback")
    assert set(tk["centre_id"]) <= set(cfg.ids("centres"))
    assert set(tk["channel_id"]) <= set(cfg.ids("channels"))
    assert set(tk["service_id"]) <= set(cfg.ids("services"))
    assert set(tk["outcome"]) <= {"completed", "abandoned", "no_show", "transferred", "referred"}
    for col in ("booked", "assisted_digital"):
        assert set(tk[col]) <= {"true", "false"}
    assert set(tk["resolved_first_contact"]) <= {"true", "false", ""}
    assert set(fb["source"]) <= {"national_complaints_system", "satisfaction_system", "email", "social_media",
                                 "in_person", "phone"}
    assert set(fb["kind"]) <= {"complaint", "suggestion", "compliment", "inquiry"}
    assert set(fb["status"]) <= {"open", "in_progress", "resolved", "rejected"}
    assert set(fb["category"]) <= set(cfg.ids("feedback_categories"))
    assert set(fb["substantiated"]) <= {"true", "false", ""}
    assert (fb.loc[fb["kind"] != "complaint", "substantiated"] == "").all()
    assert set(sv["csat"].astype(int)) <= set(range(1, 6))
    assert set(sv.loc[sv["nps"] != "", "nps"].astype(int)) <= set(range(0, 11))
    assert set(sv.loc[sv["ces"] != "", "ces"].astype(int)) <= set(range(1, 8))
    assert sv["comment"].str.len().max() <= 2000


def test_customer_ref_is_pseudonymous_never_a_national_id(small):
    refs = _load(small / "raw", "tickets")["customer_ref"]
    given = refs[refs != ""]
    assert not refs.str.fullmatch(r"\d{9}").any()
    assert given.str.fullmatch(r"C-[0-9a-f]{8}").all()
    assert 0 < (refs == "").mean() < 0.3


# --- time ----------------------------------------------------------------------------------------
def test_tickets_fall_on_working_days_within_opening_hours(small, cfg):
    tk = _load(small / "raw", "tickets")
    created = pd.to_datetime(tk["created_at"], format="%Y-%m-%d %H:%M:%S")
    days = created.dt.date
    for day in sorted(set(days)):
        assert cfg.is_working_day(day), day
    kind = tk["centre_id"].map(cfg.centre_kind)
    for (k, day), minutes in (created.dt.hour * 60 + created.dt.minute).groupby([kind, days]):
        opens, closes = (int(h[:2]) * 60 + int(h[3:]) for h in cfg.opening_hours(k, day))
        assert minutes.min() >= opens and minutes.max() < closes, (k, day)
    # a holiday in range gets no tickets at all
    assert not (days == pd.Timestamp("2024-07-15").date()).any()


def test_ticket_times_are_ordered_and_stay_in_their_month(small):
    tk = _load(small / "raw", "tickets")
    cols = ["created_at", "called_at", "started_at", "ended_at"]
    t = {c: pd.to_datetime(tk[c].replace("", None), format="%Y-%m-%d %H:%M:%S") for c in cols}
    for a, b in zip(cols, cols[1:]):
        both = t[a].notna() & t[b].notna()
        assert (t[a][both] <= t[b][both]).all(), (a, b)
    assert (t["created_at"].notna()).all()
    assert (t["ended_at"].isna() | (t["created_at"] <= t["ended_at"])).all()
    assert (t["created_at"].dt.strftime("%Y-%m") == tk["month"]).all()
    assert (t["ended_at"].isna() | (t["ended_at"].dt.date == t["created_at"].dt.date)).all()


def test_each_outcome_has_the_documented_timestamps(small):
    tk = _load(small / "raw", "tickets")
    self_service = tk["channel_id"] == "eservices"
    assert (tk.loc[self_service, ["employee_id", "called_at", "started_at"]] == "").all().all()
    assert (tk.loc[self_service, "ended_at"] != "").all()
    staffed = tk[~self_service]
    assert (staffed["employee_id"] != "").all()
    served = staffed["outcome"].isin(["completed", "transferred", "referred"])
    assert (staffed.loc[served, ["called_at", "started_at", "ended_at"]] != "").all().all()
    gone = staffed[staffed["outcome"] == "abandoned"]
    assert (gone[["called_at", "started_at"]] == "").all().all() and (gone["ended_at"] != "").all()
    no_show = tk[tk["outcome"] == "no_show"]
    assert (no_show["booked"] == "true").all()
    assert (no_show[["called_at", "started_at", "ended_at"]] == "").all().all()
    assert (tk.loc[tk["assisted_digital"] == "true", "channel_id"] == "walk_in").all()
    assert (tk.loc[tk["outcome"] == "transferred", "resolved_first_contact"] == "false").all()


def test_surveys_and_feedback_are_dated_in_their_folder_month(small):
    raw = small / "raw"
    sv, fb = _load(raw, "surveys"), _load(raw, "feedback")
    assert (sv["submitted_at"].str[:7] == sv["month"]).all()
    assert (fb["received_at"].str[:7] == fb["month"]).all()
    closed = fb["resolved_at"] != ""
    assert (fb.loc[fb["status"] == "resolved", "resolved_at"] != "").all()
    assert (fb.loc[closed, "resolved_at"] >= fb.loc[closed, "received_at"]).all()
    assert (fb.loc[closed, "resolved_at"].str[:7] == fb.loc[closed, "month"]).all()
    assert (fb.loc[fb["status"].isin(["open", "in_progress"]), "resolved_at"] == "").all()


def test_open_feedback_is_closed_in_a_later_month(tmp_path, cfg):
    raw = tmp_path / "raw"
    months = [f"2024-0{m}" for m in range(1, 7)]
    demo.generate(raw, seed=7, cfg=cfg, start=months[0], end=months[-1], scale=0.3)
    fb = _load(raw, "feedback", months).set_index("feedback_id")
    updated = [m for m in months if (raw / m / "feedback_updates.csv").exists()]
    assert months[0] not in updated and len(updated) == len(months) - 1
    up = _load(raw, "feedback_updates", updated)
    assert len(up) >= 10 and up["feedback_id"].is_unique        # each message closes once
    item = fb.loc[up["feedback_id"]]
    assert (item["month"].to_numpy() < up["month"].to_numpy()).all()    # from an earlier month
    assert item["status"].isin(["open", "in_progress"]).all()           # that was still open
    assert (up["resolved_at"].str[:7] == up["month"]).all()             # dated in its folder's month
    assert up["status"].isin(["resolved", "rejected"]).all()
    complaint = (item["kind"] == "complaint").to_numpy()
    assert (up.loc[~complaint, "substantiated"] == "").all()
    assert up.loc[complaint, "substantiated"].isin(["true", "false"]).all()
    assert (up.loc[up["status"] == "rejected", "substantiated"].isin(["", "false"])).all()
    # most messages left open in January..March are closed by June
    early_open = fb[fb["month"].isin(months[:3]) & fb["status"].isin(["open", "in_progress"])]
    assert early_open.index.isin(up["feedback_id"]).mean() >= 0.8


def test_closing_delays_and_the_never_closed_share():
    month_end = 1_700_000_000
    draws = [feedback._closing(7, f"F2401-{i:05d}", "complaint", month_end) for i in range(1, 4001)]
    never = sum(d is None for d in draws) / len(draws)
    assert 0.03 < never < 0.05                                   # 4% stay open
    days = np.array([(d[0] - month_end) / 86400 for d in draws if d is not None])
    assert (days > 0).all() and 10.5 < np.median(days) < 13.5    # median 12 days after the month
    rejected = np.mean([d[1] == "rejected" for d in draws if d is not None])
    assert 0.10 < rejected < 0.14
    assert feedback._closing(7, "F2401-00001", "complaint", month_end) == draws[0]   # from the id alone


# --- links ---------------------------------------------------------------------------------------
def test_surveys_copy_their_ticket_from_the_same_or_an_earlier_month(small):
    raw = small / "raw"
    tk = _load(raw, "tickets").set_index("ticket_id")
    sv = _load(raw, "surveys")
    linked = sv[sv["ticket_id"] != ""]
    assert len(linked) > 0.9 * len(sv)
    assert linked["ticket_id"].isin(tk.index).all()
    ticket = tk.loc[linked["ticket_id"]]
    assert (ticket["month"].to_numpy() <= linked["month"].to_numpy()).all()
    for col in ("centre_id", "channel_id", "service_id", "employee_id"):
        assert (ticket[col].to_numpy() == linked[col].to_numpy()).all(), col
    assert (ticket["ended_at"].to_numpy() <= linked["submitted_at"].to_numpy()).all()
    # carried over: August's folder holds responses about July tickets
    assert ((linked["month"] == "2024-08") & (ticket["month"].to_numpy() == "2024-07")).any()


def test_every_served_ticket_names_someone_on_that_months_roster(small):
    raw = small / "raw"
    for month in ("2024-07", "2024-08"):
        staff = _read(raw, month, "staff")
        on_roster = set(zip(staff.loc[staff["active"] == "true", "employee_id"],
                            staff.loc[staff["active"] == "true", "centre_id"]))
        tk = _read(raw, month, "tickets")
        named = tk[tk["employee_id"] != ""]
        assert set(zip(named["employee_id"], named["centre_id"])) <= on_roster, month
        fb = _read(raw, month, "feedback")
        assert set(fb.loc[fb["employee_id"] != "", "employee_id"]) <= set(staff["employee_id"])
        thanks = fb[(fb["kind"] == "compliment") & (fb["source"] == "satisfaction_system")]
        assert (thanks["employee_id"] != "").all()


def test_staff_rosters_have_supervisors_and_names(small):
    for month in ("2024-07", "2024-08"):
        staff = _read(small / "raw", month, "staff")
        assert set(staff["role"]) == {"agent", "senior_agent", "supervisor"}
        sups = staff[(staff["role"] == "supervisor") & (staff["active"] == "true")]
        assert set(sups["centre_id"]) == {"seef", "tijjar", "virtual"}
        assert staff["name_ar"].str.contains("[\u0600-\u06ff]").all()
        assert (staff["joined_on"] <= f"{month}-31").all()


def test_self_assessment_covers_the_catalogue_in_force(small, cfg):
    for month in ("2024-07", "2024-08"):
        sa = _read(small / "raw", month, "self_assessment")
        staff = _read(small / "raw", month, "staff")
        catalogue = cfg.catalogue(month)
        for centre in cfg.ids("centres"):
            kind = cfg.centre_kind(centre)
            expected = set(catalogue.loc[catalogue["applies_to"].isin(["all", kind]), "criterion_id"])
            assert set(sa.loc[sa["centre_id"] == centre, "criterion_id"]) == expected, centre
            sups = set(staff.loc[(staff["centre_id"] == centre) & (staff["role"] == "supervisor"), "employee_id"])
            assert set(sa.loc[sa["centre_id"] == centre, "assessor_id"]) <= sups
        assert not sa.duplicated(["centre_id", "criterion_id"]).any()
        gaps = ~sa["status"].isin(["met", "not_applicable"])
        assert (sa.loc[gaps, "reason"] != "").all()
        assert set(sa["owner"]) <= set(cfg.ids("departments"))
        assert set(sa["blocker"]) <= {"none", "budget", "procurement", "external_approval", "training", "it_system", "other"}
        assert set(sa["status"]) <= {"met", "partial", "not_met", "not_applicable"}
        assert (sa["assessed_on"].str[:7] == month).all()


# --- the ground truth ----------------------------------------------------------------------------
def test_truth_records_skills_effects_and_the_dip(small):
    truth = json.loads((small / "truth" / "demo_truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 7 and truth["range"] == {"start": "2024-07", "end": "2024-08"}
    staff = _load(small / "raw", "staff")
    assert set(staff["employee_id"]) <= set(truth["employees"])
    assert all(isinstance(e["skill"], float) for e in truth["employees"].values())
    assert truth["csat_dip"]["centre_id"] == "tijjar" and truth["csat_dip"]["months"] == ["2024-08"]
    assert 8 <= -truth["csat_dip"]["csat_pp"] <= 10
    registry = pd.read_csv(small / "raw" / "initiatives.csv", dtype=str, keep_default_na=False)
    assert [i["initiative_id"] for i in truth["initiatives"]] == list(registry["initiative_id"])
    # only initiatives started by the end of the range are in the registry
    assert (registry["start_on"] <= "2024-08-31").all()
    assert all(e["outcome"] and "size" in e for i in truth["initiatives"] for e in i["effects"])


def test_virtual_share_step_equals_the_demand_it_moves():
    # Worked by hand: with every channel completing at the same rate, a step that adds s of
    # demand to virtual channels raises the completed virtual share by exactly s. Here the
    # completion rates differ a little, so the truth must stay within a point of the step.
    assert abs(truth._virtual_share_pp("INI-01") - 100 * initiatives.WHATSAPP_SHARE) < 1.0
    assert abs(truth._virtual_share_pp("INI-04") - 100 * initiatives.ESERV_SHARE) < 1.0
    assert truth._virtual_share_pp("INI-06") == 0.0


def test_datetime_formatting_by_hand():
    seconds = np.array([0, 86399, -1, 1704067200 + 3661])
    assert list(rawcsv.fmt_datetime(seconds)) == ["1970-01-01 00:00:00", "1970-01-01 23:59:59", "",
                                                  "2024-01-01 01:01:01"]
