"""The daily channel report: each centre and channel against the same weekday's four-week
average, the alerts, and the hour-by-hour load. Pure: frames and config in, frames out.

Baseline: the ``kpi.daily.baseline_weeks`` (4) previous same weekdays that were working days
and have data, looking back at most ``LOOKBACK_WEEKS`` weeks (a holiday is skipped, not
counted). Shares and percentiles are computed on the baseline days' tickets pooled; volume is
their total ÷ the number of baseline days. Nothing after the reported day is read.

Alert rule (config ``kpi.daily``): a figure is out of line when it is worse than its baseline by
more than its tolerance (``tolerance``: percentage points for shares, relative for volume,
P90 wait and handle time) AND the cut has at least ``min_transactions`` (today's denominator, or
the baseline's mean volume for volume); for shares and volume the gap must also exceed ``z``
standard errors (binomial with the baseline share and today's denominator; Poisson with the
baseline mean), so that the noise of small counts raises no alarm. Volume is out of line either
way (too many for the staff, or a channel that went quiet); the others only when worse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ..measures import kpis
from ..measures.kpis import KpiSettings

LOOKBACK_WEEKS = 10
DAILY_METRICS = ["transactions", "service_level", "wait_p50", "wait_p90", "abandonment", "no_show_rate",
                 "handle_mean"]
# metric -> (kind of tolerance, today's denominator column)
ALERT_RULES = {
    "transactions": ("relative_either", None),
    "service_level": ("share_lower", "sl_base"),
    "wait_p90": ("relative_higher", "queued_served"),
    "abandonment": ("share_higher", "offered"),
    "no_show_rate": ("share_higher", "appointments"),
    "handle_mean": ("relative_higher", "served"),
}
DEFAULT_RULES = {"baseline_weeks": 4, "min_transactions": 20, "z": 2.0,
                 "tolerance": {"transactions": 0.30, "service_level": 0.10, "wait_p90": 0.50,
                               "abandonment": 0.05, "no_show_rate": 0.10, "handle_mean": 0.25}}
COUNTS = ["sl_met", "sl_base", "queued_served", "served", "offered", "abandoned", "appointments",
          "appointment_no_shows"]


@dataclass(frozen=True)
class DayStatus:
    """Whether ``day`` is a working day; ``reason`` is ``working``, ``weekend`` or ``holiday``."""

    day: date
    reason: str
    holiday_en: str = ""
    holiday_ar: str = ""

    @property
    def working(self) -> bool:
        return self.reason == "working"

    def holiday(self, lang: str) -> str:
        return self.holiday_ar if lang == "ar" else self.holiday_en


def rules(kpi: dict) -> dict:
    """The daily alert rule of config ``kpi.daily``, with the documented defaults filled in."""
    given = dict(kpi.get("daily", {}) or {})
    out = {**DEFAULT_RULES, **{k: v for k, v in given.items() if k != "tolerance"}}
    out["tolerance"] = {**DEFAULT_RULES["tolerance"], **(given.get("tolerance") or {})}
    return out


def day_status(cfg, day) -> DayStatus:
    """The day's status from the configured calendar (holiday names in both languages)."""
    d = pd.Timestamp(getattr(day, "start", day)).date()
    if cfg.is_working_day(d):
        return DayStatus(d, "working")
    h = cfg.holidays.get(d)
    if h is not None:
        return DayStatus(d, "holiday", str(h.get("name_en", "")), str(h.get("name_ar", "")))
    return DayStatus(d, "weekend")


def history_start(day, weeks: int = LOOKBACK_WEEKS) -> str:
    """The first month (``YYYY-MM``) the baseline may need: ``weeks`` weeks before ``day``."""
    d = pd.Timestamp(getattr(day, "start", day)).date() - timedelta(weeks=weeks)
    return f"{d:%Y-%m}"


def baseline_days(cfg, day, days_with_data, weeks: int = 4, lookback: int = LOOKBACK_WEEKS) -> list[date]:
    """The ``weeks`` previous same weekdays that were working days with data, oldest first.

    Looks back at most ``lookback`` weeks; returns fewer days when the history is shorter.
    ``days_with_data`` is any collection of dates (or ``YYYY-MM-DD`` strings) that have tickets.
    """
    d = pd.Timestamp(getattr(day, "start", day)).date()
    have = {pd.Timestamp(x).date() for x in days_with_data}
    out = []
    for k in range(1, lookback + 1):
        cand = d - timedelta(weeks=k)
        if cfg.is_working_day(cand) and cand in have:
            out.append(cand)
            if len(out) == weeks:
                break
    return sorted(out)


