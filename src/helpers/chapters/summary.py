"""The numbers behind each monthly chapter's executive summary: small ``Finding`` records.

A chapter already computes its results; this module picks from them the few facts leadership
reads first (a measure, its value, the month before, its target and which way is better) and
judges each one the same way everywhere: did it move, was the move for the better, is it on
target, does it need a decision. ``summary_view`` turns them into sentences, so the words can
never disagree with the numbers: they are chosen from these judgements, not written beside them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..measures import kpis
from . import feedback, readiness, satisfaction

# Which way is better, for every measure a summary may show (kpis.HIGHER_IS_BETTER and the
# satisfaction and feedback measures); a measure absent here (a volume) is neither.
HIGHER_IS_BETTER = {**kpis.HIGHER_IS_BETTER, "csat": True, "nps": True, "ces": True, "team_csat": True,
                    "readiness_score": True, "complaints_per_1000": False, "wait_walk_in": False,
                    "thank_yous": True, "transactions": None}
# A move smaller than this (in the measure's own unit) is no move: half the last digit a reader sees
# (a share with one decimal of a percent, a score with one decimal, a rate per 1,000 with two, a
# duration to the second, a count to the unit).
RESOLUTION = {"share": 0.0005, "score": 0.05, "rate": 0.005, "duration": 0.5, "count": 0.5, "points": 0.05}
UNITS = {**{m: "share" for m in kpis.SHARE_KPIS}, **{m: "duration" for m in kpis.DURATION_KPIS},
         "csat": "share", "team_csat": "share", "nps": "score", "ces": "score", "readiness_score": "points",
         "complaints_per_1000": "rate", "wait_walk_in": "duration", "thank_yous": "count", "transactions": "count"}


def _number(x) -> float:
    """``x`` as a float; NaN for None, NA, NaT, text or ±inf (nothing a reader can be shown)."""
    try:
        value = float(x)
    except (TypeError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def _flag(x) -> bool | None:
    """A test's verdict as True/False, or None when there was no test (NA, NaN, None)."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return None
    return bool(x)


@dataclass(frozen=True)
class Finding:
    """One measure of one month, as leadership reads it.

    ``previous`` is the month before (NaN when there is none: the first month); ``target`` NaN
    when none is set; ``direction`` ``higher`` or ``lower`` (which way is better) or None (a volume);
    ``significant`` the chapter's own test of the change against the month before (None: no test);
    ``where`` a centre or channel id when the finding is about one (else "").
    """

    measure: str
    value: float
    previous: float = math.nan
    target: float = math.nan
    direction: str | None = None
    significant: bool | None = None
    unit: str = "share"
    where: str = ""

    @property
    def change(self) -> float:
        return self.value - self.previous

    @property
    def movement(self) -> str:
        """``rose``, ``fell``, ``same`` (a move below the reader's last digit), ``first`` (no month
        before) or ``none`` (no value this month)."""
        if math.isnan(self.value):
            return "none"
        if math.isnan(self.previous):
            return "first"
        if abs(self.change) < RESOLUTION.get(self.unit, 0.0):
            return "same"
        return "rose" if self.change > 0 else "fell"

    @property
    def judgement(self) -> str | None:
        """``better`` or ``worse`` for a move of a measure with a good direction; None otherwise."""
        if self.direction is None or self.movement not in ("rose", "fell"):
            return None
        up = self.movement == "rose"
        return "better" if up == (self.direction == "higher") else "worse"

    @property
    def on_target(self) -> bool | None:
        """At or better than the target (for ``lower``: at or under it); None without a target."""
        if math.isnan(self.target) or math.isnan(self.value) or self.direction is None:
            return None
        return self.value >= self.target if self.direction == "higher" else self.value <= self.target

    @property
    def needs_decision(self) -> bool:
        """Off target, unless it is getting better for real (a significant improvement); or a real
        (significant) change for the worse, whatever the target. A small move that may be chance
        does not take a measure off the list."""
        if self.judgement == "worse" and self.significant:
            return True
        return self.on_target is False and not (self.judgement == "better" and self.significant)


def finding(measure: str, value, previous=math.nan, target=math.nan, significant=None, where: str = "",
            unit: str | None = None) -> Finding:
    """A ``Finding`` with the measure's good direction and unit from ``HIGHER_IS_BETTER`` and ``UNITS``."""
    better = HIGHER_IS_BETTER.get(measure)
    return Finding(measure=measure, value=_number(value), previous=_number(previous), target=_number(target),
                   direction=None if better is None else ("higher" if better else "lower"),
                   significant=_flag(significant), unit=unit or UNITS.get(measure, "share"), where=where)


# --- the overview and channels -------------------------------------------------------------------

def from_rows(frame: pd.DataFrame, measures: list[str], significant: dict | str | None = None,
              key: str = "metric") -> list[Finding]:
    """Findings from a frame with a row per measure (named in column ``key``) and columns
    ``value``, ``previous``, ``target`` (``headline.headline``, ``kpis.summary``, the landing tiles
    with ``key="measure"``), for each of ``measures`` it holds, in that order. ``significant`` is
    the column of the change's test, or a ``{measure: verdict}`` from elsewhere."""
    rows = frame.drop_duplicates(key).set_index(key) if len(frame) else frame.set_index(key)
    out = []
    for m in measures:
        if m not in rows.index:
            continue
        r = rows.loc[m]
        test = significant.get(m) if isinstance(significant, dict) else (r.get(significant) if significant else None)
        out.append(finding(m, r.get("value"), r.get("previous"), r.get("target", math.nan), test))
    return out


