"""The channel KPIs for readers: ``measures.kpis`` frames formatted by kind, the catalogue
sentences on a month's summary, and the trend chart (small multiples per KPI and channel)."""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..base import plots
from ..base.messages import fmt_change, fmt_num, fmt_pct, fmt_pp, fmt_wait, t
from ..measures.kpis import (
    COUNT_COLUMNS,
    DURATION_KPIS,
    KPI_COLUMNS,
    SHARE_KPIS,
    SUMMARY_COLUMNS,
    TREND_METRICS,
)


def _formatter(metric: str, lang: str, channel_id=None):
    """How ``metric`` is written: a share as %, a duration in its one unit (the channel's, or
    the pooled unit over several channels), a count with thousands separators."""
    if metric in SHARE_KPIS:
        return lambda v: fmt_pct(v, lang)
    if metric in DURATION_KPIS:
        return lambda v: fmt_wait(v, lang, metric, channel_id)
    return lambda v: fmt_num(v, lang)


def summary_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``summary`` for readers: KPI names from the catalogue, figures formatted by kind. The
    duration rows (waits, handle time) pool every channel kind and are labelled as such."""
    rows = []
    for r in frame.to_dict("records"):
        m = r["metric"]
        f = _formatter(m, lang)
        if m in SHARE_KPIS:
            change = fmt_pp(r["change_year"], lang)
        elif pd.isna(r["change_year"]):
            change = "–"
        elif m == "transactions":
            change = fmt_change(r["change_year"], lang, 1)
        else:
            change = f"{'+' if r['change_year'] >= 0 else '-'}{f(abs(r['change_year']))}"
        label = t(f"channels.metric.{m}", lang)
        if m in DURATION_KPIS:
            # the summary pools every channel kind (seconds on the phone, hours by e-mail): say so
            # on the row (Methods, ``methods.channels.12``)
            label = t("channels.metric.pooled", lang, metric=label)
        rows.append({"metric": label, "value": f(r["value"]), "previous": f(r["previous"]),
                     "last_year": f(r["last_year"]), "change_year": change, "mean_12m": f(r["mean_12m"]),
                     "low_12m": f(r["low_12m"]), "high_12m": f(r["high_12m"]),
                     "target": f(r["target"]) if pd.notna(r["target"]) else ""})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def kpi_display(frame: pd.DataFrame, lang: str, columns: list[str]) -> pd.DataFrame:
    """``columns`` of a ``kpi_table`` frame for readers, each KPI formatted by kind (ids kept)."""
    shown = frame[columns].copy()
    channels = list(frame["channel_id"]) if "channel_id" in frame.columns else [None] * len(frame)
    for c in columns:
        if c in KPI_COLUMNS or c in COUNT_COLUMNS:
            shown[c] = [_formatter(c, lang, ch)(v) for v, ch in zip(shown[c], channels, strict=True)]
    return shown


def pivot_display(frame: pd.DataFrame, metric: str, lang: str, index: str = "channel_id") -> pd.DataFrame:
    """One KPI of a ``monthly_trend`` frame cut by ``index`` for readers: a row per ``index`` value
    and a column per month, formatted by kind."""
    wide = frame.pivot_table(index=index, columns="month", values=metric, aggfunc="first", dropna=False)
    shown = pd.DataFrame({index: list(wide.index)})
    channels = list(wide.index) if index == "channel_id" else [None] * len(wide)
    for month in wide.columns:
        shown[str(month)] = [_formatter(metric, lang, ch)(v) for v, ch in zip(wide[month], channels, strict=True)]
    return shown


def summary_sentences(frame: pd.DataFrame, lang: str) -> list[str]:
    """Catalogue sentences on the month's service level, wait (ASA, median and P90; P90 against
    the same month last year) and abandonment, each against its target and the same month last
    year (when there is one)."""
    def last_year(r, fmt, change=True):
        if pd.isna(r["last_year"]):
            return ""
        if change:
            return t("channels.say.ly_change", lang, value=fmt(r["last_year"], lang), change=fmt_pp(r["change_year"], lang))
        return t("channels.say.ly", lang, value=fmt(r["last_year"], lang))

    row = frame.set_index("metric")
    out = []
    sl = row.loc["service_level"]
    if pd.notna(sl["value"]):
        key = "channels.say.service_level_met" if sl["value"] >= sl["target"] else "channels.say.service_level_missed"
        out.append(t(key, lang, value=fmt_pct(sl["value"], lang), target=fmt_pct(sl["target"], lang),
                     last_year=last_year(sl, fmt_pct)))
    w = row.loc["wait_p90"]
    if pd.notna(w["value"]):
        out.append(t("channels.say.wait", lang, mean=fmt_wait(row.loc["wait_mean", "value"], lang),
                     p50=fmt_wait(row.loc["wait_p50", "value"], lang),
                     p90=fmt_wait(w["value"], lang), last_year=last_year(w, fmt_wait, change=False)))
    a = row.loc["abandonment"]
    if pd.notna(a["value"]):
        key = "channels.say.abandonment_ok" if a["value"] <= a["target"] else "channels.say.abandonment_high"
        out.append(t(key, lang, value=fmt_pct(a["value"], lang), target=fmt_pct(a["target"], lang),
                     last_year=last_year(a, fmt_pct, change=False)))
    return out or [t("common.no_data", lang)]


def trend_titles(lang: str, metrics=None) -> dict[str, str]:
    """The panel titles of ``trend_chart`` (catalogue ``channels.fig.panel.<metric>``)."""
    return {m: t(f"channels.fig.panel.{m}", lang) for m in (metrics or TREND_METRICS)}


def trend_chart(trend: pd.DataFrame, metrics: list[str], titles: dict[str, str], channel_labels: dict[str, str]):
    """Small multiples, one panel per KPI in ``metrics``, a line per channel over the months of
    a ``monthly_trend(..., by=["channel_id"])`` frame; durations in minutes. Labels come in
    translated; channels in configured order (``channel_labels``)."""
    months = sorted(trend["month"].unique())
    cols = 3
    rows_n = -(-len(metrics) // cols)
    fig, axes = plots.figure(11, 3.0 * rows_n, nrows=rows_n, ncols=cols, squeeze=False)
    x = {m: i for i, m in enumerate(months)}
    for k, metric in enumerate(metrics):
        ax = axes[k // cols][k % cols]
        for ch in channel_labels:
            sel = trend[trend["channel_id"] == ch].sort_values("month")
            if sel.empty or sel[metric].notna().sum() == 0:
                continue
            y = sel[metric].astype(float)
            if metric in SHARE_KPIS:
                y = 100 * y
            elif metric in DURATION_KPIS:
                y = y / 60
            plots.tag(ax.plot([x[m] for m in sel["month"]], y, marker="o", markersize=2.5, linewidth=1.2,
                              color=plots.colour("channels", ch), label=channel_labels[ch]), "channels", ch)
        ax.set_title(titles[metric], fontsize=9)
        ticks = [i for i, m in enumerate(months) if (len(months) - 1 - i) % 3 == 0]
        ax.set_xticks(ticks, [months[i] for i in ticks], fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        if metric in ("wait_mean", "wait_p50", "wait_p90"):
            # email waits hours, phone seconds: only a log scale shows both
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
    for k in range(len(metrics), rows_n * cols):
        axes[k // cols][k % cols].set_axis_off()
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(len(labels), 7), frameon=False, fontsize=8,
               bbox_to_anchor=(0.5, 0.02))
    # fixed spacing: tight_layout would draw the whole figure once more
    fig.subplots_adjust(left=0.06, right=0.98, top=0.93, bottom=0.1, hspace=0.45, wspace=0.22)
    return fig
