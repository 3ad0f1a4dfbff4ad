"""The numbers behind the landing page's headline and tiles (issue 15). Pure: frames in, frames out.

Leadership reads a handful of measures, each against its target, the month before and the same
month last year, with the last months as a sparkline. This module computes them once, for all
centres together (scope ``all``) and for each centre (scope = its id):

- ``virtual_share``: digital take-up, completed on virtual (and assisted-digital) channels ÷ all
  completed (``measures.kpis``);
- ``csat``: share of survey responses scoring in ``kpi.csat.top_box``, by the month submitted;
- ``service_level``: served within the channel's threshold ÷ served (``measures.kpis``);
- ``wait_walk_in``: mean wait of served walk-in tickets, seconds (``measures.kpis``);
- ``complaints_per_1000``: complaints received ÷ transactions × 1,000 (``chapters.feedback``);
- ``thank_yous``: thank-you messages received (``chapters.feedback.thank_yous``);
- ``readiness`` (each centre only): the self-assessment score (%), its class and the points to
  the next class (``chapters.readiness``).

The digital take-up target is the entity's (``kpi.digital_take_up.target``): it judges all centres
together; a walk-in centre's own share is shown, not judged.

Status against a target: ``on`` (met), ``near`` (short of it by at most the ``landing.near``
tolerance: percentage points for shares, a fraction of the target for the others, points for
readiness), ``off`` (further), ``no_target`` (none configured) or ``no_data``. Which way is short
follows ``HIGHER_IS_BETTER``: a wait or a complaint rate above its target is short of it.

A month without any ticket has no value for any measure (NaN, never 0), so a month before the
data starts cannot read as "no complaints".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..base.config import ConfigError
from ..base.periods import months_back, shift_month
from ..measures import kpis
from . import feedback, readiness

SCOPE_ALL = "all"
MEASURES = ("virtual_share", "csat", "service_level", "wait_walk_in", "complaints_per_1000", "thank_yous")
READINESS = "readiness"
HIGHER_IS_BETTER = {"virtual_share": True, "csat": True, "service_level": True, "wait_walk_in": False,
                    "complaints_per_1000": False, "thank_yous": True, READINESS: True}
SHARES = ("virtual_share", "csat", "service_level")
WALK_IN = "walk_in"
STATUSES = ("on", "near", "off", "no_target", "no_data")

TREND_COLUMNS = ["scope", "measure", "month", "value"]
TILE_COLUMNS = ["scope", "measure", "value", "target", "status", "previous", "change", "last_year",
                "change_last_year", "months_off_target", "months_shown", "classification", "next_class",
                "points_to_next"]


def window(month: str, months: int = 12) -> list[str]:
    """The months a tile needs, oldest first: ``month`` and the ``months`` before it, never fewer
    than 12, so that the same month last year is always in (it is the first with 12)."""
    return months_back(month, max(int(months), 12) + 1)


# --- the monthly series ---------------------------------------------------------------------------

def _long(frame: pd.DataFrame, scope_col: str | None, measure: str, value_col: str) -> pd.DataFrame:
    scope = frame[scope_col].astype(str) if scope_col else pd.Series(SCOPE_ALL, index=frame.index)
    return pd.DataFrame({"scope": scope.to_numpy(), "measure": measure, "month": frame["month"].astype(str).to_numpy(),
                         "value": frame[value_col].astype(float).to_numpy()})


def _month_of(stamps: pd.Series) -> pd.Series:
    return kpis.period_labels(stamps, "M") if len(stamps) else pd.Series([], dtype="str", index=stamps.index)


def _counts(frame: pd.DataFrame, by: list[str]) -> pd.Series:
    return frame.groupby(by, observed=True, sort=True).size() if len(frame) else pd.Series(dtype=float)


def series(tickets, surveys: pd.DataFrame | None, fb: pd.DataFrame | None, st: kpis.KpiSettings,
           top_box, months: list[str], centres: list[str], walk_in: str = WALK_IN) -> pd.DataFrame:
    """Every measure of ``MEASURES`` per month of ``months`` and scope (``all`` and each of
    ``centres``): ``TREND_COLUMNS``, one row per scope, measure and month (NaN when there is no
    value). ``tickets``: ticket rows or the engine (``kpis.table``). ``surveys`` or ``fb`` None (a
    table the entity does not provide) leaves out CSAT, or complaints and thank-you messages.
    Months without tickets are NaN for every measure."""
    scopes = [SCOPE_ALL, *centres]
    parts = []
    by_month = kpis.table(tickets, ["month"], st, months=months)
    by_centre = kpis.table(tickets, ["month", "centre_id"], st, months=months)
    for frame, scope_col in ((by_month, None), (by_centre, "centre_id")):
        for measure in ("virtual_share", "service_level"):
            parts.append(_long(frame, scope_col, measure, measure))
    for frame, scope_col in ((kpis.table(tickets, ["month"], st, months=months, channels=[walk_in]), None),
                             (kpis.table(tickets, ["month", "centre_id"], st, months=months, channels=[walk_in]),
                              "centre_id")):
        parts.append(_long(frame, scope_col, "wait_walk_in", "wait_mean"))
    transactions = {SCOPE_ALL: by_month.set_index("month")["transactions"]}
    for centre in centres:
        mine = by_centre[by_centre["centre_id"].astype(str).eq(centre)]
        transactions[centre] = mine.set_index("month")["transactions"]
    if surveys is not None:
        parts.append(_csat(surveys, top_box, months))
    if fb is not None:
        parts += _feedback(fb, months, transactions)
    found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=TREND_COLUMNS)
    measures = [m for m in MEASURES if m in set(found["measure"])]
    grid = pd.MultiIndex.from_product([scopes, measures, months], names=["scope", "measure", "month"])
    out = found.drop_duplicates(["scope", "measure", "month"]).set_index(["scope", "measure", "month"])
    out = out.reindex(grid).reset_index()
    traded = {(s, m) for s, frame in transactions.items() for m in frame.index[frame.to_numpy() > 0]}
    keep = [(s, m) in traded for s, m in zip(out["scope"], out["month"], strict=True)]
    out["value"] = out["value"].where(keep).astype(float)
    return _ordered(out)


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    order = {m: i for i, m in enumerate((*MEASURES, READINESS))}
    frame = frame.assign(_s=frame["scope"].ne(SCOPE_ALL), _m=frame["measure"].map(order))
    frame = frame.sort_values(["_s", "scope", "_m", "month"], kind="mergesort")
    return frame.drop(columns=["_s", "_m"]).reset_index(drop=True)[TREND_COLUMNS]


def _csat(surveys: pd.DataFrame, top_box, months: list[str]) -> pd.DataFrame:
    """CSAT per month and scope: responses in ``top_box`` ÷ responses with a CSAT score."""
    sv = surveys.dropna(subset=["csat"])
    sv = pd.DataFrame({"month": _month_of(sv["submitted_at"]).to_numpy(),
                       "centre_id": sv["centre_id"].astype(str).to_numpy(),
                       "sat": sv["csat"].isin(list(top_box)).to_numpy(dtype=float)})
    sv = sv[sv["month"].isin(months)]
    rows = [sv.groupby("month", sort=True)["sat"].mean().rename("value").reset_index().assign(scope=SCOPE_ALL)]
    rows.append(sv.groupby(["centre_id", "month"], sort=True)["sat"].mean().rename("value").reset_index()
                .rename(columns={"centre_id": "scope"}))
    return pd.concat(rows, ignore_index=True).assign(measure="csat")[TREND_COLUMNS]


def _feedback(fb: pd.DataFrame, months: list[str], transactions: dict[str, pd.Series]) -> list[pd.DataFrame]:
    """Complaints per 1,000 transactions and thank-you messages per month and scope (0 when none)."""
    fb = fb.assign(month=_month_of(fb["received_at"]).to_numpy(), centre_id=fb["centre_id"].astype(object))
    fb = fb[fb["month"].isin(months)]
    complaints = fb[fb["kind"].eq("complaint")]
    thanks = feedback.thank_yous(fb)
    rows = {"complaints_per_1000": [], "thank_yous": []}
    for scope, tx in transactions.items():
        mine_c = complaints if scope == SCOPE_ALL else complaints[complaints["centre_id"].eq(scope)]
        mine_t = thanks if scope == SCOPE_ALL else thanks[thanks["centre_id"].eq(scope)]
        nc, nt = _counts(mine_c, ["month"]), _counts(mine_t, ["month"])
        for month in months:
            n = float(tx.get(month, 0))
            rate = 1000 * float(nc.get(month, 0)) / n if n > 0 else math.nan
            rows["complaints_per_1000"].append((scope, month, rate))
            rows["thank_yous"].append((scope, month, float(nt.get(month, 0))))
    return [pd.DataFrame(r, columns=["scope", "month", "value"]).assign(measure=m)[TREND_COLUMNS]
            for m, r in rows.items()]


def readiness_series(r: readiness.Readiness, months: list[str]) -> pd.DataFrame:
    """Each centre's self-assessment score per month of ``months`` (NaN when it did not assess)."""
    tr = readiness.trend(r, months).set_index(["centre_id", "month"])["score"]
    rows = [(c, READINESS, m, float(tr.get((c, m), math.nan))) for c in r.centres for m in months]
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


