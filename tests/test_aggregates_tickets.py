"""The ticket aggregates of the engine (``helpers.data.aggregates.tickets``) against the pandas
computation on the same rows (``store.load`` and the pure functions of ``measures.kpis`` and the
chapters), on small hand-built stores: two months as month files and a third as day drops, with
durations to the microsecond and to the second, missing timestamps, every outcome, abandons short
and long, booked and assisted-digital tickets, and a ticket at the last microsecond of a day.

Counts must be equal; durations equal to the last bit where the sums are exact (whole seconds)
and within 1e-12 otherwise (a float sum of seconds against the integer sum of microseconds), and
the published CSV of every table (``publish.table_csv``) byte-identical.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers.base.config import load_config, parse_period
from helpers.base.paths import CODE_ROOT
from helpers.base.periods import parse
from helpers.chapters import adoption, daily, daily_view, headline, landing, satisfaction
from helpers.data import contract, store
from helpers.data.aggregates.tickets import Tickets
from helpers.measures import kpis
from helpers.report.publish import table_csv

SPEC = contract.TABLES["tickets"]
CENTRES = ["seef", "tijjar", "virtual"]
CHANNELS = ["walk_in", "phone", "whatsapp", "email", "eservices"]
SERVICES = ["wage_support", "certificate", "appeal"]
OUTCOMES = ["completed", "completed", "completed", "abandoned", "no_show", "transferred", "referred"]
MONTH_FILES = ("2024-01", "2024-02")
DAY_DROPS = "2024-03"         # as day drops, up to the 20th
LAST_DROP = 20


# --- a hand-built store -----------------------------------------------------------------------

def _tickets(month: str, n: int, seed: int, whole_seconds: bool) -> pd.DataFrame:
    """``n`` tickets created in ``month`` (days 1–28), typed as the store holds them."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(f"{month}-01")
    created = start + pd.to_timedelta(rng.integers(0, 28 * 86400, n), unit="s")
    if not whole_seconds:
        created = created + pd.to_timedelta(rng.integers(0, 1_000_000, n), unit="us")
    outcome = rng.choice(OUTCOMES, n)
    channel = rng.choice(CHANNELS, n)
    unit = "s" if whole_seconds else "us"
    scale = 1 if whole_seconds else 1_000_000
    wait = pd.to_timedelta(rng.integers(0, 2400 * scale, n), unit=unit)
    handle = pd.to_timedelta(rng.integers(30 * scale, 1800 * scale, n), unit=unit)
    served = np.isin(outcome, ["completed", "transferred", "referred"])
    called = pd.Series(created + wait).where(served | (rng.random(n) < 0.3))
    started = pd.Series(created + wait).where(served & (rng.random(n) < 0.95))   # a few served without a start
    # an abandon records when the customer left in ended_at; some only in called_at, some not at all
    left = pd.Series(created + pd.to_timedelta(rng.integers(0, 40 * scale, n), unit=unit))
    ended = pd.Series(created + wait + handle).where(served & (rng.random(n) < 0.97))
    ended = ended.where(outcome != "abandoned", left.where(rng.random(n) < 0.8))
    frame = pd.DataFrame({
        "ticket_id": [f"T{month[2:4]}{month[5:7]}-{i:05d}" for i in range(n)],
        "centre_id": rng.choice(CENTRES, n),
        "channel_id": channel,
        "service_id": rng.choice(SERVICES, n),
        "employee_id": pd.Series([f"E{i % 7}" for i in range(n)]).where(served),
        "customer_ref": None,
        "created_at": created,
        "booked": rng.random(n) < 0.3,
        "called_at": called,
        "started_at": started,
        "ended_at": ended,
        "outcome": outcome,
        "resolved_first_contact": pd.Series(rng.random(n) < 0.7, dtype="boolean").where(served & (rng.random(n) < 0.8)),
        "assisted_digital": rng.random(n) < 0.15,
    })
    return contract.typed_frame("tickets", frame)


def _write(frame: pd.DataFrame, folder: Path, record: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    frame = frame.sort_values("ticket_id", kind="stable").reset_index(drop=True)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / "tickets.parquet")
    (folder / store.INGEST_RECORD).write_text(json.dumps(record), encoding="utf-8")


