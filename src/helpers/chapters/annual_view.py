"""The annual review for readers: its numbers (``annual``) as catalogue sentences, display tables and
charts, in the report's language. A figure a year before that is missing (no previous year, a month
not processed) is said in words and drawn as a gap, never as "nan"."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..base import plots
from ..base.messages import duration_unit, fmt_change, fmt_num, fmt_pct, fmt_pp, fmt_signed, fmt_wait, t
from . import annual, initiatives_view, recognition
from .annual import LAST_YEAR, Scope

THIS_YEAR_COLOUR = plots.PALETTE[0]
LAST_YEAR_COLOUR = plots.PALETTE[6]
TARGET_COLOUR = plots.PALETTE[1]


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def _month_name(month: str, lang: str) -> str:
    return t(f"month.{int(month[5:7])}", lang)


def _months_text(months, lang: str) -> str:
    """``January to March 2024`` (a run of months), or ``January 2024`` for one."""
    if not months:
        return ""
    first, last = months[0], months[-1]
    if first == last:
        return t("annual.months.one", lang, month=_month_name(first, lang), year=first[:4])
    return t("annual.months.range", lang, first=_month_name(first, lang), last=_month_name(last, lang),
             year=last[:4])


def _signed_pct(x, lang: str) -> str:
    """A relative change as a signed percentage: ``+14.5%``, ``-25.5%``."""
    return fmt_change(x, lang, 1)


def _x(months) -> list[int]:
    return [int(m[5:7]) for m in months]


def _month_axis(ax, lang: str) -> None:
    """January to December; the Arabic month names (no short forms) slanted so that they never touch."""
    slant = {"rotation": 45, "ha": "right"} if lang == "ar" else {}
    ax.set_xticks(range(1, 13), [t(f"annual.month.{i}", lang) for i in range(1, 13)], fontsize=7, **slant)
    ax.set_xlim(0.5, 12.5)


def _year_lines(ax, frame: pd.DataFrame, column: str, sc: Scope, lang: str, scale: float = 1.0,
                band: tuple[str, str] | None = None) -> None:
    """This year (solid, with its interval band when given) and the same months a year before (dashed)."""
    x = _x(frame["month"])
    now = scale * frame[column].astype(float)
    if band:
        ax.fill_between(x, scale * frame[band[0]].astype(float), scale * frame[band[1]].astype(float),
                        color=THIS_YEAR_COLOUR, alpha=0.15, linewidth=0)
    ax.plot(x, now, marker="o", markersize=3, linewidth=1.8, color=THIS_YEAR_COLOUR, label=sc.year)
    before = scale * frame[column + LAST_YEAR].astype(float)
    if before.notna().any():
        ax.plot(x, before, marker="o", markersize=2.5, linewidth=1.2, linestyle="--", color=LAST_YEAR_COLOUR,
                label=sc.last_year)
    _month_axis(ax, lang)


def _target_line(ax, target: float, lang: str, scale: float = 100.0) -> None:
    ax.axhline(scale * target, color=TARGET_COLOUR, linewidth=1.2, label=t("annual.fig.target", lang))


def _legend(ax) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", frameon=False, fontsize=7)


def _empty_figure(lang: str):
    fig, ax = plots.figure(8, 1.4)
    ax.axis("off")
    ax.text(0.5, 0.5, t("annual.fig.none", lang), ha="center", va="center", transform=ax.transAxes)
    return fig


def _month_column(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.assign(month=[_month_name(m, lang) for m in frame["month"]])


# --- the scope ------------------------------------------------------------------------------------

def scope_lines(sc: Scope, lang: str) -> list[str]:
    """Which months of the year are in, and which a year before they are compared with."""
    if not sc.months:
        return [t("annual.say.no_months", lang, year=sc.year)]
    covered = (t("annual.say.whole_year", lang, year=sc.year) if len(sc.months) == 12 else
               t("annual.say.some_months", lang, n=len(sc.months), year=sc.year,
                 months=t("annual.comma", lang).join(_month_name(m, lang) for m in sc.months)))
    if not sc.compared:
        compared = t("annual.say.no_last_year", lang, last_year=sc.last_year)
    elif sc.compared == sc.months:
        compared = t("annual.say.compared_all", lang, last_year=sc.last_year)
    else:
        compared = t("annual.say.compared_some", lang, last_year=sc.last_year, months=_months_text(sc.previous, lang))
    return [f"{covered} {compared}"]


def _versus(change: str, sc: Scope, lang: str) -> str:
    """``, +14.5% against 2023`` or, with nothing to compare, ``; 2023 has no data to compare with``."""
    if not sc.compared or change == "–":
        return t("annual.say.versus_none", lang, last_year=sc.last_year)
    return t("annual.say.versus", lang, change=change, last_year=sc.last_year)


# --- volumes --------------------------------------------------------------------------------------------

def volume_lines(v: annual.Volumes, sc: Scope, lang: str) -> list[str]:
    """The year's transactions and completed ones, and the change against the same months a year
    before."""
    sums = v.sums
    change = annual.relative_change(sums["transactions_compared"], sums["transactions" + LAST_YEAR])
    return [t("annual.say.volumes", lang, months=_months_text(sc.months, lang),
              transactions=fmt_num(sums["transactions"], lang), completed=fmt_num(sums["completed"], lang))
            + _versus(_signed_pct(change, lang), sc, lang)]


def volumes_display(monthly: pd.DataFrame, lang: str) -> pd.DataFrame:
    shown = _month_column(monthly, lang)
    for c in monthly.columns[1:]:
        shown[c] = [fmt_num(v, lang) for v in monthly[c]]
    return shown


def by_channel_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    shown = frame.copy()
    for c in ("transactions", "completed", "transactions_compared", "transactions" + LAST_YEAR):
        shown[c] = [fmt_num(v, lang) for v in frame[c]]
    shown["change_year"] = [_signed_pct(v, lang) for v in frame["change_year"]]
    return shown


def volumes_figure(v: annual.Volumes, sc: Scope, lang: str, channel_labels: dict):
    """Transactions per month, this year and last (left); per channel, this year and the same months a
    year before (right)."""
    monthly, by_channel = v.monthly, v.by_channel
    if monthly.empty:
        return _empty_figure(lang)
    fig, (left, right) = plots.figure(11, 3.8, ncols=2, gridspec_kw={"width_ratios": [3, 2]})
    _year_lines(left, monthly, "transactions", sc, lang)
    left.set_title(t("annual.fig.volumes", lang), fontsize=10)
    left.set_ylabel(t("col.transactions", lang))
    _legend(left)
    frame = by_channel.sort_values("transactions", kind="mergesort")
    y = np.arange(len(frame))
    # like with like: with a year before, this year's months that have a twin there, beside them
    shown = "transactions_compared" if sc.compared else "transactions"
    bars = right.barh(y + 0.2, frame[shown], height=0.4, color=plots.colours("channels", frame["channel_id"]))
    for bar, c in zip(bars.patches, frame["channel_id"], strict=True):
        plots.tag(bar, "channels", c)
    if sc.compared:
        right.barh(y - 0.2, frame["transactions" + LAST_YEAR].fillna(0), height=0.4, color=LAST_YEAR_COLOUR, alpha=0.6)
        title = t("annual.fig.by_channel_compared", lang, year=sc.year, last_year=sc.last_year)
    else:
        title = t("annual.fig.by_channel", lang)
    right.set_yticks(y, [channel_labels.get(c, c) for c in frame["channel_id"]], fontsize=8)
    right.set_title(title, fontsize=10)
    right.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    return fig


# --- digital take-up ------------------------------------------------------------------------------

def take_up_lines(u: annual.TakeUp, sc: Scope, lang: str) -> list[str]:
    """The year's pooled take-up against the same months a year before, and the latest month against
    the target."""
    frame, summary, target, target_year = u.monthly, u.summary, u.target, u.target_year
    out = [t("annual.say.take_up", lang, months=_months_text(sc.months, lang), share=fmt_pct(summary["value"], lang))
           + _versus(fmt_pp(summary["change"], lang), sc, lang)]
    last = frame.iloc[-1] if len(frame) else None
    if last is not None and not _missing(float(last["virtual_share"])):
        status = "annual.say.take_up_met" if last["virtual_share"] >= target else "annual.say.take_up_below"
        out.append(t(status, lang, month=_months_text([last["month"]], lang),
                     share=fmt_pct(last["virtual_share"], lang), target=fmt_pct(target, lang),
                     gap=fmt_pp(last["virtual_share"] - target, lang), year=target_year))
    return out


def take_up_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    shown = _month_column(frame, lang)[["month", "virtual_share", "virtual_share" + LAST_YEAR, "change_year", "target"]]
    for c in ("virtual_share", "virtual_share" + LAST_YEAR, "target"):
        shown[c] = [fmt_pct(v, lang) for v in frame[c]]
    shown["change_year"] = [fmt_pp(v, lang) for v in frame["change_year"]]
    return shown


def take_up_figure(u: annual.TakeUp, sc: Scope, lang: str):
    frame, target = u.monthly, u.target
    if frame.empty:
        return _empty_figure(lang)
    fig, ax = plots.figure(9, 3.6)
    _year_lines(ax, frame, "virtual_share", sc, lang, scale=100)
    _target_line(ax, target, lang)
    ax.set_ylim(0, 100)
    ax.set_title(t("annual.fig.take_up", lang), fontsize=10)
    ax.set_ylabel(t("annual.fig.share_axis", lang))
    _legend(ax)
    return fig


# --- satisfaction ---------------------------------------------------------------------------------

def _score(metric: str, value, lang: str) -> str:
    if _missing(value):
        return "–"
    if metric == "csat":
        return fmt_pct(value, lang)
    return fmt_num(value, lang, 1 if metric == "nps" else 2)


def _score_change(metric: str, value, lang: str) -> str:
    if metric == "csat":
        return fmt_pp(value, lang)
    return fmt_signed(value, lang, 1 if metric == "nps" else 2)


def satisfaction_lines(s: annual.Satisfaction, sc: Scope, lang: str) -> list[str]:
    """CSAT, NPS and CES over the year with their 95% intervals, each against the same months a year
    before."""
    rows = s.year.set_index("which")
    out = []
    for metric in annual.SCORES:
        now = rows.at["year", metric]
        change = rows.at["compared", metric] - rows.at["last_year", metric] if sc.compared else float("nan")
        out.append(t(f"annual.say.{metric}", lang, value=_score(metric, now, lang),
                     low=_score(metric, rows.at["year", f"{metric}_low"], lang),
                     high=_score(metric, rows.at["year", f"{metric}_high"], lang))
                   + _versus(_score_change(metric, change, lang), sc, lang))
    return [" ".join(out)]


def satisfaction_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Month, responses, and each score with its interval, and a year before."""
    shown = pd.DataFrame({"month": [_month_name(m, lang) for m in frame["month"]],
                          "responses": [fmt_num(v, lang) for v in frame["responses"]]})
    for metric in annual.SCORES:
        shown[metric] = [_score(metric, v, lang) if _missing(lo) else
                         t("annual.with_interval", lang, value=_score(metric, v, lang), low=_score(metric, lo, lang),
                           high=_score(metric, hi, lang))
                         for v, lo, hi in zip(frame[metric], frame[f"{metric}_low"], frame[f"{metric}_high"],
                                              strict=True)]
        shown[metric + LAST_YEAR] = [_score(metric, v, lang) for v in frame[metric + LAST_YEAR]]
    return shown