# --- status against a target ----------------------------------------------------------------------

def status(value: float, target: float, measure: str, near: dict) -> str:
    """``on``, ``near``, ``off``, ``no_target`` or ``no_data`` (see the module's docstring).

    ``near`` holds the tolerances: ``share_pp`` (shares, in 0–1 units), ``relative`` (the other
    measures, a fraction of the target) and ``points`` (readiness score points)."""
    if value is None or pd.isna(value):
        return "no_data"
    if target is None or pd.isna(target):
        return "no_target"
    short = (target - value) if HIGHER_IS_BETTER[measure] else (value - target)
    if short <= 1e-12:
        return "on"
    if measure in SHARES:
        tolerance = float(near.get("share_pp", 0))
    elif measure == READINESS:
        tolerance = float(near.get("points", 0))
    else:
        tolerance = float(near.get("relative", 0)) * abs(target)
    return "near" if short <= tolerance + 1e-12 else "off"


def months_off_target(values: list[float], target: float, measure: str, near: dict) -> int:
    """How many months in a row, ending with the last of ``values`` (oldest first), were off target."""
    n = 0
    for value in reversed(values):
        if status(value, target, measure, near) != "off":
            break
        n += 1
    return n


# --- the tiles --------------------------------------------------------------------------------------

def _at(values: dict, month: str) -> float:
    return float(values.get(month, math.nan))


