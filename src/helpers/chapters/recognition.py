"""Staff recognition: fair per-employee measures, who to thank and why, team morale, training needs.

Pure: frames in, frames out, numbers only (the words, tables for readers, the individual
summaries and the figure are in ``recognition_view``; the generic empirical Bayes in
``measures.shrinkage``). Nothing here reads or writes files (``restricted`` writes the
individual summaries). A naive leaderboard rewards three perfect answers, punishes whoever takes
the hardest services and credits a rating to whoever held the ticket last; each measure below
answers one of those.

Definitions (printed on the Methods page as ``methods.recognition.*``):

- **Credit.** A survey is credited to the employee the *ticket* names (the person who served
  it, as the data records); the survey's own ``employee_id`` is used only when its ticket is not
  in the frame. The data holds one employee per ticket and no hand-over chain, so a survey about
  a *transferred* ticket is credited to nobody (it counts in team figures only): the rating
  cannot be pinned on the person who handed it on, and no last-holder rule is invented. Kiosk
  responses (no ticket, no employee) are team-only too.
- **Transactions handled** = tickets naming the employee that were served (every outcome but
  abandoned and no-show: those were routed or booked to someone who never saw the customer);
  handle time is measured on their completed tickets (ended − started).
- **Handle time against case mix** = Σ observed handle time ÷ Σ expected, where a ticket's
  expected time is the mean handle time of its centre × month × channel × service stratum
  (shrunk toward the centre × month × channel mean with ``PRIOR_WEIGHT`` pseudo-tickets, so a
  thin stratum is not its own yardstick). Below 1 = quicker than the mix predicts.
- **CSAT** = share of credited responses scoring in ``kpi.csat.top_box``, raw and its n.
- **Shrunk CSAT** = beta-binomial empirical Bayes posterior mean ``(s + μ_c·M)/(n + M)``: μ_c is
  the employee's centre's CSAT; the prior's strength M maximises the beta-binomial marginal
  likelihood of all employees' (s, n) (a centre has about ten staff, too few to estimate a spread
  on its own; the mean is the centre's own).
- **Adjusted satisfaction** (case mix): each credited response is compared with the top-box
  rate of its centre × month × channel × service stratum (shrunk toward the centre × month ×
  channel rate with ``PRIOR_WEIGHT`` pseudo-responses). The employee's excess
  ``d = (O − E)/n`` has sampling variance ``Σ e(1 − e)/n²``; it is shrunk toward 0 (the centre's
  level) by normal–normal empirical Bayes, the between-staff variance τ² by the method of
  moments with known mean (``max(0, (Σ w d² − J)/Σ w)``, ``w = 1/v``). Adjusted satisfaction =
  the centre's CSAT + shrunk excess. Harder services are therefore no handicap (beyond the small
  pull of a thin stratum toward its channel).
- **Minimum n.** No rank below ``kpi.recognition.min_responses_for_rank`` credited responses.
- **Performance index** = 0.5·(shrunk satisfaction excess ÷ τ) + 0.25·(−shrunk log handle ratio
  ÷ τ) + 0.25·(shrunk log compliment ratio ÷ τ): each component in units of the true between-staff
  spread that empirical Bayes estimates (a component with no spread counts 0). Compliment ratio
  = compliments naming the employee ÷ the centre's named compliments × the employee's share of
  the centre's completed tickets, on the log scale with ½ added to both, variance 1/(E + ½).
- **Compliments** = feedback of kind compliment naming the employee; **substantiated
  complaints** = complaints naming them and found valid (as of the period's end). Restricted.
- **Consistency** = per working week (Sunday to Thursday) with at least ``MIN_WEEK_RESPONSES``
  credited responses, the week's adjusted satisfaction (centre's CSAT + the week's raw excess);
  reported as the spread (standard deviation, pp) and the weeks at or above the centre.

Recognition (public): top performers (index > 0 *and* adjusted satisfaction at or above the
centre: speed never outranks customers), biggest improvement (adjusted satisfaction against the
previous month, both months at or above the minimum n, the rise clear after the config's
correction for many comparisons, ``kpi.significance``), most thanked (at least ``min_compliments``), new joiners doing well (joined
within ``new_joiner_months``, otherwise as top performers). **Ties:** employees whose ranking
figure is equal at the precision shown (index to 2 decimals, pp to 1 decimal, counts exactly)
share the place, and a shared last place is given to all who share it. The public rows carry
only figures that are at or above the centre; everything else stays in the restricted output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..base.periods import months_back as _months_back
from ..measures.shrinkage import beta_binomial_strength, normal_shrinkage
from ..measures.significance import adjust

# the normal tail, 1 − Φ, from the standard library's erfc applied element-wise
_erfc = np.frompyfunc(math.erfc, 1, 1)

PRIOR_WEIGHT = 10.0          # pseudo-observations pulling a thin stratum toward its parent
MIN_WEEK_RESPONSES = 5       # a week enters the consistency measure with at least this many
INDEX_WEIGHTS = {"satisfaction": 0.5, "speed": 0.25, "compliments": 0.25}
AWARDS = ("top", "improved", "thanked", "new_joiner")
SKILLS = ("satisfaction", "handle_time")
STAFFED_OUTCOMES_FOR_HANDLE = ("completed",)


@dataclass(frozen=True)
class Settings:
    """``kpi.recognition`` (config) with the CSAT top box."""
    min_responses: int = 30
    new_joiner_months: int = 6
    places: int = 3
    min_compliments: int = 2
    alpha: float = 0.05
    correction: str = "fdr_bh"
    training_gap: float = 0.05
    training_handle_ratio: float = 1.2
    training_months: int = 3
    min_staff_shown: int = 3
    morale_compliments_band: float = 0.10
    morale_csat_band: float = 0.01
    top_box: tuple = (4, 5)


def settings(kpi: dict) -> Settings:
    """Recognition settings from the config's ``kpi`` block (defaults for keys not set)."""
    rec = dict(kpi.get("recognition") or {})
    base = Settings()
    return Settings(
        min_responses=int(rec.get("min_responses_for_rank", base.min_responses)),
        new_joiner_months=int(rec.get("new_joiner_months", base.new_joiner_months)),
        places=int(rec.get("places_per_centre", base.places)),
        min_compliments=int(rec.get("min_compliments", base.min_compliments)),
        alpha=float(kpi.get("significance", {}).get("alpha", base.alpha)),
        correction=str(kpi.get("significance", {}).get("correction", base.correction)),
        training_gap=float(rec.get("training_gap", base.training_gap)),
        training_handle_ratio=float(rec.get("training_handle_ratio", base.training_handle_ratio)),
        training_months=int(rec.get("training_months", base.training_months)),
        min_staff_shown=int(rec.get("min_staff_shown", base.min_staff_shown)),
        morale_compliments_band=float(rec.get("morale_compliments_band", base.morale_compliments_band)),
        morale_csat_band=float(rec.get("morale_csat_band", base.morale_csat_band)),
        top_box=tuple(int(v) for v in kpi.get("csat", {}).get("top_box", base.top_box)),
    )


