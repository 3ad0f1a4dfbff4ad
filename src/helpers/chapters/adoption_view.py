"""Virtual-channel adoption for readers: the sentences, reader tables and charts of the channels
chapter, drawn from the numbers of ``adoption``."""

from __future__ import annotations

import math

import pandas as pd

from ..base import plots
from ..base.messages import fmt_change, fmt_num, fmt_p, fmt_pct, fmt_pp, fmt_wait, t
from ..base.periods import shift_month
from ..measures.kpis import KpiSettings
from .adoption import FORECAST_LEVEL, MIN_MONTHS, ForecastResult, lagging

# --- what readers see ---------------------------------------------------------------------------

def share_sentences(series: pd.DataFrame, month: str, lang: str) -> list[str]:
    """The month's take-up against the month before and a year before, and its assisted part."""
    s = series.set_index("month")
    if month not in s.index or pd.isna(s.loc[month, "virtual_share"]):
        return [t("common.no_data", lang)]

    def share(m):
        return float(s.loc[m, "virtual_share"]) if m in s.index else float("nan")

    value, prev, ly = share(month), share(shift_month(month, -1)), share(shift_month(month, -12))
    key = ("channels.say.share_first" if math.isnan(prev) else
           "channels.say.share_previous" if math.isnan(ly) else "channels.say.share")
    out = [t(key, lang, value=fmt_pct(value, lang), previous=fmt_pct(prev, lang),
             change=fmt_pp(value - prev, lang), last_year=fmt_pct(ly, lang), change_year=fmt_pp(value - ly, lang))]
    out.append(t("channels.say.assisted", lang, channel=fmt_pct(s.loc[month, "channel_share"], lang),
                 assisted=fmt_pct(s.loc[month, "assisted_share"], lang)))
    first = series.dropna(subset=["virtual_share"]).iloc[0]
    if first["month"] < month:
        out.append(t("channels.say.since", lang, first_month=first["month"],
                     first=fmt_pct(first["virtual_share"], lang), value=fmt_pct(value, lang)))
    return out


def progress_sentences(prog: pd.DataFrame, lang: str) -> list[str]:
    """Where take-up stands against its target (catalogue ``channels.progress.<status>``)."""
    r = prog.iloc[0]
    if r["progress_status"] == "no_data":
        return [t("common.no_data", lang)]
    out = [t(f"channels.progress.{r['progress_status']}", lang, value=fmt_pct(r["virtual_share"], lang),
             target=fmt_pct(r["target"], lang), target_month=r["target_month"], gap=fmt_pp(r["gap"], lang),
             months_left=int(r["months_left"]), needed=fmt_pp(r["needed_pace"], lang),
             pace=fmt_pp(r["recent_pace"], lang))]
    if pd.notna(r["chance"]):
        out.append(t("channels.progress.chance", lang, chance=fmt_pct(r["chance"], lang, 0),
                     target=fmt_pct(r["target"], lang), target_month=r["target_month"]))
    return out


def service_sentences(services: pd.DataFrame, lang: str, labels: dict[str, str], threshold: float = 0.05) -> list[str]:
    """Which services lag the month's take-up by more than ``threshold``, and by how much."""
    lag = lagging(services, threshold)
    if services.empty:
        return [t("common.no_data", lang)]
    if lag.empty:
        return [t("channels.say.no_lag", lang, threshold=fmt_pp(threshold, lang).lstrip("+"))]
    items = [t("channels.say.lag_item", lang, service=labels.get(r.service_id, r.service_id),
               value=fmt_pct(r.virtual_share, lang), gap=fmt_pp(r.gap_overall, lang))
             for r in lag.itertuples(index=False)]
    return [t("channels.say.lag", lang, n=len(lag), threshold=fmt_pp(threshold, lang).lstrip("+"),
              services=t("channels.sep", lang).join(items))]


def centre_sentences(mix: pd.DataFrame, st: KpiSettings, lang: str, centre_labels: dict[str, str]) -> list[str]:
    """For each centre with a channel that is not virtual (a walk-in centre), the share of its
    completions staff did digitally with the customer."""
    out = []
    walk_in = mix[~mix["channel_id"].isin(list(st.virtual_channels))]
    for c in sorted(walk_in["centre_id"].unique()):
        sel = mix[mix["centre_id"] == c]
        share = float(sel.loc[sel["assisted"], "share_of_centre"].sum())
        out.append(t("channels.say.centre_assisted", lang, centre=centre_labels.get(c, c), share=fmt_pct(share, lang)))
    return out or [t("common.no_data", lang)]


