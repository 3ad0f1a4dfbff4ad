"""Gold-classification readiness from the monthly self-assessment (DESIGN.md "self_assessment").

Pure: frames in, frames out. Only ``prepare`` and ``criteria_by_month`` ask the configuration
(``Config.catalogue``) for the criteria catalogues; ``build`` does the same work from frames that
tests write by hand. A notebook calls ``prepare`` once, then one function per section on the
``Readiness`` it returns, and the matching ``*_display`` / ``*_lines`` helper of ``readiness_view``
for readers.

Definitions (printed on the Methods page, ``methods.readiness.*``):

- **Applicable criteria.** A centre answers the catalogue in force that month, restricted to
  ``applies_to`` = ``all`` or the centre's kind. A row for a criterion that does not apply to the
  centre's kind is ignored. An applicable criterion the centre left out of a month it assessed
  counts as ``not_assessed``; a centre with no row at all in a month has no score that month.
- **Credit.** met 1, partial 0.5, not_met 0, not_assessed 0; not_applicable is left out.
- **Score (%)** = 100 × Σ weight × credit ÷ Σ weight, over the applicable criteria that are not
  ``not_applicable``, with the weights of the catalogue in force that month.
- **Classification.** The first band of ``classification.<centre kind>`` (highest first) whose
  ``min_score`` the score reaches. Platinum exists only where the config lists it (virtual).
- **Distance to the next class.** Points = the next band's ``min_score`` − score. Criteria = the
  smallest number of open criteria (partial, not met, not assessed) whose meeting lifts the score
  to the next band: they are taken by gain, weight × (1 − credit), largest first (ties by id),
  which is optimal for the count because any k criteria gain at most the k largest gains.
- **Open criterion.** partial, not_met or not_assessed.
- **Regression.** Met in the previous calendar month and open now: partial, not met, or left
  out of a month the centre assessed (not_assessed scores 0, so dropping a met criterion from
  the return must not hide the loss). The same criterion is followed across catalogue versions.
  Ordered by points lost, largest first. A centre with no assessment at all this month has no
  score, hence no regressions.
- **Months unmet.** Consecutive calendar months, ending with this one, in which the criterion was
  open at the centre; a month the centre did not assess breaks the run.
- **Overdue.** Still open and ``due_on`` on or before the last day of the assessed month.
- **Projection** to ``classification.evaluation_date``: every criterion met now stays met; an open
  criterion whose ``due_on`` falls before the evaluation date counts as met there ("on time"). The
  second projection keeps overdue criteria open ("overdue stay open"). No due date: stays open.
- **Catalogue versions.** ``config/entity.yaml`` ``criteria:`` lists the versions, each in force
  from its ``effective_from`` month. A criterion keeps its history across versions when the
  earlier version has the same id, or through the optional catalogue column ``maps_from`` (the
  earlier version's id(s), ``;``-separated); a criterion with neither is new and starts fresh.
  When two earlier criteria map to one, a month's status is the worse of the two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from ..base.config import ConfigError
from ..base.periods import months_back, months_between, shift_month

CREDIT = {"met": 1.0, "partial": 0.5, "not_met": 0.0, "not_assessed": 0.0}
STATUSES = ("met", "partial", "not_met", "not_applicable", "not_assessed")
OPEN = ("partial", "not_met", "not_assessed")
# the worse status wins when two earlier criteria map to one; not_applicable only if nothing else
_RANK = {"not_met": 0, "not_assessed": 0, "partial": 1, "met": 2, "not_applicable": 3}
BLOCKERS = ("budget", "procurement", "external_approval", "training", "it_system", "other", "none")
EPS = 1e-9  # scores are sums of weights: compare to thresholds without float noise

CRITERIA_COLUMNS = ["month", "guideline", "effective_from", "criterion_id", "pillar", "title_en", "title_ar",
                    "weight", "applies_to", "maps_from"]
ASSESSMENT_COLUMNS = ["centre_id", "criterion_id", "status", "owner", "reason", "blocker", "action", "due_on"]


# --- catalogues and their versions ----------------------------------------------------------------

def criteria_by_month(cfg, months: list[str]) -> pd.DataFrame:
    """The catalogue in force in each of ``months``, stacked: ``CRITERIA_COLUMNS`` (+ ``pillar_en``,
    ``pillar_ar`` when the catalogue has them). ``maps_from`` is empty when the file has no such column."""
    frames, cache = [], {}
    for month in months:
        entry = cfg.catalogue_entry(month)
        key = (entry["guideline"], entry["effective_from"])
        if key not in cache:
            cat = cfg.catalogue(month).copy()
            if "maps_from" not in cat.columns:
                cat["maps_from"] = ""
            cat["effective_from"] = entry["effective_from"]
            cache[key] = cat
        frames.append(cache[key].assign(month=month))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "weight" else "str") for c in CRITERIA_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    extra = [c for c in ("pillar_en", "pillar_ar") if c in out.columns]
    out["maps_from"] = out["maps_from"].fillna("").astype("str")
    return out[CRITERIA_COLUMNS + extra]


def version_keys(criteria: pd.DataFrame, target: str) -> pd.DataFrame:
    """For every (month, criterion_id) of ``criteria``, the id(s) it continues as in the version in
    force in ``target``: ``month, criterion_id, key``. A criterion retired without successor has no
    row; one split into several has one row per successor."""
    versions = (criteria[["guideline", "effective_from"]].drop_duplicates()
                .sort_values("effective_from", kind="stable")["guideline"].tolist())
    target_version = criteria.loc[criteria["month"] == target, "guideline"]
    if target_version.empty:
        raise ValueError(f"no catalogue rows for the target month {target}")
    last = versions.index(target_version.iloc[0])
    ids = {v: criteria.loc[criteria["guideline"] == v, ["criterion_id", "maps_from"]].drop_duplicates("criterion_id")
           for v in versions}
    # successors[v]: id in version v -> ids in the target version, built backwards from the target
    successors = {versions[last]: {c: [c] for c in ids[versions[last]]["criterion_id"]}}
    for i in range(last - 1, -1, -1):
        older, newer = versions[i], versions[i + 1]
        older_ids = set(ids[older]["criterion_id"])
        step: dict[str, list[str]] = {}
        for new_id, maps in zip(ids[newer]["criterion_id"], ids[newer]["maps_from"]):
            preds = [p.strip() for p in str(maps).split(";") if p.strip()] if str(maps).strip() else (
                [new_id] if new_id in older_ids else [])
            for p in preds:
                step.setdefault(p, []).extend(successors[newer].get(new_id, []))
        successors[older] = {k: sorted(set(v)) for k, v in step.items()}
    rows = []
    for month, version, cid in criteria[["month", "guideline", "criterion_id"]].itertuples(index=False):
        if versions.index(version) > last:
            continue
        for key in successors.get(version, {}).get(cid, []):
            rows.append((month, cid, key))
    return pd.DataFrame(rows, columns=["month", "criterion_id", "key"], dtype="str")


# --- one row per centre, month and applicable criterion ------------------------------------------

def assessed(self_assessment: pd.DataFrame, criteria: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """Every applicable criterion of every (month, centre) that assessed anything that month, with
    its status (``not_assessed`` when the centre left it out), weight and credit.

    Columns: month, centre_id, criterion_id, pillar, weight, status, credit (NaN when not
    applicable), gain (weight × (1 − credit) for open criteria, else 0), owner, reason, blocker,
    action, due_on. Sorted by month, centre, criterion.
    """
    sa = self_assessment[["month", *ASSESSMENT_COLUMNS]]
    pairs = sa[["month", "centre_id"]].drop_duplicates()
    unknown = sorted(set(pairs["centre_id"]) - set(kinds))
    if unknown:
        raise ValueError(f"centres without a kind in the configuration: {', '.join(unknown)}")
    pairs = pairs.assign(kind=pairs["centre_id"].map(kinds).astype("str"))
    grid = pairs.merge(criteria[["month", "criterion_id", "pillar", "weight", "applies_to"]], on="month")
    grid = grid[(grid["applies_to"] == "all") | (grid["applies_to"] == grid["kind"])]
    out = grid.merge(sa, on=["month", "centre_id", "criterion_id"], how="left")
    out["status"] = out["status"].fillna("not_assessed").astype("str")
    out["blocker"] = out["blocker"].where(out["status"] != "not_assessed", "none")
    out["credit"] = out["status"].map(CREDIT).astype("float64")
    out["gain"] = (out["weight"] * (1 - out["credit"])).fillna(0.0)
    cols = ["month", "centre_id", "criterion_id", "pillar", "weight", "status", "credit", "gain",
            "owner", "reason", "blocker", "action", "due_on"]
    return out[cols].sort_values(["month", "centre_id", "criterion_id"], kind="stable").reset_index(drop=True)


def scores(assessed_rows: pd.DataFrame) -> pd.DataFrame:
    """Score and counts per (month, centre): ``month, centre_id, score, met, partial, not_met,
    not_applicable, not_assessed, weight`` (weight = Σ weight of the scored criteria)."""
    a = assessed_rows
    scored = a["status"] != "not_applicable"
    frame = pd.DataFrame({
        "month": a["month"], "centre_id": a["centre_id"],
        "earned": (a["weight"] * a["credit"]).where(scored, 0.0),
        "weight": a["weight"].where(scored, 0.0),
    })
    for s in STATUSES:
        frame[s] = (a["status"] == s).astype("int64")
    g = frame.groupby(["month", "centre_id"], sort=True)
    out = g[["earned", "weight", *STATUSES]].sum().reset_index()
    out["score"] = (100 * out["earned"] / out["weight"].where(out["weight"] > 0)).astype("float64")
    return out[["month", "centre_id", "score", *STATUSES, "weight"]]


def classify(score: float, bands: list[dict]) -> str | None:
    """The class of ``score`` in ``bands`` (``[{class, min_score}, …]``): the highest band reached."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return None
    for band in sorted(bands, key=lambda b: -float(b["min_score"])):
        if score >= float(band["min_score"]) - EPS:
            return str(band["class"])
    return None