# --- credit and case mix ------------------------------------------------------------------------

def _stamp(ts: pd.Series, unit: str) -> pd.Series:
    """``YYYY-MM`` (unit ``M``) or ``YYYY-MM-DD`` (unit ``D``) text per timestamp, NaN for none.

    Formats each distinct month or day once (numpy casts), not every row with ``strftime``."""
    values = ts.to_numpy(dtype="datetime64[us]").astype(f"datetime64[{unit}]")
    codes, inverse = np.unique(values.astype(np.int64), return_inverse=True)
    labels = np.datetime_as_string(codes.astype(f"datetime64[{unit}]")).astype(object)
    text = labels[inverse.reshape(-1)] if len(values) else np.array([], dtype=object)
    text[np.isnat(values)] = np.nan
    return pd.Series(text, index=ts.index, dtype=object)


def _month(ts: pd.Series) -> pd.Series:
    return _stamp(ts, "M")


def _day(ts: pd.Series) -> pd.Series:
    return _stamp(ts, "D")


def _week_start(ts: pd.Series) -> pd.Series:
    """The Sunday that starts each timestamp's working week (Sunday to Thursday), ``YYYY-MM-DD``."""
    days = ts.to_numpy(dtype="datetime64[us]").astype("datetime64[D]")
    # 1970-01-01 was a Thursday: days since the last Sunday = (days + 4) mod 7
    back = (days.astype(np.int64) + 4) % 7
    return pd.Series(np.datetime_as_string(days - back.astype("timedelta64[D]")).astype(object),
                     index=ts.index, dtype=object)


def credited_surveys(surveys: pd.DataFrame, tickets: pd.DataFrame, top_box=(4, 5)) -> pd.DataFrame:
    """Responses credited to one employee each (see the module's *Credit* rule).

    Returns ``response_id, employee_id, centre_id, channel_id, service_id, month, week, day,
    satisfied`` (1 when the CSAT is in ``top_box``), one row per credited response, sorted by
    response_id. The month, week and day are those of ``submitted_at``.
    """
    cols = ["ticket_id", "employee_id", "outcome", "service_id", "channel_id", "centre_id"]
    t = tickets[cols].drop_duplicates("ticket_id").rename(columns={
        "employee_id": "_t_employee", "service_id": "_t_service", "channel_id": "_t_channel", "centre_id": "_t_centre"})
    sv = surveys[["response_id", "ticket_id", "centre_id", "channel_id", "service_id", "employee_id",
                  "submitted_at", "csat"]].merge(t, on="ticket_id", how="left")
    employee = sv["_t_employee"].astype(object).where(sv["_t_employee"].notna(), sv["employee_id"].astype(object))
    keep = employee.notna() & sv["csat"].notna() & ~sv["outcome"].eq("transferred").fillna(False).astype(bool)
    sv = sv.assign(employee_id=employee)[keep.to_numpy()]
    for own, fallback in (("centre_id", "_t_centre"), ("channel_id", "_t_channel"), ("service_id", "_t_service")):
        sv[own] = sv[own].astype(object).where(sv[own].notna(), sv[fallback].astype(object))
    out = pd.DataFrame({
        "response_id": sv["response_id"].astype(object),
        "employee_id": sv["employee_id"].astype(object),
        "centre_id": sv["centre_id"].astype(object),
        "channel_id": sv["channel_id"].astype(object),
        "service_id": sv["service_id"].astype(object).fillna("_none"),
        "month": _month(sv["submitted_at"]),
        "week": _week_start(sv["submitted_at"]),
        "day": _day(sv["submitted_at"]),
        "satisfied": sv["csat"].astype("Int64").isin(list(top_box)).astype(int),
    })
    return out.sort_values("response_id", kind="stable").reset_index(drop=True)


def _shrunk_stratum_mean(values: pd.Series, frame: pd.DataFrame, keys: list[str], parent: list[str]) -> pd.Series:
    """Per row: the mean of ``values`` in its ``keys`` stratum, shrunk toward its ``parent`` stratum
    mean with ``PRIOR_WEIGHT`` pseudo-observations: (Σ + k·parent mean) / (n + k)."""
    f = frame[keys].copy()
    f["_v"] = values.to_numpy(dtype=float)
    parent_mean = f.groupby(parent, sort=False)["_v"].transform("mean")
    total = f.groupby(keys, sort=False)["_v"].transform("sum")
    count = f.groupby(keys, sort=False)["_v"].transform("count")
    return (total + PRIOR_WEIGHT * parent_mean) / (count + PRIOR_WEIGHT)


def expected_satisfaction(credited: pd.DataFrame) -> pd.Series:
    """Each credited response's expected top-box probability: its centre × month × channel ×
    service rate, shrunk toward the centre × month × channel rate (``PRIOR_WEIGHT``)."""
    return _shrunk_stratum_mean(credited["satisfied"], credited,
                                ["centre_id", "month", "channel_id", "service_id"], ["centre_id", "month", "channel_id"])


