"""The daily channel report for readers: the day's notice, the sentences and reader's tables of
the comparison and the alerts, the hour-by-hour heatmap, and the page assembled from the numbers
of ``chapters.daily``.

The page (``report``): the day's notice always; on a working day with tickets, the comparison
(each centre and channel, each centre), the alerts (their table only when something is out of
line) and the hour-by-hour load (table and figure), as sections for ``publish.Report.sections``,
so the notebook calls every display unconditionally and a closed day gets its short page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from ..base import plots
from ..base.messages import fmt_change, fmt_num, fmt_pct, fmt_pp, fmt_wait, t
from ..measures import kpis
from ..measures.kpis import KpiSettings
from .daily import (
    DAILY_METRICS,
    DayStatus,
    alerts,
    baseline_days,
    comparison,
    counts_of,
    day_counts,
    day_status,
    days_with_data,
    hourly_load,
    no_hourly,
    rules,
)
from .sections import SectionTable


def load_heatmap(hourly: pd.DataFrame, centre_labels: dict, channel_labels: dict, title: str, xlabel: str,
                 value: str = "arrivals"):
    """A cut × hour heatmap of ``value`` with the count in each cell (house style)."""
    wide = hourly.pivot_table(index=["centre_id", "channel_id"], columns="hour", values=value,
                              aggfunc="sum", fill_value=0).sort_index()
    rows = [f"{centre_labels.get(c, c)} · {channel_labels.get(ch, ch)}" for c, ch in wide.index]
    fig, ax = plots.figure(max(6.0, 0.55 * wide.shape[1] + 3), max(2.0, 0.45 * len(rows) + 1.2))
    if wide.empty:
        ax.set_axis_off()
        ax.set_title(title)
        return fig
    plots.heatmap(ax, wide.to_numpy(float), rows, [f"{h:02d}" for h in wide.columns])
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return fig


# --- what readers see ---------------------------------------------------------------------------

def display_comparison(comp: pd.DataFrame, alert_frame: pd.DataFrame, lang: str,
                       by=("centre_id", "channel_id")) -> pd.DataFrame:
    """The comparison for readers: each figure as ``today (baseline)``, ``⚠`` after an alert."""
    by = list(by)
    flagged = {(tuple(r[c] for c in by), r["metric"]) for r in alert_frame.to_dict("records")}
    fmt = {m: (lambda v, ch: fmt_pct(v, lang)) for m in kpis.SHARE_KPIS}
    fmt.update({m: (lambda v, ch, m=m: fmt_wait(v, lang, m, ch)) for m in kpis.DURATION_KPIS})
    fmt["transactions"] = lambda v, ch: fmt_num(v, lang)
    rows = []
    for r in comp.to_dict("records"):
        key = tuple(r[c] for c in by)
        row = {c: r[c] for c in by}
        ch = r.get("channel_id")      # a duration in its channel's unit (pooled when the cut has none)
        for m in DAILY_METRICS:
            cell = f"{fmt[m](r[m], ch)} ({fmt[m](r[m + '_base'], ch)})"
            row[m] = cell + (" ⚠" if (key, m) in flagged else "")
        rows.append(row)
    return pd.DataFrame(rows, columns=[*by, *DAILY_METRICS])


def notice(status: DayStatus, tickets_day: pd.DataFrame, st: KpiSettings, lang: str) -> list[str]:
    """The day's opening sentences: closed (weekend or the holiday's name) with any self-service
    traffic, or the day's volume; catalogue text in ``lang``. ``tickets_day``: the day's tickets."""
    return notice_of(status, counts_of(tickets_day, st), lang)


def notice_of(status: DayStatus, counts: dict, lang: str) -> list[str]:
    """``notice`` from the day's counts (``daily.day_counts``: transactions, self_service, centres)."""
    weekday = t(f"weekday.{status.day.isoweekday()}", lang)
    n = counts["transactions"]
    self_service = counts["self_service"] if n else 0
    if status.reason == "weekend":
        out = [t("daily.closed.weekend", lang, weekday=weekday)]
    elif status.reason == "holiday":
        out = [t("daily.closed.holiday", lang, holiday=status.holiday(lang))]
    else:
        if n == 0:
            return [t("daily.no_data", lang)]
        return [t("daily.say.volume", lang, transactions=fmt_num(n, lang), centres=fmt_num(counts["centres"], lang))]
    if self_service:
        out.append(t("daily.closed.self_service", lang, transactions=fmt_num(self_service, lang)))
    elif n:
        out.append(t("daily.closed.other_traffic", lang, transactions=fmt_num(n, lang)))
    return out


def baseline_sentence(base_days: list[date], lang: str) -> list[str]:
    """Which days the comparison uses (or that there are none yet)."""
    if not base_days:
        return [t("daily.baseline.none", lang)]
    return [t("daily.baseline.days", lang, n=len(base_days), days=", ".join(f"{d:%Y-%m-%d}" for d in base_days))]


def alert_sentences(alert_frame: pd.DataFrame, lang: str, centre_labels: dict, channel_labels: dict) -> list[str]:
    """One sentence per alert (catalogue ``daily.alert.<metric>``), or that nothing is out of line."""
    if alert_frame.empty:
        return [t("daily.alert.none", lang)]
    out = []
    for r in alert_frame.to_dict("records"):
        m = r["metric"]
        if m in kpis.SHARE_KPIS:
            value, base, change = fmt_pct(r["value"], lang), fmt_pct(r["baseline"], lang), fmt_pp(r["change"], lang)
        elif m == "transactions":
            value, base = fmt_num(r["value"], lang), fmt_num(r["baseline"], lang, 1)
            change = fmt_change(r["change"], lang)
        else:
            value, base, change = (fmt_wait(r["value"], lang, m, r["channel_id"]),
                                   fmt_wait(r["baseline"], lang, m, r["channel_id"]), fmt_change(r["change"], lang))
        out.append(t(f"daily.alert.{m}", lang, centre=centre_labels.get(r["centre_id"], r["centre_id"]),
                     channel=channel_labels.get(r["channel_id"], r["channel_id"]),
                     value=value, baseline=base, change=change))
    return out


