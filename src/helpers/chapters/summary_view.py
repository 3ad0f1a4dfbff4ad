"""Each monthly chapter's executive summary for leadership: 3–6 catalogue sentences on what
changed, what is off target and what needs a decision, in plain words.

Every verb is chosen from ``summary.Finding``'s judgements (rose or fell from the sign, an
improvement or a deterioration from the sign and the measure's good direction, on or off target
from the target and that direction), so a sentence cannot say "better" of a number that got worse.
Tests of change read "a real change (unlikely to be chance)"; p-values and odds ratios stay in
the chapter's details and on the Methods page.
"""

from __future__ import annotations

import math

import pandas as pd

from ..base.messages import (duration_unit, escape_markdown, fmt_change, fmt_num, fmt_pct, fmt_pp, fmt_signed,
                              fmt_wait, t)
from . import initiatives, summary
from .initiatives_view import format_effect
from .satisfaction_view import booked_label
from .summary import Finding

MAX_SENTENCES = 6
MAX_NAMED = 3          # places or items named in one sentence; the rest are counted
_PER_SECOND = {"seconds": 1, "minutes": 60, "hours": 3600}
# A duration measure of one channel kind (the landing tiles' walk-in wait); others are pooled.
_KIND = {"wait_walk_in": "walk_in"}


# --- one finding in words --------------------------------------------------------------------------

def fmt_value(f: Finding, lang: str) -> str:
    """The finding's value as a reader sees it in its unit (``–`` when missing)."""
    return _level(f.value, f, lang)


def _level(x: float, f: Finding, lang: str) -> str:
    if f.unit == "share":
        return fmt_pct(x, lang)
    if f.unit == "duration":
        return fmt_wait(x, lang, f.measure, kind=_KIND.get(f.measure))
    if f.unit == "points":
        return fmt_pct(None if math.isnan(x) else x / 100, lang)
    if f.unit == "score":
        return fmt_num(x, lang, 1)
    if f.unit == "rate":
        return fmt_num(x, lang, 2)
    return fmt_num(x, lang)


def fmt_delta(f: Finding, lang: str) -> str:
    """The signed change against the month before, in the unit's words (``+0.9 pp``, ``-1.2 min``,
    ``+0.5 points``, ``+3%`` for a count)."""
    if f.unit == "share":
        return fmt_pp(f.change, lang)
    if f.unit == "duration":
        unit = duration_unit(f.measure, kind=_KIND.get(f.measure))
        digits = 0 if unit == "seconds" else 1
        return t(f"unit.{unit}", lang, value=fmt_signed(f.change / _PER_SECOND[unit], lang, digits))
    if f.unit in ("points", "score"):
        return t("summary.unit.points", lang, value=fmt_signed(f.change, lang, 1))
    if f.unit == "rate":
        return fmt_signed(f.change, lang, 2)
    return fmt_change(f.value / f.previous - 1 if f.previous else math.nan, lang, 1)


def movement(f: Finding, lang: str) -> str:
    """``Finding.movement``, except that a move too small to show (both months read the same)
    is ``same``: the sentence never says "rose" between two equal numbers."""
    move = f.movement
    if move in ("rose", "fell") and _level(f.value, f, lang) == _level(f.previous, f, lang):
        return "same"
    return move


def judgement(f: Finding, lang: str) -> str | None:
    """``Finding.judgement`` for the move the sentence states (``movement``)."""
    return f.judgement if movement(f, lang) in ("rose", "fell") else None


def measure_name(f: Finding, lang: str, name=None) -> str:
    """The measure's name for a sentence (``summary.measure.<id>``), with its centre when it has one."""
    where = name("centres", f.where) if (name and f.where) else f.where
    return t(f"summary.measure.{f.measure}", lang, where=where)


