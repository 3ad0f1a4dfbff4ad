"""What readers see of satisfaction: the figures of ``satisfaction`` as formatted frames,
catalogue sentences and figures, and the weekly report's per-centre sections."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..base import plots
from ..base.messages import fmt_num, fmt_p, fmt_pct, fmt_pp, fmt_signed, has, t
from ..measures import themes
from ..measures.significance import drops
from . import feedback as fb
from . import feedback_view, themes_view
from .satisfaction import CUT_COLUMNS, Drivers, lowest, scores_by, within
from .sections import SectionTable

# --- what readers see: formatted frames and catalogue sentences ---------------------------------

def driver_sentences(effects: pd.DataFrame, status: str, lang: str, labels: dict[str, dict[str, str]]) -> list[str]:
    """Plain-words effects from the catalogue, one per driver, e.g. "each extra 10 minutes of
    waiting lowers the odds of a satisfied customer by 12% (95% CI 9% to 15%)".

    ``labels`` maps ``channel``/``service`` to ``{id: name}``. Channel and service levels are
    reported only when their interval excludes no change (odds ratio 1).
    """
    if status != "ok":
        return [t(f"satisfaction.drivers.{status}", lang)]
    out = []
    for r in effects.itertuples(index=False):
        term, low, high = r.driver, r.odds_low, r.odds_high
        if term in ("channel", "service") and low <= 1 <= high:
            continue
        up = r.odds_ratio >= 1
        size = (r.odds_ratio - 1) if up else (1 - r.odds_ratio)
        lo, hi = ((low - 1), (high - 1)) if up else ((1 - high), (1 - low))
        values = {
            "direction": t("satisfaction.drivers.raises" if up else "satisfaction.drivers.lowers", lang),
            "compare": t("satisfaction.drivers.higher" if up else "satisfaction.drivers.lower", lang),
            "size": fmt_pct(size, lang, 0), "low": fmt_pct(lo, lang, 0), "high": fmt_pct(hi, lang, 0),
            "uncertain": t("satisfaction.drivers.uncertain", lang) if low <= 1 <= high else "",
        }
        if term in ("channel", "service"):
            values["level"] = labels[term].get(r.driver_level, r.driver_level)
            values["reference"] = labels[term].get(r.driver_reference, r.driver_reference)
        out.append(t(f"satisfaction.drivers.say.{term}", lang, **values))
    return out or [t("satisfaction.drivers.none", lang)]


def _pct(x, lang):
    return fmt_pct(x, lang)


def _with_interval(value: str, low: str, high: str) -> str:
    return value if low == "–" else f"{value} ({low} – {high})"


def _fmt_nps(x, lang: str) -> str:
    return fmt_signed(x, lang, 0)


def _fmt_ces(x, lang: str) -> str:
    return fmt_num(x, lang, 2)


def booked_label(value, lang: str) -> str:
    """``Booked`` / ``Walk-in (no appointment)`` for a booked flag, in ``lang``."""
    if pd.isna(value):
        return ""
    return t("satisfaction.booked.yes" if bool(value) else "satisfaction.booked.no", lang)


def scores_display(scores: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A ``scores_by`` frame for readers: each score with its 95% interval in one cell."""
    cut = [c for c in scores.columns if c in CUT_COLUMNS]
    out = scores[cut].copy()
    if "booked" in out.columns:
        out["booked"] = [booked_label(v, lang) for v in out["booked"]]
    out["responses"] = scores["responses"].to_numpy()
    out["csat"] = [_with_interval(_pct(v, lang), _pct(lo, lang), _pct(hi, lang))
                   for v, lo, hi in zip(scores["csat"], scores["csat_low"], scores["csat_high"])]
    out["nps"] = [_with_interval(_fmt_nps(v, lang), _fmt_nps(lo, lang), _fmt_nps(hi, lang))
                  for v, lo, hi in zip(scores["nps"], scores["nps_low"], scores["nps_high"])]
    out["ces"] = [_with_interval(_fmt_ces(v, lang), _fmt_ces(lo, lang), _fmt_ces(hi, lang))
                  for v, lo, hi in zip(scores["ces"], scores["ces_low"], scores["ces_high"])]
    out["completed"] = scores["completed"].to_numpy()
    out["response_rate"] = [_pct(v, lang) for v in scores["response_rate"]]
    return out.reset_index(drop=True)


def _fmt_change(metric: str, value, lang: str) -> str:
    if pd.isna(value):
        return "–"
    return fmt_pp(value, lang) if metric == "csat" else fmt_signed(value, lang, 1)


def _fmt_score(metric: str, value, lang: str) -> str:
    return _pct(value, lang) if metric == "csat" else _fmt_nps(value, lang)


def _fmt_p(p) -> str:
    """A p-value in a table cell whose heading names it (``fmt_p``)."""
    return fmt_p(p, "en", cell=True)


