"""The national comparison's numbers, from each entity's published aggregate tables (pure: frames in,
frames out; no words, no charts).

What the entities publish and what is read of it (``CENTRE_COUNTS``), per centre and month:

- ``channels_by_channel.csv`` (channels chapter): ``completed``, ``digital`` (completed digitally,
  the entity's own take-up definition), ``sl_met`` and ``sl_base`` (service level's numerator and
  denominator, the entity's configured variant), summed over the centre's channels;
- ``satisfaction_centre.csv`` (satisfaction chapter): ``responses`` and ``satisfied`` (CSAT 4–5);
- ``readiness_standing.csv`` (readiness chapter): ``score`` and ``classification``.

A table the entity does not publish (it does not provide surveys, say) leaves its counts missing,
never zero: the centre is then not compared on that measure.

The comparison (``rank_centres``): each measure is a proportion s/n per centre. Centres are
compared within their kind (walk-in, virtual), since their channels and thresholds differ.

- **Interval**: Wilson score interval of s/n (``chapters.satisfaction.wilson_interval``).
- **Shrinkage**: a beta-binomial with the kind's pooled rate μ = Σs ÷ Σn as prior mean and the
  prior strength M fitted by maximum marginal likelihood (``measures.shrinkage.beta_binomial_strength``);
  each centre's shrunk rate is the posterior mean (s + μM) ÷ (n + M), with the equal-tailed
  posterior interval of Beta(s + μM, n − s + (1 − μ)M). A centre with few observations is pulled
  toward μ, so it is not ranked first or last on noise.
- **Rank**: by shrunk rate, highest first (ties by entity and centre id), among centres with at
  least ``min_base`` observations; the others are shown unranked. A kind where every centre is at
  0% or at 100% (virtual centres' digital take-up) has nothing to rank.

``take_up_by_entity`` sets each entity's digital take-up against the national target,
``readiness_distribution`` counts centres by readiness class, ``improved_most`` finds the centres
whose rate rose most between two periods once chance is allowed for (the change shrunk toward none), and
``improved_readiness`` those whose readiness score rose most.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import beta, norm

from ..chapters.satisfaction import wilson_interval
from ..measures.shrinkage import beta_binomial_strength, normal_shrinkage
from ..measures.significance import two_proportion_test

# measure -> (successes, trials) columns of the centre table
MEASURES = {"csat": ("satisfied", "responses"), "service_level": ("sl_met", "sl_base"),
            "take_up": ("digital", "completed")}
COUNT_COLUMNS = ["completed", "digital", "sl_met", "sl_base", "responses", "satisfied"]
CENTRE_COLUMNS = ["entity_id", "centre_id", "kind", "month", *COUNT_COLUMNS, "score", "classification"]
YEAR_COLUMNS = ["entity_id", "centre_id", "kind", "months", *COUNT_COLUMNS, "score", "classification"]
RANK_COLUMNS = ["entity_id", "centre_id", "kind", "successes", "trials", "rate", "low", "high", "prior",
                "strength", "shrunk", "shrunk_low", "shrunk_high", "rank"]
ENTITY_COLUMNS = ["entity_id", "centres", "completed", "digital", "take_up", "low", "high", "target", "gap", "status"]
READINESS_COLUMNS = ["kind", "classification", "centres", "share"]
IMPROVED_COLUMNS = ["measure", "place", "entity_id", "centre_id", "kind", "before", "after", "raw_change",
                    "change", "change_low", "change_high", "p_value"]
SUMMARY_COLUMNS = ["metric", "value", "low", "high", "target"]
KIND_ORDER = ("walk_in", "virtual")
NOT_ASSESSED = "not_assessed"
STATUSES = ("on", "near", "off", "no_data")


# --- the centre table ---------------------------------------------------------------------------

def centre_month(entity_id: str, month: str, centres: list[tuple[str, str]], tables: dict) -> pd.DataFrame:
    """One entity's month as rows of ``CENTRE_COLUMNS``, one per configured centre (``centres``:
    ``(centre_id, kind)`` in config order). ``tables`` holds the published frames by name
    (``channels_by_channel``, ``satisfaction_centre``, ``readiness_standing``), None when not published."""
    out = pd.DataFrame({"entity_id": entity_id, "centre_id": [c for c, _ in centres],
                        "kind": [k for _, k in centres], "month": month})
    channels = tables.get("channels_by_channel")
    satisfaction = tables.get("satisfaction_centre")
    readiness = tables.get("readiness_standing")
    for columns, frame, how in ((["completed", "digital", "sl_met", "sl_base"], channels, "sum"),
                                (["responses", "satisfied"], satisfaction, "sum")):
        if frame is None:
            for column in columns:
                out[column] = np.nan
            continue
        summed = frame.assign(centre_id=frame["centre_id"].astype(str)).groupby("centre_id")[columns].agg(how)
        for column in columns:
            out[column] = out["centre_id"].map(summed[column]).fillna(0).astype(float)
    if readiness is None:
        out["score"], out["classification"] = np.nan, None
    else:
        standing = readiness.assign(centre_id=readiness["centre_id"].astype(str)).set_index("centre_id")
        out["score"] = out["centre_id"].map(standing["score"]).astype(float)
        classes = out["centre_id"].map(standing["classification"])
        out["classification"] = [None if pd.isna(v) else str(v) for v in classes]
    return out[CENTRE_COLUMNS]


def pool_year(panel: pd.DataFrame) -> pd.DataFrame:
    """The months of ``panel`` (rows of ``CENTRE_COLUMNS``) pooled per centre: counts summed over the
    months that have them (missing when no month has), ``months`` how many months the centre has,
    readiness score and class of its latest month that has one."""
    if panel.empty:
        return pd.DataFrame(columns=YEAR_COLUMNS)
    keys = ["entity_id", "centre_id", "kind"]
    ordered = panel.sort_values([*keys, "month"], kind="stable")
    pooled = ordered.groupby(keys, sort=False)[COUNT_COLUMNS].sum(min_count=1)
    pooled["months"] = ordered.groupby(keys, sort=False)["month"].nunique()
    assessed = ordered[ordered["score"].notna()].groupby(keys, sort=False).last()
    pooled["score"] = assessed["score"].reindex(pooled.index)
    pooled["classification"] = assessed["classification"].reindex(pooled.index)
    pooled = pooled.reset_index()
    pooled["classification"] = [None if pd.isna(v) else str(v) for v in pooled["classification"]]
    return pooled[YEAR_COLUMNS]


def _kinds(frame: pd.DataFrame) -> list[str]:
    found = sorted(set(frame["kind"]))
    return [k for k in KIND_ORDER if k in found] + [k for k in found if k not in KIND_ORDER]


# --- ranking -------------------------------------------------------------------------------------

def posterior(successes, trials, prior: float, strength: float, confidence: float) -> tuple:
    """Beta-binomial posterior mean and equal-tailed interval of each s/n under the prior
    Beta(μM, (1 − μ)M): (s + μM)/(n + M) and the ``confidence`` quantiles of Beta(s + μM, n − s + (1 − μ)M)."""
    s, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    a, b = s + prior * strength, n - s + (1.0 - prior) * strength
    tail = (1.0 - confidence) / 2.0
    return a / (a + b), beta.ppf(tail, a, b), beta.ppf(1.0 - tail, a, b)


def rank_centres(frame: pd.DataFrame, measure: str, confidence: float = 0.95, min_base: int = 30) -> pd.DataFrame:
    """Every centre of ``frame`` with observations on ``measure`` (``MEASURES``) as rows of
    ``RANK_COLUMNS``: its rate and Wilson interval, its kind's prior mean and strength, its shrunk
    rate and posterior interval, and its rank within its kind (missing when unranked, see the module).
    Kinds in ``KIND_ORDER``, then by rank (unranked last), entity and centre."""
    s_col, n_col = MEASURES[measure]
    parts = []
    for kind in _kinds(frame):
        rows = frame[(frame["kind"] == kind) & (frame[n_col] > 0)]
        if rows.empty:
            continue
        s, n = rows[s_col].to_numpy(dtype=float), rows[n_col].to_numpy(dtype=float)
        prior = float(s.sum() / n.sum())
        out = pd.DataFrame({"entity_id": rows["entity_id"].to_numpy(), "centre_id": rows["centre_id"].to_numpy(),
                            "kind": kind, "successes": s, "trials": n, "rate": s / n})
        wilson = [wilson_interval(int(si), int(ni), confidence) for si, ni in zip(s, n, strict=True)]
        out["low"], out["high"] = [w[0] for w in wilson], [w[1] for w in wilson]
        out["prior"] = prior
        if prior in (0.0, 1.0):      # every centre at 0% or 100%: nothing to tell apart
            out["strength"], out["shrunk"], out["shrunk_low"], out["shrunk_high"] = np.nan, out["rate"], np.nan, np.nan
            out["rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
        else:
            strength = beta_binomial_strength(s, n, np.full(len(s), prior))
            out["strength"] = strength
            out["shrunk"], out["shrunk_low"], out["shrunk_high"] = posterior(s, n, prior, strength, confidence)
            eligible = out[out["trials"] >= min_base].sort_values(
                ["shrunk", "entity_id", "centre_id"], ascending=[False, True, True], kind="stable")
            out["rank"] = pd.Series(range(1, len(eligible) + 1), index=eligible.index, dtype="Int64").reindex(out.index)
        out = out.assign(_unranked=out["rank"].isna()).sort_values(
            ["_unranked", "rank", "entity_id", "centre_id"], kind="stable").drop(columns="_unranked")
        parts.append(out)
    if not parts:
        return pd.DataFrame(columns=RANK_COLUMNS)
    return pd.concat(parts, ignore_index=True)[RANK_COLUMNS]


# --- take-up by entity, readiness, the national summary -------------------------------------------

def target_status(value: float, target: float, near: float) -> str:
    """``on`` at or above the target, ``near`` within ``near`` of it, ``off`` below; ``no_data``
    when there is no value."""
    if value is None or not math.isfinite(value):
        return "no_data"
    if value >= target:
        return "on"
    return "near" if target - value <= near + 1e-12 else "off"


def take_up_by_entity(frame: pd.DataFrame, target: float, near: float = 0.02, confidence: float = 0.95) -> pd.DataFrame:
    """Each entity's digital take-up (Σ digital ÷ Σ completed over its centres) with its Wilson
    interval, against the national ``target``: ``gap`` = take-up − target, ``status`` as
    ``target_status``. Highest take-up first (entity id on ties); entities without data last."""
    if frame.empty:
        return pd.DataFrame(columns=ENTITY_COLUMNS)
    grouped = frame.groupby("entity_id", sort=True)
    out = pd.DataFrame({"centres": grouped.size(),
                        "completed": grouped["completed"].sum(min_count=1),
                        "digital": grouped["digital"].sum(min_count=1)}).reset_index()
    n, s = out["completed"].to_numpy(dtype=float), out["digital"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["take_up"] = np.where(n > 0, s / n, np.nan)
    wilson = [wilson_interval(int(si), int(ni), confidence) if ni > 0 else (np.nan, np.nan)
              for si, ni in zip(s, n, strict=True)]
    out["low"], out["high"] = [w[0] for w in wilson], [w[1] for w in wilson]
    out["target"] = float(target)
    out["gap"] = out["take_up"] - float(target)
    out["status"] = [target_status(v, target, near) for v in out["take_up"]]
    out = out.assign(_none=out["take_up"].isna()).sort_values(["_none", "take_up", "entity_id"],
                                                              ascending=[True, False, True], kind="stable")
    return out.drop(columns="_none").reset_index(drop=True)[ENTITY_COLUMNS]


def class_order(bands: list[list[str]]) -> list[str]:
    """One order of readiness classes from several configurations' bands (each a list, highest
    first): a class before every class it precedes in some list, first seen first; then ``NOT_ASSESSED``."""
    order: list[str] = []
    for band in bands:
        at = 0
        for name in band:
            if name in order:
                at = order.index(name) + 1
            else:
                order.insert(at, name)
                at += 1
    return order + [NOT_ASSESSED]


def readiness_distribution(frame: pd.DataFrame, classes: list[str]) -> pd.DataFrame:
    """Centres per kind and readiness class (``NOT_ASSESSED`` when a centre has none), with each
    class's share of the kind's centres; kinds in ``KIND_ORDER``, classes in ``classes`` (then any
    other, sorted). Only classes with at least one centre."""
    if frame.empty:
        return pd.DataFrame(columns=READINESS_COLUMNS)
    known = frame.assign(classification=[NOT_ASSESSED if c is None or (isinstance(c, float) and math.isnan(c))
                                         else str(c) for c in frame["classification"]])
    rows = []
    for kind in _kinds(known):
        mine = known[known["kind"] == kind]
        counts = mine["classification"].value_counts()
        order = [c for c in classes if c in counts.index] + sorted(c for c in counts.index if c not in classes)
        for name in order:
            rows.append({"kind": kind, "classification": name, "centres": int(counts[name]),
                         "share": float(counts[name]) / len(mine)})
    return pd.DataFrame(rows, columns=READINESS_COLUMNS)


def national_summary(frame: pd.DataFrame, targets: dict, confidence: float = 0.95) -> pd.DataFrame:
    """The period's national figures as rows of ``SUMMARY_COLUMNS``: entities, centres, completed
    transactions and survey responses (counts), then CSAT, service level and digital take-up pooled
    over every centre with data, each with its Wilson interval and the national target."""
    rows = [{"metric": "entities", "value": float(frame["entity_id"].nunique())},
            {"metric": "centres", "value": float(len(frame))},
            {"metric": "completed", "value": float(frame["completed"].sum(min_count=1))},
            {"metric": "responses", "value": float(frame["responses"].sum(min_count=1))}]
    for measure, target_key in (("csat", "csat"), ("service_level", "service_level"), ("take_up", "digital_take_up")):
        s_col, n_col = MEASURES[measure]
        s, n = frame[s_col].sum(min_count=1), frame[n_col].sum(min_count=1)
        has = pd.notna(n) and n > 0
        low, high = wilson_interval(int(s), int(n), confidence) if has else (np.nan, np.nan)
        rows.append({"metric": measure, "value": float(s / n) if has else np.nan, "low": low, "high": high,
                     "target": float(targets.get(target_key, np.nan))})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


# --- improvement ---------------------------------------------------------------------------------

def improved_most(before: pd.DataFrame, after: pd.DataFrame, measure: str, top: int = 10, min_base: int = 30,
                  confidence: float = 0.95) -> pd.DataFrame:
    """The ``top`` centres whose rate on ``measure`` rose most from ``before`` to ``after`` (two centre
    tables), chance allowed for: among centres with at least ``min_base`` observations in both, the change
    d = p_after − p_before of each kind's centres is shrunk toward no change by normal–normal
    empirical Bayes (``measures.shrinkage.normal_shrinkage``, sampling variance
    p̃(1 − p̃)/n summed over the two periods, p̃ = (s + ½)/(n + 1)), so that a small centre's big
    swing counts for little. Rows of ``IMPROVED_COLUMNS``: raw rates before and after, the raw
    change, the shrunk change with its ``confidence`` interval (posterior mean ± z·sd), and the
    two-proportion test's p-value (``measures.significance.two_proportion_test``); only shrunk
    changes above zero, highest first (entity and centre id on ties)."""
    s_col, n_col = MEASURES[measure]
    keys = ["entity_id", "centre_id", "kind"]
    joined = before[[*keys, s_col, n_col]].merge(after[[*keys, s_col, n_col]], on=keys, suffixes=("_b", "_a"))
    joined = joined[(joined[f"{n_col}_b"] >= min_base) & (joined[f"{n_col}_a"] >= min_base)].reset_index(drop=True)
    s1, n1 = joined[f"{s_col}_b"].to_numpy(dtype=float), joined[f"{n_col}_b"].to_numpy(dtype=float)
    s2, n2 = joined[f"{s_col}_a"].to_numpy(dtype=float), joined[f"{n_col}_a"].to_numpy(dtype=float)
    out = pd.DataFrame({"measure": measure, "entity_id": joined["entity_id"], "centre_id": joined["centre_id"],
                        "kind": joined["kind"], "before": s1 / n1, "after": s2 / n2})
    out["raw_change"] = out["after"] - out["before"]
    tilde1, tilde2 = (s1 + 0.5) / (n1 + 1), (s2 + 0.5) / (n2 + 1)
    variance = tilde1 * (1 - tilde1) / n1 + tilde2 * (1 - tilde2) / n2
    z = float(norm.ppf(0.5 + confidence / 2))
    out["change"], out["change_low"], out["change_high"] = np.nan, np.nan, np.nan
    for kind in out["kind"].unique():
        rows = (out["kind"] == kind).to_numpy()
        post, post_var, _ = normal_shrinkage(out.loc[rows, "raw_change"].to_numpy(), variance[rows])
        out.loc[rows, "change"] = post
        out.loc[rows, "change_low"] = post - z * np.sqrt(post_var)
        out.loc[rows, "change_high"] = post + z * np.sqrt(post_var)
    out["p_value"] = [two_proportion_test(int(a), int(m), int(b), int(k))[0]
                      for a, m, b, k in zip(s2, n2, s1, n1, strict=True)]
    return _top(out, top)


def improved_readiness(before: pd.DataFrame, after: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The ``top`` centres whose readiness score (points) rose most from ``before`` to ``after``
    (two centre tables), a rise above zero; rows of ``IMPROVED_COLUMNS`` (a score has no sampling
    error: its change is not shrunk and has no interval or p-value)."""
    keys = ["entity_id", "centre_id", "kind"]
    joined = before[[*keys, "score"]].merge(after[[*keys, "score"]], on=keys, suffixes=("_before", "_after"))
    joined = joined[joined["score_before"].notna() & joined["score_after"].notna()]
    out = pd.DataFrame({"measure": "readiness", "entity_id": joined["entity_id"], "centre_id": joined["centre_id"],
                        "kind": joined["kind"], "before": joined["score_before"], "after": joined["score_after"]})
    out["raw_change"] = out["after"] - out["before"]
    out["change"], out["change_low"], out["change_high"], out["p_value"] = out["raw_change"], np.nan, np.nan, np.nan
    return _top(out, top)


def _top(out: pd.DataFrame, top: int) -> pd.DataFrame:
    out = out[out["change"] > 1e-12].sort_values(["change", "entity_id", "centre_id"], ascending=[False, True, True],
                                                 kind="stable").head(top).reset_index(drop=True)
    out["place"] = range(1, len(out) + 1)
    return out[IMPROVED_COLUMNS]