def next_band(score: float, bands: list[dict]) -> dict | None:
    """The band just above ``score`` (lowest ``min_score`` not yet reached), or None at the top."""
    above = [b for b in bands if float(b["min_score"]) > score + EPS]
    return min(above, key=lambda b: float(b["min_score"])) if above else None


def criteria_to_reach(rows: pd.DataFrame, target: float) -> pd.DataFrame:
    """The fewest open criteria of one centre-month (``assessed`` rows) whose meeting lifts the score
    to ``target`` (%): taken by gain, largest first, ties by criterion id. Empty when the score is
    there already; all open criteria (and still short) is impossible since 100% reaches any band."""
    scored = rows[rows["status"] != "not_applicable"]
    total = float(scored["weight"].sum())
    earned = float((scored["weight"] * scored["credit"]).sum())
    needed = target / 100 * total - earned
    if needed <= EPS * max(total, 1):
        return rows.iloc[0:0]
    cands = rows[rows["status"].isin(OPEN)].sort_values(["gain", "criterion_id"], ascending=[False, True],
                                                         kind="stable")
    reached = cands["gain"].cumsum() >= needed - EPS * max(total, 1)
    k = int(np.argmax(reached.to_numpy())) + 1 if reached.any() else len(cands)
    return cands.iloc[:k]