def changes_display(family: pd.DataFrame, lang: str, period_kind: str) -> pd.DataFrame:
    """A ``change_family`` frame for readers; cut columns that are empty throughout are left out."""
    keep = [c for c in CUT_COLUMNS if c in family.columns and family[c].notna().any()]
    out = family[keep].copy()
    if "booked" in out.columns:
        out["booked"] = [booked_label(v, lang) for v in out["booked"]]
    out["metric"] = [t(f"satisfaction.metric.{m}", lang) for m in family["metric"]]
    out["comparison"] = [t(f"satisfaction.comparison.{c}.{period_kind}", lang) for c in family["comparison"]]
    out["baseline"] = [_fmt_score(m, v, lang) for m, v in zip(family["metric"], family["baseline"])]
    out["value"] = [_fmt_score(m, v, lang) for m, v in zip(family["metric"], family["value"])]
    out["change"] = [_fmt_change(m, v, lang) for m, v in zip(family["metric"], family["change"])]
    out["p_adjusted"] = [_fmt_p(p) for p in family["p_adjusted"]]
    out["significant"] = [t("common.yes" if s else "common.no", lang) for s in family["significant"]]
    return out.reset_index(drop=True)


def changes_lines(kpi: dict, lang: str) -> list[str]:
    """How the change table tests and corrects (``satisfaction.say.changes``), with the configured
    correction for many comparisons by its catalogue name (``book.value.<correction>``; the
    config id itself only for a method the catalogue does not name) and α."""
    correction = str(kpi["significance"]["correction"])
    method = t(f"book.value.{correction}", lang) if has(f"book.value.{correction}") else correction
    return [t("satisfaction.say.changes", lang, method=method, alpha=f"{float(kpi['significance']['alpha']):g}")]


def _where(row: dict, lang: str, names) -> str:
    parts = []
    for col, key in (("centre_id", "centres"), ("channel_id", "channels"), ("service_id", "services")):
        if col in row and pd.notna(row[col]):
            parts.append(names(key, row[col]))
    if "booked" in row and pd.notna(row["booked"]):
        parts.append(booked_label(row["booked"], lang))
    return " · ".join(parts) if parts else ""


def alert_lines(family: pd.DataFrame, lang: str, period_kind: str, names) -> list[str]:
    """One catalogue sentence per significant drop (largest first within each metric), or one
    saying there is none. ``names(key, id)`` gives a configured item's display name."""
    tested = int(family["p_value"].notna().sum())
    found = drops(family)
    if found.empty:
        return [t("satisfaction.alert.none", lang, tests=tested)]
    out = []
    for r in found.to_dict("records"):
        where = _where(r, lang, names) or t("satisfaction.alert.everywhere", lang)
        out.append(t("satisfaction.alert.drop", lang, metric=t(f"satisfaction.metric.{r['metric']}", lang),
                     where=where, baseline=_fmt_score(r["metric"], r["baseline"], lang),
                     value=_fmt_score(r["metric"], r["value"], lang),
                     change=_fmt_change(r["metric"], r["change"], lang),
                     comparison=t(f"satisfaction.comparison.{r['comparison']}.{period_kind}", lang),
                     p=fmt_p(r["p_adjusted"], lang)))
    out.append(t("satisfaction.alert.family", lang, tests=tested))
    return out


def summary_lines(overall: pd.DataFrame, family: pd.DataFrame, lang: str, period_kind: str) -> list[str]:
    """Catalogue sentences on the period's overall scores and their change against each baseline.

    ``overall`` is ``scores_by(..., [])``; ``family`` a ``change_family`` including the ``[]`` cut
    (rows with ``cut == ""``)."""
    whole = family[family["cut"].eq("") & family["metric"].eq("csat")]
    return _score_lines(overall.iloc[0], whole, lang, period_kind)


def _score_lines(r, changes: pd.DataFrame, lang: str, period_kind: str) -> list[str]:
    """The scores sentence for one row of ``scores_by``, then one sentence per CSAT change row."""
    if r["responses"] == 0:
        return [t("common.no_data", lang)]
    out = [t("satisfaction.say.scores", lang, csat=_pct(r["csat"], lang), low=_pct(r["csat_low"], lang),
             high=_pct(r["csat_high"], lang), responses=fmt_num(r["responses"], lang),
             nps=_fmt_nps(r["nps"], lang), nps_low=_fmt_nps(r["nps_low"], lang),
             nps_high=_fmt_nps(r["nps_high"], lang), ces=_fmt_ces(r["ces"], lang),
             rate=_pct(r["response_rate"], lang))]
    for c in changes.to_dict("records"):
        verdict = t("common.significant" if c["significant"] else "common.not_significant", lang)
        out.append(t("satisfaction.say.change", lang,
                     comparison=t(f"satisfaction.comparison.{c['comparison']}.{period_kind}", lang),
                     baseline=_pct(c["baseline"], lang), change=_fmt_change("csat", c["change"], lang),
                     verdict=verdict, p=fmt_p(c["p_adjusted"], lang)))
    return out