def verdicts(frame: pd.DataFrame, column: str = "significant", key: str = "metric") -> dict:
    """``{measure: verdict}`` of a frame's test column (``headline.headline``'s ``significant``)."""
    if column not in frame.columns:
        return {}
    return {str(m): _flag(v) for m, v in zip(frame[key], frame[column], strict=True)}


def previous_standing(r) -> pd.DataFrame | None:
    """``readiness.standing`` of the month before the assessed one, or None when that month was
    not assessed (the first month: nothing to compare with)."""
    if not (r.scores["month"] == r.previous).any():
        return None
    return readiness.standing(r, r.previous)


def take_up(series: pd.DataFrame, month: str, target) -> Finding:
    """Digital take-up (``adoption.monthly``'s ``virtual_share``) of ``month`` against the month before."""
    s = series.set_index("month")["virtual_share"] if len(series) else pd.Series(dtype=float)
    prev = str(pd.Period(month, freq="M") - 1)
    return finding("virtual_share", s.get(month, math.nan), s.get(prev, math.nan), target)


def safeguard_groups(frame: pd.DataFrame) -> dict[str, list[str]]:
    """The channels whose volume grew, by safeguard verdict (``adoption.safeguard``): ``{verdict:
    [channel ids]}`` for the verdicts present, channels in the frame's order."""
    out: dict[str, list[str]] = {}
    if frame.empty:
        return out
    for r in frame[frame["volume_change"] > 0].itertuples(index=False):
        out.setdefault(str(r.verdict), []).append(str(r.channel_id))
    return out


# --- satisfaction --------------------------------------------------------------------------------

def overall_scores(scores: pd.DataFrame, changes: pd.DataFrame | None, targets: dict | None = None,
                   metrics: tuple[str, ...] = ("csat", "nps")) -> list[Finding]:
    """Each of ``metrics`` for all centres together: its value from ``scores``
    (``satisfaction.scores_by`` with no cut), the month before and the verdict of its corrected test
    from ``changes`` (``satisfaction.change_family``: its row with no cut, against ``previous``);
    no month before when ``changes`` has none (the first month)."""
    targets = targets or {}
    if scores.empty:
        return []
    top = pd.DataFrame(columns=["metric", "baseline", "significant"])
    if changes is not None and len(changes):
        top = changes[changes["cut"].fillna("").eq("") & changes["comparison"].eq("previous")]
    out = []
    for m in metrics:
        if m not in scores.columns:
            continue
        row = top[top["metric"].eq(m)]
        previous, test = (row.iloc[0]["baseline"], row.iloc[0]["significant"]) if len(row) else (math.nan, None)
        out.append(finding(m, scores.iloc[0][m], previous, targets.get(m, math.nan), test))
    return out


def complaint_rate(feedback_all: pd.DataFrame, tickets: pd.DataFrame, period) -> Finding:
    """Complaints per 1,000 transactions in ``period`` against the month before (``feedback.rates``
    on each month's feedback and tickets); the month before is NaN when it had no transactions."""
    def rate(p):
        fb = satisfaction.within(feedback_all, "received_at", p)
        tk = satisfaction.within(tickets, "created_at", p)
        if tk.empty:
            return math.nan
        return float(feedback.rates(fb, tk).iloc[0]["complaints_per_1000"])
    return finding("complaints_per_1000", rate(period), rate(period.previous()))


def places(drops: pd.DataFrame) -> list[tuple[tuple[str, object], ...]]:
    """The places with a significant drop (``significance.drops``), once each, in its order: each
    the ``(column, value)`` pairs of the drop's cut (``(("centre_id", "seef"),)``), ``()`` for all."""
    out = []
    for r in drops.to_dict("records"):
        cut = [c for c in str(r.get("cut") or "").split("+") if c]
        key = tuple((c, r[c]) for c in cut)
        if key not in out:
            out.append(key)
    return out


# --- readiness and recognition --------------------------------------------------------------------

def readiness_scores(now: pd.DataFrame, before: pd.DataFrame | None) -> list[Finding]:
    """Each centre's readiness score (``readiness.standing``, 0–100) against the month before."""
    prev = {} if before is None or before.empty else dict(zip(before["centre_id"], before["score"], strict=True))
    return [finding("readiness_score", r["score"], prev.get(r["centre_id"], math.nan), where=str(r["centre_id"]))
            for r in now.to_dict("records")]


def team_satisfaction(team: pd.DataFrame) -> list[Finding]:
    """Each centre's team satisfaction (``recognition.team_morale``) against the month before."""
    if "team_csat" not in team.columns:
        return []
    return [finding("team_csat", r["team_csat"], r["team_csat_previous"], where=str(r["centre_id"]))
            for r in team.to_dict("records")]