def handled_tickets(tickets: pd.DataFrame) -> pd.DataFrame:
    """Completed staffed tickets with a measured handle time and its case-mix expectation.

    Returns ``ticket_id, employee_id, centre_id, channel_id, service_id, month, day, handle_s,
    expected_s``; ``expected_s`` is the centre × month × channel × service mean handle time
    shrunk toward the centre × month × channel mean (``PRIOR_WEIGHT``).
    """
    done = tickets[tickets["outcome"].isin(STAFFED_OUTCOMES_FOR_HANDLE).to_numpy()
                   & tickets["employee_id"].notna().to_numpy()
                   & tickets["started_at"].notna().to_numpy() & tickets["ended_at"].notna().to_numpy()]
    out = pd.DataFrame({
        "ticket_id": done["ticket_id"].astype(object),
        "employee_id": done["employee_id"].astype(object),
        "centre_id": done["centre_id"].astype(object),
        "channel_id": done["channel_id"].astype(object),
        "service_id": done["service_id"].astype(object),
        "month": _month(done["created_at"]),
        "day": _day(done["created_at"]),
        "handle_s": (done["ended_at"] - done["started_at"]).dt.total_seconds().astype(float),
    })
    out["expected_s"] = _shrunk_stratum_mean(out["handle_s"], out, ["centre_id", "month", "channel_id", "service_id"],
                                             ["centre_id", "month", "channel_id"])
    return out.sort_values("ticket_id", kind="stable").reset_index(drop=True)


# --- per-employee measures ----------------------------------------------------------------------

MEASURE_COLUMNS = [
    "employee_id", "name_en", "name_ar", "centre_id", "role", "joined_on", "tenure_months", "active",
    "transactions", "completed", "handle_ratio", "handle_ratio_shrunk",
    "responses", "satisfied", "csat_raw", "csat_shrunk", "centre_csat", "expected_csat",
    "excess", "excess_se", "excess_shrunk", "adjusted_csat",
    "compliments", "thank_yous", "complaints_substantiated", "compliment_ratio_shrunk",
    "weeks", "weekly_sd", "weeks_at_or_above", "index", "eligible",
]


NOT_SERVED = ("abandoned", "no_show")


def _served(tickets: pd.DataFrame) -> pd.DataFrame:
    """Tickets an employee actually served: named, and neither abandoned nor a no-show."""
    return tickets[tickets["employee_id"].notna().to_numpy() & ~tickets["outcome"].isin(NOT_SERVED).to_numpy()]


def _tenure_months(joined: pd.Series, last_day) -> pd.Series:
    """Whole calendar months from the month joined to ``last_day``'s month (0 = joined this month)."""
    last = pd.Timestamp(last_day)
    return ((last.year - joined.dt.year) * 12 + (last.month - joined.dt.month)).astype("Int64")


def _roster(staff: pd.DataFrame, month: str | None) -> pd.DataFrame:
    """The roster rows of ``month`` (the latest row per employee when ``month`` is None)."""
    s = staff
    if month is not None and "month" in staff.columns:
        s = staff[staff["month"].astype(object).eq(month).to_numpy()]
    if "month" in s.columns:
        s = s.sort_values(["employee_id", "month"], kind="stable")
    s = s.drop_duplicates("employee_id", keep="last")
    return s.assign(employee_id=s["employee_id"].astype(object)).set_index("employee_id")