def satisfaction_figure(s: annual.Satisfaction, sc: Scope, lang: str):
    """CSAT, NPS and CES per month: this year with its 95% band, the same months a year before."""
    frame, csat_target = s.monthly, s.csat_target
    if frame.empty:
        return _empty_figure(lang)
    fig, axes = plots.figure(12, 3.4, ncols=3)
    for ax, metric in zip(axes, annual.SCORES, strict=True):
        scale = 100.0 if metric == "csat" else 1.0
        _year_lines(ax, frame, metric, sc, lang, scale=scale, band=(f"{metric}_low", f"{metric}_high"))
        if metric == "csat" and csat_target is not None:
            _target_line(ax, csat_target, lang)
        ax.set_title(t(f"annual.fig.{metric}", lang), fontsize=10)
        ax.tick_params(axis="y", labelsize=7)
    _legend(axes[0])
    fig.tight_layout()
    return fig


# --- service level and waits ----------------------------------------------------------------------------

_PER_UNIT = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0}     # a wait drawn in its unit (config ``units``)


def _unit(channel_id: str) -> str:
    """The unit a channel's waits are read in (config ``units.waits`` by channel kind)."""
    return duration_unit("wait", channel_id=channel_id)


def service_lines(v: annual.Service, sc: Scope, lang: str, channel_labels: dict) -> list[str]:
    """Service level over the year against its target and a year before (pooled: met ÷ counted), the
    months below target, and each queued channel's mean wait in its unit."""
    monthly, summary, channels, target = v.monthly, v.summary, v.channels, v.target
    below = int((monthly["service_level"] < target).sum())
    out = [t("annual.say.service", lang, months=_months_text(sc.months, lang), value=fmt_pct(summary["value"], lang),
             target=fmt_pct(target, lang), below=below, n=int(monthly["service_level"].notna().sum()))
           + _versus(fmt_pp(summary["change"], lang), sc, lang)]
    waits = [t("annual.say.wait_item", lang, channel=channel_labels.get(r.channel_id, r.channel_id),
               wait=fmt_wait(r.wait_mean, lang, channel_id=r.channel_id),
               before=fmt_wait(getattr(r, "wait_mean" + LAST_YEAR), lang, channel_id=r.channel_id))
             for r in channels.itertuples(index=False) if not _missing(r.wait_mean)]
    if waits and channels["wait_mean" + LAST_YEAR].isna().all():    # no like-for-like year before
        waits = [t("annual.say.wait_item_alone", lang, channel=channel_labels.get(r.channel_id, r.channel_id),
                   wait=fmt_wait(r.wait_mean, lang, channel_id=r.channel_id))
                 for r in channels.itertuples(index=False) if not _missing(r.wait_mean)]
        out.append(t("annual.say.waits_alone", lang, waits=t("annual.list_sep", lang).join(waits)))
    elif waits:
        out.append(t("annual.say.waits", lang, waits=t("annual.list_sep", lang).join(waits), last_year=sc.last_year))
    return out


