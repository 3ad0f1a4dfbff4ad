"""What each initiative in the registry changed: the initiatives chapter's series, designs and results.

The statistics are ``helpers.measures.impact``'s; this module decides which series each initiative is
judged on, which designs apply and which initiatives cannot be told apart, and returns the
results as numbers (how they are said and drawn is ``initiatives_view``'s). Pure: frames in,
frames and result objects out.

Outcomes (``expected`` in the registry, e.g. ``virtual_share:up``), one monthly series each:

``virtual_share``  digital take-up (UK Service Standard, ``adoption.take_up``) of ALL centres:
                   moving customers to virtual channels shows up across the entity, not at one
                   centre. Binomial (quasi-binomial) on completed transactions; the effect is in
                   percentage points.
``csat``           share of responses scoring in the top box (4–5) on the initiative's centres and
                   channels, by month of submission. Binomial on responses; percentage points.
``wait``           mean wait (started_at − created_at) of served tickets WITHOUT an appointment on
                   the initiative's centres and channels, by month of creation: appointments have
                   their own times, and mixing them in would count a shift to appointments as
                   shorter queues. Quasi-Poisson on total wait seconds with the number of tickets
                   as exposure, so the effect is a ratio of mean waits.

Rules (printed on the Methods page):

* **Enough data**: at least ``MIN_PRE_MONTHS`` (6) full months before the start and
  ``MIN_POST_MONTHS`` (3) after, with every month in between present. Six points give a level
  and a trend with four degrees of freedom to spare; three after is the least that shows a step
  is not one odd month.
* **The start month** is a transition: when an initiative starts after the 1st, its first month
  is partly before and partly after, and is left out of its own model (Lopez Bernal et al. 2017).
* **Seasonality**: one pair of yearly Fourier terms when the pre-period has at least 24 months
  (two full cycles); none otherwise, as a yearly pattern cannot be told from a trend in less.
* **Overlap**: two initiatives overlap when they expect the same outcome on intersecting
  centres and channels (``virtual_share``: always, its series is entity-wide). When their start
  months are fewer than ``SEPARATION_MONTHS`` (3) apart, the series has at most one clean month
  between them and cannot separate them: they are fitted as one joint step and only their
  joint effect is reported. Otherwise each is fitted with the other's step as a covariate
  (the share of the month's days from its start), so neither takes credit for the other.
  ``csat`` and ``wait`` are measured where the initiative works, so every other initiative on
  intersecting centres and channels also enters as a step, whatever it expected (a change at
  the same counters can move satisfaction and waiting), unless its start month is fewer than
  ``SEPARATION_MONTHS`` away; the entity-wide ``virtual_share`` takes only initiatives that
  expect to move it. Initiatives not modelled are named as what the design cannot rule out.
* **Placebo in time**: the same model on the pre-period alone, with a fake start at the month
  nearest its middle that leaves ``PLACEBO_MIN_SIDE`` (4) months on each side and lies at least
  ``PLACEBO_CLEARANCE`` (2) months from any other start.
* **Controlled designs**: when an initiative names some centres of a kind (walk-in …) and other
  centres of that kind are left out, those serve as the control: controlled ITS and
  difference-in-differences on the same outcome measured at the centres, with the parallel-trends
  check. The control absorbs anything that hit both groups (other initiatives included).
* **Verdicts**: ``achieved`` only when the 95% interval excludes no effect, in the expected
  direction, and the placebo in time RAN and found nothing; ``opposite`` when significant the
  other way; ``not_detected`` when the interval includes no effect; ``placebo_failed`` when the
  placebo found a change where none should be (the estimate is shown, not claimed);
  ``significant_unchecked`` when the estimate is significant but its check could not run (no
  fake start qualifies, or for difference-in-differences the parallel-trends test could not be
  estimated): shown, not claimed, since an unchecked estimate is not evidence of a success;
  ``insufficient`` without enough data; ``joint`` for members of a joint step. The controlled
  ITS's check is its comparison series (each arm has its own level and trend); difference-in-
  differences' is the parallel-trends test (``trends_differ`` when it fails).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..measures import impact, kpis
from ..measures.kpis import KpiSettings

OUTCOMES = ("virtual_share", "csat", "wait")
# The month table each outcome is measured from: an entity that does not provide it (config
# ``tables:``) cannot have that outcome measured (``assess_period``).
MEASURED_FROM = {"virtual_share": "tickets", "csat": "surveys", "wait": "tickets"}
FAMILY = {"virtual_share": "binomial", "csat": "binomial", "wait": "poisson"}
DIRECTIONS = ("up", "down")
MIN_PRE_MONTHS = 6
MIN_POST_MONTHS = 3
SEPARATION_MONTHS = 3
SEASONAL_MIN_PRE = 24
PLACEBO_MIN_SIDE = 4
PLACEBO_CLEARANCE = 2
ALPHA = 0.05
ALL = "all"

EFFECT_COLUMNS = ["initiative_id", "members", "outcome", "expected", "design", "measure", "effect",
                  "effect_low", "effect_high", "p_value", "finding", "months_before", "months_after",
                  "placebo_effect", "placebo_p", "adjusted_for"]
CONTROLLED_COLUMNS = ["initiative_id", "outcome", "design", "treated", "control", "effect", "effect_low",
                      "effect_high", "p_value", "trend_gap", "trend_p", "finding"]
OVERLAP_COLUMNS = ["initiative_id", "other_id", "outcome", "months_apart", "windows_overlap", "handling"]
REGISTRY_COLUMNS = ["initiative_id", "start_on", "end_on", "centres", "channels", "expected", "initiative_owner",
                    "assessment", "months_before", "months_after"]
SERIES_COLUMNS = ["initiative_id", "outcome", "design", "group", "month", "observed", "fitted",
                  "counterfactual", "cf_low", "cf_high", "post"]


# --- the registry ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Initiative:
    """One registry row, parsed. ``centres``/``channels`` are sorted ids or ``("all",)``."""

    initiative_id: str
    name_en: str
    name_ar: str
    start_on: pd.Timestamp
    end_on: pd.Timestamp | None
    centres: tuple[str, ...]
    channels: tuple[str, ...]
    expected: tuple[tuple[str, str], ...]
    owner: str = ""

    def name(self, lang: str) -> str:
        return self.name_ar if lang == "ar" else self.name_en

    @property
    def start_month(self) -> pd.Timestamp:
        return self.start_on.to_period("M").to_timestamp()


def parse_list(text) -> tuple[str, ...]:
    """``all`` or ``;``-separated ids as a sorted tuple (``("all",)`` for all)."""
    items = sorted({p.strip() for p in str(text or "").split(";") if p.strip()})
    return (ALL,) if ALL in items or not items else tuple(items)


def parse_expected(text) -> tuple[tuple[str, str], ...]:
    """``virtual_share:up; csat:up`` as ``(("virtual_share", "up"), ("csat", "up"))``, in order.

    Separators ``;``, ``,`` or spaces; an entry without a direction or with another word is kept
    with direction ``""`` so the chapter can say it is not measured.
    """
    out = []
    for part in re.split(r"[;,\s]+", str(text or "").strip()):
        if not part:
            continue
        outcome, _, direction = part.partition(":")
        out.append((outcome.strip(), direction.strip() if direction.strip() in DIRECTIONS else ""))
    return tuple(out)


def registry(frame: pd.DataFrame) -> list[Initiative]:
    """The registry frame (``store.initiatives``) as Initiatives, sorted by start then id."""
    out = []
    for r in frame.sort_values(["start_on", "initiative_id"], kind="stable").itertuples(index=False):
        end = getattr(r, "end_on", None)
        out.append(Initiative(
            initiative_id=str(r.initiative_id), name_en=str(r.name_en), name_ar=str(r.name_ar),
            start_on=pd.Timestamp(r.start_on), end_on=None if pd.isna(end) else pd.Timestamp(end),
            centres=parse_list(r.centres), channels=parse_list(r.channels),
            expected=parse_expected(r.expected), owner=str(getattr(r, "owner", "") or "")))
    return out


def _expand(ids: tuple[str, ...], known: list[str]) -> frozenset[str]:
    return frozenset(known) if ids == (ALL,) else frozenset(ids)


def months_apart(a: pd.Timestamp, b: pd.Timestamp) -> int:
    """Whole calendar months between the months of two dates (``|a − b|`` in months)."""
    return abs((a.year - b.year) * 12 + a.month - b.month)


# --- monthly outcome series -------------------------------------------------------------------

def _month_start(stamps: pd.Series) -> pd.Series:
    return pd.to_datetime(stamps).dt.to_period("M").dt.to_timestamp()


def _month_number(stamps: pd.Series) -> np.ndarray:
    """``year·12 + month − 1`` per timestamp (−1 for a missing one): cheap to group by."""
    s = pd.to_datetime(stamps)
    out = (s.dt.year * 12 + s.dt.month - 1).to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(out), -1, out).astype(np.int64)


def outcome_series(outcome: str, tickets: pd.DataFrame, surveys: pd.DataFrame, months: list[pd.Timestamp],
                   st: KpiSettings, top_box=(4, 5), centres: frozenset | None = None,
                   channels: frozenset | None = None, wait_end: str = "started_at") -> pd.DataFrame:
    """One row per month in ``months``: ``month, value, numerator, denominator``.

    ``virtual_share``: digital ÷ completed, digital as ``adoption.take_up`` counts it (a virtual
    channel, or assisted digital on another channel when ``st.assisted_counts``), by month of
    creation; ``csat``: top-box responses ÷ responses, by month of submission; ``wait``: total
    wait seconds ÷ served tickets without an appointment (value = mean wait in seconds), by
    month of creation, where wait runs from ``created_at`` to ``wait_end`` (the KPI's
    ``started_at``; ``called_at`` gives the queue wait alone). ``centres``/``channels`` (None =
    all) filter the tickets or responses. A month without a denominator has NaN value.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; measured outcomes are {', '.join(OUTCOMES)}")
    frame = surveys if outcome == "csat" else tickets
    keep = np.ones(len(frame), dtype=bool)
    if centres is not None:
        keep &= frame["centre_id"].isin(sorted(centres)).to_numpy()
    if channels is not None:
        keep &= frame["channel_id"].isin(sorted(channels)).to_numpy()
    if outcome == "virtual_share":
        keep &= frame["outcome"].eq("completed").fillna(False).to_numpy(dtype=bool)
        virtual = frame["channel_id"].isin(list(st.virtual_channels)).to_numpy()
        assisted = frame["assisted_digital"].fillna(False).to_numpy(dtype=bool) & ~virtual
        numerator = (virtual | (assisted & st.assisted_counts)).astype(float)
        when = frame["created_at"]
    elif outcome == "csat":
        scores = frame["csat"]
        keep &= scores.notna().to_numpy()
        numerator = scores.isin(list(top_box)).fillna(False).to_numpy(dtype=float)
        when = frame["submitted_at"]
    else:
        keep &= (frame["started_at"].notna() & frame[wait_end].notna()).to_numpy()
        keep &= ~frame["booked"].fillna(False).to_numpy(dtype=bool)
        seconds = (frame[wait_end] - frame["created_at"]).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
        numerator = np.clip(np.nan_to_num(seconds), 0, None)
        when = frame["created_at"]
    first = months[0].year * 12 + months[0].month - 1 if months else 0
    slot = _month_number(when[keep]) - first
    inside = (slot >= 0) & (slot < len(months))
    num = np.bincount(slot[inside], weights=numerator[keep][inside], minlength=len(months))[:len(months)]
    den = np.bincount(slot[inside], minlength=len(months))[:len(months)].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return pd.DataFrame({"month": pd.to_datetime(pd.Series(months)).astype("datetime64[us]"), "value": value,
                         "numerator": num.astype(float), "denominator": den})