def on_day(tickets: pd.DataFrame, day) -> pd.DataFrame:
    """The tickets created on ``day`` (a date, label or day Period)."""
    return _on_days(tickets, [pd.Timestamp(getattr(day, "start", day)).date()])


def _on_days(tickets: pd.DataFrame, days) -> pd.DataFrame:
    created = pd.to_datetime(tickets["created_at"]).dt.normalize()
    wanted = pd.to_datetime(pd.Series([pd.Timestamp(x) for x in days], dtype="datetime64[us]"))
    return tickets[created.isin(wanted).to_numpy()]


def days_with_data(tickets) -> list[date]:
    """The dates (of ``created_at``) that have at least one ticket, sorted; from ticket rows or the
    engine (``Tickets.days_with_data``)."""
    if not kpis.is_rows(tickets):
        return tickets.days_with_data()
    if tickets.empty:
        return []
    return sorted(pd.to_datetime(tickets["created_at"]).dt.date.unique())


def day_counts(tickets, day, st: KpiSettings) -> dict[str, int]:
    """The tickets created on ``day``: ``transactions``, ``self_service`` (on a channel without a
    queue) and ``centres`` (how many had one); from ticket rows or the engine (``Tickets.day_counts``)."""
    if not kpis.is_rows(tickets):
        return tickets.day_counts(day, st.queued_channels)
    return counts_of(on_day(tickets, day), st)


def counts_of(today: pd.DataFrame, st: KpiSettings) -> dict[str, int]:
    """``day_counts`` of a day's ticket rows."""
    return {"transactions": int(len(today)),
            "self_service": int((~today["channel_id"].isin(list(st.queued_channels))).sum()),
            "centres": int(today["centre_id"].nunique())}


def comparison(tickets, day, base_days: list[date], st: KpiSettings,
               by=("centre_id", "channel_id")) -> pd.DataFrame:
    """The day's figures per cut ``by`` with the baseline beside each.

    Columns: ``by``, then for each of ``DAILY_METRICS`` the value and ``<metric>_base``, the
    denominators of the alert tests (``COUNTS``, today's), and ``baseline_days``. Volume's
    baseline is the mean per baseline day; the other baselines pool the baseline days' tickets.
    Cuts seen on either side appear (today's volume 0 when quiet). Sorted by the cut. From ticket
    rows or the engine (``kpis.table``).
    """
    by = list(by)
    d = pd.Timestamp(getattr(day, "start", day)).date()
    cur = kpis.table(tickets, by, st, days=[d])
    base = kpis.table(tickets, by, st, days=list(base_days))
    n_days = len(base_days)
    base = base[by + DAILY_METRICS].rename(columns={m: f"{m}_base" for m in DAILY_METRICS})
    base["transactions_base"] = base["transactions_base"] / n_days if n_days else np.nan
    out = cur[by + DAILY_METRICS + COUNTS].merge(base, on=by, how="outer")
    out[["transactions", *COUNTS]] = out[["transactions", *COUNTS]].fillna(0).astype(np.int64)
    out["baseline_days"] = n_days
    columns = [*by]
    for m in DAILY_METRICS:
        columns += [m, f"{m}_base"]
    out = out[columns + COUNTS + ["baseline_days"]].sort_values(by, kind="mergesort").reset_index(drop=True)
    return out.astype({f"{m}_base": float for m in DAILY_METRICS})