def build_store(root: Path) -> pd.DataFrame:
    """Tickets of two month files and a month of day drops under ``root``; returns every ticket
    written (the day drops' month also holds tickets of its 21st–28th that were never ingested)."""
    shutil.copytree(CODE_ROOT / "config", root / "config")
    processed = root / "data" / "processed"
    frames = []
    for k, month in enumerate(MONTH_FILES):
        frame = _tickets(month, 900, seed=10 + k, whole_seconds=(k == 0))
        _write(frame, processed / month, {"month": month})
        frames.append(frame)
    march = _tickets(DAY_DROPS, 1200, seed=30, whole_seconds=True)
    # the last microsecond of the 10th and the first of the 11th
    march.loc[0, "created_at"] = pd.Timestamp("2024-03-10 23:59:59.999999")
    march.loc[1, "created_at"] = pd.Timestamp("2024-03-11 00:00:00")
    month_folder = processed / DAY_DROPS
    month_folder.mkdir(parents=True)
    (month_folder / store.INGEST_RECORD).write_text(json.dumps({"month": DAY_DROPS, "drops": "days"}), encoding="utf-8")
    for day, part in march.groupby(march["created_at"].dt.day):
        if day <= LAST_DROP:
            _write(part, month_folder / store.DAYS_DIR / f"{DAY_DROPS}-{day:02d}", {"day": f"{DAY_DROPS}-{day:02d}"})
    frames.append(march)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("agg") / "root"
    written = build_store(root)
    return root, written


@pytest.fixture(scope="module")
def root(built):
    return built[0]


@pytest.fixture(scope="module")
def cfg(root):
    return load_config(root)


SETTINGS = {
    "config": None,   # the entity's own
    "offered": kpis.KpiSettings(thresholds={"walk_in": 900.0, "phone": 20.5, "whatsapp": 60.0, "email": 14400.0},
                                virtual_channels=("phone", "whatsapp", "email", "eservices"), variant="offered",
                                short_abandon_seconds=12.5, assisted_counts=False, version="t"),
}


def settings(name, cfg):
    return kpis.settings(cfg) if SETTINGS[name] is None else SETTINGS[name]


def same(engine: pd.DataFrame, rows: pd.DataFrame, exact_floats: bool = False) -> None:
    """Equal frames: same columns, dtypes and counts; floats to the last bit or within 1e-12;
    and the same published CSV."""
    assert list(engine.columns) == list(rows.columns)
    pd.testing.assert_frame_equal(engine, rows, check_exact=exact_floats, rtol=1e-12, atol=0)
    assert table_csv(engine) == table_csv(rows)


PERIODS = ["2024-01", "2024-02", "2024-03-10", "2024-W10", "2024-03"]
CUTS = [[], ["month"], ["centre_id"], ["centre_id", "channel_id"], ["service_id"], ["month", "channel_id"],
        ["day"], ["weekday", "hour"], ["month", "centre_id", "service_id"], ["booked"], ["outcome", "channel_id"]]
FILTERS = [{}, {"months": ["2024-02"]}, {"months": ["2024-01", "2024-03"]}, {"days": ["2024-02-05", "2024-03-10"]},
           {"channels": ["walk_in"]}, {"months": []}]


# --- the view: the as-of rows ---------------------------------------------------------------

@pytest.mark.parametrize("period", PERIODS)
def test_the_engine_reads_exactly_the_rows_store_load_returns(root, built, period):
    written = built[1]
    engine = Tickets(period, root)
    found = engine.rows(SPEC.names, ticket_ids=written["ticket_id"])
    pd.testing.assert_frame_equal(found, store.load("tickets", period, root=root), check_exact=True)