def step_share(months: pd.Series, start: pd.Timestamp) -> np.ndarray:
    """Per month, the share of its calendar days on or after ``start`` (0 before, 1 after)."""
    month_start = pd.to_datetime(months)
    days = month_start.dt.days_in_month.to_numpy(dtype=float)
    on = (month_start + pd.to_timedelta(days, unit="D") - start).dt.days.to_numpy(dtype=float)
    return np.clip(on / days, 0.0, 1.0)


# --- planning: groups and overlaps ------------------------------------------------------------

@dataclass(frozen=True)
class Group:
    """One or more initiatives fitted as one step on one outcome (more than one = joint)."""

    outcome: str
    members: tuple[Initiative, ...]
    direction: str

    @property
    def group_id(self) -> str:
        return "+".join(m.initiative_id for m in self.members)

    @property
    def joint(self) -> bool:
        return len(self.members) > 1

    @property
    def first_start(self) -> pd.Timestamp:
        return min(m.start_on for m in self.members)

    @property
    def last_start(self) -> pd.Timestamp:
        return max(m.start_on for m in self.members)


def _scope(init: Initiative, outcome: str, centre_ids: list[str], channel_ids: list[str]):
    if outcome == "virtual_share":
        return frozenset(centre_ids), frozenset(channel_ids)
    return _expand(init.centres, centre_ids), _expand(init.channels, channel_ids)