def trend_lines(trend: pd.DataFrame, status: str, lang: str) -> list[str]:
    """Catalogue sentences on the seasonal decomposition (or why there is none)."""
    months = int(trend["csat"].notna().sum())
    if status != "ok":
        return [t("satisfaction.trend.too_short", lang, months=months)]
    last = trend.iloc[-1]
    year_ago = trend.iloc[-13] if len(trend) >= 13 else trend.iloc[0]
    return [t("satisfaction.trend.ok", lang, months=months, trend=_pct(last["trend"], lang),
              trend_before=_pct(year_ago["trend"], lang), change=_fmt_change("csat", last["trend"] - year_ago["trend"], lang),
              seasonal=_fmt_change("csat", last["seasonal"], lang))]


def trend_figure(series: pd.DataFrame, trend: pd.DataFrame, *, title: str, ylabel: str, observed: str,
                 trend_label: str, interval: str):
    """Monthly CSAT with its 95% band, and the STL trend when there is one (house style)."""
    fig, ax = plots.figure(9, 3.8)
    s = trend[["month"]].merge(series, on="month", how="left")
    x = list(range(len(s)))
    ax.fill_between(x, s["csat_low"] * 100, s["csat_high"] * 100, color=plots.PALETTE[0], alpha=0.15, label=interval)
    ax.plot(x, s["csat"] * 100, marker="o", color=plots.PALETTE[0], label=observed)
    if trend["trend"].notna().any():
        ax.plot(x, trend["trend"] * 100, color=plots.PALETTE[1], linewidth=2.5, label=trend_label)
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], list(s["month"])[::step], rotation=45, ha="right")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def drivers_display(effects: pd.DataFrame, lang: str, names) -> pd.DataFrame:
    """Driver effects for readers: the driver in words, odds ratio with its 95% interval."""
    rows = []
    for r in effects.itertuples(index=False):
        label = t(f"satisfaction.drivers.term.{r.driver}", lang)
        if r.driver in ("channel", "service"):
            key = "channels" if r.driver == "channel" else "services"
            label = t("satisfaction.drivers.versus", lang, level=names(key, r.driver_level),
                      reference=names(key, r.driver_reference))
        odds = _with_interval(fmt_num(r.odds_ratio, lang, 2), fmt_num(r.odds_low, lang, 2),
                              fmt_num(r.odds_high, lang, 2))
        rows.append({"driver": label, "odds_ratio": odds,
                     "p_value": _fmt_p(r.p_value)})
    return pd.DataFrame(rows, columns=["driver", "odds_ratio", "p_value"])


def driver_lines(result: Drivers, lang: str, names) -> list[str]:
    """The model's window and its effects in plain words (``driver_sentences``)."""
    labels = {"channel": _NamesView(names, "channels"), "service": _NamesView(names, "services")}
    out = []
    if result.status == "ok":
        out.append(t("satisfaction.drivers.window", lang, rows=fmt_num(result.rows, lang),
                     first=result.first, last=result.last))
    return out + driver_sentences(result.effects, result.status, lang, labels)


class _NamesView:
    """``{id: name}``-like view over ``names(key, id)``."""

    def __init__(self, names, key):
        self.names, self.key = names, key

    def get(self, item_id, default=None):
        return self.names(self.key, item_id)


# --- the weekly supervisors' report ------------------------------------------------------------

@dataclass(frozen=True)
class CentreWeek:
    """A centre's section of the weekly report: ``centre_id``, ``lines`` and ``tables``."""

    centre_id: str
    lines: list[str]
    tables: list[SectionTable]


def _safe_name(text: str) -> str:
    return re.sub(r"[^a-z0-9_\-]", "_", str(text).lower())


def centre_lines(scores: pd.DataFrame, family: pd.DataFrame, centre_id: str, lang: str, period_kind: str) -> list[str]:
    """Catalogue sentences on one centre's scores in the period and the change of its CSAT."""
    rows = family[family["cut"].eq("centre_id") & family["centre_id"].eq(centre_id) & family["metric"].eq("csat")]
    return _score_lines(scores.iloc[0], rows, lang, period_kind)