def test_a_period_ending_mid_month_sees_only_the_tickets_up_to_its_end(root, built, cfg):
    written = built[1]
    st = kpis.settings(cfg)
    # the 10th of the day-drop month: the drops of the 1st to the 10th, not a microsecond more
    up_to = written[(written["created_at"] >= pd.Timestamp("2024-03-01"))
                    & (written["created_at"] <= pd.Timestamp("2024-03-10 23:59:59.999999"))]
    assert pd.Timestamp("2024-03-10 23:59:59.999999") in set(up_to["created_at"])
    sums = Tickets("2024-03-10", root).kpi_sums([], st, months=["2024-03"])
    assert int(sums["transactions"].iloc[0]) == len(up_to)
    # the whole month reads the drops that arrived (1st–20th), never the 21st–28th
    arrived = written[(written["created_at"] >= pd.Timestamp("2024-03-01"))
                      & (written["created_at"] < pd.Timestamp(f"2024-03-{LAST_DROP + 1}"))]
    month = Tickets("2024-03", root).kpi_sums(["day"], st)
    assert month["transactions"].sum() == len(written[written["created_at"] < "2024-03-01"]) + len(arrived)
    assert month["day"].max() == f"2024-03-{LAST_DROP}"
    # a month never sees the next month; ``since`` drops the months before it
    assert Tickets("2024-01", root).first_month() == "2024-01"
    assert Tickets("2024-01", root).kpi_sums(["month"], st)["month"].tolist() == ["2024-01"]
    assert Tickets("2024-03", root, since="2024-02").kpi_sums(["month"], st)["month"].tolist() == ["2024-02", "2024-03"]


def test_an_empty_store_answers_with_typed_empty_tables(tmp_path, cfg):
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    engine = Tickets("2024-01", tmp_path)
    st = kpis.settings(cfg)
    rows = store.load("tickets", "2024-01", root=tmp_path)
    overall = kpis.table(engine, [], st)
    same(overall, kpis.table(rows, [], st))
    assert overall["transactions"].tolist() == [0] and overall["wait_mean"].isna().all()
    assert kpis.table(engine, ["month"], st).empty
    assert engine.first_month() is None and engine.days_with_data() == []
    assert kpis.completions(engine, ["month"]).empty


# --- the KPI tables ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SETTINGS))
@pytest.mark.parametrize("period", ["2024-02", "2024-03-10"])
def test_kpi_tables_equal_the_pandas_computation_for_every_cut_and_filter(root, cfg, name, period):
    st = settings(name, cfg)
    engine = Tickets(period, root)
    rows = store.load("tickets", period, root=root, columns=kpis.TICKET_COLUMNS)
    for by, f in [*[(by, {}) for by in CUTS], *[(by, f) for f in FILTERS for by in ([], ["centre_id", "month"])]]:
        same(kpis.table(engine, by, st, **f), kpis.table(rows, by, st, **f))


def test_whole_second_durations_give_the_same_means_and_medians_to_the_last_bit(root, cfg):
    # January's durations are whole seconds: the integer sum over the count is pandas' float mean exactly
    st = kpis.settings(cfg)
    engine = Tickets("2024-01", root)
    rows = store.load("tickets", "2024-01", root=root, columns=kpis.TICKET_COLUMNS)
    for by in (["centre_id"], ["centre_id", "channel_id"], ["service_id"]):
        a, b = kpis.table(engine, by, st), kpis.table(rows, by, st)
        cols = ["wait_mean", "wait_p50", "handle_mean"]
        pd.testing.assert_frame_equal(a[by + cols], b[by + cols], check_exact=True)


def test_percentiles_are_exact_linear_interpolation_of_the_waits(root, cfg):
    """Independently of pandas' grouping: numpy's percentile of each channel's queued served waits."""
    st = kpis.settings(cfg)
    rows = store.load("tickets", "2024-02", root=root)
    table = kpis.table(Tickets("2024-02", root), ["channel_id"], st).set_index("channel_id")
    for channel, part in rows.groupby("channel_id"):
        served = part["outcome"].isin(["completed", "transferred", "referred"]) & part["started_at"].notna()
        if channel not in st.queued_channels or not served.any():
            assert np.isnan(table.loc[channel, "wait_p90"])
            continue
        us = (part.loc[served, "started_at"] - part.loc[served, "created_at"]).to_numpy().astype("int64")
        assert table.loc[channel, "wait_p50"] == pytest.approx(np.percentile(us, 50) / 1e6, rel=1e-12)
        assert table.loc[channel, "wait_p90"] == pytest.approx(np.percentile(us, 90) / 1e6, rel=1e-12)
        assert table.loc[channel, "wait_mean"] == int(us.sum()) / (len(us) * 1_000_000)
        assert table.loc[channel, "queued_served"] == len(us)