def mix_sentences(mix: pd.DataFrame, lang: str, labels: dict[str, str]) -> list[str]:
    """The largest virtual channel and the one that grew most in the mix over the year."""
    if mix["completed"].sum() == 0:
        return [t("common.no_data", lang)]
    top = mix.sort_values(["mix_share", "channel_id"], ascending=[False, True], kind="mergesort").iloc[0]
    out = [t("channels.say.mix_top", lang, channel=labels.get(top["channel_id"], top["channel_id"]),
             share=fmt_pct(top["mix_share"], lang))]
    grown = mix.dropna(subset=["change_year"])
    if not grown.empty:
        g = grown.sort_values(["change_year", "channel_id"], ascending=[False, True], kind="mergesort").iloc[0]
        if g["change_year"] > 0:
            out.append(t("channels.say.mix_grew", lang, channel=labels.get(g["channel_id"], g["channel_id"]),
                         change=fmt_pp(g["change_year"], lang)))
    return out


def forecast_sentences(result: ForecastResult, lang: str) -> list[str]:
    """The forecast for the last month of its horizon with its interval, and the backtest error
    at the same horizon (mean absolute error in percentage points, interval coverage)."""
    if result.status != "ok":
        return [t("channels.forecast.too_short", lang, months=MIN_MONTHS)]
    end = result.forecast.iloc[-1]
    out = [t("channels.forecast.say", lang, month=end["month"], value=fmt_pct(end["forecast"], lang),
             low=fmt_pct(end["low"], lang), high=fmt_pct(end["high"], lang), level=fmt_pct(FORECAST_LEVEL, lang, 0))]
    h, mae, origins = result.headline_error
    if origins == 0:
        out.append(t("channels.forecast.no_backtest", lang))
    else:
        cov = result.summary.set_index("h").loc[h, "coverage"]
        key = "channels.forecast.backtest_same" if h == result.horizon else "channels.forecast.backtest_shorter"
        out.append(t(key, lang, h=h, horizon=result.horizon, mae=fmt_num(100 * mae, lang, 1), origins=origins,
                     coverage=fmt_pct(cov, lang, 0)))
    return out


def safeguard_sentences(frame: pd.DataFrame, now: list[str], then: list[str], lang: str,
                        labels: dict[str, str]) -> list[str]:
    """The comparison windows, then one sentence per channel whose volume grew: held, better,
    worse or too few to tell, with its service level, P90 wait and CSAT now and the change (no
    CSAT when the frame has none: an entity that provides no surveys)."""
    if not then:
        return [t("channels.safeguard.no_history", lang)]
    out = [t("channels.safeguard.windows", lang, now=f"{now[0]}–{now[-1]}", then=f"{then[0]}–{then[-1]}")]
    grew = frame[frame["volume_change"] > 0]
    for r in grew.itertuples(index=False):
        parts = []
        if pd.notna(r.service_level_now):
            parts.append(t("channels.safeguard.part.sl", lang, value=fmt_pct(r.service_level_now, lang),
                           change=fmt_pp(r.service_level_now - r.service_level_then, lang)))
        if pd.notna(r.wait_p90_now):
            parts.append(t("channels.safeguard.part.wait", lang,
                           value=fmt_wait(r.wait_p90_now, lang, "wait_p90", r.channel_id),
                           before=fmt_wait(r.wait_p90_then, lang, "wait_p90", r.channel_id)))
        if pd.notna(getattr(r, "csat_now", None)):
            parts.append(t("channels.safeguard.part.csat", lang, value=fmt_pct(r.csat_now, lang),
                           change=fmt_pp(r.csat_now - r.csat_then, lang)))
        out.append(t(f"channels.safeguard.{r.verdict}", lang, channel=labels.get(r.channel_id, r.channel_id),
                     volume=fmt_change(r.volume_change, lang),
                     figures=t("channels.sep", lang).join(parts) or "–"))
    if grew.empty:
        out.append(t("channels.safeguard.none_grew", lang))
    return out


