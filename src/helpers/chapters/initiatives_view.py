"""The initiatives chapter for readers: its results (``initiatives``) as formatted effects and
intervals, sentences, display tables and charts, in the report's language."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..base import plots
from ..base.messages import escape_markdown, fmt_change, fmt_num, fmt_p, fmt_pp, fmt_signed, has, t
from ..measures import impact
from . import initiatives

# --- words and numbers for readers --------------------------------------------------------------

def _esc(text: str) -> str:
    return escape_markdown(text)


def _names(inits, lang: str, escape: bool = True) -> str:
    """Names joined for a sentence (``A, B and C``); escaped for Markdown unless for a table."""
    names = [_esc(i.name(lang)) if escape else i.name(lang) for i in inits]
    if len(names) <= 1:
        return "".join(names)
    return t("initiatives.and", lang, first=t("initiatives.comma", lang).join(names[:-1]), last=names[-1])


def _group_name(group: initiatives.Group, lang: str, escape: bool = True) -> str:
    if not group.joint:
        return _esc(group.members[0].name(lang)) if escape else group.members[0].name(lang)
    return t("initiatives.together", lang, names=_names(group.members, lang, escape))


def _num(x: float, digits: int = 1, lang: str = "en") -> str:
    return fmt_num(x, lang, digits)


def _natural(measure: str, value: float) -> float:
    """A natural-scale effect as the number readers see: points for shares, % change for ratios."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if measure == "rate_ratio":
        return 100 * (value - 1)
    if measure == "share_difference":
        return 100 * value
    return value


def format_effect(measure: str, value: float, lang: str) -> str:
    """A signed effect for tables: ``+6.1 pp``, ``-38.4%``, ``+1.2``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if measure == "share_difference":
        return fmt_pp(value, lang)
    return fmt_change(value - 1, lang, 1) if measure == "rate_ratio" else fmt_signed(value, lang, 2)


def format_interval(measure: str, low: float, high: float, lang: str) -> str:
    """``low to high`` in the effect's reader units (points, % change)."""
    if low is None or (isinstance(low, float) and math.isnan(low)):
        return "–"
    return t("initiatives.interval", lang, low=fmt_signed(_natural(measure, low), lang, 1),
             high=fmt_signed(_natural(measure, high), lang, 1))


def _p(p: float) -> str:
    """A p-value in a table cell whose heading names it (``fmt_p``)."""
    return fmt_p(p, "en", cell=True)


def effect_sentence(name: str, outcome: str, measure: str, result: impact.ITSResult, lang: str) -> str:
    """"{name} raised {outcome} by 6.1 points (95% CI 4.2 to 8.0)" and its variants, for a
    significant estimate. Sizes are absolute; the verb carries the direction."""
    kind = "ratio" if measure == "rate_ratio" else "pp"
    lo, hi = _natural(measure, result.low), _natural(measure, result.high)
    size = abs(_natural(measure, result.effect))
    lo, hi = sorted((abs(lo), abs(hi))) if (lo > 0) == (hi > 0) else (lo, hi)
    return t(f"initiatives.say.{kind}.{result.direction}", lang, name=name, outcome=t(f"initiatives.outcome.{outcome}", lang),
             size=_num(size, 1, lang), low=_num(lo, 1, lang), high=_num(hi, 1, lang))