def alerts(comp: pd.DataFrame, rule: dict, by=("centre_id", "channel_id")) -> pd.DataFrame:
    """What is out of line in a ``comparison`` frame under ``rule`` (``rules(kpi)``).

    Columns: ``by``, metric, value, baseline, change (value − baseline; relative for volume,
    P90 wait and handle time), direction (``up``/``down``). Sorted by cut, then metric order.
    """
    by = list(by)
    tol, min_n, z = rule["tolerance"], float(rule["min_transactions"]), float(rule["z"])
    rows = []
    for r in comp.to_dict("records"):
        for metric, (kind, denom) in ALERT_RULES.items():
            value, base = r[metric], r[f"{metric}_base"]
            if value is None or base is None or pd.isna(value) or pd.isna(base):
                continue
            t = float(tol[metric])
            if kind == "relative_either":
                if base < min_n:
                    continue
                change = value / base - 1
                out_of_line = abs(change) > t and abs(value - base) / math.sqrt(base) >= z
            elif kind == "relative_higher":
                if r[denom] < min_n or base <= 0:
                    continue
                change = value / base - 1
                out_of_line = change > t
            else:
                n = r[denom]
                if n < min_n:
                    continue
                change = value - base
                worse = -change if kind == "share_lower" else change
                se = math.sqrt(max(base * (1 - base), 1e-12) / n)
                out_of_line = worse > t and worse / se >= z
            if out_of_line:
                rows.append({**{c: r[c] for c in by}, "metric": metric, "value": float(value),
                             "baseline": float(base), "change": float(change),
                             "direction": "up" if value > base else "down"})
    out = pd.DataFrame(rows, columns=[*by, "metric", "value", "baseline", "change", "direction"])
    order = {m: i for i, m in enumerate(ALERT_RULES)}
    out = out.assign(_o=out["metric"].map(order)).sort_values([*by, "_o"], kind="mergesort")
    return out.drop(columns="_o").reset_index(drop=True).astype({"value": float, "baseline": float, "change": float})


# --- hour-by-hour load --------------------------------------------------------------------------

def hourly_load(tickets, day, by=("centre_id", "channel_id")) -> pd.DataFrame:
    """Arrivals (tickets created) and workload (staff minutes: handle time of the tickets
    created in that hour) per cut and hour of ``day``. Every cut × every hour from the first to
    the last hour with an arrival; hours without arrivals are 0. Sorted by cut, hour. From ticket
    rows or the engine (``Tickets.hourly``: the workload from its integer microseconds)."""
    by = list(by)
    if kpis.is_rows(tickets):
        g = _hourly_rows(tickets, day, by)
    else:
        g = tickets.hourly(day, by)
        g["workload_minutes"] = [int(us) / 60_000_000 for us in g.pop("handle_sum_us")]
        g = g.astype({c: str for c in by})
    return _hourly_grid(g, by)


HOURLY_COLUMNS = ["hour", "arrivals", "workload_minutes"]


def _hourly_rows(tickets: pd.DataFrame, day, by: list[str]) -> pd.DataFrame:
    """Arrivals and workload minutes per cut and hour with an arrival, from ticket rows."""
    t = _on_days(tickets, [pd.Timestamp(getattr(day, "start", day)).date()])
    hour = pd.to_datetime(t["created_at"]).dt.hour.to_numpy()
    handle = (t["ended_at"] - t["started_at"]).dt.total_seconds().fillna(0).to_numpy(float) / 60
    frame = pd.DataFrame({**{c: t[c].astype(str).to_numpy() for c in by}, "hour": hour, "handle": handle})
    g = frame.groupby([*by, "hour"], sort=True).agg(arrivals=("hour", "size"), workload_minutes=("handle", "sum"))
    return g.reset_index()


def _hourly_grid(g: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``g`` (per cut and hour with an arrival) on every cut × every hour from the first to the last."""
    if g.empty:
        return no_hourly(by)
    g = g.set_index([*by, "hour"])[["arrivals", "workload_minutes"]]
    cuts = g.index.droplevel("hour").unique().sort_values() if by else [()]
    hours = range(int(g.index.get_level_values("hour").min()), int(g.index.get_level_values("hour").max()) + 1)
    grid = pd.MultiIndex.from_tuples([(*(c if isinstance(c, tuple) else (c,)), h) for c in cuts for h in hours],
                                     names=[*by, "hour"])
    out = g.reindex(grid, fill_value=0).reset_index()
    return out.astype({"hour": np.int64, "arrivals": np.int64, "workload_minutes": float})[[*by, *HOURLY_COLUMNS]]


def no_hourly(by=("centre_id", "channel_id")) -> pd.DataFrame:
    """``hourly_load``'s frame without a row (a day without the report)."""
    return pd.DataFrame({c: pd.Series(dtype=np.int64 if c in ("hour", "arrivals") else
                                      (float if c == "workload_minutes" else "str")) for c in [*by, *HOURLY_COLUMNS]})