def _intersects(a, b) -> bool:
    return bool(a[0] & b[0]) and bool(a[1] & b[1])


def plan(inits: list[Initiative], centre_ids: list[str], channel_ids: list[str]) -> tuple[list[Group], pd.DataFrame]:
    """Group initiatives per measured outcome and list every overlapping pair.

    Returns the groups (joint when start months are fewer than ``SEPARATION_MONTHS`` apart on
    intersecting scope, chained) sorted by outcome order then first start, and the overlaps
    frame (``OVERLAP_COLUMNS``): ``handling`` is ``joint`` or ``adjusted``.
    """
    groups: list[Group] = []
    pairs = []
    for outcome in OUTCOMES:
        members = [(i, d) for i in inits for o, d in i.expected if o == outcome]
        members.sort(key=lambda m: (m[0].start_on, m[0].initiative_id))
        scope = {m[0].initiative_id: _scope(m[0], outcome, centre_ids, channel_ids) for m in members}
        parent = {m[0].initiative_id: m[0].initiative_id for m in members}

        def root(x):
            while parent[x] != x:
                x = parent[x]
            return x

        for i, (a, _) in enumerate(members):
            for b, _ in members[i + 1:]:
                if not _intersects(scope[a.initiative_id], scope[b.initiative_id]):
                    continue
                apart = months_apart(a.start_on, b.start_on)
                joint = apart < SEPARATION_MONTHS
                a_end = a.end_on if a.end_on is not None else pd.Timestamp.max
                windows = bool(b.start_on <= a_end)
                pairs.append((a.initiative_id, b.initiative_id, outcome, apart, windows, "joint" if joint else "adjusted"))
                if joint:
                    ra, rb = root(a.initiative_id), root(b.initiative_id)
                    if ra != rb:
                        parent[max(ra, rb)] = min(ra, rb)
        by_root: dict[str, list] = {}
        for init, direction in members:
            by_root.setdefault(root(init.initiative_id), []).append((init, direction))
        for items in by_root.values():
            directions = sorted({d for _, d in items})
            groups.append(Group(outcome, tuple(i for i, _ in items), directions[0] if len(directions) == 1 else ""))
    order = {o: k for k, o in enumerate(OUTCOMES)}
    groups.sort(key=lambda g: (order[g.outcome], g.first_start, g.group_id))
    overlaps = pd.DataFrame(pairs, columns=OVERLAP_COLUMNS)
    return groups, overlaps.sort_values(["initiative_id", "other_id", "outcome"], kind="stable").reset_index(drop=True)