def effect_sentences(a: initiatives.Assessment, lang: str) -> list[str]:
    """One paragraph per estimate: the effect when claimed, or why it is not claimed."""
    if not a.initiatives:
        return [t("initiatives.say.none", lang)]
    out = []
    for e in a.estimates:
        g = e.group
        name = _group_name(g, lang)
        outcome = t(f"initiatives.outcome.{g.outcome}", lang)
        parts = []
        if g.joint:
            parts.append(t("initiatives.say.joint", lang, names=_names(g.members, lang),
                           months=initiatives.SEPARATION_MONTHS, outcome=outcome))
        if e.verdict == "insufficient":
            parts.append(t("initiatives.say.insufficient", lang, name=name, outcome=outcome, before=e.months_before,
                           after=e.months_after, min_before=initiatives.MIN_PRE_MONTHS,
                           min_after=initiatives.MIN_POST_MONTHS))
        elif e.verdict == "not_estimable":
            parts.append(t("initiatives.say.not_estimable", lang, name=name, outcome=outcome))
        elif e.verdict == "not_detected":
            r = e.result
            parts.append(t("initiatives.say.not_detected", lang, name=name, outcome=outcome,
                           estimate=format_effect(r.measure, r.effect, lang),
                           interval=format_interval(r.measure, r.low, r.high, lang)))
        else:
            parts.append(effect_sentence(name, g.outcome, e.result.measure, e.result, lang))
            if e.verdict == "opposite":
                parts.append(t("initiatives.say.opposite", lang))
            if e.verdict == "placebo_failed":
                parts.append(t("initiatives.say.placebo_failed", lang, p=fmt_p(e.placebo.p_value, lang)))
            if e.verdict == "significant_unchecked":
                parts.append(t("initiatives.say.significant_unchecked", lang, months=2 * initiatives.PLACEBO_MIN_SIDE))
        out.append(" ".join(parts))
    for init, outcome in a.unmeasured:
        if outcome in initiatives.OUTCOMES:  # measurable, but from a table the entity does not provide
            out.append(t("initiatives.say.not_provided", lang, name=_esc(init.name(lang)),
                         outcome=t(f"initiatives.outcome.{outcome}", lang)))
        else:
            out.append(t("initiatives.say.unmeasured", lang, name=_esc(init.name(lang)), outcome=_esc(outcome)))
    return out


def _label_list(ids: tuple[str, ...], labels: dict[str, str], lang: str) -> str:
    if ids == (initiatives.ALL,):
        return t("initiatives.all", lang)
    return t("initiatives.comma", lang).join(labels.get(i, i) for i in ids)


def registry_display(a: initiatives.Assessment, lang: str, centre_labels: dict, channel_labels: dict) -> pd.DataFrame:
    """The registry table for readers: names, configured labels, statuses from the catalogue."""
    frame = initiatives.registry_table(a)
    by_id = {i.initiative_id: i for i in a.initiatives}
    rows = []
    for r in frame.itertuples(index=False):
        i = by_id[r.initiative_id]
        rows.append({
            "initiative": i.name(lang), "start_on": r.start_on, "end_on": r.end_on,
            "centres": _label_list(i.centres, centre_labels, lang),
            "channels": _label_list(i.channels, channel_labels, lang),
            "expected": t("initiatives.comma", lang).join(_expected_label(o, d, lang) for o, d in i.expected),
            "owner": r.initiative_owner, "assessment": t(f"initiatives.assessment.{r.assessment}", lang),
            "months_before": "–" if pd.isna(r.months_before) else str(r.months_before),
            "months_after": "–" if pd.isna(r.months_after) else str(r.months_after),
        })
    return pd.DataFrame(rows, columns=["initiative", "start_on", "end_on", "centres", "channels", "expected", "owner",
                                       "assessment", "months_before", "months_after"])


def _expected_label(outcome: str, direction: str, lang: str) -> str:
    label = t(f"initiatives.short.{outcome}", lang) if has(f"initiatives.short.{outcome}") else outcome
    arrow = {"up": "↑", "down": "↓"}.get(direction, "")
    return f"{label} {arrow}".strip()


def effects_display(a: initiatives.Assessment, lang: str) -> pd.DataFrame:
    """The effects table for readers: formatted effect and interval, labels from the catalogue."""
    rows = []
    for e in a.estimates:
        r = initiatives._row(e)
        rows.append({
            "initiative": _group_name(e.group, lang, escape=False),
            "outcome": t(f"initiatives.short.{r['outcome']}", lang),
            "design": t(f"initiatives.design.{r['design']}", lang),
            "effect": format_effect(r["measure"], r["effect"], lang),
            "interval": format_interval(r["measure"], r["effect_low"], r["effect_high"], lang),
            "p_value": _p(r["p_value"]),
            "placebo_p": _p(r["placebo_p"]),
            "finding": t(f"initiatives.finding.{r['finding']}", lang),
        })
    return pd.DataFrame(rows, columns=["initiative", "outcome", "design", "effect", "interval", "p_value", "placebo_p",
                                       "finding"])