def _pillar_counts(chosen: pd.DataFrame) -> str:
    """``pillar:n;pillar:n``, most criteria first, ties by pillar id."""
    counts = chosen.groupby("pillar").size().reset_index(name="n")
    counts = counts.sort_values(["n", "pillar"], ascending=[False, True], kind="stable")
    return ";".join(f"{p}:{n}" for p, n in zip(counts["pillar"], counts["n"]))


# --- the prepared view of a period -----------------------------------------------------------------

@dataclass(frozen=True)
class Readiness:
    """Everything a readiness report needs, for one assessed ``month``.

    ``assessed``: every month's applicable criteria (``assessed``); ``history``: the same keyed by
    the ids of the version in force in ``month`` (column ``key``); ``scores``: per month and centre.
    ``last_day``: the assessed month's last day (overdue is judged there).
    """

    month: str
    last_day: date
    catalogue: dict
    criteria: pd.DataFrame
    assessed: pd.DataFrame
    history: pd.DataFrame
    scores: pd.DataFrame
    kinds: dict
    bands: dict
    evaluation_date: date | None = None
    centres: tuple = field(default=())

    @property
    def previous(self) -> str:
        return shift_month(self.month, -1)

    @property
    def current_criteria(self) -> pd.DataFrame:
        return self.criteria[self.criteria["month"] == self.month].reset_index(drop=True)

    def now(self) -> pd.DataFrame:
        return self.assessed[self.assessed["month"] == self.month]