# --- estimation ---------------------------------------------------------------------------------

@dataclass
class Estimate:
    """One group × outcome × design: the fitted result (or why there is none) and its verdict."""

    group: Group
    design: str
    verdict: str
    months_before: int
    months_after: int
    result: impact.ITSResult | None = None
    placebo: impact.ITSResult | None = None
    trend: impact.TrendCheck | None = None
    adjusted_for: tuple[str, ...] = ()
    treated: tuple[str, ...] = ()
    control: tuple[str, ...] = ()
    concurrent: tuple[str, ...] = ()   # other initiatives on intersecting units, not adjusted for


@dataclass
class Assessment:
    """The chapter's results for one period (see ``assess``)."""

    period_month: pd.Timestamp
    initiatives: list[Initiative]
    groups: list[Group]
    estimates: list[Estimate]
    controlled: list[Estimate]
    overlaps: pd.DataFrame
    unmeasured: list[tuple[Initiative, str]] = field(default_factory=list)

    def by_id(self, initiative_id: str) -> Initiative:
        return next(i for i in self.initiatives if i.initiative_id == initiative_id)


def _windows(months: pd.Series, group: Group) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks (pre, transition, post) of a group's months: start months after day 1 are transitions."""
    m = pd.to_datetime(months)
    transition = np.zeros(len(m), dtype=bool)
    for init in group.members:
        if init.start_on.day != 1:
            transition |= (m == init.start_month).to_numpy()
    first = group.first_start.to_period("M").to_timestamp()
    last = group.last_start
    pre = (m < first).to_numpy()
    post = (m >= last.to_period("M").to_timestamp()).to_numpy() & ~transition
    between = ~pre & ~post
    return pre, between, post


def _fit_kwargs(outcome: str) -> dict:
    if FAMILY[outcome] == "binomial":
        return {"family": "binomial", "denominator": "denominator"}
    return {"family": "poisson", "exposure": "denominator"}


def _verdict(direction: str, result: impact.ITSResult, placebo: impact.ITSResult | None) -> str:
    """An ITS estimate's verdict (module docstring, *Verdicts*): a success needs a placebo that
    ran and found nothing, so a significant estimate without one is ``significant_unchecked``.
    The checks come before the direction: an estimate a check cannot vouch for claims nothing."""
    if not result.significant:
        return "not_detected"
    if placebo is None:
        return "significant_unchecked"
    if placebo.significant:
        return "placebo_failed"
    if direction and result.direction != direction:
        return "opposite"
    return "achieved"


def _controlled_verdict(design: str, direction: str, result: impact.ITSResult,
                        trend: impact.TrendCheck | None) -> str:
    """A controlled design's verdict: difference-in-differences rests on parallel trends, so it
    needs the pre-period trend test to have run (``significant_unchecked`` otherwise) and held
    (``trends_differ`` otherwise); the controlled ITS fits each arm's own trend, its comparison
    series being its check."""
    if not result.significant:
        return "not_detected"
    if design == "did":
        if trend is None:
            return "significant_unchecked"
        if not trend.parallel:
            return "trends_differ"
    if direction and result.direction != direction:
        return "opposite"
    return "achieved"