def controlled_display(a: initiatives.Assessment, lang: str, centre_labels: dict) -> pd.DataFrame:
    """The controlled designs for readers."""
    frame = initiatives.controlled_table(a)
    rows = []
    for e, r in zip(a.controlled, frame.itertuples(index=False)):
        measure = e.result.measure if e.result else impact.MEASURES[initiatives.FAMILY[r.outcome]]
        rows.append({
            "initiative": e.group.members[0].name(lang),
            "outcome": t(f"initiatives.short.{r.outcome}", lang),
            "design": t(f"initiatives.design.{r.design}", lang),
            "treated": _label_list(e.treated, centre_labels, lang), "control": _label_list(e.control, centre_labels, lang),
            "effect": format_effect(measure, r.effect, lang),
            "interval": format_interval(measure, r.effect_low, r.effect_high, lang),
            "p_value": _p(r.p_value), "trend_p": _p(r.trend_p),
            "finding": t(f"initiatives.finding.{r.finding}", lang),
        })
    return pd.DataFrame(rows, columns=["initiative", "outcome", "design", "treated", "control", "effect", "interval",
                                       "p_value", "trend_p", "finding"])


def controlled_sentences(a: initiatives.Assessment, lang: str, centre_labels: dict) -> list[str]:
    """What each controlled comparison found, and whether its parallel-trends check held."""
    if not a.controlled:
        return [t("initiatives.say.no_controlled", lang)]
    out = []
    by_group: dict[str, list[initiatives.Estimate]] = {}
    for e in a.controlled:
        by_group.setdefault(f"{e.group.group_id}|{e.group.outcome}", []).append(e)
    for items in by_group.values():
        e0 = items[0]
        name = _esc(e0.group.members[0].name(lang))
        treated = _label_list(e0.treated, centre_labels, lang)
        control = _label_list(e0.control, centre_labels, lang)
        outcome = t(f"initiatives.at.{e0.group.outcome}", lang)
        if all(e.result is None for e in items):
            key = "insufficient" if e0.verdict == "insufficient" else "not_estimable"
            out.append(t(f"initiatives.say.controlled_{key}", lang, name=name, treated=treated, control=control,
                         outcome=outcome, before=e0.months_before, after=e0.months_after,
                         min_before=initiatives.MIN_PRE_MONTHS, min_after=initiatives.MIN_POST_MONTHS))
            continue
        for e in items:
            if e.result is None:
                continue
            r = e.result
            out.append(t(f"initiatives.say.controlled.{'sig' if r.significant else 'null'}", lang, name=name,
                         treated=treated, control=control, outcome=outcome,
                         design=t(f"initiatives.design.{e.design}", lang),
                         estimate=format_effect(r.measure, r.effect, lang),
                         interval=format_interval(r.measure, r.low, r.high, lang)))
        trend = e0.trend
        if trend is not None:
            out.append(t(f"initiatives.say.parallel.{'ok' if trend.parallel else 'no'}", lang,
                         p=fmt_p(trend.p_value, lang), months=trend.n_pre))
    return out


def placebo_display(a: initiatives.Assessment, lang: str) -> pd.DataFrame:
    frame = initiatives.placebo_table(a)
    names = {e.group.group_id: _group_name(e.group, lang, escape=False) for e in a.estimates}
    rows = []
    for r in frame.itertuples(index=False):
        rows.append({"initiative": names[r.initiative_id], "outcome": t(f"initiatives.short.{r.outcome}", lang),
                     "placebo_start": r.placebo_start or "–",
                     "placebo_effect": format_effect(r.measure, r.placebo_effect, lang),
                     "interval": format_interval(r.measure, r.placebo_low, r.placebo_high, lang),
                     "placebo_p": _p(r.placebo_p),
                     "finding": t("initiatives.placebo.not_run", lang) if pd.isna(r.placebo_significant) else
                     t(f"initiatives.placebo.{'found' if r.placebo_significant else 'quiet'}", lang)})
    return pd.DataFrame(rows, columns=["initiative", "outcome", "placebo_start", "placebo_effect", "interval",
                                       "placebo_p", "finding"])


def overlaps_display(a: initiatives.Assessment, lang: str) -> pd.DataFrame:
    by_id = {i.initiative_id: i for i in a.initiatives}
    rows = [{"initiative": by_id[r.initiative_id].name(lang), "other": by_id[r.other_id].name(lang),
             "outcome": t(f"initiatives.short.{r.outcome}", lang), "months_apart": str(r.months_apart),
             "windows_overlap": t("common.yes" if r.windows_overlap else "common.no", lang),
             "handling": t(f"initiatives.handling.{r.handling}", lang)}
            for r in a.overlaps.itertuples(index=False)]
    return pd.DataFrame(rows, columns=["initiative", "other", "outcome", "months_apart", "windows_overlap", "handling"])