def service_display(channels: pd.DataFrame, lang: str) -> pd.DataFrame:
    shown = channels.copy()
    for c in ("service_level", "service_level" + LAST_YEAR):
        shown[c] = [fmt_pct(v, lang) for v in channels[c]]
    for c in ("wait_mean", "wait_mean" + LAST_YEAR, "threshold"):
        shown[c] = [fmt_wait(v, lang, channel_id=ch) for v, ch in zip(channels[c], channels["channel_id"], strict=True)]
    return shown


def service_monthly_display(monthly: pd.DataFrame, lang: str) -> pd.DataFrame:
    shown = _month_column(monthly, lang)
    for c in ("service_level", "service_level" + LAST_YEAR, "target"):
        shown[c] = [fmt_pct(v, lang) for v in monthly[c]]
    return shown


def service_figure(v: annual.Service, sc: Scope, lang: str, channel_labels: dict):
    """Service level per month against the target and a year before; then one panel per wait unit
    (walk-in in minutes, phone and chat in seconds …): each channel's mean wait per month, this year
    solid and a year before dashed, in the channel's colour."""
    monthly, waits, channels, target = v.monthly, v.waits, v.channels, v.target
    if monthly.empty:
        return _empty_figure(lang)
    units = [u for u in ("minutes", "seconds", "hours") if u in {_unit(c) for c in channels["channel_id"]}]
    fig, axes = plots.figure(4.2 * (1 + len(units)), 3.4, ncols=1 + len(units), squeeze=False)
    axes = axes[0]
    _year_lines(axes[0], monthly, "service_level", sc, lang, scale=100)
    _target_line(axes[0], target, lang)
    axes[0].set_ylim(0, 100)
    axes[0].set_title(t("annual.fig.service", lang), fontsize=10)
    _legend(axes[0])
    for ax, unit in zip(axes[1:], units, strict=True):
        for r in channels[[_unit(c) == unit for c in channels["channel_id"]]].itertuples(index=False):
            one = waits[waits["channel_id"].eq(r.channel_id).to_numpy()]
            colour = plots.colour("channels", r.channel_id)
            x = _x(one["month"])
            plots.tag(ax.plot(x, one["wait_mean"] / _PER_UNIT[unit], marker="o", markersize=2.5, linewidth=1.6,
                              color=colour, label=channel_labels.get(r.channel_id, r.channel_id)),
                      "channels", r.channel_id)
            plots.tag(ax.plot(x, one["wait_mean" + LAST_YEAR] / _PER_UNIT[unit], linewidth=1.0, linestyle="--",
                              color=colour), "channels", r.channel_id)
        _month_axis(ax, lang)
        ax.set_title(t(f"annual.fig.wait_{unit}", lang), fontsize=10)
        ax.set_ylim(bottom=0)
        _legend(ax)
    for ax in axes:
        ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    return fig