def tiles(trend: pd.DataFrame, month: str, targets: dict, near: dict,
          standing: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per scope and measure of ``trend`` for ``month``: ``TILE_COLUMNS``.

    ``targets`` maps a measure to its target (the same for every scope), or ``(scope, measure)``
    to a scope's own (readiness, by centre kind). ``previous`` is the month before, ``last_year``
    the same month a year before (NaN when not in ``trend``); ``change*`` = value − that.
    ``months_off_target`` counts the months in a row off target up to ``month``, of the
    ``months_shown`` months in ``trend``. ``standing`` (``readiness.standing`` of the month)
    gives each centre's class, next class and points to it."""
    classes = {} if standing is None else standing.set_index("centre_id").to_dict("index")
    prev, ly = shift_month(month, -1), shift_month(month, -12)
    rows = []
    for (scope, measure), part in trend.groupby(["scope", "measure"], sort=False):
        part = part.sort_values("month")
        part = part[part["month"] <= month]
        values = dict(zip(part["month"], part["value"].astype(float), strict=True))
        target = targets.get((scope, measure), targets.get(measure, math.nan))
        target = math.nan if target is None else float(target)
        value, previous, last_year = _at(values, month), _at(values, prev), _at(values, ly)
        row = {"scope": scope, "measure": measure, "value": value, "target": target,
               "status": status(value, target, measure, near), "previous": previous, "change": value - previous,
               "last_year": last_year, "change_last_year": value - last_year,
               "months_off_target": months_off_target(list(values.values()), target, measure, near),
               "months_shown": len(values), "classification": None, "next_class": None, "points_to_next": math.nan}
        if measure == READINESS and scope in classes:
            c = classes[scope]
            row.update(classification=_text(c.get("classification")), next_class=_text(c.get("next_class")),
                       points_to_next=float(c.get("points_to_next", math.nan)))
        rows.append(row)
    out = pd.DataFrame(rows, columns=TILE_COLUMNS)
    out = out.astype({"months_off_target": int, "months_shown": int})
    return _ordered_tiles(out)


def _text(x) -> str | None:
    if x is None or (isinstance(x, float) and np.isnan(x)) or str(x) in ("", "None", "nan", "<NA>"):
        return None
    return str(x)


def _ordered_tiles(frame: pd.DataFrame) -> pd.DataFrame:
    order = {m: i for i, m in enumerate((*MEASURES, READINESS))}
    frame = frame.assign(_s=frame["scope"].ne(SCOPE_ALL), _m=frame["measure"].map(order))
    frame = frame.sort_values(["_s", "scope", "_m"], kind="mergesort")
    return frame.drop(columns=["_s", "_m"]).reset_index(drop=True)


def kpi_targets(kpi: dict, landing_cfg: dict | None = None) -> dict:
    """Targets by measure: digital take-up, CSAT and service level from ``kpi``; the others from
    ``landing.targets`` when the entity sets them (``wait_walk_in`` in seconds, a maximum;
    ``complaints_per_1000``, a maximum; ``thank_yous``, a minimum)."""
    out = {}
    for measure, block in (("virtual_share", "digital_take_up"), ("csat", "csat"), ("service_level", "service_level")):
        if kpi.get(block, {}).get("target") is not None:
            out[measure] = float(kpi[block]["target"])
    for measure, value in ((landing_cfg or {}).get("targets") or {}).items():
        if measure in HIGHER_IS_BETTER and value is not None:
            out[measure] = float(value)
    return out


def readiness_targets(r: readiness.Readiness, target_class: dict | None = None) -> dict:
    """``{(centre, "readiness"): min score}`` of each centre's target class: ``target_class`` by
    centre kind (``landing.readiness_target``), else the highest class open to the kind."""
    out = {}
    for centre in r.centres:
        kind = r.kinds[centre]
        bands = r.bands.get(kind) or []
        wanted = (target_class or {}).get(kind)
        highest = max(bands, key=lambda b: float(b["min_score"])) if bands else None
        band = next((b for b in bands if str(b["class"]) == str(wanted)), None) if wanted else highest
        if wanted and band is None:
            raise ConfigError(f"landing.readiness_target: {kind!r} centres have no class {wanted!r}; "
                              f"use one of {', '.join(str(b['class']) for b in bands)}")
        if band is not None:
            out[(centre, READINESS)] = float(band["min_score"])
    return out


def movements(tiles_frame: pd.DataFrame, steady: dict, scope: str = SCOPE_ALL) -> pd.DataFrame:
    """The ``scope``'s measures that moved since last month, with the way they moved and whether
    that is better: ``measure, direction`` (``up``/``down``), ``better`` (bool). A change smaller
    than ``steady`` (``share`` in 0–1 units for shares; ``relative``, a fraction of last month's
    value, for the others) is no movement; a measure without both months is left out."""
    rows = []
    for r in tiles_frame[tiles_frame["scope"].eq(scope)].itertuples(index=False):
        if pd.isna(r.value) or pd.isna(r.previous) or r.measure == READINESS:
            continue
        if r.measure in SHARES:
            limit = float(steady.get("share", 0))
        else:
            limit = float(steady.get("relative", 0)) * abs(r.previous)
        if abs(r.change) <= limit or r.change == 0:
            continue
        up = bool(r.change > 0)
        rows.append({"measure": r.measure, "direction": "up" if up else "down",
                     "better": up == HIGHER_IS_BETTER[r.measure]})
    return pd.DataFrame(rows, columns=["measure", "direction", "better"])


def overview(tickets, surveys: pd.DataFrame | None, fb: pd.DataFrame | None,
             r: readiness.Readiness | None, st: kpis.KpiSettings, kpi: dict, landing_cfg: dict, month: str,
             centres: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The overview chapter's tiles and their trend for ``month``: ``(tiles, trend)``, from the
    tickets (rows or the engine), surveys and feedback of ``window(month)`` (None: not provided) and the readiness of
    the month (None: no self-assessment provided). Settings: ``kpi`` and ``landing_cfg``
    (``landing:`` of config/entity.yaml: ``near``, ``targets``, ``readiness_target``)."""
    months = window(month, int(landing_cfg.get("months", 12)))
    trend = series(tickets, surveys, fb, st, kpi["csat"]["top_box"], months, centres)
    targets = kpi_targets(kpi, landing_cfg)
    if "virtual_share" in targets:   # the entity's take-up target: a walk-in centre is not judged by it
        targets[(SCOPE_ALL, "virtual_share")] = targets.pop("virtual_share")
    standing = None
    if r is not None:
        trend = _ordered(pd.concat([trend, readiness_series(r, months)], ignore_index=True))
        targets.update(readiness_targets(r, landing_cfg.get("readiness_target")))
        standing = readiness.standing(r, month)
    return tiles(trend, month, targets, landing_cfg.get("near", {}), standing), trend