def sentence(f: Finding, lang: str, name=None) -> str | None:
    """One sentence on a finding: its move against the month before (or that there is no month to
    compare with), whether that is an improvement or a deterioration and whether it is a real change,
    and where it stands against its target. None when the month has no value."""
    move = movement(f, lang)
    if move == "none":
        return None
    text = t(f"summary.move.{move}", lang, measure=measure_name(f, lang, name), value=fmt_value(f, lang),
             previous=_level(f.previous, f, lang), change=fmt_delta(f, lang))
    verdict = judgement(f, lang)
    if verdict:
        real = {True: ".real", False: ".chance", None: ""}[f.significant]
        text = t("summary.join.verdict", lang, text=text, verdict=t(f"summary.verdict.{verdict}{real}", lang))
    if f.on_target is not None:
        status = "on" if f.on_target else "off"
        text = t("summary.join.target", lang, text=text,
                 target=t(f"summary.target.{status}.{f.direction}", lang, target=_level(f.target, f, lang)))
    return t("summary.end", lang, text=text)


def decision_item(f: Finding, lang: str, name=None) -> str | None:
    """The finding as an item of the "needs a decision" sentence, or None when it needs none."""
    if not f.needs_decision:
        return None
    measure = measure_name(f, lang, name)
    if f.on_target is False:
        return t(f"summary.item.off_target.{f.direction}", lang, measure=measure, value=fmt_value(f, lang),
                 target=_level(f.target, f, lang))
    return t("summary.item.worse", lang, measure=measure)


def decision(items: list[str], lang: str) -> str:
    """The closing sentence: what needs a decision, or that nothing does."""
    items = [i for i in items if i]
    if not items:
        return t("summary.decide.none", lang)
    return t("summary.decide", lang, items=t("summary.sep", lang).join(items))


def listed(names: list[str], lang: str) -> str:
    """Names for a sentence: ``A, B and C``; past ``MAX_NAMED``, ``A, B, C and 2 more``."""
    names = [str(n) for n in names]
    if len(names) > MAX_NAMED + 1:   # "and 1 more" would hide a name for nothing
        shown, more = names[:MAX_NAMED], len(names) - MAX_NAMED
        return t("summary.and", lang, first=t("summary.comma", lang).join(shown),
                 last=t("summary.more", lang, n=fmt_num(more, lang)))
    if len(names) <= 1:
        return "".join(names)
    return t("summary.and", lang, first=t("summary.comma", lang).join(names[:-1]), last=names[-1])


def _finish(facts: list[str | None], items: list[str | None], lang: str) -> list[str]:
    """The summary: the fact sentences (at most ``MAX_SENTENCES`` − 1, in order of importance)
    and the decision sentence last."""
    facts = [s for s in facts if s]
    return facts[:MAX_SENTENCES - 1] + [decision([i for i in items if i], lang)]


def _about(findings: list[Finding], lang: str, name=None) -> tuple[list[str | None], list[str | None]]:
    return [sentence(f, lang, name) for f in findings], [decision_item(f, lang, name) for f in findings]


# --- the chapters ---------------------------------------------------------------------------------

OVERVIEW_MEASURES = ["service_level", "virtual_share", "csat", "wait_walk_in", "complaints_per_1000", "transactions"]


def overview_summary(headline: pd.DataFrame, lang: str, tiles: pd.DataFrame | None = None) -> list[str]:
    """The overview's summary: the measures leadership follows (the landing tiles of all centres,
    ``landing.overview``, when given; else the headline figures, ``headline.headline``), each
    against the month before (with the headline's test, where it has one) and its target."""
    tests = summary.verdicts(headline)
    if tiles is not None and len(tiles):
        scope = tiles[tiles["scope"].eq("all")] if "scope" in tiles.columns else tiles
        findings = summary.from_rows(scope, OVERVIEW_MEASURES, tests, key="measure")
        if len(findings) < MAX_SENTENCES - 1:   # room left: the volume from the headline
            findings += summary.from_rows(headline, ["transactions"])
    else:
        findings = summary.from_rows(headline, OVERVIEW_MEASURES, tests)
    facts, items = _about(findings, lang)
    return _finish(facts, items, lang)


CHANNEL_MEASURES = ["service_level", "wait_mean", "abandonment"]