# --- the other answers ------------------------------------------------------------------------

@pytest.mark.parametrize("period", ["2024-02", "2024-03-10"])
def test_volumes_completions_and_the_calendar_equal_the_pandas_computation(root, period):
    engine = Tickets(period, root)
    rows = store.load("tickets", period, root=root)
    for by in (["centre_id", "channel_id"], ["month"], ["service_id", "day"]):
        for months in (None, ["2024-02"]):
            same(kpis.volumes(engine, by, months=months), kpis.volumes(rows, by, months=months))
    for by in ([], ["month"], ["centre_id"], ["month", "service_id"], ["channel_id"], ["hour"]):
        for months in (None, ["2024-01", "2024-03"]):
            same(kpis.completions(engine, by, months), kpis.completions(rows, by, months), exact_floats=True)
    assert engine.first_month() == adoption.first_month(rows, "none") == "2024-01"
    assert engine.days_with_data() == daily.days_with_data(rows)


@pytest.mark.parametrize("day", ["2024-02-14", "2024-03-10", "2024-03-24"])
def test_a_days_counts_and_hourly_load_equal_the_pandas_computation(root, cfg, day):
    st = kpis.settings(cfg)
    engine = Tickets(day, root, since=daily.history_start(parse(day)))
    rows = store.load("tickets", day, root=root, since=daily.history_start(parse(day)))
    assert daily.day_counts(engine, day, st) == daily.day_counts(rows, day, st)
    same(daily.hourly_load(engine, day), daily.hourly_load(rows, day))
    same(daily.hourly_load(engine, day, by=["centre_id"]), daily.hourly_load(rows, day, by=["centre_id"]))
    if day == "2024-03-24":   # after the last drop: nothing that day
        assert daily.day_counts(engine, day, st)["transactions"] == 0 and daily.hourly_load(engine, day).empty


def test_the_rows_a_week_links_are_the_responses_tickets_and_the_weeks_own(root):
    week = parse_period("2024-W06", root)
    rows = store.load("tickets", week, root=root, columns=satisfaction.TICKET_COLUMNS)
    ids = pd.Series(["T2401-00007", "T2401-00300", None, "missing"])
    got = Tickets(week, root).rows(satisfaction.TICKET_COLUMNS, ticket_ids=ids, within=week)
    in_week = (rows["created_at"] >= week.start_ts) & (rows["created_at"] <= week.end)
    keep = rows["ticket_id"].isin(ids.dropna()) | in_week
    pd.testing.assert_frame_equal(got, rows[keep.to_numpy()].reset_index(drop=True), check_exact=True)
    surveys = pd.DataFrame({"response_id": ["R1", "R2"], "ticket_id": ["T2401-00007", "T2401-00300"]})
    pd.testing.assert_frame_equal(satisfaction.link_tickets(surveys, got), satisfaction.link_tickets(surveys, rows))
    assert len(satisfaction.within(got, "created_at", week)) == len(satisfaction.within(rows, "created_at", week))


# --- the chapters through the engine ----------------------------------------------------------