def history(assessed_rows: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """``assessed`` rows keyed by the current version's ids (``key``): a row whose criterion has no
    successor is dropped; when several earlier criteria map to one key, the worse status is kept."""
    h = assessed_rows.merge(keys, on=["month", "criterion_id"], how="inner")
    h = h.assign(_rank=h["status"].map(_RANK))
    h = h.sort_values(["month", "centre_id", "key", "_rank", "criterion_id"], kind="stable")
    h = h.drop_duplicates(["month", "centre_id", "key"], keep="first")
    return h.drop(columns="_rank").reset_index(drop=True)


def build(self_assessment: pd.DataFrame, criteria: pd.DataFrame, kinds: dict[str, str], bands: dict,
          month: str, catalogue: dict, evaluation_date=None, centres=None) -> Readiness:
    """The ``Readiness`` of ``month`` from frames: ``self_assessment`` (store rows with ``month``),
    ``criteria`` (``criteria_by_month`` over every month up to ``month``), centre kinds, bands
    (``classification`` per kind) and the catalogue entry in force."""
    sa = self_assessment[self_assessment["month"] <= month]
    rows = assessed(sa, criteria, kinds)
    keys = version_keys(criteria, month)
    ev = None if evaluation_date in (None, "") else pd.Timestamp(evaluation_date).date()
    return Readiness(
        month=month, last_day=(pd.Period(month, freq="M").end_time.date()), catalogue=dict(catalogue),
        criteria=criteria, assessed=rows, history=history(rows, keys), scores=scores(rows),
        kinds=dict(kinds), bands={k: list(v) for k, v in bands.items() if isinstance(v, list)},
        evaluation_date=ev, centres=tuple(centres if centres is not None else sorted(kinds)),
    )


def report_month(self_assessment: pd.DataFrame, period) -> str:
    """The month a report assesses: the period's month for a month; for a year, its latest month
    with self-assessment rows (the year's last month when there are none)."""
    if period.kind != "year":
        return period.month
    inside = self_assessment.loc[self_assessment["month"].isin(period.months), "month"]
    return str(inside.max()) if len(inside) else period.month


def prepare(self_assessment: pd.DataFrame, cfg, period) -> Readiness:
    """``build`` for ``period`` with the configuration's catalogues, kinds and classification bands."""
    month = report_month(self_assessment, period)
    first = str(self_assessment["month"].min()) if len(self_assessment) else month
    months = months_between(min(first, month), month)
    criteria = criteria_by_month(cfg, months)
    kinds = {c: cfg.centre_kind(c) for c in cfg.ids("centres")}
    bands = cfg.classification
    missing = sorted({k for k in kinds.values() if not isinstance(bands.get(k), list)})
    if missing:
        raise ConfigError(f"config/entity.yaml classification has no bands for centre kind(s) {', '.join(missing)}")
    return build(self_assessment, criteria, kinds, bands, month, cfg.catalogue_entry(month),
                 evaluation_date=bands.get("evaluation_date"), centres=cfg.ids("centres"))


# --- the month: standing, pillars, distance -------------------------------------------------------

STANDING_COLUMNS = ["centre_id", "score", "classification", "next_class", "points_to_next", "criteria_to_next",
                    "pillars_to_next", "met", "partial", "not_met", "not_applicable", "not_assessed"]


def standing(r: Readiness, month: str | None = None) -> pd.DataFrame:
    """One row per configured centre for ``month`` (default the assessed month): score (%), the class
    it implies, the next class, the points and the criteria to reach it (``pillars_to_next`` is
    ``pillar:n;…``) and the counts by status. A centre that did not assess has no score."""
    month = month or r.month
    sc = r.scores[r.scores["month"] == month].set_index("centre_id")
    now = r.assessed[r.assessed["month"] == month]
    rows = []
    for centre in r.centres:
        bands = r.bands[r.kinds[centre]]
        if centre not in sc.index:
            rows.append({"centre_id": centre, "score": float("nan"), "classification": None, "next_class": None,
                         "points_to_next": float("nan"), "criteria_to_next": pd.NA, "pillars_to_next": "",
                         **{s: 0 for s in STATUSES}})
            continue
        s = sc.loc[centre]
        score = float(s["score"])
        up = next_band(score, bands)
        chosen = criteria_to_reach(now[now["centre_id"] == centre], float(up["min_score"])) if up else None
        rows.append({
            "centre_id": centre, "score": score, "classification": classify(score, bands),
            "next_class": str(up["class"]) if up else None,
            "points_to_next": float(up["min_score"]) - score if up else float("nan"),
            "criteria_to_next": len(chosen) if up else pd.NA,
            "pillars_to_next": _pillar_counts(chosen) if up else "",
            **{st: int(s[st]) for st in STATUSES},
        })
    out = pd.DataFrame(rows, columns=STANDING_COLUMNS)
    out["criteria_to_next"] = out["criteria_to_next"].astype("Int64")
    for c in ("classification", "next_class"):
        out[c] = out[c].astype("str")
    return out


def pillars(r: Readiness) -> pd.DataFrame:
    """Counts by status and the score per centre and pillar in the assessed month:
    ``centre_id, pillar, met, partial, not_met, not_applicable, not_assessed, score``."""
    now = r.now()
    if now.empty:
        return pd.DataFrame(columns=["centre_id", "pillar", *STATUSES, "score"])
    part = scores(now.assign(month=now["pillar"].astype("str")))
    part = part.rename(columns={"month": "pillar"})
    return part[["centre_id", "pillar", *STATUSES, "score"]].sort_values(["centre_id", "pillar"]).reset_index(drop=True)


# --- regressions, the unmet list, blockers --------------------------------------------------------

REGRESSION_COLUMNS = ["centre_id", "criterion_id", "pillar", "previous_status", "criterion_status", "points_lost",
                      "owner_department", "reason", "blocker", "due_on"]


def _centre_weight(r: Readiness, month: str) -> pd.Series:
    return r.scores[r.scores["month"] == month].set_index("centre_id")["weight"]


def regressions(r: Readiness, month: str | None = None) -> pd.DataFrame:
    """Criteria met in the month before ``month`` (default the assessed month) and open in it
    (partial, not met or not assessed; module docstring, *Regression*): ``REGRESSION_COLUMNS``. ``points_lost`` = 100 × weight × (1 − credit) ÷ the centre's
    scored weight that month. Largest loss first, then centre and criterion."""
    month = month or r.month
    h = r.history
    before = h[(h["month"] == shift_month(month, -1)) & (h["status"] == "met")][["centre_id", "key"]]
    now = h[(h["month"] == month) & h["status"].isin(OPEN)]
    reg = now.merge(before, on=["centre_id", "key"], how="inner")
    if reg.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "points_lost" else "str")
                             for c in REGRESSION_COLUMNS}).astype({"due_on": "datetime64[us]"})
    total = reg["centre_id"].map(_centre_weight(r, month)).astype("float64")
    out = pd.DataFrame({
        "centre_id": reg["centre_id"], "criterion_id": reg["key"], "pillar": reg["pillar"],
        "previous_status": "met", "criterion_status": reg["status"],
        "points_lost": 100 * reg["gain"] / total,
        "owner_department": reg["owner"], "reason": reg["reason"], "blocker": reg["blocker"],
        "due_on": reg["due_on"],
    })
    out = out.sort_values(["points_lost", "centre_id", "criterion_id"], ascending=[False, True, True], kind="stable")
    return out.reset_index(drop=True)