def hourly_display(hourly: pd.DataFrame) -> pd.DataFrame:
    """Arrivals for readers: a row per centre and channel, a column per hour (``08``, ``09`` …)."""
    if hourly.empty:
        return pd.DataFrame(columns=["centre_id", "channel_id"])
    wide = hourly.pivot_table(index=["centre_id", "channel_id"], columns="hour", values="arrivals",
                              aggfunc="sum", fill_value=0).sort_index()
    shown = wide.reset_index()
    shown.columns = ["centre_id", "channel_id", *[f"{h:02d}" for h in wide.columns]]
    return shown


def alerts_display(alert_frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The alerts for readers: the measure's name, figures formatted by kind, direction in words."""
    rows = []
    for r in alert_frame.to_dict("records"):
        m = r["metric"]
        if m in kpis.SHARE_KPIS:
            f, change = (lambda v: fmt_pct(v, lang)), fmt_pp(r["change"], lang)
        elif m == "transactions":
            f, change = (lambda v: fmt_num(v, lang, 1)), fmt_change(r["change"], lang)
        else:
            f, change = (lambda v, m=m, ch=r["channel_id"]: fmt_wait(v, lang, m, ch)), fmt_change(r["change"], lang)
        rows.append({"centre_id": r["centre_id"], "channel_id": r["channel_id"], "metric": t(f"daily.metric.{m}", lang),
                     "value": f(r["value"]), "baseline": f(r["baseline"]), "change": change,
                     "direction": t(f"daily.direction.{r['direction']}", lang)})
    return pd.DataFrame(rows, columns=["centre_id", "channel_id", "metric", "value", "baseline", "change", "direction"])


# --- the page -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DaySection:
    """A section of the daily page: ``lines``, ``tables``, then ``figures`` (``(figure, name)``).
    It covers every centre, so ``centre_id`` is empty (``Report.sections`` passes a centre's name
    to headings that ask for one; the daily headings do not)."""

    lines: list[str]
    tables: list[SectionTable]
    centre_id: str = ""
    figures: tuple = ()


@dataclass(frozen=True)
class DailyReport:
    """The daily page (see ``report``). ``comparison``, ``alerts`` and ``load`` hold one section on
    a working day with tickets and none otherwise; ``hourly`` is the day's ``hourly_load``
    (empty on a day without the report)."""

    status: DayStatus
    notice: list[str]
    base_days: list[date]
    comparison: list[DaySection]
    alerts: list[DaySection]
    load: list[DaySection]
    hourly: pd.DataFrame

    @property
    def reported(self) -> bool:
        """Whether the day gets the full report (a working day with tickets)."""
        return bool(self.comparison)


def report(tickets, day, cfg, lang: str, centre_labels: dict, channel_labels: dict) -> DailyReport:
    """The daily page of ``day`` from ``tickets`` reaching back ``history_start(day)`` (ticket rows,
    or the engine: ``helpers.data.aggregates.tickets.Tickets``): the notice
    (``notice``), and, only on a working day with tickets, the comparison against the baseline
    days (``comparison`` by centre × channel and by centre, ⚠ on alerts), the alerts (sentences;
    the table only when there is one) and the hourly load (table and ``load_heatmap``; figures
    are only made on such a day). Settings: ``kpis.settings(cfg)`` and ``rules(cfg.kpi)``."""
    st = kpis.settings(cfg)
    rule = rules(cfg.kpi)
    status = day_status(cfg, day)
    counts = day_counts(tickets, day, st)
    lines = notice_of(status, counts, lang)
    if not (status.working and counts["transactions"]):
        return DailyReport(status, lines, [], [], [], [], no_hourly())
    hourly = hourly_load(tickets, day)
    base_days = baseline_days(cfg, day, days_with_data(tickets), rule["baseline_weeks"])
    channels = comparison(tickets, day, base_days, st, by=["centre_id", "channel_id"])
    flagged = alerts(channels, rule)
    centres = comparison(tickets, day, base_days, st, by=["centre_id"])
    centre_alerts = alerts(centres, rule, by=["centre_id"])
    compared = DaySection(baseline_sentence(base_days, lang), [
        SectionTable("daily.h.channels", "daily_channels", channels, display_comparison(channels, flagged, lang), []),
        SectionTable("daily.h.centres", "daily_centres", centres,
                 display_comparison(centres, centre_alerts, lang, by=["centre_id"]), []),
    ])
    said = (alert_sentences(flagged, lang, centre_labels, channel_labels) if base_days
            else baseline_sentence(base_days, lang))
    # no empty table under "nothing is out of line": the sentence says it
    listed = [SectionTable("daily.h.alert_table", "daily_alerts", flagged, alerts_display(flagged, lang), [])] \
        if len(flagged) else []
    heatmap = load_heatmap(hourly, centre_labels, channel_labels, title=t("daily.fig.load", lang),
                           xlabel=t("daily.fig.hour", lang))
    load = DaySection([t("daily.load.note", lang)],
                      [SectionTable("daily.h.hourly", "daily_hourly", hourly, hourly_display(hourly), [])],
                      figures=((heatmap, "daily_load"),))
    return DailyReport(status, lines, base_days, [compared], [DaySection(said, listed)], [load], hourly)