def display(frame: pd.DataFrame, lang: str, shares=(), pps=(), flags=(), durations=(), counts=()) -> pd.DataFrame:
    """``frame`` for readers: ``shares`` as percentages, ``pps`` as signed points, ``flags``
    (booleans) as yes/no, ``durations`` (seconds) in their measure's one unit (by the row's
    channel when the frame has ``channel_id``), ``counts`` with thousands separators. Other
    columns unchanged."""
    shown = frame.copy()
    for c in counts:
        shown[c] = [fmt_num(v, lang) for v in shown[c]]
    for c in shares:
        shown[c] = [fmt_pct(v, lang) for v in shown[c]]
    for c in pps:
        shown[c] = [fmt_pp(v, lang) for v in shown[c]]
    for c in flags:
        shown[c] = [t("common.yes" if bool(v) else "common.no", lang) for v in shown[c]]
    channels = list(frame["channel_id"]) if "channel_id" in frame.columns else [None] * len(frame)
    for c in durations:
        shown[c] = [fmt_wait(v, lang, c, ch) for v, ch in zip(shown[c], channels, strict=True)]
    return shown


def progress_display(prog: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``progress`` for readers: shares, points per month, the status in words."""
    shown = display(prog, lang, shares=["virtual_share", "target", "chance"], pps=["gap", "needed_pace", "recent_pace"])
    shown["progress_status"] = [t(f"channels.status.{v}", lang) for v in prog["progress_status"]]
    return shown


def safeguard_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``safeguard`` for readers: shares, durations, the relative volume change, p-values to three
    places and the verdict in words. Formats the columns the frame has (no CSAT columns for an
    entity that provides no surveys)."""
    def having(columns):
        return [c for c in columns if c in frame.columns]

    shown = display(frame, lang, shares=having(["service_level_then", "service_level_now", "csat_then", "csat_now"]),
                    durations=["wait_p90_then", "wait_p90_now"],
                    counts=having(["completed_then", "completed_now", "responses_then", "responses_now"]))
    shown["volume_change"] = [fmt_change(v, lang) for v in frame["volume_change"]]
    for c in having(["service_level_p", "csat_p"]):
        shown[c] = [fmt_p(v, lang, cell=True) for v in frame[c]]
    shown["verdict"] = [t(f"channels.verdict.{v}", lang) for v in frame["verdict"]]
    return shown


# --- figures ------------------------------------------------------------------------------------

def _x(month: str, first: str) -> int:
    return (pd.Period(month, freq="M") - pd.Period(first, freq="M")).n


def _month_ticks(ax, months: list[str], every: int = 3) -> None:
    ticks = [i for i in range(len(months)) if i % every == 0]
    ax.set_xticks(ticks, [months[i] for i in ticks], fontsize=8, rotation=45, ha="right")


def _initiative_lines(ax, initiatives: pd.DataFrame, first: str, last: str, lang: str) -> None:
    """Dashed vertical lines at each initiative's start inside the chart, labelled with its name."""
    if initiatives is None or initiatives.empty:
        return
    inits = initiatives.sort_values(["start_on", "initiative_id"], kind="mergesort")
    lo, hi = pd.Timestamp(f"{first}-01"), pd.Period(last, freq="M").end_time
    k = 0
    for r in inits.itertuples(index=False):
        start = pd.Timestamp(r.start_on)
        if not (lo <= start <= hi):
            continue
        month = f"{start:%Y-%m}"
        pos = _x(month, first) + (start.day - 1) / start.days_in_month - 0.5
        ax.axvline(pos, color="#839192", linestyle="--", linewidth=0.9, zorder=1)
        name = str(getattr(r, f"name_{lang}"))
        # staggered, on a white box so the other initiatives' lines never run through a name
        ax.text(pos, 0.98 - 0.075 * (k % 4), name, transform=ax.get_xaxis_transform(), fontsize=7,
                va="top", ha="left", color="#4d5656", zorder=5,
                bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})
        k += 1


def _finish_share_axes(ax, months: list[str], ylabel: str, title: str) -> None:
    """Month ticks, a 0–100% scale, the labels and the legend of a take-up chart."""
    if months:
        _month_ticks(ax, months)
    ax.set_ylim(0, 100)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="lower right", frameon=False, fontsize=8)