# --- complaints and thank-you messages ------------------------------------------------------------------

def feedback_lines(f: annual.Feedback, sc: Scope, lang: str) -> list[str]:
    """Complaints and thank-you messages per 1,000 transactions over the year, each against the same
    months a year before, with the counts."""
    complaints, thanks, sums = f.complaints, f.thanks, f.sums

    def rate(x):
        return fmt_num(x, lang, 2)

    def change(s):
        return fmt_signed(s["change"], lang, 2)

    return [t("annual.say.complaints", lang, months=_months_text(sc.months, lang), rate=rate(complaints["value"]),
              n=fmt_num(sums["complaints"], lang)) + _versus(change(complaints), sc, lang) + " "
            + t("annual.say.thanks", lang, rate=rate(thanks["value"]), n=fmt_num(sums["thank_yous"], lang))
            + _versus(change(thanks), sc, lang)]


def feedback_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    shown = _month_column(frame, lang)
    for c in ("complaints", "thank_yous"):
        shown[c] = [fmt_num(v, lang) for v in frame[c]]
    for c in ("complaints_per_1000", "thank_yous_per_1000"):
        for col in (c, c + LAST_YEAR):
            shown[col] = [fmt_num(v, lang, 2) for v in frame[col]]
    return shown


def feedback_figure(f: annual.Feedback, sc: Scope, lang: str):
    frame = f.monthly
    if frame.empty:
        return _empty_figure(lang)
    fig, axes = plots.figure(11, 3.4, ncols=2)
    for ax, c in zip(axes, ("complaints_per_1000", "thank_yous_per_1000"), strict=True):
        _year_lines(ax, frame, c, sc, lang)
        ax.set_ylim(bottom=0)
        ax.set_title(t(f"annual.fig.{c}", lang), fontsize=10)
        ax.tick_params(axis="y", labelsize=7)
        _legend(ax)
    fig.tight_layout()
    return fig