def channels_summary(kpi_summary: pd.DataFrame, series: pd.DataFrame, month: str, progress: pd.DataFrame,
                     safeguard: pd.DataFrame, windows: tuple[list[str], list[str]], lang: str, name) -> list[str]:
    """The channels chapter's summary: service level, the average wait and abandonment
    (``kpis.summary``) against the month before and their targets, digital take-up
    (``adoption.monthly``) against its target and its progress (``adoption.progress``), and how
    service held where volume grew (``adoption.safeguard`` over ``windows``, the ``(now, then)``
    months of ``adoption.safeguard_windows``)."""
    findings = summary.from_rows(kpi_summary, CHANNEL_MEASURES)
    facts, items = _about(findings, lang)
    take_up = summary.take_up(series, month, float(progress.iloc[0]["target"]) if len(progress) else math.nan)
    status = str(progress.iloc[0]["progress_status"]) if len(progress) else ""
    facts.append(sentence(take_up, lang))
    if status in ("behind", "missed"):   # how far from its target date says more than "off target"
        items.append(t(f"summary.item.take_up.{status}", lang, target=fmt_pct(progress.iloc[0]["target"], lang),
                       target_month=str(progress.iloc[0]["target_month"])))
    else:
        items.append(decision_item(take_up, lang))
    groups = summary.safeguard_groups(safeguard)
    now, then = windows
    if groups and then:
        parts = [t(f"summary.channels.part.{v}", lang, channels=listed([name("channels", c) for c in groups[v]], lang))
                 for v in ("worse", "mixed", "better", "held", "too_few") if v in groups]
        facts.append(t("summary.channels.safeguard", lang, now=f"{now[0]}–{now[-1]}", then=f"{then[0]}–{then[-1]}",
                       parts=t("summary.sep", lang).join(parts)))
    if "worse" in groups and then:
        items.append(t("summary.item.safeguard", lang,
                       channels=listed([name("channels", c) for c in groups["worse"]], lang)))
    return _finish(facts, items, lang)


def _place(cut: tuple[tuple[str, object], ...], lang: str, name) -> str:
    """A drop's place in words: the centre, channel or service's name, the booking group, or all."""
    kinds = {"centre_id": "centres", "channel_id": "channels", "service_id": "services"}
    if not cut:
        return t("summary.all_centres", lang)
    return " · ".join(name(kinds[c], i) if c in kinds else booked_label(i, lang) for c, i in cut)


def satisfaction_summary(scores: pd.DataFrame | None, changes: pd.DataFrame | None, drops: pd.DataFrame | None,
                         complaints: Finding | None, follow: pd.DataFrame | None, kpi: dict, lang: str,
                         name) -> list[str]:
    """The satisfaction chapter's summary: CSAT and NPS (``satisfaction.scores_by``, no cut) against
    the month before with the chapter's corrected tests (``satisfaction.change_family``) and CSAT's
    target, the places where satisfaction fell for real (``significance.drops``; on the first month,
    that there is nothing earlier to test against), complaints per 1,000 transactions
    (``summary.complaint_rate``) and the complaints open past their deadline (``feedback.follow_up``).
    A part whose table the entity does not provide is None and left out. ``kpi`` gives CSAT's
    target and the complaint deadline (``kpi.feedback.resolution_sla_days``)."""
    targets = {"csat": kpi.get("csat", {}).get("target", math.nan)}
    findings = summary.overall_scores(scores, changes, targets) if scores is not None else []
    facts, items = _about(findings, lang)
    if changes is not None and changes.empty:   # the first month: nothing earlier to test against
        facts.append(t("summary.satisfaction.untested", lang))
    elif drops is not None:
        where = [_place(p, lang, name) for p in summary.places(drops)]
        if where:
            facts.append(t("summary.satisfaction.drops", lang, n=fmt_num(len(where), lang), places=listed(where, lang)))
            items.append(t("summary.item.drops", lang, places=listed(where, lang)))
        else:
            facts.append(t("summary.satisfaction.no_drops", lang))
    if complaints is not None:
        facts.append(sentence(complaints, lang))
    if follow is not None:
        sla = fmt_num(kpi.get("feedback", {}).get("resolution_sla_days"), lang)
        if len(follow):
            facts.append(t("summary.satisfaction.overdue", lang, n=fmt_num(len(follow), lang), sla=sla,
                           days=fmt_num(int(follow["age_days"].max()), lang)))
            items.append(t("summary.item.overdue", lang, n=fmt_num(len(follow), lang), sla=sla))
        else:
            facts.append(t("summary.satisfaction.no_overdue", lang, sla=sla))
    return _finish(facts, items, lang)