@pytest.mark.parametrize("name", list(SETTINGS))
def test_the_channels_chapter_gives_the_same_tables_from_the_engine(root, cfg, name):
    st = settings(name, cfg)
    month = "2024-03"
    engine = Tickets(month, root, since=adoption.history_start(month))
    rows = store.load("tickets", month, root=root, since=adoption.history_start(month), columns=kpis.TICKET_COLUMNS)
    prepared = kpis.prepare(rows, st)
    for tickets in (rows, prepared):
        same(kpis.monthly_trend(engine, st, month), kpis.monthly_trend(tickets, st, month))
        same(kpis.monthly_trend(engine, st, month, by=["channel_id"]),
             kpis.monthly_trend(tickets, st, month, by=["channel_id"]))
    series = adoption.monthly(rows, st, None, month)
    same(adoption.monthly(engine, st, None, month), series, exact_floats=True)
    same(adoption.by_service(engine, st, month, 0.6), adoption.by_service(rows, st, month, 0.6), exact_floats=True)
    same(adoption.centre_mix(engine, st, month), adoption.centre_mix(rows, st, month), exact_floats=True)
    same(adoption.channel_mix(engine, st, month), adoption.channel_mix(rows, st, month), exact_floats=True)
    same(adoption.channel_mix_monthly(engine, st, None, month), adoption.channel_mix_monthly(rows, st, None, month),
         exact_floats=True)
    now, then = adoption.safeguard_windows(month, series, months=1)
    surveys = pd.DataFrame({"channel_id": pd.Series(dtype="str"), "submitted_at": pd.Series(dtype="datetime64[us]"),
                            "csat": pd.Series(dtype="Int64")})
    same(adoption.safeguard(engine, surveys, st, cfg.kpi, now, then, min_n=5),
         adoption.safeguard(rows, surveys, st, cfg.kpi, now, then, min_n=5))
    # the take-up of the engine is the independent count of the rows
    done = rows[rows["outcome"].eq("completed") & rows["created_at"].dt.strftime("%Y-%m").eq(month)]
    digital = done["channel_id"].isin(st.virtual_channels) | (done["assisted_digital"] & st.assisted_counts)
    r = series.set_index("month").loc[month]
    assert (r["completed"], r["digital"]) == (len(done), int(digital.sum()))


def test_the_overview_gives_the_same_headline_tiles_and_volumes_from_the_engine(root, cfg):
    st = kpis.settings(cfg)
    month, prev = "2024-03", "2024-02"
    months = ["2024-01", "2024-02", "2024-03"]
    engine = Tickets(month, root)
    rows = store.load("tickets", month, root=root)
    assert headline.totals(engine, st, month) == headline.totals(rows, st, month)
    no_surveys = pd.DataFrame({"csat": pd.Series(dtype="Int64")})
    by_frames = headline.headline(kpis.select(rows, [month]), no_surveys, kpis.select(rows, [prev]), no_surveys,
                                  cfg.kpi, cfg.virtual_channels, csat=False)
    same(headline.of_totals(headline.totals(engine, st, month), no_surveys, headline.totals(engine, st, prev),
                            no_surveys, cfg.kpi, headline.totals(engine, st, "2023-03"), no_surveys, csat=False),
         by_frames, exact_floats=True)
    same(landing.series(engine, None, None, st, cfg.kpi["csat"]["top_box"], months, CENTRES),
         landing.series(rows, None, None, st, cfg.kpi["csat"]["top_box"], months, CENTRES))
    same(kpis.volumes(engine, ["centre_id", "channel_id"], months=[month]),
         kpis.volumes(kpis.select(rows, [month]), ["centre_id", "channel_id"]), exact_floats=True)


@pytest.mark.parametrize("day", ["2024-03-05", "2024-03-10", "2024-02-27"])
def test_the_daily_report_gives_the_same_page_from_the_engine(root, cfg, day):
    p = parse(day)
    engine = Tickets(p, root, since=daily.history_start(p))
    rows = store.load("tickets", p, root=root, since=daily.history_start(p), columns=kpis.TICKET_COLUMNS)
    a = daily_view.report(engine, p, cfg, "en", {}, {})
    b = daily_view.report(rows, p, cfg, "en", {}, {})
    assert (a.status, a.notice, a.base_days) == (b.status, b.notice, b.base_days)
    same(a.hourly, b.hourly)
    for mine, theirs in zip([*a.comparison, *a.alerts, *a.load], [*b.comparison, *b.alerts, *b.load], strict=True):
        assert mine.lines == theirs.lines
        for x, y in zip(mine.tables, theirs.tables, strict=True):
            same(x.frame, y.frame)
            pd.testing.assert_frame_equal(x.shown, y.shown)
    assert isinstance(a.base_days[0], date) if a.base_days else True


def test_an_unknown_cut_or_month_is_refused_naming_it(root, cfg):
    engine = Tickets("2024-02", root)
    with pytest.raises(ValueError, match="unknown cut 'colour'"):
        engine.kpi_sums(["colour"], kpis.settings(cfg))
    with pytest.raises(ValueError, match="not '2024-2'"):
        engine.volumes(["centre_id"], months=["2024-2"])
    with pytest.raises(ValueError, match="no column"):
        engine.rows(["ticket_id", "colour"], ticket_ids=[])