# --- initiatives -----------------------------------------------------------------------------------------

def _initiative_name(group_id: str, a, lang: str) -> str:
    for e in a.estimates:
        if e.group.group_id == group_id:
            return t("annual.list_sep", lang).join(m.name(lang) for m in e.group.members)
    return group_id


def initiative_lines(recap: pd.DataFrame, a, lang: str, year: str) -> list[str]:
    """How many initiatives ran in the year and what the chapter found for them."""
    if recap.empty:
        return [t("annual.say.initiatives_none", lang, year=year)]
    members = {m.initiative_id for e in a.estimates if e.group.group_id in set(recap["initiative_id"])
               for m in e.group.members}
    findings = recap["finding"].value_counts()
    parts = [t("annual.say.finding_count", lang, n=int(findings[f]), finding=t(f"initiatives.finding.{f}", lang))
             for f in sorted(findings.index, key=lambda f: (-int(findings[f]), f))]
    return [t("annual.say.initiatives", lang, n=len(members), year=year, estimates=len(recap),
              findings=t("annual.list_sep", lang).join(parts))]


def initiatives_display(recap: pd.DataFrame, a, lang: str) -> pd.DataFrame:
    rows = []
    for r in recap.itertuples(index=False):
        rows.append({"initiative": _initiative_name(r.initiative_id, a, lang),
                     "outcome": t(f"initiatives.short.{r.outcome}", lang),
                     "effect": initiatives_view.format_effect(r.measure, r.effect, lang),
                     "interval": initiatives_view.format_interval(r.measure, r.effect_low, r.effect_high, lang),
                     "finding": t(f"initiatives.finding.{r.finding}", lang)})
    return pd.DataFrame(rows, columns=["initiative", "outcome", "effect", "interval", "finding"])