_UNCLAIMED = ("placebo_failed", "significant_unchecked", "trends_differ")
_WAITING = ("insufficient", "not_estimable")


def _effect_name(e, lang: str) -> str:
    names = [escape_markdown(m.name(lang)) for m in e.group.members]     # the registry's text: data, not markup
    return t("summary.initiatives.together", lang, names=listed(names, lang)) if len(names) > 1 else names[0]


def initiatives_summary(found: initiatives.Assessment, lang: str) -> list[str]:
    """The initiatives chapter's summary (``initiatives.assess_period``): how many are in force and
    can be judged, which had a real effect in the expected direction (with its likely range),
    which moved the opposite way, which changes are not claimed, which show nothing yet and which
    are too new to judge."""
    if not found.initiatives:
        return [t("summary.initiatives.none", lang), decision([], lang)]
    by = {}
    for e in found.estimates:
        by.setdefault(e.verdict, []).append(e)
    judged = sum(len(v) for k, v in by.items() if k not in _WAITING)
    facts = [t("summary.initiatives.lead", lang, n=fmt_num(len(found.initiatives), lang),
               estimates=fmt_num(len(found.estimates), lang), judged=fmt_num(judged, lang))]
    items = []
    if by.get("achieved"):
        effects = [t("summary.initiatives.effect", lang, name=_effect_name(e, lang),
                     outcome=t(f"summary.outcome.{e.group.outcome}", lang),
                     effect=format_effect(e.result.measure, e.result.effect, lang),
                     interval=t("initiatives.interval", lang, low=format_effect(e.result.measure, e.result.low, lang),
                                high=format_effect(e.result.measure, e.result.high, lang)))
                   for e in by["achieved"]]
        facts.append(t("summary.initiatives.achieved", lang, items=listed(effects, lang)))
    if by.get("opposite"):
        names = listed([_effect_name(e, lang) for e in by["opposite"]], lang)
        facts.append(t("summary.initiatives.opposite", lang, names=names))
        items.append(t("summary.item.opposite", lang, names=names))
    if any(by.get(k) for k in _UNCLAIMED):
        facts.append(t("summary.initiatives.unclaimed", lang,
                       names=listed([_effect_name(e, lang) for k in _UNCLAIMED for e in by.get(k, [])], lang)))
    if by.get("not_detected"):
        facts.append(t("summary.initiatives.not_detected", lang,
                       names=listed([_effect_name(e, lang) for e in by["not_detected"]], lang)))
    if any(by.get(k) for k in _WAITING):
        facts.append(t("summary.initiatives.waiting", lang,
                       names=listed([_effect_name(e, lang) for k in _WAITING for e in by.get(k, [])], lang)))
    return _finish(facts, items, lang)


def _class(cls, lang: str) -> str:
    key = f"readiness.class.{cls}"
    return t(key, lang) if cls not in (None, "", "nan", "None") else "–"