def weekly_sections(linked: pd.DataFrame, tickets: pd.DataFrame, feedback_frame: pd.DataFrame,
                    period, family: pd.DataFrame, centres: list[str], kpi: dict,
                    owners: dict[str, str], lang: str, follow_up_rows: int = 10,
                    provided: tuple[str, ...] = ("surveys", "feedback")) -> list[CentreWeek]:
    """One section per centre for its supervisor: satisfaction and its change, the lowest-scoring
    services and channels, the week's themes with examples, complaints to follow up and the
    thank-you messages received, counted per channel (staff are named only in the monthly
    recognition chapter: the data contract shows names nowhere else).

    ``linked`` surveys and ``feedback_frame`` (``feedback.as_of``) reach back as needed;
    ``tickets`` are the week's; ``family`` the week's ``change_family``. The follow-up table shows
    the ``follow_up_rows`` oldest (its CSV holds them all).

    ``provided`` names the tables the entity provides (``store.provided_tables``): without
    ``surveys`` a section leaves out its satisfaction sentences and lowest scores, without
    ``feedback`` its follow-up and thank-you tables, and the themes come from what is left; with
    neither there is no section (the notebook says what was not provided, ``Report.needs``)."""
    has_surveys, has_feedback = "surveys" in provided, "feedback" in provided
    if not (has_surveys or has_feedback):
        return []
    min_rank = int(kpi["csat"].get("min_responses_to_rank", 10))
    sla = float(kpi["feedback"]["resolution_sla_days"])
    week = within(linked, "submitted_at", period)
    week_fb = within(feedback_frame, "received_at", period)
    follow = fb.follow_up(feedback_frame, period.end, sla, owners)
    comments = themes.comments(week, week_fb, tuple(kpi["csat"]["top_box"]))
    sections = []
    for centre in centres:
        name = _safe_name(centre)
        lines, tables = [], []
        if has_surveys:
            c_sv = week[week["centre_id"].eq(centre)]
            c_tk = tickets[tickets["centre_id"].eq(centre)]
            lines = centre_lines(scores_by(c_sv, c_tk, [], kpi), family, centre, lang, period.kind)
            tables += _lowest_tables(name, c_sv, c_tk, kpi, min_rank, lang)
        c_comments = comments[comments["centre_id"].eq(centre)]
        top = themes.top_themes(c_comments, ["kind"], n=2)
        tables.append(SectionTable("weekly.h.themes", f"weekly_{name}_themes", top, themes_view.themes_display(top, lang),
                                  [] if len(top) else [t("weekly.say.no_comments", lang)]))
        ex = themes.examples(c_comments, top, ["kind"], per_theme=1)
        tables.append(SectionTable("weekly.h.examples", f"weekly_{name}_examples", ex, themes_view.themes_display(ex, lang), []))
        if has_feedback:
            tables += _feedback_tables(name, follow[follow["centre_id"].eq(centre)].reset_index(drop=True),
                                       week_fb[week_fb["centre_id"].eq(centre)], sla, lang, follow_up_rows)
        sections.append(CentreWeek(centre, lines, tables))
    return sections


def _lowest_tables(name: str, c_sv: pd.DataFrame, c_tk: pd.DataFrame, kpi: dict, min_rank: int,
                   lang: str) -> list[SectionTable]:
    """A weekly centre section's tables from surveys: its lowest-scoring services and channels."""
    tables = []
    for by, key in (("service_id", "services"), ("channel_id", "channels")):
        low = lowest(scores_by(c_sv, c_tk, [by], kpi), by, n=3, min_responses=min_rank)
        shown = low[[by, "responses"]].assign(
            csat=[_with_interval(_pct(v, lang), _pct(lo, lang), _pct(hi, lang))
                  for v, lo, hi in zip(low["csat"], low["csat_low"], low["csat_high"])])
        note = [] if len(low) else [t("weekly.say.too_few_to_rank", lang, n=min_rank)]
        tables.append(SectionTable(f"weekly.h.lowest_{key}", f"weekly_{name}_lowest_{key}", low, shown, note))
    return tables


def _feedback_tables(name: str, c_follow: pd.DataFrame, c_fb: pd.DataFrame, sla: float,
                     lang: str, follow_up_rows: int) -> list[SectionTable]:
    """A weekly centre section's tables from feedback: its complaints to follow up, and the week's
    thank-you messages per channel they came through (no names: see ``weekly_sections``)."""
    thanked = fb.thank_yous(c_fb)
    count = int(len(thanked))
    by_channel = fb.thank_you_by(c_fb, "channel_id", sorted(thanked["channel_id"].dropna().astype(str).unique()))
    return [SectionTable("weekly.h.follow_up", f"weekly_{name}_follow_up", c_follow,
                         feedback_view.follow_up_display(c_follow, lang, follow_up_rows),
                         feedback_view.follow_up_lines(c_follow, sla, lang, follow_up_rows)),
            SectionTable("weekly.h.thanks", f"weekly_{name}_thanks", by_channel, by_channel,
                         [t("weekly.say.thanks", lang, n=fmt_num(count, lang)) if count
                          else t("weekly.say.no_thanks", lang)])]
