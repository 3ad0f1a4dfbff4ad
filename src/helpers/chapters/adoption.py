"""Virtual-channel adoption, the numbers: digital take-up by cut, progress to target, a forecast
with an honest backtest, and the safeguard (did service hold up on the channels gaining volume).
Pure; the sentences, reader tables and charts are in ``adoption_view``.

Digital take-up (UK Service Standard) = completed transactions that were digital ÷ all completed.
A transaction is digital when it was completed on a virtual channel, or (config
``kpi.digital_take_up.assisted_digital_counts_as_digital``, the default) when staff helped the
customer complete it digitally on a channel that is not virtual (assisted digital). So

    virtual_share = channel_share + assisted_share

where ``channel_share`` counts virtual channels only and ``assisted_share`` the assisted-digital
completions on other channels (zero when the rule is switched off).

Forecast model: a random walk with drift (statsmodels ``UnobservedComponents(level="rwdrift")``)
on the logit of the monthly share: each month the level moves by a drift plus a random step.
The logit keeps the share and its interval inside 0–100% and lets growth slow near the top; the
random steps absorb the jumps that initiatives cause; the drift is a state of the model, so its
estimation uncertainty widens the prediction interval. Only one variance is estimated, which
12–24 monthly points support. Chosen on merit against a local level, a local level with drift
plus noise and a damped-trend exponential smoothing on the demo's rolling-origin backtests: as
accurate as the best at 1–6 months, intervals that cover, and a fraction of the cost; the damped
trend fits a flattening series better at 9–12 months but its 95% intervals covered only 71–80%
of outcomes at 3–6 months. No seasonal term: two years cannot identify one. The backtest is
rolling-origin: for each origin, the model is fitted on the months up to it only, and its
forecasts are compared with what happened.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..base.periods import months_between, shift_month
from ..measures import kpis, significance
from ..measures.kpis import KpiSettings
from . import satisfaction

TAKE_UP_COLUMNS = ["completed", "digital", "virtual_channel", "assisted_digital", "virtual_share",
                   "channel_share", "assisted_share"]
MIN_MONTHS = 12          # months of history a forecast (and each backtest origin) needs
FORECAST_LEVEL = 0.95    # prediction interval, as the book's other intervals
MODEL = "rwdrift"


# --- months -------------------------------------------------------------------------------------

# the shared month arithmetic, under the names callers and tests use
month_range = months_between


def year_end_horizon(month: str) -> int:
    """Months from ``month`` to the December of its year; from a December, to the next December."""
    m = int(month[5:7])
    return 12 - m if m < 12 else 12


# --- take-up by cut -----------------------------------------------------------------------------

def take_up(tickets, st: KpiSettings, by: list[str], months=None) -> pd.DataFrame:
    """Digital take-up per cut ``by`` (ticket columns and the calendar keys of ``kpis``), of the
    tickets created in ``months`` when given; from ticket rows or the engine (``kpis.completions``).

    Returns ``by`` + ``TAKE_UP_COLUMNS``: completed, digital, virtual_channel (completed on a
    virtual channel), assisted_digital (completed with staff help on another channel), and the
    shares of completed. Sorted by the cut; cuts without a completed transaction are absent.
    """
    return take_up_of(kpis.completions(tickets, by, months), st, by)


def take_up_of(done: pd.DataFrame, st: KpiSettings, by: list[str]) -> pd.DataFrame:
    """``take_up`` from the completions per cut and route (``kpis.completions``, whose cut holds ``by``)."""
    by = list(by)
    virtual = done["channel_id"].isin(list(st.virtual_channels)).to_numpy()
    assisted = done["assisted_digital"].to_numpy(dtype=bool) & ~virtual
    n = done["completed"].to_numpy(dtype=np.int64)
    parts = pd.DataFrame({
        "completed": n,
        "virtual_channel": np.where(virtual, n, 0).astype(np.int64),
        "assisted_digital": np.where(assisted, n, 0).astype(np.int64),
    }, index=done.index)
    if by:
        for key in by:
            parts[key] = done[key].to_numpy()
        out = parts.groupby(by, sort=True, observed=True)[["completed", "virtual_channel", "assisted_digital"]] \
            .sum().reset_index()
    else:
        out = parts[["completed", "virtual_channel", "assisted_digital"]].sum().to_frame().T
    out["digital"] = out["virtual_channel"] + (out["assisted_digital"] if st.assisted_counts else 0)
    completed = out["completed"].astype(float).where(out["completed"] > 0)
    out["virtual_share"] = out["digital"] / completed
    out["channel_share"] = out["virtual_channel"] / completed
    out["assisted_share"] = (out["assisted_digital"] if st.assisted_counts else 0 * out["assisted_digital"]) / completed
    out = out.astype({c: np.int64 for c in ["completed", "digital", "virtual_channel", "assisted_digital"]})
    out = out.astype({c: float for c in ["virtual_share", "channel_share", "assisted_share"]})
    return out[[*by, *TAKE_UP_COLUMNS]].reset_index(drop=True)


def first_month(tickets, default: str) -> str:
    """The month of the earliest ticket (``default`` when there is none); from rows or the engine."""
    if not kpis.is_rows(tickets):
        return tickets.first_month() or default
    if tickets.empty:
        return default
    return f"{pd.to_datetime(tickets['created_at']).min():%Y-%m}"


def monthly(tickets, st: KpiSettings, first: str | None, last: str) -> pd.DataFrame:
    """Digital take-up per month from ``first`` (default: the earliest ticket's month) to
    ``last``: every month present, NaN shares for a month without completed transactions.
    Columns ``month`` + ``TAKE_UP_COLUMNS``."""
    first = first or first_month(tickets, last)
    months = pd.DataFrame({"month": month_range(first, last)})
    out = months.merge(take_up(tickets, st, ["month"]), on="month", how="left")
    counts = ["completed", "digital", "virtual_channel", "assisted_digital"]
    out[counts] = out[counts].fillna(0).astype(np.int64)
    return out


def by_service(tickets, st: KpiSettings, month: str, target: float) -> pd.DataFrame:
    """Take-up per service in ``month`` against the whole month, the target and a year before.

    Columns: service_id, completed, virtual_share, gap_overall (service − all services),
    gap_target (service − target), last_year_share, change_year. The lagging services come
    first (lowest share; ties by id).
    """
    ly = shift_month(month, -12)
    cur = take_up(tickets, st, ["service_id"], months=[month])
    before = take_up(tickets, st, ["service_id"], months=[ly])
    overall = take_up(tickets, st, [], months=[month])["virtual_share"].iloc[0]
    out = cur[["service_id", "completed", "virtual_share"]].merge(
        before[["service_id", "virtual_share"]].rename(columns={"virtual_share": "last_year_share"}),
        on="service_id", how="left")
    out["gap_overall"] = out["virtual_share"] - overall
    out["gap_target"] = out["virtual_share"] - float(target)
    out["change_year"] = out["virtual_share"] - out["last_year_share"]
    out = out.sort_values(["virtual_share", "service_id"], kind="mergesort").reset_index(drop=True)
    return out[["service_id", "completed", "virtual_share", "gap_overall", "gap_target", "last_year_share",
                "change_year"]].astype({"last_year_share": float, "change_year": float})


def lagging(services: pd.DataFrame, threshold: float = 0.0) -> pd.DataFrame:
    """The services of ``by_service`` whose share is below all services' by more than ``threshold``."""
    return services[services["gap_overall"] < -threshold].reset_index(drop=True)


def centre_mix(tickets, st: KpiSettings, month: str) -> pd.DataFrame:
    """How each centre's completed transactions in ``month`` were done: one row per centre and
    route. Routes: the channel (``channel_id``), with ``assisted`` true for completions
    staff did digitally with the customer on a channel that is not virtual.

    Columns: centre_id, channel_id, assisted, completed, share_of_centre, digital_route
    (whether the route counts as digital take-up). Sorted by centre, channel, assisted.
    """
    done = kpis.completions(tickets, ["centre_id"], months=[month])
    virtual = done["channel_id"].isin(list(st.virtual_channels))
    assisted = done["assisted_digital"].astype(bool) & ~virtual
    frame = pd.DataFrame({"centre_id": done["centre_id"].to_numpy(), "channel_id": done["channel_id"].to_numpy(),
                          "assisted": assisted.to_numpy(), "virtual": virtual.to_numpy(),
                          "n": done["completed"].to_numpy(dtype=np.int64)})
    out = frame.groupby(["centre_id", "channel_id", "assisted"], sort=True).agg(
        completed=("n", "sum"), virtual=("virtual", "first")).reset_index()
    totals = out.groupby("centre_id")["completed"].transform("sum")
    out["share_of_centre"] = (out["completed"] / totals).astype(float)
    out["digital_route"] = out["virtual"] | (out["assisted"] & st.assisted_counts)
    out = out.astype({"completed": np.int64, "assisted": bool, "digital_route": bool})
    return out[["centre_id", "channel_id", "assisted", "completed", "share_of_centre", "digital_route"]]


def _virtual_by_month(tickets, st: KpiSettings, months=None) -> pd.DataFrame:
    """Completions on virtual channels per month and channel: month, channel_id, completed."""
    done = kpis.completions(tickets, ["month"], months=months)
    done = done[done["channel_id"].isin(list(st.virtual_channels)).to_numpy()]
    return done.groupby(["month", "channel_id"], sort=True)["completed"].sum().reset_index()


def channel_mix(tickets, st: KpiSettings, month: str) -> pd.DataFrame:
    """The mix inside "virtual": each virtual channel's share of virtual-channel completions in
    ``month`` and in the same month a year before. Columns: channel_id, completed, mix_share,
    last_year_completed, last_year_mix_share, change_year. Sorted by configured channel order."""
    ly = shift_month(month, -12)
    done = _virtual_by_month(tickets, st, months=[month, ly])
    cur, before = (done[done["month"].eq(m).to_numpy()].set_index("channel_id")["completed"] for m in (month, ly))
    order = list(st.virtual_channels)
    out = pd.DataFrame({"channel_id": order})
    out["completed"] = [int(cur.get(c, 0)) for c in order]
    out["last_year_completed"] = [int(before.get(c, 0)) for c in order]
    out["mix_share"] = out["completed"] / (out["completed"].sum() or np.nan)
    out["last_year_mix_share"] = out["last_year_completed"] / (out["last_year_completed"].sum() or np.nan)
    out["change_year"] = out["mix_share"] - out["last_year_mix_share"]
    return out[["channel_id", "completed", "mix_share", "last_year_completed", "last_year_mix_share", "change_year"]] \
        .astype({"mix_share": float, "last_year_mix_share": float, "change_year": float})


def channel_mix_monthly(tickets, st: KpiSettings, first: str | None, last: str) -> pd.DataFrame:
    """Virtual-channel completions per month and channel (long): month, channel_id, completed,
    mix_share (of that month's virtual-channel completions). Every month × virtual channel from
    ``first`` (default: the earliest ticket's month) to ``last``."""
    first = first or first_month(tickets, last)
    counts = _virtual_by_month(tickets, st).set_index(["month", "channel_id"])["completed"]
    grid = pd.MultiIndex.from_product([month_range(first, last), list(st.virtual_channels)],
                                      names=["month", "channel_id"])
    out = counts.reindex(grid, fill_value=0).rename("completed").reset_index()
    total = out.groupby("month")["completed"].transform("sum")
    out["mix_share"] = (out["completed"] / total.where(total > 0)).astype(float)
    return out.astype({"completed": np.int64})


# --- progress to target -------------------------------------------------------------------------

def recent_pace(series: pd.DataFrame, month: str, months: int = 6) -> float:
    """Least-squares slope of the monthly share over the ``months`` months ending ``month``, in
    share per month (NaN with fewer than 3 months)."""
    window = series[(series["month"] <= month) & (series["month"] > shift_month(month, -months))]
    window = window.dropna(subset=["virtual_share"])
    if len(window) < 3:
        return float("nan")
    x = np.array([pd.Period(m, freq="M").ordinal for m in window["month"]], dtype=float)
    return float(np.polyfit(x, window["virtual_share"].to_numpy(float), 1)[0])


def progress(series: pd.DataFrame, month: str, target: float, target_year: int,
             forecast: pd.DataFrame | None = None) -> pd.DataFrame:
    """Progress of digital take-up against ``target`` by December of ``target_year``: one row.

    Columns: month, virtual_share, target, target_month, gap (share − target), months_left,
    needed_pace (share per month to reach the target on time; NaN when none is left or the
    target is met), recent_pace (slope of the last 6 months), chance (probability the forecast
    gives of reaching the target in the target month, when the forecast reaches it),
    progress_status:
    ``met`` (share at or above target), ``on_track`` (recent pace ≥ needed pace), ``behind``, or
    ``missed`` (the target month has passed below target).
    """
    target_month = f"{int(target_year)}-12"
    row = series[series["month"] == month]
    share = float(row["virtual_share"].iloc[0]) if len(row) else float("nan")
    gap = share - float(target)
    months_left = (pd.Period(target_month, freq="M") - pd.Period(month, freq="M")).n
    pace = recent_pace(series, month)
    needed = float("nan") if (months_left <= 0 or gap >= 0 or math.isnan(gap)) else -gap / months_left
    chance = float("nan")
    if forecast is not None and len(forecast) and (forecast["month"] == target_month).any():
        f = forecast[forecast["month"] == target_month].iloc[0]
        if f["se_logit"] > 0:
            chance = float(norm.sf((_logit(float(target)) - f["mean_logit"]) / f["se_logit"]))
    if math.isnan(share):
        status = "no_data"
    elif months_left < 0 or (months_left == 0 and gap < 0):
        status = "met" if gap >= 0 else "missed"
    elif gap >= 0:
        status = "met"
    elif not math.isnan(pace) and pace >= needed:
        status = "on_track"
    else:
        status = "behind"
    return pd.DataFrame([{
        "month": month, "virtual_share": share, "target": float(target), "target_month": target_month,
        "gap": gap, "months_left": int(months_left), "needed_pace": needed, "recent_pace": pace,
        "chance": chance, "progress_status": status,
    }])


# --- forecast and backtest ----------------------------------------------------------------------

def _logit(p):
    p = np.clip(np.asarray(p, dtype=float), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _expit(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _fit_forecast(values: np.ndarray, horizon: int):
    """Mean and standard error of the logit share ``horizon`` months ahead (arrays)."""
    # heavy (statsmodels' state-space code, about a second): imported only when a forecast is fitted
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    with warnings.catch_warnings():
        # small samples: convergence chatter from the optimiser is expected and harmless here
        warnings.simplefilter("ignore")
        y = _logit(values)
        steps = np.diff(y[~np.isnan(y)])
        # the variance of the monthly steps is close to the MLE: a start there makes the fit fast
        start = [float(np.var(steps, ddof=1))] if len(steps) > 2 and np.var(steps) > 0 else None
        res = UnobservedComponents(y, level=MODEL).fit(start_params=start, method="bfgs", disp=False)
        fc = res.get_forecast(horizon)
    mean = np.asarray(fc.predicted_mean, dtype=float)
    se = np.sqrt(np.asarray(fc.var_pred_mean, dtype=float))
    return mean, se


def forecast_share(series: pd.DataFrame, last: str, horizon: int, level: float = FORECAST_LEVEL,
                   min_months: int = MIN_MONTHS) -> pd.DataFrame:
    """Forecast of the monthly share for the ``horizon`` months after ``last``, fitted on the
    months up to ``last`` only (module docstring: local level with drift on the logit).

    ``series`` has month and virtual_share (missing months allowed, NaN). Returns month,
    forecast, low, high (the ``level`` prediction interval, share scale), mean_logit, se_logit;
    empty when fewer than ``min_months`` observed months precede or equal ``last`` or horizon < 1.
    """
    columns = ["month", "forecast", "low", "high", "mean_logit", "se_logit"]
    hist = series[series["month"] <= last].sort_values("month")
    if horizon < 1 or hist["virtual_share"].notna().sum() < min_months:
        return pd.DataFrame(columns=columns).astype({c: float for c in columns[1:]})
    full = pd.DataFrame({"month": month_range(hist["month"].iloc[0], last)}).merge(hist, on="month", how="left")
    mean, se = _fit_forecast(full["virtual_share"].to_numpy(float), horizon)
    z = norm.ppf(0.5 + level / 2)
    return pd.DataFrame({
        "month": [shift_month(last, h) for h in range(1, horizon + 1)],
        "forecast": _expit(mean), "low": _expit(mean - z * se), "high": _expit(mean + z * se),
        "mean_logit": mean, "se_logit": se,
    })


def backtest(series: pd.DataFrame, last: str, horizon: int, level: float = FORECAST_LEVEL,
             min_months: int = MIN_MONTHS) -> pd.DataFrame:
    """Rolling-origin backtest of ``forecast_share`` on the months up to ``last``.

    Every month o before ``last`` with at least ``min_months`` observed months up to it is a
    forecast origin: the model is fitted on the months up to o ONLY and forecasts the ``horizon``
    months after it; each forecast is scored against the observed share when that month is
    ≤ ``last``. Returns origin, month, h, actual, forecast, low, high, error (forecast − actual),
    inside (actual within the interval). Sorted by origin, h.
    """
    columns = ["origin", "month", "h", "actual", "forecast", "low", "high", "error", "inside"]
    hist = series[series["month"] <= last].sort_values("month").dropna(subset=["virtual_share"])
    observed = dict(zip(hist["month"], hist["virtual_share"].astype(float), strict=True))
    rows = []
    for i, origin in enumerate(hist["month"]):
        if i + 1 < min_months or origin >= last:
            continue
        h_max = min(horizon, (pd.Period(last, freq="M") - pd.Period(origin, freq="M")).n)
        # fitted on the months up to the origin only: nothing the forecaster could not have known
        fc = forecast_share(hist.iloc[:i + 1], origin, h_max, level, min_months)
        for h, r in enumerate(fc.itertuples(index=False), start=1):
            if r.month not in observed:
                continue
            actual = observed[r.month]
            rows.append({"origin": origin, "month": r.month, "h": h, "actual": actual, "forecast": r.forecast,
                         "low": r.low, "high": r.high, "error": r.forecast - actual,
                         "inside": bool(r.low <= actual <= r.high)})
    out = pd.DataFrame(rows, columns=columns)
    return out.astype({"h": np.int64, "actual": float, "forecast": float, "low": float, "high": float,
                       "error": float, "inside": bool})


def backtest_summary(bt: pd.DataFrame) -> pd.DataFrame:
    """Per horizon h: origins scored, mae (mean absolute error, share), coverage (share of
    actuals inside the interval). Sorted by h."""
    if bt.empty:
        return pd.DataFrame({"h": pd.Series(dtype=np.int64), "origins": pd.Series(dtype=np.int64),
                             "mae": pd.Series(dtype=float), "coverage": pd.Series(dtype=float)})
    g = bt.assign(abs_error=bt["error"].abs()).groupby("h", sort=True)
    out = pd.DataFrame({"origins": g.size(), "mae": g["abs_error"].mean(), "coverage": g["inside"].mean()})
    return out.reset_index().astype({"h": np.int64, "origins": np.int64, "mae": float, "coverage": float})


@dataclass(frozen=True)
class ForecastResult:
    """A forecast with its backtest: ``forecast`` (``forecast_share``), ``backtest``
    (``backtest``), ``summary`` (``backtest_summary``), ``horizon`` and ``status`` (``ok`` or
    ``too_short``)."""

    forecast: pd.DataFrame
    backtest: pd.DataFrame
    summary: pd.DataFrame
    horizon: int
    status: str

    @property
    def headline_error(self) -> tuple[int, float, int]:
        """(h, mean absolute error, origins) at the forecast's own horizon, or at the longest
        horizon the history could score; (0, NaN, 0) without a backtest."""
        s = self.summary[self.summary["h"] <= self.horizon]
        if s.empty:
            return 0, float("nan"), 0
        r = s.iloc[-1]
        return int(r["h"]), float(r["mae"]), int(r["origins"])


def forecast_with_backtest(series: pd.DataFrame, month: str, level: float = FORECAST_LEVEL,
                           min_months: int = MIN_MONTHS) -> ForecastResult:
    """The forecast from ``month`` to the end of the year (``year_end_horizon``) and the
    rolling-origin backtest of the same method at horizons up to it."""
    horizon = year_end_horizon(month)
    fc = forecast_share(series, month, horizon, level, min_months)
    bt = backtest(series, month, horizon, level, min_months)
    return ForecastResult(fc, bt, backtest_summary(bt), horizon, "ok" if len(fc) else "too_short")


def forecast_table(result: ForecastResult) -> pd.DataFrame:
    """The forecast months for readers and analysts: month, forecast, forecast_low, forecast_high."""
    return result.forecast[["month", "forecast", "low", "high"]].rename(
        columns={"low": "forecast_low", "high": "forecast_high"}).reset_index(drop=True)


def backtest_table(result: ForecastResult) -> pd.DataFrame:
    """The backtest per horizon for readers and analysts: horizon (months ahead), origins,
    mae_pp (mean absolute error in percentage points), coverage (share inside the interval)."""
    s = result.summary
    return pd.DataFrame({"horizon": s["h"].astype(np.int64), "origins": s["origins"].astype(np.int64),
                         "mae_pp": (100 * s["mae"]).astype(float), "coverage": s["coverage"].astype(float)})


# --- safeguard ----------------------------------------------------------------------------------

def safeguard_windows(month: str, series, months: int = 3) -> tuple[list[str], list[str]]:
    """The months compared by the safeguard: the ``months`` months ending ``month`` ("now") and
    the same months a year earlier ("then"); when the data has none of those, the first
    ``months`` months it has (so a first year still gets a comparison). ``then`` may be empty.
    ``series`` is a ``monthly`` frame (months with completed transactions count) or a list."""
    if isinstance(series, pd.DataFrame):
        available = list(series.loc[series["completed"] > 0, "month"])
    else:
        available = list(series)
    now = month_range(shift_month(month, -(months - 1)), month)
    then = [shift_month(m, -12) for m in now]
    have = sorted(m for m in available if m < now[0])
    if not any(m in have for m in then):
        then = have[:months]
    return now, [m for m in then if m in have]


SAFEGUARD_CSAT_COLUMNS = ["csat_then", "csat_now", "csat_p", "responses_then", "responses_now"]


def safeguard(tickets, surveys: pd.DataFrame, st: KpiSettings, kpi: dict,
              now: list[str], then: list[str], min_n: int = 30, csat: bool = True) -> pd.DataFrame:
    """Service on each channel now against then, as its volume changed.

    One row per configured channel with traffic: completed_then, completed_now, volume_change
    (relative), service_level, wait_p90 and CSAT then and now, the two-proportion test p-values
    of the service-level and CSAT changes (``significance.two_proportion_test``), corrected
    together (config ``kpi.significance``), and ``verdict``: ``worse`` (a significant fall in
    service level or CSAT), ``better`` (a significant rise, and no figure shown moved the other way:
    service level and CSAT not lower, P90 wait not longer), ``mixed`` (a significant rise, but
    another figure moved the other way, not significantly), ``held``, or ``too_few`` (fewer than
    ``min_n`` served tickets or responses on a side). Sorted by channel id.
    ``csat=False`` (an entity that provides no surveys) leaves out ``SAFEGUARD_CSAT_COLUMNS``: the
    verdict then rests on the service level alone.
    """
    sv = surveys.assign(month=kpis.period_labels(surveys["submitted_at"]))
    top_box = tuple(int(v) for v in kpi["csat"]["top_box"])
    conf = float(kpi["csat"].get("confidence", 0.95))
    k_now = kpis.table(tickets, ["channel_id"], st, months=now).set_index("channel_id")
    k_then = kpis.table(tickets, ["channel_id"], st, months=then).set_index("channel_id")
    rows = []
    for ch in sorted(set(k_now.index) | set(k_then.index)):
        a = k_then.loc[ch] if ch in k_then.index else None
        b = k_now.loc[ch] if ch in k_now.index else None
        s_then = satisfaction.csat(sv[sv["month"].isin(then) & sv["channel_id"].eq(ch)], top_box, conf)
        s_now = satisfaction.csat(sv[sv["month"].isin(now) & sv["channel_id"].eq(ch)], top_box, conf)
        row = {"channel_id": ch,
               "completed_then": int(a["completed"]) if a is not None else 0,
               "completed_now": int(b["completed"]) if b is not None else 0,
               "service_level_then": float(a["service_level"]) if a is not None else np.nan,
               "service_level_now": float(b["service_level"]) if b is not None else np.nan,
               "wait_p90_then": float(a["wait_p90"]) if a is not None else np.nan,
               "wait_p90_now": float(b["wait_p90"]) if b is not None else np.nan,
               "csat_then": s_then["csat"], "csat_now": s_now["csat"],
               "responses_then": s_then["responses"], "responses_now": s_now["responses"]}
        row["volume_change"] = (row["completed_now"] / row["completed_then"] - 1) if row["completed_then"] else np.nan
        sl_n = (int(a["sl_base"]) if a is not None else 0, int(b["sl_base"]) if b is not None else 0)
        if min(sl_n) >= min_n:
            row["service_level_p"], _ = significance.two_proportion_test(
                int(b["sl_met"]), sl_n[1], int(a["sl_met"]), sl_n[0])
        else:
            row["service_level_p"] = np.nan
        if min(s_then["responses"], s_now["responses"]) >= min_n:
            row["csat_p"], _ = significance.two_proportion_test(
                s_now["satisfied"], s_now["responses"], s_then["satisfied"], s_then["responses"])
        else:
            row["csat_p"] = np.nan
        rows.append(row)
    columns = ["channel_id", "completed_then", "completed_now", "volume_change", "service_level_then",
               "service_level_now", "service_level_p", "wait_p90_then", "wait_p90_now", "csat_then", "csat_now",
               "csat_p", "responses_then", "responses_now", "verdict"]
    if not csat:
        columns = [c for c in columns if c not in SAFEGUARD_CSAT_COLUMNS]
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=columns)
    sig = kpi.get("significance", {})
    p = np.concatenate([out["service_level_p"].to_numpy(float), out["csat_p"].to_numpy(float)])
    _, reject = significance.adjust(p, float(sig.get("alpha", 0.05)), str(sig.get("correction", "fdr_bh")))
    n = len(out)
    sl_sig, cs_sig = reject[:n], reject[n:]
    sl_fall = sl_sig & (out["service_level_now"] < out["service_level_then"]).to_numpy()
    cs_fall = cs_sig & (out["csat_now"] < out["csat_then"]).to_numpy()
    rise = (sl_sig | cs_sig) & ~sl_fall & ~cs_fall
    # "better" must agree with every figure its sentence shows: another moved the wrong way -> "mixed"
    other_way = (out["service_level_now"] < out["service_level_then"]) | (out["wait_p90_now"] > out["wait_p90_then"])
    if csat:
        other_way = other_way | (out["csat_now"] < out["csat_then"])
    other_way = other_way.to_numpy()
    untested = out["service_level_p"].isna().to_numpy() & out["csat_p"].isna().to_numpy()
    out["verdict"] = np.select([sl_fall | cs_fall, rise & ~other_way, rise, untested],
                               ["worse", "better", "mixed", "too_few"], "held")
    return out[columns].astype({c: float for c in ("volume_change", "service_level_p", "csat_p") if c in columns})


def history_start(month: str) -> str:
    """The first month the chapter reads: January of the year before ``month`` (13–24 months),
    enough for the trend, the same month last year and the forecast's history."""
    return f"{int(month[:4]) - 1}-01"


def safeguard_trend(channel_trend: pd.DataFrame, surveys: pd.DataFrame, kpi: dict, csat: bool = True) -> pd.DataFrame:
    """The months and channels of ``channel_trend`` (``kpis.monthly_trend(..., by=["channel_id"])``)
    with completed, service_level, wait_p90, and csat (share of that month's responses on the
    channel in the top box) and responses; without those two when ``csat=False`` (an entity that
    provides no surveys). Sorted by month, channel."""
    k = channel_trend[["month", "channel_id", "completed", "service_level", "wait_p90"]]
    if not csat:
        return k.sort_values(["month", "channel_id"], kind="mergesort").reset_index(drop=True)
    months = sorted(k["month"].unique())
    top_box = [int(v) for v in kpi["csat"]["top_box"]]
    sv = surveys.dropna(subset=["csat"])
    sv = pd.DataFrame({"month": kpis.period_labels(sv["submitted_at"]).to_numpy(),
                       "channel_id": sv["channel_id"].astype(str).to_numpy(),
                       "top": sv["csat"].isin(top_box).to_numpy().astype(np.int64)})
    sv = sv[sv["month"].isin(months)]
    cs = sv.groupby(["month", "channel_id"], sort=True)["top"].agg(["size", "sum"]).reset_index()
    cs["csat"] = (cs["sum"] / cs["size"]).astype(float)
    cs = cs.rename(columns={"size": "responses"})[["month", "channel_id", "csat", "responses"]]
    out = k.merge(cs, on=["month", "channel_id"], how="left")
    out["responses"] = out["responses"].fillna(0).astype(np.int64)
    return out.sort_values(["month", "channel_id"], kind="mergesort").reset_index(drop=True)