def readiness_summary(r, standing: pd.DataFrame, regressed: pd.DataFrame, open_items: pd.DataFrame,
                      blockers: pd.DataFrame, lang: str, name) -> list[str]:
    """The readiness chapter's summary (``r`` from ``readiness.prepare``): each centre's score
    against the month before with its class and what separates it from the next
    (``readiness.standing``), the criteria that slipped (``readiness.regressions``; not said when
    the month before was not assessed) and the open criteria past their due date
    (``readiness.unmet``, ``readiness.blockers``)."""
    before = summary.previous_standing(r)
    findings = summary.readiness_scores(standing, before)
    classes_before = ({} if before is None or before.empty
                      else dict(zip(before["centre_id"], before["classification"], strict=True)))
    facts, items = [], []
    for f, r in zip(findings, standing.to_dict("records"), strict=True):
        text = sentence(f, lang, name)
        if text is None:
            facts.append(t("summary.readiness.not_assessed", lang, centre=name("centres", f.where)))
            continue
        was = classes_before.get(r["centre_id"])
        change = ""
        if was not in (None, "", "nan", "None") and was != r["classification"]:
            change = t("summary.readiness.class_changed", lang, before=_class(was, lang))
        nxt = r["next_class"]
        if nxt in (None, "", "nan", "None") or pd.isna(r["points_to_next"]):
            standing_text = t("summary.readiness.top", lang, cls=_class(r["classification"], lang), changed=change)
        else:
            standing_text = t("summary.readiness.next", lang, cls=_class(r["classification"], lang), changed=change,
                              next=_class(nxt, lang), points=fmt_num(r["points_to_next"], lang, 1))
        facts.append(t("summary.readiness.centre", lang, text=text.rstrip("."), standing=standing_text))
        if change and f.judgement == "worse":
            items.append(t("summary.item.demoted", lang, centre=name("centres", f.where),
                           cls=_class(r["classification"], lang)))
    if before is not None:
        if regressed.empty:
            facts.append(t("summary.readiness.no_regressions", lang))
        else:
            where = listed(sorted({name("centres", c) for c in regressed["centre_id"]}), lang)
            facts.append(t("summary.readiness.regressions", lang, n=fmt_num(len(regressed), lang), where=where,
                           points=fmt_num(float(regressed["points_lost"].sum()), lang, 1)))
            items.append(t("summary.item.regressions", lang, n=fmt_num(len(regressed), lang), where=where))
    overdue = int(open_items["overdue"].fillna(False).astype(bool).sum()) if "overdue" in open_items else 0
    if overdue:
        late = blockers[blockers["overdue_count"] > 0] if "overdue_count" in blockers else blockers.iloc[:0]
        top = late.sort_values(["overdue_count", "blocker"], ascending=[False, True], kind="stable")
        named = len(top) and top.iloc[0]["blocker"] != "none"
        how = "" if named else ".plain"
        blocker = t(f"readiness.blocker.{top.iloc[0]['blocker']}", lang) if named else ""
        facts.append(t(f"summary.readiness.overdue{how}", lang, n=fmt_num(overdue, lang), blocker=blocker))
        items.append(t(f"summary.item.overdue_criteria{how}", lang, n=fmt_num(overdue, lang), blocker=blocker))
    else:
        facts.append(t("summary.readiness.no_overdue", lang))
    return _finish(facts, items, lang)


def recognition_summary(review, lang: str, name, provided=("surveys", "feedback")) -> list[str]:
    """The recognition chapter's summary (``recognition.review``): how many staff are recognised
    (when surveys or feedback are ``provided``), team satisfaction against the month before and
    morale per centre (``review.team``) and the training needs (with surveys). A centre whose
    morale is under strain needs a decision."""
    facts, items = [], []
    thanks, team = review.thanks, review.team
    if "surveys" in provided or "feedback" in provided:
        people = int(thanks["employee_id"].nunique()) if len(thanks) else 0
        facts.append(t("summary.recognition.thanks", lang, n=fmt_num(people, lang)) if people
                     else t("summary.recognition.nobody", lang))
    training = review.training if "surveys" in provided else None
    moves: dict[str, list[str]] = {}
    for f in summary.team_satisfaction(team):
        move = movement(f, lang)
        if move in ("rose", "fell", "same"):
            moves.setdefault(move, []).append(t("summary.recognition.at", lang, centre=name("centres", f.where),
                                                change=fmt_delta(f, lang)))
    if moves:
        parts = [t(f"summary.recognition.part.{m}", lang, centres=listed(moves[m], lang))
                 for m in ("rose", "fell", "same") if m in moves]
        facts.append(t("summary.recognition.team", lang, parts=t("summary.sep", lang).join(parts)))
    if "morale" in team.columns and len(team):
        morale = [t("summary.recognition.morale_item", lang, morale=t(f"recognition.morale.{m}", lang),
                    centre=name("centres", c))
                  for c, m in zip(team["centre_id"], team["morale"], strict=True) if isinstance(m, str)]
        if morale:
            facts.append(t("summary.recognition.morale", lang, items=listed(morale, lang)))
        strained = [name("centres", c)
                    for c, m in zip(team["centre_id"], team["morale"], strict=True) if m == "under_strain"]
        if strained:
            items.append(t("summary.item.strain", lang, centres=listed(strained, lang)))
    if training is not None:
        if len(training):
            facts.append(t("summary.recognition.training", lang, areas=fmt_num(len(training), lang),
                           staff=fmt_num(int(training["staff_lagging"].sum()), lang)))
        else:
            facts.append(t("summary.recognition.no_training", lang))
    return _finish(facts, items, lang)