def employee_measures(tickets: pd.DataFrame, surveys: pd.DataFrame, feedback: pd.DataFrame,
                      staff: pd.DataFrame, last_day, st: Settings, month: str | None = None,
                      rated: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per employee who handled a ticket or is credited a response in the frames given.

    ``tickets``, ``surveys`` and ``feedback`` are the window's (a month, or a longer window for
    validation: strata always include the month, so months never mix). ``rated`` holds the
    tickets the surveys rate (a survey may rate a ticket of the month before; default
    ``tickets``). ``staff`` gives names, centre, role and start date (the roster of ``month``
    when given). Columns ``MEASURE_COLUMNS``; see the module docstring for each definition.
    Sorted by centre, then employee_id. Restricted: never show it whole.
    """
    credited = credited_surveys(surveys, tickets if rated is None else rated, st.top_box)
    credited["expected"] = expected_satisfaction(credited).to_numpy() if len(credited) else np.array([])
    handled = handled_tickets(tickets)
    roster = _roster(staff, month)

    staffed = _served(tickets)
    employees = sorted(set(staffed["employee_id"].astype(object)) | set(credited["employee_id"]))
    out = pd.DataFrame(index=pd.Index(employees, name="employee_id", dtype=object))
    first_centre = staffed.assign(employee_id=staffed["employee_id"].astype(object)).groupby("employee_id")["centre_id"].first()
    centre = pd.Series(roster["centre_id"].astype(object), dtype=object).reindex(out.index)
    out["centre_id"] = centre.fillna(first_centre.astype(object).reindex(out.index))
    for col in ("name_en", "name_ar", "role"):
        out[col] = (roster[col].astype(object).reindex(out.index) if col in roster.columns
                    else pd.Series(np.nan, index=out.index, dtype=object))
    joined = pd.to_datetime(roster["joined_on"]).reindex(out.index) if "joined_on" in roster.columns \
        else pd.Series(pd.NaT, index=out.index)
    out["joined_on"] = joined.dt.strftime("%Y-%m-%d").astype(object)
    out["tenure_months"] = _tenure_months(joined, last_day)
    out["active"] = (roster["active"].reindex(out.index).astype("boolean") if "active" in roster.columns
                     else pd.Series(pd.NA, index=out.index, dtype="boolean"))

    # volume and speed
    out["transactions"] = staffed.groupby(staffed["employee_id"].astype(object)).size().reindex(out.index, fill_value=0)
    h = handled.groupby("employee_id").agg(completed=("handle_s", "size"), obs=("handle_s", "sum"),
                                           exp=("expected_s", "sum"))
    out["completed"] = h["completed"].reindex(out.index, fill_value=0).astype(int)
    ratio = (h["obs"] / h["exp"]).reindex(out.index)
    r_each = handled["employee_id"].map(ratio)
    resid2 = ((handled["handle_s"] - r_each * handled["expected_s"]) ** 2).groupby(handled["employee_id"]).sum()
    var_ratio = (resid2 / h["exp"] ** 2).reindex(out.index)
    log_ratio = np.log(ratio)
    var_log = var_ratio / ratio ** 2
    out["handle_ratio"] = ratio
    post_h, _, tau2_h = normal_shrinkage(log_ratio.to_numpy(), var_log.where(h["completed"].reindex(out.index) >= 2).to_numpy())
    out["handle_ratio_shrunk"] = np.exp(post_h)

    # satisfaction: raw, beta-binomial shrunk, case-mix adjusted
    centre_rate = credited.groupby("centre_id")["satisfied"].mean()
    c = credited.assign(_v=credited["expected"] * (1 - credited["expected"]))
    s = c.groupby("employee_id").agg(responses=("satisfied", "size"), satisfied=("satisfied", "sum"),
                                     expected=("expected", "sum"), var=("_v", "sum"))
    out["responses"] = s["responses"].reindex(out.index, fill_value=0).astype(int)
    out["satisfied"] = s["satisfied"].reindex(out.index, fill_value=0).astype(int)
    n = out["responses"].where(out["responses"] > 0)
    out["csat_raw"] = out["satisfied"] / n
    out["centre_csat"] = out["centre_id"].map(centre_rate).astype(float)
    strength = beta_binomial_strength(out["satisfied"], out["responses"], out["centre_csat"].fillna(0.5))
    out["csat_shrunk"] = ((out["satisfied"] + out["centre_csat"] * strength) / (out["responses"] + strength)).where(
        out["centre_csat"].notna())
    out["expected_csat"] = s["expected"].reindex(out.index) / n
    out["excess"] = out["csat_raw"] - out["expected_csat"]
    out["excess_se"] = np.sqrt(s["var"].reindex(out.index)) / n
    post_s, _, tau2_s = normal_shrinkage(out["excess"].to_numpy(), (out["excess_se"] ** 2).to_numpy())
    out["excess_shrunk"] = np.where(out["responses"] > 0, np.nan_to_num(post_s), np.nan)
    out["adjusted_csat"] = out["centre_csat"] + out["excess_shrunk"]

    # feedback naming them
    fb = feedback[feedback["employee_id"].notna().to_numpy()]
    fb_emp = fb["employee_id"].astype(object)
    is_comp = fb["kind"].eq("compliment").to_numpy()
    out["compliments"] = fb_emp[is_comp].value_counts().reindex(out.index, fill_value=0).astype(int)
    ty = is_comp & fb["source"].eq("satisfaction_system").to_numpy()
    out["thank_yous"] = fb_emp[ty].value_counts().reindex(out.index, fill_value=0).astype(int)
    sub = fb["kind"].eq("complaint").to_numpy() & fb["substantiated"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    out["complaints_substantiated"] = fb_emp[sub].value_counts().reindex(out.index, fill_value=0).astype(int)
    centre_done = out.groupby("centre_id")["completed"].transform("sum")
    centre_comp = out.groupby("centre_id")["compliments"].transform("sum")
    with np.errstate(invalid="ignore", divide="ignore"):
        expected_comp = centre_comp * out["completed"] / centre_done.where(centre_done > 0)
    comp_log = np.log((out["compliments"] + 0.5) / (expected_comp + 0.5))
    comp_var = 1.0 / (expected_comp + 0.5)
    post_c, _, tau2_c = normal_shrinkage(comp_log.where(out["completed"] > 0).to_numpy(), comp_var.to_numpy())
    out["compliment_ratio_shrunk"] = np.exp(post_c)

    # consistency over the weeks
    wk = c.groupby(["employee_id", "week"]).agg(n=("satisfied", "size"), o=("satisfied", "sum"), e=("expected", "sum"))
    wk = wk[wk["n"] >= MIN_WEEK_RESPONSES].reset_index()
    wk["excess"] = (wk["o"] - wk["e"]) / wk["n"]
    wg = wk.groupby("employee_id")["excess"]
    out["weeks"] = wg.size().reindex(out.index, fill_value=0).astype(int)
    out["weekly_sd"] = wg.std(ddof=1).reindex(out.index)
    out["weeks_at_or_above"] = (wk["excess"] >= 0).groupby(wk["employee_id"]).sum().reindex(out.index, fill_value=0).astype(int)

    # the performance index, in units of each component's true spread
    def z(post, tau2):
        if not (tau2 > 0):
            return np.zeros(len(out))
        return np.nan_to_num(np.asarray(post, dtype=float) / math.sqrt(tau2))

    out["index"] = (INDEX_WEIGHTS["satisfaction"] * z(out["excess_shrunk"], tau2_s)
                    + INDEX_WEIGHTS["speed"] * z(-post_h, tau2_h)
                    + INDEX_WEIGHTS["compliments"] * z(post_c, tau2_c))
    out["eligible"] = out["responses"] >= st.min_responses
    out = out.reset_index()
    out = out.sort_values(["centre_id", "employee_id"], kind="stable").reset_index(drop=True)
    return out[MEASURE_COLUMNS]


# --- who to thank ---------------------------------------------------------------------------------

THANKS_COLUMNS = ["centre_id", "award", "place", "employee_id", "name_en", "name_ar", "responses",
                  "adjusted_csat", "centre_csat", "handle_gain", "compliments", "improvement", "joined_on"]


def _places(values: pd.Series, decimals: int) -> pd.Series:
    """Competition ranks (1, 1, 3 …) of ``values`` descending, equal at ``decimals`` = tied."""
    return values.round(decimals).rank(method="min", ascending=False).astype(int)


def _take_places(frame: pd.DataFrame, score: str, decimals: int, places: int) -> pd.DataFrame:
    """The rows placed within ``places`` on ``score`` (ties at the shown precision all kept),
    sorted by place then employee_id."""
    if frame.empty:
        return frame.assign(place=pd.Series(dtype=int))
    ranked = frame.assign(place=_places(frame[score], decimals))
    ranked = ranked[ranked["place"] <= places]
    return ranked.sort_values(["place", "employee_id"], kind="stable")


def _positive_figures(rows: pd.DataFrame) -> pd.DataFrame:
    """Figures a public row may show: each is kept only when it is at or above the centre."""
    at_or_above = rows["adjusted_csat"] >= rows["centre_csat"]
    gain = 1.0 - rows["handle_ratio_shrunk"]
    return rows.assign(
        adjusted_csat=rows["adjusted_csat"].where(at_or_above),
        responses=rows["responses"].where(at_or_above).astype("Int64"),
        handle_gain=gain.where(gain > 0),
        compliments=rows["compliments"].where(rows["compliments"] > 0).astype("Int64"),
    )


def improvements(current: pd.DataFrame, previous: pd.DataFrame | None, st: Settings) -> pd.DataFrame:
    """Who improved beyond chance: staff eligible in both months, adjusted satisfaction up.

    Per employee: ``improvement`` = shrunk excess now − shrunk excess the month before (pp of
    adjusted satisfaction), ``z`` = (raw excess now − before) ÷ √(se² now + se² before), the
    one-sided p-value 1 − Φ(z), corrected across everyone tested (one family, the config's
    ``kpi.significance`` correction and α) into ``clear``. Columns: employee_id, improvement, z,
    p_value, p_adjusted, clear; sorted by employee_id.
    """
    cols = ["employee_id", "improvement", "z", "p_value", "p_adjusted", "clear"]
    if previous is None or previous.empty or current.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols}).astype({"employee_id": object, "clear": bool})
    prev = previous.set_index("employee_id")
    both = current[current["eligible"].to_numpy()
                   & current["employee_id"].map(prev["eligible"]).eq(True).to_numpy()]
    both = both.sort_values("employee_id", kind="stable")
    if both.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols}).astype({"employee_id": object, "clear": bool})
    e = both["employee_id"]
    improvement = both["excess_shrunk"] - e.map(prev["excess_shrunk"])
    zscore = (both["excess"] - e.map(prev["excess"])) / np.sqrt(both["excess_se"] ** 2 + e.map(prev["excess_se"]) ** 2)
    p = 0.5 * _erfc(zscore.to_numpy(dtype=float) / math.sqrt(2.0)).astype(float)      # 1 − Φ(z)
    p_adj, clear = adjust(p, st.alpha, st.correction)
    out = pd.DataFrame({"employee_id": e.to_numpy(), "improvement": improvement.to_numpy(dtype=float),
                        "z": zscore.to_numpy(dtype=float), "p_value": p, "p_adjusted": p_adj,
                        "clear": np.asarray(clear, dtype=bool) & (improvement.to_numpy(dtype=float) > 0)})
    return out.reset_index(drop=True)


def who_to_thank(current: pd.DataFrame, previous: pd.DataFrame | None, st: Settings) -> pd.DataFrame:
    """The month's recognition per centre: columns ``THANKS_COLUMNS``.

    Awards (``AWARDS``): ``top`` (eligible, index > 0 and adjusted satisfaction at or above the
    centre; by index), ``improved`` (a clear rise in adjusted satisfaction, see
    ``improvements``; by the rise in pp, one place), ``thanked`` (at least ``min_compliments``
    compliments; by count, one place), ``new_joiner`` (tenure below ``new_joiner_months``,
    otherwise as ``top``). Only active staff with a name are recognised. Ties share a place
    (module docstring). Figures below the centre are withheld (NaN): the public table carries
    recognition only.
    """
    cur = current[current["active"].fillna(True).astype(bool).to_numpy() & current["name_en"].notna().to_numpy()
                  & current["centre_id"].notna().to_numpy()].copy()
    imp = improvements(current, previous, st).set_index("employee_id")
    cur["improvement"] = cur["employee_id"].map(imp["improvement"]).astype(float)
    rose = cur["employee_id"].map(imp["clear"]).eq(True)
    good = cur["eligible"] & (cur["index"] > 0) & (cur["adjusted_csat"] >= cur["centre_csat"])
    parts = []
    for centre_id, group in cur.groupby("centre_id", sort=True):
        g = group[good.loc[group.index]]
        parts.append(_take_places(g, "index", 2, st.places).assign(award="top"))
        new = g[g["tenure_months"].lt(st.new_joiner_months).fillna(False).astype(bool)]
        parts.append(_take_places(new, "index", 2, st.places).assign(award="new_joiner"))
        thanked = group[group["compliments"] >= st.min_compliments]
        parts.append(_take_places(thanked, "compliments", 0, 1).assign(award="thanked"))
        improved = group[rose.loc[group.index]]
        parts.append(_take_places(improved.assign(_pp=100 * improved["improvement"]), "_pp", 1, 1)
                     .drop(columns="_pp").assign(award="improved"))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in THANKS_COLUMNS})
    rows = pd.concat(parts, ignore_index=True)
    rows["improvement"] = rows["improvement"].where(rows["award"].eq("improved"))
    rows = _positive_figures(rows)
    rows["award"] = pd.Categorical(rows["award"], categories=list(AWARDS), ordered=True)
    rows = rows.sort_values(["centre_id", "award", "place", "employee_id"], kind="stable")
    rows["award"] = rows["award"].astype(str).astype(object)
    return rows[THANKS_COLUMNS].reset_index(drop=True)


# --- team morale ---------------------------------------------------------------------------------

TEAM_COLUMNS = ["centre_id", "staff", "leavers", "responses", "team_csat", "team_csat_previous", "team_csat_change",
                "compliments", "compliments_per_1000", "compliments_per_1000_before", "morale"]
MORALE = ("improving", "steady", "under_strain")


TEAM_COUNTS = ["centre_id", "month", "transactions", "compliments", "responses", "satisfied"]


def team_counts(tickets: pd.DataFrame, surveys: pd.DataFrame, feedback: pd.DataFrame, months: list[str],
                st: Settings) -> pd.DataFrame:
    """The whole numbers of ``team_morale`` per centre × month of ``months`` (``TEAM_COUNTS``):
    transactions (every ticket), compliments (feedback of kind compliment at a centre), responses
    with a CSAT and those in the top box; sorted by centre and month. The engine computes the same
    table in SQL (``data.aggregates.surveys.team_counts``)."""
    def per(frame: pd.DataFrame, column: str, name: str, values=None) -> pd.Series:
        m = _month(frame[column])
        keep = m.isin(months).to_numpy() & frame["centre_id"].notna().to_numpy()
        grouped = pd.DataFrame({"centre_id": frame["centre_id"].astype(object).to_numpy()[keep],
                                "month": m.to_numpy()[keep],
                                "_v": np.ones(int(keep.sum()), dtype=int) if values is None else values[keep]})
        return grouped.groupby(["centre_id", "month"])["_v"].sum().rename(name)

    fb = feedback[feedback["kind"].eq("compliment").to_numpy()]
    sv = surveys[surveys["csat"].notna().to_numpy()]
    sat = sv["csat"].astype("Int64").isin(list(st.top_box)).astype(int).to_numpy()
    parts = [per(tickets, "created_at", "transactions"), per(fb, "received_at", "compliments"),
             per(sv, "submitted_at", "responses"), per(sv, "submitted_at", "satisfied", sat)]
    out = pd.concat(parts, axis=1).fillna(0).astype(int).reset_index()
    out = out.rename(columns={"level_0": "centre_id", "level_1": "month"}) if "level_0" in out.columns else out
    return out.sort_values(["centre_id", "month"], kind="stable").reset_index(drop=True)[TEAM_COUNTS]


def team_morale(tickets: pd.DataFrame, surveys: pd.DataFrame, feedback: pd.DataFrame, staff: pd.DataFrame,
                centres: list[str], months: list[str], st: Settings) -> pd.DataFrame:
    """Per centre (``TEAM_COLUMNS``): the month's team satisfaction against the month before,
    compliments per 1,000 transactions against the mean rate of the months before, staff and
    leavers on the roster, and a morale signal.

    ``months`` lists the month of the report last, the months before it first (e.g. the three
    before). Morale: +1 when compliments per 1,000 are above the earlier rate by more than
    ``morale_compliments_band`` (relative), −1 when below by as much; +1/−1 when team CSAT moved
    by more than ``morale_csat_band``; −1 when anyone left. Sum > 0 ``improving``, < 0
    ``under_strain``, else ``steady``. Team aggregates only (``team_counts``).
    """
    return team_morale_from_counts(team_counts(tickets, surveys, feedback, months, st), staff, centres, months, st)


def team_morale_from_counts(counts: pd.DataFrame, staff: pd.DataFrame, centres: list[str], months: list[str],
                            st: Settings) -> pd.DataFrame:
    """``team_morale`` from its whole numbers (``team_counts``, or the engine's table)."""
    month, before, prev = months[-1], months[:-1], months[-2] if len(months) > 1 else None
    cells = {(r.centre_id, r.month): r for r in counts.itertuples(index=False)}

    def count(c, m, column) -> int:
        r = cells.get((c, m))
        return int(getattr(r, column)) if r is not None else 0

    def csat(c, m) -> float:
        n = count(c, m, "responses")
        return count(c, m, "satisfied") / n if n else np.nan

    roster = staff[staff["month"].astype(object).eq(month).to_numpy()] if "month" in staff.columns else staff
    rows = []
    for c in centres:
        r = roster[roster["centre_id"].astype(object).eq(c).to_numpy()]
        active = r["active"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        n_now = count(c, month, "responses")
        csat_now = csat(c, month)
        csat_prev = csat(c, prev) if prev else np.nan
        tx_now = float(count(c, month, "transactions"))
        comp_now = count(c, month, "compliments")
        per_now = 1000 * comp_now / tx_now if tx_now else np.nan
        tx_before = float(sum(count(c, m, "transactions") for m in before))
        comp_before = float(sum(count(c, m, "compliments") for m in before))
        per_before = 1000 * comp_before / tx_before if tx_before else np.nan
        signal = 0
        if pd.notna(per_now) and pd.notna(per_before) and per_before > 0:
            rel = per_now / per_before - 1
            signal += 1 if rel > st.morale_compliments_band else (-1 if rel < -st.morale_compliments_band else 0)
        change = csat_now - csat_prev
        if pd.notna(change):
            signal += 1 if change > st.morale_csat_band else (-1 if change < -st.morale_csat_band else 0)
        leavers = int((~active).sum())
        signal -= 1 if leavers else 0
        rows.append({"centre_id": c, "staff": int(active.sum()), "leavers": leavers, "responses": n_now,
                     "team_csat": csat_now, "team_csat_previous": csat_prev, "team_csat_change": change,
                     "compliments": comp_now, "compliments_per_1000": per_now,
                     "compliments_per_1000_before": per_before,
                     "morale": MORALE[0] if signal > 0 else (MORALE[2] if signal < 0 else MORALE[1])})
    return pd.DataFrame(rows, columns=TEAM_COLUMNS)


# The team view's figures measured from each table an entity may not provide (config ``tables:``).
TEAM_MEASURED_FROM = {"surveys": ("responses", "team_csat", "team_csat_previous", "team_csat_change"),
                      "feedback": ("compliments", "compliments_per_1000", "compliments_per_1000_before")}


def unmeasured(team: pd.DataFrame, provided) -> pd.DataFrame:
    """``team`` (``team_morale``) with the figures of each table not in ``provided`` emptied
    (``TEAM_MEASURED_FROM``): missing, never 0, so "0 compliments" is never read for "no feedback
    was provided". The morale signal already counts only the signals that were measured."""
    out = team.copy()
    for table, columns in TEAM_MEASURED_FROM.items():
        if table in provided:
            continue
        for column in columns:
            out[column] = (pd.array([pd.NA] * len(out), dtype="Int64") if column in ("responses", "compliments")
                           else np.full(len(out), np.nan))
    return out


# --- training needs --------------------------------------------------------------------------------

TRAINING_COLUMNS = ["centre_id", "service_id", "skill", "staff_lagging", "staff_assessed", "cases", "shortfall"]
TRAINING_NAMED_COLUMNS = ["centre_id", "service_id", "skill", "employee_id", "name_en", "name_ar", "responses",
                          "completed", "shortfall"]


def training_needs(tickets: pd.DataFrame, surveys: pd.DataFrame, staff: pd.DataFrame, st: Settings,
                   month: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Services (and the skill: satisfaction or handle time) where staff lag after case mix.

    Per employee × service over the window given: the satisfaction excess (O − E)/n against the
    centre × month × channel × service rate and the log handle-time ratio against the same
    stratum's mean, each shrunk by normal–normal empirical Bayes across all employee × service
    cells. An employee lags in a service when the shrunk excess is at or below −``training_gap``
    or the shrunk ratio at or above ``training_handle_ratio``.

    Returns (book, named): ``book`` per centre × service × skill with at least one lagging
    employee (``TRAINING_COLUMNS``; ``gap`` = the lagging staff's mean shortfall: pp of
    satisfaction, or handle time above expected as a share), rows with fewer than
    ``min_staff_shown`` staff assessed left out so nobody can be singled out; ``named`` (restricted
    only) lists who lags where (``TRAINING_NAMED_COLUMNS``).
    """
    credited = credited_surveys(surveys, tickets, st.top_box)
    credited["expected"] = expected_satisfaction(credited).to_numpy() if len(credited) else np.array([])
    credited["_v"] = credited["expected"] * (1 - credited["expected"])
    s = credited.groupby(["centre_id", "service_id", "employee_id"]).agg(
        responses=("satisfied", "size"), o=("satisfied", "sum"), e=("expected", "sum"), v=("_v", "sum")).reset_index()
    s["d"] = (s["o"] - s["e"]) / s["responses"]
    post, _, _ = normal_shrinkage(s["d"].to_numpy(), (s["v"] / s["responses"] ** 2).to_numpy())
    s["shortfall"] = -post
    s["skill"] = "satisfaction"
    s["lagging"] = s["shortfall"] >= st.training_gap

    handled = handled_tickets(tickets)
    h = handled.groupby(["centre_id", "service_id", "employee_id"]).agg(
        completed=("handle_s", "size"), obs=("handle_s", "sum"), exp=("expected_s", "sum")).reset_index()
    h["ratio"] = h["obs"] / h["exp"]
    key = ["centre_id", "service_id", "employee_id"]
    hh = handled.merge(h[key + ["ratio"]], on=key, how="left")
    hh["r2"] = (hh["handle_s"] - hh["ratio"] * hh["expected_s"]) ** 2
    resid = hh.groupby(key)["r2"].sum().reset_index()
    h = h.merge(resid, on=key, how="left")
    var_log = (h["r2"] / h["exp"] ** 2) / h["ratio"] ** 2
    post_h, _, _ = normal_shrinkage(np.log(h["ratio"]).to_numpy(), var_log.where(h["completed"] >= 2).to_numpy())
    h["shortfall"] = np.exp(post_h) - 1
    h["skill"] = "handle_time"
    h["lagging"] = np.exp(post_h) >= st.training_handle_ratio

    cells = pd.concat([
        s[["centre_id", "service_id", "employee_id", "skill", "responses", "shortfall", "lagging"]].assign(completed=np.nan),
        h[["centre_id", "service_id", "employee_id", "skill", "completed", "shortfall", "lagging"]].assign(responses=np.nan),
    ], ignore_index=True)
    cells = cells[cells["service_id"].ne("_none")]
    cells["lagging"] = cells["lagging"].fillna(False).astype(bool)
    roster = _roster(staff, month)
    names = roster[["name_en", "name_ar"]].astype(object) if len(roster) else pd.DataFrame(columns=["name_en", "name_ar"])
    named = cells[cells["lagging"]].merge(names, left_on="employee_id", right_index=True, how="left")
    named = named.sort_values(["centre_id", "service_id", "skill", "employee_id"], kind="stable")
    named = named.assign(responses=named["responses"].astype("Int64"), completed=named["completed"].astype("Int64"))
    named = named[TRAINING_NAMED_COLUMNS].reset_index(drop=True)

    g = cells.groupby(["centre_id", "service_id", "skill"], sort=True)
    book = g.agg(staff_lagging=("lagging", "sum"), staff_assessed=("employee_id", "nunique")).reset_index()
    cases = cells.assign(_n=cells["responses"].fillna(cells["completed"])).groupby(
        ["centre_id", "service_id", "skill"])["_n"].sum()
    book["cases"] = [int(cases.get((c, sv, k), 0)) for c, sv, k in zip(book["centre_id"], book["service_id"], book["skill"])]
    short = cells[cells["lagging"]].groupby(["centre_id", "service_id", "skill"])["shortfall"].mean()
    book["shortfall"] = [float(short.get((c, sv, k), np.nan))
                         for c, sv, k in zip(book["centre_id"], book["service_id"], book["skill"])]
    book = book[(book["staff_lagging"] > 0) & (book["staff_assessed"] >= st.min_staff_shown)]
    book = book.assign(staff_lagging=book["staff_lagging"].astype(int), staff_assessed=book["staff_assessed"].astype(int),
                       cases=book["cases"].astype(int))
    book = book.sort_values(["centre_id", "staff_lagging", "service_id", "skill"], ascending=[True, False, True, True],
                            kind="stable")
    return book[TRAINING_COLUMNS].reset_index(drop=True), named


# --- the month in one object -----------------------------------------------------------------------

@dataclass
class Review:
    """Everything the chapter shows and the restricted summaries hold, for one month."""
    month: str
    previous_month: str
    current: pd.DataFrame                 # per employee (restricted)
    previous: pd.DataFrame                # per employee, the month before (restricted)
    thanks: pd.DataFrame                  # public
    team: pd.DataFrame                    # public
    training: pd.DataFrame                # public (aggregated)
    training_named: pd.DataFrame          # restricted
    daily: pd.DataFrame                   # restricted
    settings: Settings = field(default_factory=Settings)


def daily_summary(tickets: pd.DataFrame, surveys: pd.DataFrame, feedback: pd.DataFrame, st: Settings) -> pd.DataFrame:
    """Per employee and day (restricted): transactions, credited responses, satisfied, raw CSAT,
    compliments. Sorted by employee, then day."""
    staffed = _served(tickets)
    tx = staffed.groupby([staffed["employee_id"].astype(object).rename("employee_id"),
                          _day(staffed["created_at"]).rename("day")]).size().rename("transactions")
    credited = credited_surveys(surveys, tickets, st.top_box)
    sv = credited.groupby(["employee_id", "day"]).agg(responses=("satisfied", "size"), satisfied=("satisfied", "sum"))
    fb = feedback[feedback["kind"].eq("compliment").to_numpy() & feedback["employee_id"].notna().to_numpy()]
    comp = fb.groupby([fb["employee_id"].astype(object).rename("employee_id"),
                       _day(fb["received_at"]).rename("day")]).size().rename("compliments")
    out = pd.concat([tx, sv, comp], axis=1).fillna(0).astype(int).reset_index()
    out["csat_raw"] = (out["satisfied"] / out["responses"].where(out["responses"] > 0)).astype(float)
    return out.sort_values(["employee_id", "day"], kind="stable").reset_index(drop=True)[
        ["employee_id", "day", "transactions", "responses", "satisfied", "csat_raw", "compliments"]]


def review(tickets: pd.DataFrame, surveys: pd.DataFrame, feedback: pd.DataFrame, staff: pd.DataFrame,
           period, centres: list[str], kpi: dict, provided=("surveys", "feedback"),
           team: pd.DataFrame | None = None) -> Review:
    """The month's recognition review from frames reaching back ``training_months`` (and at least
    four months for the morale baseline): per-employee measures for the month and the month
    before, who to thank, the team view and the training plan. ``period`` is a month Period.
    ``provided`` names the tables the entity provides (``store.provided_tables``): the team view's
    figures from the others are empty (``unmeasured``).

    ``team``: the team view's counts (``team_counts`` of the four months, e.g. computed by the
    engine); then the frames need hold only the rows the per-employee measures read
    (``rows_since``; tickets naming an employee or rated by a survey, surveys that can be
    credited, feedback naming an employee)."""
    st = settings(kpi)
    month = period.month
    prev = period.previous().month
    months_back = team_months(period)
    # each frame's months are worked out once
    t_month, s_month, f_month = _month(tickets["created_at"]), _month(surveys["submitted_at"]), _month(feedback["received_at"])

    def when(frame, months, months_of):
        return frame[months_of.isin(months).to_numpy()]

    frames = {}
    for m in (month, prev):
        last_day = period.last if m == month else period.previous().last
        # surveys rate tickets of their month or the month before: keep those tickets in view
        frames[m] = employee_measures(when(tickets, [m], t_month), when(surveys, [m], s_month),
                                      when(feedback, [m], f_month), staff, last_day, st, month=m,
                                      rated=when(tickets, _months_back(m, 2), t_month))
    current, previous = frames[month], frames[prev]
    thanks = who_to_thank(current, previous, st)
    if team is None:
        team = team_counts(when(tickets, months_back, t_month), when(surveys, months_back, s_month),
                           when(feedback, months_back, f_month), months_back, st)
    team = unmeasured(team_morale_from_counts(team, staff, centres, months_back, st), provided)
    window = _months_back(month, st.training_months)
    training, named = training_needs(when(tickets, window, t_month), when(surveys, window, s_month), staff, st, month=month)
    daily = daily_summary(when(tickets, [month], t_month), when(surveys, [month], s_month),
                          when(feedback, [month], f_month), st)
    return Review(month, prev, current, previous, thanks, team, training, named, daily, st)


def history_since(period, st_or_kpi=None) -> str:
    """The first month the chapter must load (``YYYY-MM``): four months back for the morale
    baseline, or ``training_months`` back when that is longer."""
    st = st_or_kpi if isinstance(st_or_kpi, Settings) else settings(st_or_kpi or {})
    return _months_back(period.month, max(4, st.training_months))[0]


TEAM_MONTHS = 4   # the team view: the month and the three before


def team_months(period) -> list[str]:
    """The months of the team view's counts (``team_counts``), oldest first, the report's last."""
    return _months_back(period.month, TEAM_MONTHS)


def rows_since(period, st_or_kpi=None) -> dict[str, str]:
    """The first month of the rows ``review`` reads when the team view comes as counts
    (``YYYY-MM``): ``surveys`` from the month before the previous one or the training window,
    whichever is longer; ``tickets`` the same (a survey of the previous month may rate a ticket of
    the month before); ``feedback`` from the previous month."""
    st = st_or_kpi if isinstance(st_or_kpi, Settings) else settings(st_or_kpi or {})
    first = _months_back(period.month, max(3, st.training_months))[0]
    return {"tickets": first, "surveys": first, "feedback": period.previous().month}


# Columns the chapter loads: no customer reference, no comment text, ever.
TICKET_COLUMNS = ["ticket_id", "centre_id", "channel_id", "service_id", "employee_id", "created_at", "started_at",
                  "ended_at", "outcome"]
SURVEY_COLUMNS = ["response_id", "ticket_id", "centre_id", "channel_id", "service_id", "employee_id", "submitted_at",
                  "csat"]
FEEDBACK_COLUMNS = ["feedback_id", "received_at", "source", "kind", "centre_id", "employee_id", "substantiated"]
# The rows the review reads when the team view comes as counts (``rows_since``), table by table.
ROW_COLUMNS = {"tickets": TICKET_COLUMNS, "surveys": SURVEY_COLUMNS, "feedback": FEEDBACK_COLUMNS}