def _usable(series: pd.DataFrame, group: Group, has_data: np.ndarray):
    """The months a model can use: after the last empty month before the start (a channel that
    opened later has no "before" until it opened). Returns (rows kept, pre, between, post, ok);
    ``ok`` is False when a month after the start is empty."""
    pre, between, post = _windows(series["month"], group)
    empty_before = np.flatnonzero(pre & ~has_data)
    keep = np.ones(len(series), dtype=bool)
    if empty_before.size:
        keep[: empty_before[-1] + 1] = False
    ok = bool(has_data[post].all())
    return keep, pre & keep, between & keep, post & keep, ok


def _its(group: Group, series: pd.DataFrame, others: list[Group]) -> Estimate:
    """Segmented regression of one group's outcome with the other groups' steps as covariates."""
    keep, pre, between, post, ok = _usable(series, group, series["denominator"].gt(0).to_numpy())
    data = series.assign(_post=(~pre).astype(int), _transition=between.astype(int))
    data = data.loc[keep].reset_index(drop=True)
    pre, between, post = pre[keep], between[keep], post[keep]
    n_pre, n_post = int(pre.sum()), int(post.sum())
    if n_pre < MIN_PRE_MONTHS or n_post < MIN_POST_MONTHS or not ok:
        return Estimate(group, "its", "insufficient", n_pre, n_post)
    adjust = []
    for other in others:
        col = f"step_{other.group_id}"
        data[col] = step_share(data["month"], other.first_start)
        adjust.append(col)
    kwargs = dict(_fit_kwargs(group.outcome), harmonics=1 if n_pre >= SEASONAL_MIN_PRE else 0,
                  adjust_for=tuple(adjust), transition="_transition", alpha=ALPHA)
    outcome_col = "value" if kwargs["family"] == "binomial" else "numerator"
    data[outcome_col] = data[outcome_col].fillna(0.0)
    try:
        result = impact.fit_its(data, outcome_col, "month", "_post", **kwargs)
    except impact.ImpactError:
        return Estimate(group, "its", "not_estimable", n_pre, n_post)
    fake = placebo_start(data.loc[pre, "month"], [o.first_start for o in others])
    placebo = None if fake is None else impact.placebo_in_time(data, outcome_col, "month", "_post",
                                                                fake_start=fake, **kwargs)
    used = tuple(o.group_id for o in others if f"adj:step_{o.group_id}" in set(result.params["term"]))
    verdict = _verdict(group.direction, result, placebo)
    return Estimate(group, "its", verdict, n_pre, n_post, result=result, placebo=placebo, adjusted_for=used)