def share_chart(series: pd.DataFrame, initiatives: pd.DataFrame, target: float, lang: str, *,
                title: str, ylabel: str, labels: dict[str, str]):
    """Monthly digital take-up (and its virtual-channel part) with the target and the initiatives'
    start dates as labelled vertical lines. ``labels``: ``virtual_share``, ``channel_share``,
    ``target`` legend texts, already translated."""
    months = list(series["month"])
    fig, ax = plots.figure(10, 4.2)
    x = list(range(len(months)))
    ax.plot(x, 100 * series["virtual_share"].astype(float), marker="o", markersize=3.5, linewidth=2,
            color=plots.PALETTE[0], label=labels["virtual_share"])
    ax.plot(x, 100 * series["channel_share"].astype(float), linestyle=":", linewidth=1.4, color=plots.PALETTE[2],
            label=labels["channel_share"])
    ax.axhline(100 * target, color=plots.PALETTE[1], linewidth=1.2, label=labels["target"])
    if months:
        _initiative_lines(ax, initiatives, months[0], months[-1], lang)
    _finish_share_axes(ax, months, ylabel, title)
    return fig


def forecast_chart(series: pd.DataFrame, result: ForecastResult, target: float, *, title: str, ylabel: str,
                   labels: dict[str, str]):
    """The observed monthly share, the forecast to the year end and its prediction interval, and
    the target. ``labels``: ``observed``, ``forecast``, ``interval``, ``target``."""
    fc = result.forecast
    months = list(series["month"]) + [m for m in fc["month"] if m not in set(series["month"])]
    first = months[0] if months else "2000-01"
    fig, ax = plots.figure(10, 4.0)
    ax.plot([_x(m, first) for m in series["month"]], 100 * series["virtual_share"].astype(float), marker="o",
            markersize=3, linewidth=1.8, color=plots.PALETTE[0], label=labels["observed"])
    if len(fc):
        xs = [_x(m, first) for m in fc["month"]]
        ax.fill_between(xs, 100 * fc["low"].astype(float), 100 * fc["high"].astype(float), color=plots.PALETTE[2],
                        alpha=0.2, linewidth=0, label=labels["interval"])
        ax.plot(xs, 100 * fc["forecast"].astype(float), linestyle="--", marker="o", markersize=3,
                color=plots.PALETTE[2], label=labels["forecast"])
    ax.axhline(100 * target, color=plots.PALETTE[1], linewidth=1.2, label=labels["target"])
    _finish_share_axes(ax, months, ylabel, title)
    return fig


def mix_chart(mix: pd.DataFrame, channel_labels: dict[str, str], *, title: str, ylabel: str):
    """Stacked areas: each virtual channel's completions per month (``channel_mix_monthly``)."""
    wide = mix.pivot_table(index="month", columns="channel_id", values="completed", aggfunc="sum", fill_value=0)
    order = [c for c in channel_labels if c in wide.columns]
    wide = wide.sort_index()[order]
    months = list(wide.index)
    fig, ax = plots.figure(10, 3.8)
    areas = ax.stackplot(range(len(months)), *[wide[c].to_numpy(float) for c in order],
                         labels=[channel_labels[c] for c in order], colors=plots.colours("channels", order), alpha=0.9)
    for area, ch in zip(areas, order, strict=True):
        plots.tag(area, "channels", ch)
    _month_ticks(ax, months)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=min(len(order), 6), frameon=False, fontsize=8)
    return fig


def safeguard_chart(trend: pd.DataFrame, channel_labels: dict[str, str], *, titles: dict[str, str]):
    """Three panels over the months: completions, service level and CSAT per channel (two, without
    CSAT, when ``trend`` has no ``csat``: an entity that provides no surveys).
    ``titles``: ``completed``, ``service_level``, ``csat``."""
    months = sorted(trend["month"].unique())
    metrics = [m for m in ("completed", "service_level", "csat") if m in trend.columns]
    fig, axes = plots.figure(11 * len(metrics) / 3, 3.4, ncols=len(metrics))
    for k, metric in enumerate(metrics):
        ax = axes[k]
        for ch in channel_labels:
            sel = trend[trend["channel_id"] == ch].sort_values("month")
            if sel.empty or sel[metric].notna().sum() == 0:
                continue
            y = sel[metric].astype(float) * (1 if metric == "completed" else 100)
            plots.tag(ax.plot([months.index(m) for m in sel["month"]], y, marker="o", markersize=2.5, linewidth=1.2,
                              color=plots.colour("channels", ch), label=channel_labels[ch]), "channels", ch)
        ax.set_title(titles[metric], fontsize=9)
        _month_ticks(ax, months, 3)
        ax.tick_params(axis="y", labelsize=7)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(len(labels), 7), frameon=False, fontsize=8,
               bbox_to_anchor=(0.5, 0.0))
    fig.subplots_adjust(left=0.06, right=0.98, top=0.9, bottom=0.22, wspace=0.22)
    return fig