def months_unmet(h: pd.DataFrame, month: str) -> pd.Series:
    """For every (centre_id, key) open in ``month``: the consecutive months, ending with ``month``,
    in which it was open (a month without an assessment breaks the run). Index (centre_id, key)."""
    upto = h[h["month"] <= month]
    if upto.empty:
        return pd.Series(dtype="int64")
    months = months_between(str(upto["month"].min()), month)
    is_open = upto.assign(open=upto["status"].isin(OPEN)).pivot_table(
        index=["centre_id", "key"], columns="month", values="open", aggfunc="max")
    is_open = is_open.reindex(columns=months)
    newest_first = is_open[months[::-1]].astype("float64").fillna(0.0).astype(bool).to_numpy()
    run = np.cumprod(newest_first, axis=1).sum(axis=1)
    out = pd.Series(run.astype("int64"), index=is_open.index)
    return out[out > 0]


UNMET_COLUMNS = ["centre_id", "criterion_id", "pillar", "criterion_status", "owner_department", "reason", "blocker",
                 "months_unmet", "due_on", "overdue", "points_at_stake"]


def unmet(r: Readiness) -> pd.DataFrame:
    """One row per open criterion (partial, not met, not assessed) in the assessed month:
    ``UNMET_COLUMNS``. ``overdue``: due_on on or before the month's last day; ``points_at_stake`` =
    the score points the centre gains when it is met. Sorted by centre, overdue first, longest
    unmet first, then criterion."""
    h = r.history
    now = h[(h["month"] == r.month) & h["status"].isin(OPEN)]
    run = months_unmet(h, r.month)
    total = now["centre_id"].map(_centre_weight(r, r.month)).astype("float64")
    idx = pd.MultiIndex.from_frame(now[["centre_id", "key"]])
    out = pd.DataFrame({
        "centre_id": now["centre_id"].to_numpy(), "criterion_id": now["key"].to_numpy(),
        "pillar": now["pillar"].to_numpy(), "criterion_status": now["status"].to_numpy(),
        "owner_department": now["owner"].to_numpy(), "reason": now["reason"].to_numpy(),
        "blocker": now["blocker"].to_numpy(),
        "months_unmet": run.reindex(idx).fillna(1).astype("int64").to_numpy(),
        "due_on": now["due_on"].to_numpy(),
        "overdue": (now["due_on"] <= pd.Timestamp(r.last_day)).fillna(False).astype(bool).to_numpy(),
        "points_at_stake": (100 * now["gain"] / total).to_numpy(),
    }, columns=UNMET_COLUMNS)
    out["due_on"] = out["due_on"].astype("datetime64[us]")
    out = out.sort_values(["centre_id", "overdue", "months_unmet", "criterion_id"],
                          ascending=[True, False, False, True], kind="stable")
    return out.reset_index(drop=True)