def placebo_start(pre_months: pd.Series, other_starts: list[pd.Timestamp],
                  min_each_side: int = PLACEBO_MIN_SIDE) -> pd.Timestamp | None:
    """The placebo's fake start month: the pre-period month nearest its middle that leaves
    ``min_each_side`` months on each side and is at least ``PLACEBO_CLEARANCE`` (2) months from
    every other initiative's start month, so that a clean month separates the fake step from a
    real one (a fake start on another initiative's step would test nothing). None when no month
    qualifies."""
    months = list(pd.to_datetime(pre_months).sort_values())
    n = len(months)
    candidates = [k for k in range(min_each_side, n - min_each_side + 1)
                  if all(months_apart(months[k], s) >= PLACEBO_CLEARANCE for s in other_starts)]
    if not candidates:
        return None
    best = min(candidates, key=lambda k: (abs(k - n // 2), k))
    return months[best]


def _comparison_centres(init: Initiative, centre_kinds: dict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(treated, control) centres for a controlled design, or empty tuples when none applies."""
    if init.centres == (ALL,) or not set(init.centres) <= set(centre_kinds):
        return (), ()
    kinds = {centre_kinds[c] for c in init.centres}
    if len(kinds) != 1:
        return (), ()
    kind = kinds.pop()
    control = tuple(sorted(c for c, k in centre_kinds.items() if k == kind and c not in init.centres))
    return (tuple(init.centres), control) if control else ((), ())


def _controlled(group: Group, series_of, centre_kinds, channel_ids) -> list[Estimate]:
    """Controlled ITS and difference-in-differences against the left-out centres of the same kind;
    ``series_of(outcome, centres, channels)`` builds an outcome series."""
    init = group.members[0]
    treated, control = _comparison_centres(init, centre_kinds)
    if group.joint or not treated:
        return []
    channels = None if group.outcome == "virtual_share" else _expand(init.channels, channel_ids)
    parts = []
    for label, centres in (("treated", treated), ("control", control)):
        s = series_of(group.outcome, frozenset(centres), channels)
        parts.append(s.assign(arm=label))
    has_data = np.logical_and.reduce([p["denominator"].gt(0).to_numpy() for p in parts])
    keep, pre, between, post, ok = _usable(parts[0], group, has_data)
    n_pre, n_post = int(pre.sum()), int(post.sum())
    base = dict(treated=treated, control=control)
    if n_pre < MIN_PRE_MONTHS or n_post < MIN_POST_MONTHS or not ok:
        return [Estimate(group, d, "insufficient", n_pre, n_post, **base) for d in ("controlled_its", "did")]
    panel = pd.concat([p.assign(_post=(~pre).astype(int), _transition=between.astype(int)).loc[keep] for p in parts],
                      ignore_index=True)
    kwargs = dict(_fit_kwargs(group.outcome), transition="_transition", alpha=ALPHA)
    outcome_col = "value" if kwargs["family"] == "binomial" else "numerator"
    panel[outcome_col] = panel[outcome_col].fillna(0.0)
    out = []
    try:
        trend = impact.parallel_trends(panel, outcome_col, "month", "_post", "arm", "treated", **kwargs)
    except impact.ImpactError:
        trend = None
    for design, fit in (("controlled_its", impact.fit_controlled_its), ("did", impact.fit_did)):
        extra = {"harmonics": 1 if n_pre >= SEASONAL_MIN_PRE else 0} if design == "controlled_its" else {}
        try:
            result = fit(panel, outcome_col, "month", "_post", "arm", "treated", **kwargs, **extra)
        except impact.ImpactError:
            out.append(Estimate(group, design, "not_estimable", n_pre, n_post, trend=trend, **base))
            continue
        verdict = _controlled_verdict(design, group.direction, result, trend)
        out.append(Estimate(group, design, verdict, n_pre, n_post, result=result, trend=trend, **base))
    return out


def _group_scope(group: Group, centre_ids, channel_ids) -> tuple[frozenset, frozenset]:
    """The centres and channels a group's outcome series covers (the union of its members')."""
    parts = [_scope(m, group.outcome, centre_ids, channel_ids) for m in group.members]
    return frozenset().union(*(p[0] for p in parts)), frozenset().union(*(p[1] for p in parts))


def _nuisance(group: Group, same_outcome: list[Group], inits: list[Initiative], centre_ids, channel_ids) -> list[Group]:
    """The other steps a group's model includes (module docstring, *Overlap*).

    Always: the other groups expecting the same outcome on intersecting scope. For the outcomes
    measured where the initiative works (``csat``, ``wait``), also every other initiative on
    intersecting centres and channels, whatever it expected, when its start month is at least
    ``SEPARATION_MONTHS`` from each member's: a change at the same counters can move
    satisfaction and waiting. Closer ones cannot be separated and are named as not ruled out.
    """
    scope = _group_scope(group, centre_ids, channel_ids)
    others = [o for o in same_outcome if o is not group and _intersects(scope, _group_scope(o, centre_ids, channel_ids))]
    if group.outcome == "virtual_share":
        return others
    taken = {m.initiative_id for g in [group, *others] for m in g.members}
    expecting = {m.initiative_id for g in same_outcome for m in g.members}
    for init in inits:
        if init.initiative_id in taken or init.initiative_id in expecting:
            continue
        where = (_expand(init.centres, centre_ids), _expand(init.channels, channel_ids))
        if _intersects(scope, where) and all(months_apart(init.start_on, m.start_on) >= SEPARATION_MONTHS
                                             for m in group.members):
            others.append(Group(group.outcome, (init,), ""))
    return others


def _concurrent(group: Group, inits: list[Initiative], centre_ids, channel_ids, adjusted: set[str]) -> tuple[str, ...]:
    """Other initiatives on intersecting units (any outcome) that the model does not adjust for."""
    members = {m.initiative_id for m in group.members}
    scope = (frozenset().union(*(_scope(m, group.outcome, centre_ids, channel_ids)[0] for m in group.members)),
             frozenset().union(*(_scope(m, group.outcome, centre_ids, channel_ids)[1] for m in group.members)))
    out = []
    for other in inits:
        if other.initiative_id in members or other.initiative_id in adjusted:
            continue
        if _intersects(scope, (_expand(other.centres, centre_ids), _expand(other.channels, channel_ids))):
            out.append(other.initiative_id)
    return tuple(out)


def assess(tickets: pd.DataFrame, surveys: pd.DataFrame, registry_frame: pd.DataFrame, period_month: str,
           st: KpiSettings, centre_kinds: dict[str, str], channel_ids: list[str], top_box=(4, 5),
           first_month: str | None = None, wait_end: str = "started_at",
           measured: tuple[str, ...] = OUTCOMES) -> Assessment:
    """Every initiative in ``registry_frame`` judged on each expected outcome as of ``period_month``.

    ``tickets``/``surveys`` hold the as-of history (``store.load``); months run from
    ``first_month`` (default: the first month with tickets) to ``period_month``. Returns an
    ``Assessment`` with one ITS estimate per group × outcome, the controlled designs where a
    comparison group exists, and the overlaps. Only the ``measured`` outcomes are estimated; an
    expected outcome outside them is listed in ``unmeasured``.
    """
    end = pd.Timestamp(f"{period_month}-01")
    inits = [i for i in registry(registry_frame) if i.start_on < end + pd.offsets.MonthBegin(1)]
    centre_ids = sorted(centre_kinds)
    if first_month is None:
        first = _month_start(tickets["created_at"]).min() if len(tickets) else end
    else:
        first = pd.Timestamp(f"{first_month}-01")
    months = list(pd.date_range(first, end, freq="MS"))
    groups, overlaps = plan(inits, centre_ids, channel_ids)
    groups = [g for g in groups if g.outcome in measured]
    overlaps = overlaps[overlaps["outcome"].isin(measured).to_numpy()].reset_index(drop=True)
    estimates, controlled = [], []
    built: dict = {}

    def series_of(outcome, centres, channels):
        key = (outcome, centres, channels)
        if key not in built:
            built[key] = outcome_series(outcome, tickets, surveys, months, st, top_box, centres, channels,
                                        wait_end=wait_end)
        return built[key]

    for outcome in measured:
        mine = [g for g in groups if g.outcome == outcome]
        for g in mine:
            scope = _group_scope(g, centre_ids, channel_ids)
            entity = outcome == "virtual_share"
            series = series_of(outcome, *((None, None) if entity else scope))
            others = _nuisance(g, mine, inits, centre_ids, channel_ids)
            est = _its(g, series, others)
            est.concurrent = _concurrent(g, inits, centre_ids, channel_ids,
                                         {m.initiative_id for o in others for m in o.members})
            estimates.append(est)
            controlled.extend(_controlled(g, series_of, centre_kinds, channel_ids))
    unmeasured = [(i, o) for i in inits for o, _ in i.expected if o not in measured]
    return Assessment(end, inits, groups, estimates, controlled, overlaps, unmeasured)


# --- tables -------------------------------------------------------------------------------------

def _row(est: Estimate) -> dict:
    r, p = est.result, est.placebo
    return {
        "initiative_id": est.group.group_id,
        "members": len(est.group.members),
        "outcome": est.group.outcome,
        "expected": est.group.direction,
        "design": est.design,
        "measure": r.measure if r else impact.MEASURES[FAMILY[est.group.outcome]],
        "effect": r.effect if r else math.nan,
        "effect_low": r.low if r else math.nan,
        "effect_high": r.high if r else math.nan,
        "p_value": r.p_value if r else math.nan,
        "finding": est.verdict,
        "months_before": est.months_before,
        "months_after": est.months_after,
        "placebo_effect": p.effect if p else math.nan,
        "placebo_p": p.p_value if p else math.nan,
        "adjusted_for": ";".join(est.adjusted_for),
    }


def effects_table(a: Assessment) -> pd.DataFrame:
    """One row per group × outcome (``EFFECT_COLUMNS``): the ITS estimate and its checks."""
    return pd.DataFrame([_row(e) for e in a.estimates], columns=EFFECT_COLUMNS)


def controlled_table(a: Assessment) -> pd.DataFrame:
    """One row per controlled design (``CONTROLLED_COLUMNS``), with the parallel-trends test."""
    rows = []
    for e in a.controlled:
        r, tr = e.result, e.trend
        rows.append({
            "initiative_id": e.group.group_id, "outcome": e.group.outcome, "design": e.design,
            "treated": ";".join(e.treated), "control": ";".join(e.control),
            "effect": r.effect if r else math.nan, "effect_low": r.low if r else math.nan,
            "effect_high": r.high if r else math.nan, "p_value": r.p_value if r else math.nan,
            "trend_gap": tr.difference if tr else math.nan, "trend_p": tr.p_value if tr else math.nan,
            "finding": e.verdict,
        })
    return pd.DataFrame(rows, columns=CONTROLLED_COLUMNS)


def registry_table(a: Assessment) -> pd.DataFrame:
    """The initiatives in force (``REGISTRY_COLUMNS``) with each one's status this period:
    ``estimated``, ``joint`` (fitted with another), ``insufficient`` or ``not_measured``."""
    status, before, after = {}, {}, {}
    for e in a.estimates:
        for m in e.group.members:
            s = "insufficient" if e.verdict == "insufficient" else ("joint" if e.group.joint else "estimated")
            if status.get(m.initiative_id) in (None, "insufficient"):
                status[m.initiative_id] = s
                before[m.initiative_id], after[m.initiative_id] = e.months_before, e.months_after
    rows = []
    for i in a.initiatives:
        rows.append({
            "initiative_id": i.initiative_id, "start_on": f"{i.start_on:%Y-%m-%d}",
            "end_on": f"{i.end_on:%Y-%m-%d}" if i.end_on is not None else "",
            "centres": ";".join(i.centres), "channels": ";".join(i.channels),
            "expected": ";".join(f"{o}:{d}" if d else o for o, d in i.expected), "initiative_owner": i.owner,
            "assessment": status.get(i.initiative_id, "not_measured"),
            "months_before": before.get(i.initiative_id, pd.NA), "months_after": after.get(i.initiative_id, pd.NA),
        })
    return pd.DataFrame(rows, columns=REGISTRY_COLUMNS).astype({"months_before": "Int64", "months_after": "Int64"})


def series_table(a: Assessment) -> pd.DataFrame:
    """Observed, fitted and counterfactual monthly values behind every estimate (``SERIES_COLUMNS``);
    shares as shares, waits as mean seconds."""
    frames = []
    for e in [*a.estimates, *a.controlled]:
        if e.result is None:
            continue
        s = e.result.series.copy()
        if e.result.family == "poisson":
            # totals back to means per ticket: the exposure is the number of tickets
            for c in ("observed", "fitted", "counterfactual", "cf_low", "cf_high"):
                s[c] = s[c] / s["weight"]
        frames.append(pd.DataFrame({
            "initiative_id": e.group.group_id, "outcome": e.group.outcome, "design": e.design,
            "group": s["group"].to_numpy(), "month": pd.to_datetime(s["time"]).dt.strftime("%Y-%m").to_numpy(),
            "observed": s["observed"].to_numpy(), "fitted": s["fitted"].to_numpy(),
            "counterfactual": s["counterfactual"].to_numpy(), "cf_low": s["cf_low"].to_numpy(),
            "cf_high": s["cf_high"].to_numpy(), "post": s["post"].to_numpy()}))
    if not frames:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    return pd.concat(frames, ignore_index=True)[SERIES_COLUMNS]


def placebo_table(a: Assessment) -> pd.DataFrame:
    """The placebo in time per estimate: fake start, effect, interval, p-value (empty when not run)."""
    rows = []
    for e in a.estimates:
        if e.result is None:
            continue
        p = e.placebo
        fake = p.series.loc[p.series["post"], "time"].min() if p is not None else None
        rows.append({"initiative_id": e.group.group_id, "outcome": e.group.outcome,
                     "placebo_start": f"{pd.Timestamp(fake):%Y-%m}" if p is not None else "",
                     "measure": p.measure if p else e.result.measure,
                     "placebo_effect": p.effect if p else math.nan, "placebo_low": p.low if p else math.nan,
                     "placebo_high": p.high if p else math.nan, "placebo_p": p.p_value if p else math.nan,
                     "placebo_significant": bool(p.significant) if p else pd.NA})
    cols = ["initiative_id", "outcome", "placebo_start", "measure", "placebo_effect", "placebo_low", "placebo_high",
            "placebo_p", "placebo_significant"]
    return pd.DataFrame(rows, columns=cols).astype({"placebo_significant": "boolean"})


# --- the chapter's entry point -----------------------------------------------------------------

TICKET_COLUMNS = ["centre_id", "channel_id", "created_at", "booked", "started_at", "outcome", "assisted_digital"]
SURVEY_COLUMNS = ["centre_id", "channel_id", "submitted_at", "csat"]


def assess_period(tickets: pd.DataFrame, surveys: pd.DataFrame, registry_frame: pd.DataFrame, month: str,
                  cfg, provided: tuple[str, ...] = ("tickets", "surveys")) -> Assessment:
    """``assess`` with the settings of a ``Config``: KPI definitions, centre kinds, channels, top box;
    the outcomes measured are those whose table (``MEASURED_FROM``) is among the ``provided``
    tables (``store.provided_tables``): no CSAT for an entity that provides no surveys."""
    kinds = {c: cfg.centre_kind(c) for c in cfg.ids("centres")}
    return assess(tickets, surveys, registry_frame, month, kpis.settings(cfg), kinds, cfg.ids("channels"),
                  tuple(cfg.kpi["csat"]["top_box"]),
                  measured=tuple(o for o in OUTCOMES if MEASURED_FROM[o] in provided))