def check_sentences(a: initiatives.Assessment, lang: str) -> list[str]:
    """The placebo and overlap checks in words."""
    out = []
    fitted = [e for e in a.estimates if e.result is not None]
    run = [e for e in fitted if e.placebo is not None]
    flagged = [e for e in run if e.placebo.significant]
    if not fitted:
        out.append(t("initiatives.say.placebo_nothing", lang))
    elif not run:
        out.append(t("initiatives.say.placebo_none", lang, months=2 * initiatives.PLACEBO_MIN_SIDE))
    elif not flagged:
        out.append(t("initiatives.say.placebo_ok", lang, n=len(run)))
    else:
        out.append(t("initiatives.say.placebo_flag", lang, n=len(run),
                     names=_names([m for e in flagged for m in e.group.members], lang)))
    if a.overlaps.empty:
        out.append(t("initiatives.say.overlap_none", lang))
    else:
        adjusted = int((a.overlaps["handling"] == "adjusted").sum())
        if adjusted:
            out.append(t("initiatives.say.overlap_adjusted", lang, n=adjusted, months=initiatives.SEPARATION_MONTHS))
        for g in a.groups:
            if g.joint:
                out.append(t("initiatives.say.overlap_joint", lang, names=_names(g.members, lang),
                             outcome=t(f"initiatives.outcome.{g.outcome}", lang), months=initiatives.SEPARATION_MONTHS))
    return out


def limit_sentences(a: initiatives.Assessment, lang: str, centre_labels: dict) -> list[str]:
    """Per estimate, what its design could not rule out (only for estimates that were made)."""
    by_id = {i.initiative_id: i for i in a.initiatives}
    sep = t("initiatives.semicolon", lang)
    out = []
    for e in a.estimates:
        if e.result is None:
            continue
        items = [t("initiatives.limit.unregistered", lang)]
        if e.concurrent:
            items.append(t("initiatives.limit.concurrent", lang, names=_names([by_id[i] for i in e.concurrent], lang)))
        items.append(t("initiatives.limit.step", lang))
        if e.months_before < 12:
            items.append(t("initiatives.limit.trend", lang, before=e.months_before))
        if e.months_after < 6:
            items.append(t("initiatives.limit.short", lang, after=e.months_after))
        for c in a.controlled:
            if c.group.group_id == e.group.group_id and c.group.outcome == e.group.outcome and c.design == "did":
                items.append(t("initiatives.limit.control", lang, treated=_label_list(c.treated, centre_labels, lang),
                               control=_label_list(c.control, centre_labels, lang)))
        out.append(t("initiatives.say.limits", lang, name=_group_name(e.group, lang),
                     outcome=t(f"initiatives.outcome.{e.group.outcome}", lang), items=sep.join(items)))
    if not out:
        out.append(t("initiatives.say.limits_none", lang))
    return out


def registry_sentences(a: initiatives.Assessment, lang: str) -> list[str]:
    if not a.initiatives:
        return [t("initiatives.say.none", lang)]
    status = initiatives.registry_table(a)["assessment"].value_counts()
    return [t("initiatives.say.registry", lang, n=len(a.initiatives), estimated=int(status.get("estimated", 0)
                                                                                   + status.get("joint", 0)),
              insufficient=int(status.get("insufficient", 0)), min_before=initiatives.MIN_PRE_MONTHS,
              min_after=initiatives.MIN_POST_MONTHS)]


# --- figures --------------------------------------------------------------------------------------

def _to_display(outcome: str, values) -> np.ndarray:
    """Shares as %, waits (seconds) as minutes."""
    v = np.asarray(values, dtype=float)
    return v / 60 if outcome == "wait" else 100 * v


def _panel_frame(e: initiatives.Estimate) -> pd.DataFrame:
    s = e.result.series.copy()
    if e.result.family == "poisson":
        for c in ("observed", "fitted", "counterfactual", "cf_low", "cf_high"):
            s[c] = s[c] / s["weight"]
    return s