def blockers(open_items: pd.DataFrame) -> pd.DataFrame:
    """Per blocker kind: how many open criteria wait on it, for how long on average (months unmet),
    the longest wait, how many are overdue and the score points at stake (summed over centres).
    Most criteria first, then blocker."""
    cols = ["blocker", "criteria", "mean_months_unmet", "max_months_unmet", "overdue_count", "points_at_stake"]
    if open_items.empty:
        return pd.DataFrame({c: pd.Series(dtype="str" if c == "blocker" else "float64") for c in cols})
    g = open_items.assign(blocker=open_items["blocker"].fillna("none")).groupby("blocker")
    out = pd.DataFrame({
        "criteria": g.size(), "mean_months_unmet": g["months_unmet"].mean(),
        "max_months_unmet": g["months_unmet"].max(), "overdue_count": g["overdue"].sum().astype("int64"),
        "points_at_stake": g["points_at_stake"].sum(),
    }).reset_index()
    out = out.sort_values(["criteria", "blocker"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out[cols]


# --- trend and projection -------------------------------------------------------------------------

def trend(r: Readiness, months: list[str]) -> pd.DataFrame:
    """Score and class per month and centre over ``months``: ``month, centre_id, score,
    classification, met, open``. Months without an assessment are absent."""
    sc = r.scores[r.scores["month"].isin(months)].copy()
    sc["classification"] = [classify(s, r.bands[r.kinds[c]]) for s, c in zip(sc["score"], sc["centre_id"])]
    sc["open"] = sc["partial"] + sc["not_met"] + sc["not_assessed"]
    out = sc[["month", "centre_id", "score", "classification", "met", "open"]]
    return out.sort_values(["month", "centre_id"]).reset_index(drop=True)


def last_months(month: str, n: int = 12) -> list[str]:
    """The ``n`` calendar months ending with ``month``, oldest first."""
    return months_back(month, n)


PROJECTION_COLUMNS = ["centre_id", "score", "classification", "closing_on_time", "projected_on_time", "class_on_time",
                      "overdue_count", "projected_overdue_open", "class_overdue_open"]


def projection(r: Readiness) -> pd.DataFrame:
    """The score at the evaluation date, per centre: ``PROJECTION_COLUMNS``.

    On time: every open criterion due before the evaluation date counts as met. Overdue stay
    open: the same, except criteria already overdue in the assessed month stay as they are.
    Met criteria are assumed to stay met. With no evaluation date, or one already passed, the
    projections equal the current score."""
    now = r.now()
    rows = []
    ev = pd.Timestamp(r.evaluation_date) if r.evaluation_date else None
    for centre in r.centres:
        mine = now[(now["centre_id"] == centre) & (now["status"] != "not_applicable")]
        bands = r.bands[r.kinds[centre]]
        if mine.empty:
            continue
        total = float(mine["weight"].sum())
        earned = float((mine["weight"] * mine["credit"]).sum())
        is_open = mine["status"].isin(OPEN)
        closes = is_open & (mine["due_on"] < ev).fillna(False) if ev is not None and ev > pd.Timestamp(r.last_day) \
            else pd.Series(False, index=mine.index)
        overdue = is_open & (mine["due_on"] <= pd.Timestamp(r.last_day)).fillna(False)
        on_time = 100 * (earned + mine.loc[closes, "gain"].sum()) / total
        kept_open = 100 * (earned + mine.loc[closes & ~overdue, "gain"].sum()) / total
        score = 100 * earned / total
        rows.append({"centre_id": centre, "score": score, "classification": classify(score, bands),
                     "closing_on_time": int(closes.sum()), "projected_on_time": on_time,
                     "class_on_time": classify(on_time, bands), "overdue_count": int((closes & overdue).sum()),
                     "projected_overdue_open": kept_open, "class_overdue_open": classify(kept_open, bands)})
    return pd.DataFrame(rows, columns=PROJECTION_COLUMNS)


# --- the year ---------------------------------------------------------------------------------------

def year_months(r: Readiness) -> list[str]:
    """The months of the assessed month's year, January to the assessed month."""
    return months_between(f"{r.month[:4]}-01", r.month)


TRAJECTORY_COLUMNS = ["centre_id", "first_month", "score_first", "class_first", "score_last", "class_last",
                      "score_change", "score_min", "score_max", "regressions"]


def trajectory(r: Readiness, months: list[str]) -> pd.DataFrame:
    """Each centre's path through ``months``: first and last assessed score and class, change,
    lowest and highest score, and how many regressions the months brought."""
    tr = trend(r, months)
    regs = year_regressions(r, months)
    counts = regs.groupby("centre_id").size() if len(regs) else pd.Series(dtype="int64")
    rows = []
    for centre in r.centres:
        mine = tr[tr["centre_id"] == centre]
        if mine.empty:
            continue
        first, last = mine.iloc[0], mine.iloc[-1]
        rows.append({"centre_id": centre, "first_month": first["month"], "score_first": first["score"],
                     "class_first": first["classification"], "score_last": last["score"],
                     "class_last": last["classification"], "score_change": last["score"] - first["score"],
                     "score_min": mine["score"].min(), "score_max": mine["score"].max(),
                     "regressions": int(counts.get(centre, 0))})
    return pd.DataFrame(rows, columns=TRAJECTORY_COLUMNS)


def year_regressions(r: Readiness, months: list[str]) -> pd.DataFrame:
    """Every regression of ``months`` (each against its previous month), with a ``month`` column,
    newest month first, then as ``regressions`` orders them."""
    parts = [regressions(r, m).assign(month=m) for m in sorted(months, reverse=True)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["month", *REGRESSION_COLUMNS])
    return out[["month", *REGRESSION_COLUMNS]]


NEVER_MET_COLUMNS = ["centre_id", "criterion_id", "pillar", "months_assessed", "months_unmet", "criterion_status",
                     "owner_department", "blocker", "due_on", "overdue"]


def never_met(r: Readiness, months: list[str]) -> pd.DataFrame:
    """Criteria of the version in force that a centre never met in ``months`` (counting only the
    months it assessed them as applicable), still open in the assessed month. Sorted by centre,
    longest unmet first, then criterion."""
    h = r.history[r.history["month"].isin(months) & (r.history["status"] != "not_applicable")]
    if h.empty:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in NEVER_MET_COLUMNS})
    g = h.groupby(["centre_id", "key"])
    stats = pd.DataFrame({"months_assessed": g.size(), "ever_met": g["status"].agg(lambda s: bool((s == "met").any()))})
    never = stats[~stats["ever_met"]].rename_axis(["centre_id", "criterion_id"])
    items = unmet(r).set_index(["centre_id", "criterion_id"])
    both = never.join(items, how="inner").reset_index()
    out = both[["centre_id", "criterion_id", "pillar", "months_assessed", "months_unmet", "criterion_status",
                "owner_department", "blocker", "due_on", "overdue"]]
    out = out.sort_values(["centre_id", "months_unmet", "criterion_id"], ascending=[True, False, True], kind="stable")
    return out.reset_index(drop=True)


TOP_OPEN_COLUMNS = ["centre_id", "criterion_id", "pillar", "points_at_stake", "blocker", "owner_department",
                    "months_unmet", "due_on", "overdue", "due_before_evaluation"]


def top_open(r: Readiness, n: int = 10) -> pd.DataFrame:
    """The ``n`` open criteria worth most before the evaluation: largest score points at stake
    first (then centre, criterion), with blocker, owner, wait and whether the due date falls
    before the evaluation date."""
    items = unmet(r)
    ev = pd.Timestamp(r.evaluation_date) if r.evaluation_date else None
    items["due_before_evaluation"] = (items["due_on"] < ev).fillna(False).astype(bool) if ev is not None else False
    items = items.sort_values(["points_at_stake", "centre_id", "criterion_id"], ascending=[False, True, True],
                              kind="stable").head(n)
    return items[TOP_OPEN_COLUMNS].reset_index(drop=True)