def _natural(measure: str, value) -> float:
    """The effect in the units readers see: points for a share, % change for a ratio."""
    if _missing(value):
        return float("nan")
    return 100 * (value - 1) if measure == "rate_ratio" else 100 * value if measure == "share_difference" else value


def initiatives_figure(recap: pd.DataFrame, a, lang: str):
    """Each estimate with its 95% interval (points for shares, % change for waits), one panel per
    unit; an achieved effect in the house blue, others grey; zero marked."""
    made = recap[recap["effect"].notna().to_numpy()]
    if made.empty:
        return _empty_figure(lang)
    measures = [m for m in ("share_difference", "rate_ratio") if m in set(made["measure"])]
    heights = [max(1, int((made["measure"] == m).sum())) for m in measures]
    fig, axes = plots.figure(9, 0.9 + 0.45 * sum(heights) + 0.6 * len(measures), nrows=len(measures), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, measure in zip(axes[:, 0], measures, strict=True):
        rows = made[made["measure"].eq(measure).to_numpy()].iloc[::-1]
        y = np.arange(len(rows))
        for k, r in enumerate(rows.itertuples(index=False)):
            colour = THIS_YEAR_COLOUR if r.finding == "achieved" else LAST_YEAR_COLOUR
            lo, hi = _natural(measure, r.effect_low), _natural(measure, r.effect_high)
            if not (_missing(lo) or _missing(hi)):
                ax.plot([lo, hi], [k, k], color=colour, linewidth=2)
            ax.plot([_natural(measure, r.effect)], [k], "o", color=colour, markersize=5)
        ax.axvline(0, color="#4d5656", linewidth=0.8)
        ax.set_yticks(y, [f"{_initiative_name(i, a, lang)}: {t(f'initiatives.short.{o}', lang)}"
                          for i, o in zip(rows["initiative_id"], rows["outcome"], strict=True)], fontsize=8)
        ax.set_xlabel(t(f"annual.fig.effect_{measure}", lang), fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    axes[0, 0].set_title(t("annual.fig.initiatives", lang), fontsize=10)
    fig.tight_layout()
    return fig


# --- recognition ------------------------------------------------------------------------------------------

def recognition_lines(r: annual.Recognition, sc: Scope, lang: str) -> list[str]:
    """How many staff were recognised in the year's months, and that the table lists those
    recognised most often at each centre."""
    awarded = r.awards
    if awarded.empty:
        return [t("annual.say.recognition_none", lang, months=_months_text(sc.months, lang))]
    return [t("annual.say.recognition", lang, months=_months_text(sc.months, lang),
              staff=fmt_num(awarded["employee_id"].nunique(), lang), awards=fmt_num(len(awarded), lang))]


def highlights_display(top: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The highlights for readers: the name in ``lang``, the centre, months recognised and each award's months."""
    shown = pd.DataFrame({"staff_name": top["name_ar" if lang == "ar" else "name_en"].to_numpy(),
                          "centre_id": top["centre_id"].to_numpy()})
    for c in ["months_recognised", *recognition.AWARDS]:
        shown[c] = [fmt_num(v, lang) for v in top[c]]
    return shown


def recognition_figure(r: annual.Recognition, lang: str, centre_labels: dict):
    """Staff recognised per month at each centre (grouped bars in the centres' colours)."""
    by_month = r.by_month
    if by_month.empty:
        return _empty_figure(lang)
    centres = [c for c in centre_labels if c in set(by_month["centre_id"])]
    fig, ax = plots.figure(9, 3.4)
    width = 0.8 / max(1, len(centres))
    for k, c in enumerate(centres):
        one = by_month[by_month["centre_id"].eq(c).to_numpy()]
        plots.tag(ax.bar(np.array(_x(one["month"])) - 0.4 + width * (k + 0.5), one["staff"], width=width,
                         color=plots.colour("centres", c), label=centre_labels.get(c, c)), "centres", c)
    _month_axis(ax, lang)
    ax.set_title(t("annual.fig.recognition", lang), fontsize=10)
    ax.set_ylabel(t("annual.fig.staff_axis", lang))
    _legend(ax)
    return fig