def its_chart(a: initiatives.Assessment, lang: str):
    """Small multiples, one panel per estimate made: observed months (dots), the fitted model
    (line) and the counterfactual without the initiative over the post-period (dashed, with
    its 95% band); a vertical line at each member's start. Shares in %, waits in minutes."""
    made = [e for e in a.estimates if e.result is not None]
    if not made:
        fig, ax = plots.figure(8, 1.6)
        ax.axis("off")
        ax.text(0.5, 0.5, t("initiatives.fig.none", lang), ha="center", va="center", transform=ax.transAxes)
        return fig
    cols = 2 if len(made) > 1 else 1
    rows = math.ceil(len(made) / cols)
    fig, axes = plots.figure(5.2 * cols, 3.0 * rows, nrows=rows, ncols=cols, squeeze=False)
    for k, e in enumerate(made):
        ax = axes[k // cols][k % cols]
        s = _panel_frame(e)
        x = pd.to_datetime(s["time"])
        post = s["post"].to_numpy()
        ax.plot(x, _to_display(e.group.outcome, s["observed"]), "o", markersize=3, color=plots.PALETTE[0],
                label=t("initiatives.fig.observed", lang))
        ax.plot(x, _to_display(e.group.outcome, s["fitted"]), "-", linewidth=1.4, color=plots.PALETTE[2],
                label=t("initiatives.fig.fitted", lang))
        ax.plot(x[post], _to_display(e.group.outcome, s["counterfactual"][post]), "--", linewidth=1.4,
                color=plots.PALETTE[1], label=t("initiatives.fig.counterfactual", lang))
        ax.fill_between(x[post], _to_display(e.group.outcome, s["cf_low"][post]),
                        _to_display(e.group.outcome, s["cf_high"][post]), color=plots.PALETTE[1], alpha=0.2,
                        linewidth=0)
        for m in e.group.members:
            ax.axvline(m.start_on, color=plots.PALETTE[6], linestyle=":", linewidth=1)
        ax.set_title(f"{_group_name(e.group, lang, escape=False)}: {t(f'initiatives.short.{e.group.outcome}', lang)}",
                     fontsize=9)
        ax.set_ylabel(t(f"initiatives.unit.{e.group.outcome}", lang), fontsize=8)
        ax.tick_params(labelsize=7)
        for label in ax.get_xticklabels():
            label.set_rotation(30)
            label.set_ha("right")
    for k in range(len(made), rows * cols):
        axes[k // cols][k % cols].axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=8, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def controlled_chart(a: initiatives.Assessment, lang: str, centre_labels: dict):
    """Per controlled comparison: treated and control centres month by month, and the treated
    centres' counterfactual from the controlled ITS; the start marked. The parallel-trends check
    reads off the months before the line."""
    made = [e for e in a.controlled if e.design == "controlled_its" and e.result is not None]
    if not made:
        fig, ax = plots.figure(8, 1.6)
        ax.axis("off")
        ax.text(0.5, 0.5, t("initiatives.fig.no_controlled", lang), ha="center", va="center", transform=ax.transAxes)
        return fig
    fig, axes = plots.figure(8, 3.4 * len(made), nrows=len(made), ncols=1, squeeze=False)
    for k, e in enumerate(made):
        ax = axes[k][0]
        s = _panel_frame(e)
        for arm, ids, colour in (("treated", e.treated, plots.PALETTE[0]), ("control", e.control, plots.NEUTRAL)):
            part = s[s["group"] == arm]
            one = len(ids) == 1 and ids[0] in centre_labels    # one centre: drawn in its own colour
            line = ax.plot(pd.to_datetime(part["time"]), _to_display(e.group.outcome, part["observed"]), "o-",
                           markersize=3, linewidth=1, color=plots.colour("centres", ids[0]) if one else colour,
                           label=_label_list(ids, centre_labels, lang))
            if one:
                plots.tag(line, "centres", ids[0])
        part = s[(s["group"] == "treated") & s["post"]]
        x = pd.to_datetime(part["time"])
        ax.plot(x, _to_display(e.group.outcome, part["counterfactual"]), "--",
                color=plots.PALETTE[1], label=t("initiatives.fig.counterfactual", lang))
        ax.fill_between(x, _to_display(e.group.outcome, part["cf_low"]), _to_display(e.group.outcome, part["cf_high"]),
                        color=plots.PALETTE[1], alpha=0.2, linewidth=0)
        ax.axvline(e.group.members[0].start_on, color=plots.PALETTE[6], linestyle=":", linewidth=1)
        title = f"{e.group.members[0].name(lang)}: {t(f'initiatives.short.{e.group.outcome}', lang)}"
        if e.trend is not None:
            title += " — " + t("initiatives.fig.parallel", lang, p=fmt_p(e.trend.p_value, lang))
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(t(f"initiatives.unit.{e.group.outcome}", lang), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
