"""The national comparison in words and charts: reader frames (names instead of ids, numbers through
the catalogue's formatters), catalogue sentences and the figures. The numbers come from ``compare``
and ``tables``; every word a reader sees from ``config/messages/national.yaml``."""

from __future__ import annotations

import math
from html import escape

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from ..base import plots
from ..base.messages import MISSING, fmt_num, fmt_p, fmt_pct, fmt_pp, has, t
from . import compare

COLLAPSE_ROWS = 15          # as a chapter's tables: longer ones are folded (the CSV has every row)
CLASS_COLOURS = {"platinum": "#5d6d7e", "gold": "#c9a227", "silver": "#a6acaf", "bronze": "#a04000",
                 "needs_improvement": "#cb4335", compare.NOT_ASSESSED: "#e5e7e9"}
STATUS_COLOURS = {"on": "#229954", "near": "#c9a227", "off": "#cb4335", "no_data": plots.NEUTRAL}
# a fitted prior strength this large is complete pooling (``beta_binomial_strength``'s upper bound)
POOLED = 0.999e6


def _missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def kind_label(kind: str, lang: str) -> str:
    key = f"national.kind.{kind}"
    return t(key, lang) if has(key) else str(kind)


def class_label(cls, lang: str) -> str:
    """A readiness class in words (the readiness chapter's ``readiness.class.<id>``, or ``national.class.<id>``)."""
    if _missing(cls):
        return MISSING
    for key in (f"readiness.class.{cls}", f"national.class.{cls}"):
        if has(key):
            return t(key, lang)
    return str(cls)


def measure_label(measure: str, lang: str) -> str:
    return t(f"national.measure.{measure}", lang)


class Names:
    """Entity and centre names in one language, from the entities' configurations (``sources.EntityInfo``)."""

    def __init__(self, infos: dict, lang: str):
        self.lang = lang
        self.entities = {e: info.names[lang] for e, info in infos.items()}
        self.centres = {(e, c): names[lang] for e, info in infos.items() for c, _, names in info.centres}

    def entity(self, entity_id) -> str:
        return self.entities.get(str(entity_id), str(entity_id))

    def centre(self, entity_id, centre_id) -> str:
        return self.centres.get((str(entity_id), str(centre_id)), str(centre_id))


def _interval(low, high, lang: str) -> str:
    if _missing(low) or _missing(high):
        return MISSING
    return t("national.interval", lang, low=fmt_pct(low, lang), high=fmt_pct(high, lang))


def _count(x, lang: str) -> str:
    return MISSING if _missing(x) else fmt_num(float(x), lang)


# --- reader frames ---------------------------------------------------------------------------------

def ranking_display(rank: pd.DataFrame, names: Names) -> pd.DataFrame:
    """A ``compare.rank_centres`` table for readers: rank, centre, entity, kind, observations, rate
    and its interval, shrunk rate and its interval."""
    lang = names.lang
    return pd.DataFrame({
        "rank": [MISSING if _missing(r) else fmt_num(int(r), lang) for r in rank["rank"]],
        "centre": [names.centre(e, c) for e, c in zip(rank["entity_id"], rank["centre_id"], strict=True)],
        "entity": [names.entity(e) for e in rank["entity_id"]],
        "kind": [kind_label(k, lang) for k in rank["kind"]],
        "trials": [_count(n, lang) for n in rank["trials"]],
        "rate": [fmt_pct(v, lang) for v in rank["rate"]],
        "interval": [_interval(a, b, lang) for a, b in zip(rank["low"], rank["high"], strict=True)],
        "shrunk": [fmt_pct(v, lang) for v in rank["shrunk"]],
        "shrunk_interval": [_interval(a, b, lang)
                            for a, b in zip(rank["shrunk_low"], rank["shrunk_high"], strict=True)],
    })


def take_up_display(frame: pd.DataFrame, names: Names) -> pd.DataFrame:
    lang = names.lang
    return pd.DataFrame({
        "entity": [names.entity(e) for e in frame["entity_id"]],
        "centres": [_count(n, lang) for n in frame["centres"]],
        "completed": [_count(n, lang) for n in frame["completed"]],
        "take_up": [fmt_pct(v, lang) for v in frame["take_up"]],
        "interval": [_interval(a, b, lang) for a, b in zip(frame["low"], frame["high"], strict=True)],
        "target": [fmt_pct(v, lang) for v in frame["target"]],
        "gap": [fmt_pp(v, lang) for v in frame["gap"]],
        "status": [t(f"national.status.{s}", lang) for s in frame["status"]],
    })


def readiness_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        "kind": [kind_label(k, lang) for k in frame["kind"]],
        "classification": [class_label(c, lang) for c in frame["classification"]],
        "centres": [_count(n, lang) for n in frame["centres"]],
        "share": [fmt_pct(v, lang) for v in frame["share"]],
    })


def improved_display(frame: pd.DataFrame, names: Names) -> pd.DataFrame:
    """The centres that improved most: each measure's rows with the observed rates before and after,
    the observed change, the change allowing for chance (shrunk) with its interval, and the p-value;
    readiness in score points."""
    lang = names.lang
    points = frame["measure"] == "readiness"

    def value(v, score: bool) -> str:
        return fmt_num(v, lang, 1) if score else fmt_pct(v, lang)

    def change(v, score: bool) -> str:
        return t("national.points", lang, value=fmt_num(v, lang, 1)) if score else fmt_pp(v, lang)

    def interval(a, b, score: bool) -> str:
        if score or _missing(a) or _missing(b):
            return MISSING
        return t("national.interval", lang, low=fmt_pp(a, lang), high=fmt_pp(b, lang))

    return pd.DataFrame({
        "measure": [measure_label(m, lang) for m in frame["measure"]],
        "place": [fmt_num(int(p), lang) for p in frame["place"]],
        "centre": [names.centre(e, c) for e, c in zip(frame["entity_id"], frame["centre_id"], strict=True)],
        "entity": [names.entity(e) for e in frame["entity_id"]],
        "before": [value(v, r) for v, r in zip(frame["before"], points, strict=True)],
        "after": [value(v, r) for v, r in zip(frame["after"], points, strict=True)],
        "raw_change": [change(v, r) for v, r in zip(frame["raw_change"], points, strict=True)],
        "change": [change(v, r) for v, r in zip(frame["change"], points, strict=True)],
        "change_interval": [interval(a, b, r) for a, b, r in
                            zip(frame["change_low"], frame["change_high"], points, strict=True)],
        "p_value": [fmt_p(p, lang, cell=True) for p in frame["p_value"]],
    })


def coverage_display(frame: pd.DataFrame, names: Names) -> pd.DataFrame:
    lang = names.lang
    return pd.DataFrame({
        "entity": [names.entity(e) for e in frame["entity_id"]],
        "centres": [_count(n, lang) for n in frame["centres"]],
        "months": [_count(n, lang) for n in frame["months"]],
        "published": [t("common.yes" if p else "common.no", lang) for p in frame["published"]],
    })


def ranking_html(rank: pd.DataFrame, names: Names, top: int = 5) -> str:
    """A ranking for the page: the whole table when it is short; else each kind's first ``top`` ranks
    in view and the whole table folded below them."""
    shown = ranking_display(rank, names)
    if len(shown) <= COLLAPSE_ROWS:
        return html_table(shown, names.lang)
    leaders = (rank["rank"].notna() & (rank["rank"] <= top)).to_numpy(dtype=bool)
    head = f"<p>{escape(t('national.rank.leaders', names.lang, top=fmt_num(top, names.lang)))}</p>"
    in_view = html_table(shown[leaders], names.lang, collapse_rows=len(shown))
    return f"{head}{in_view}\n{html_table(shown, names.lang)}"


def html_table(shown: pd.DataFrame, lang: str, collapse_rows: int = COLLAPSE_ROWS) -> str:
    """A reader frame as an escaped HTML table (headers ``national.col.<column>``), folded in a
    closed ``<details>`` when it has more than ``collapse_rows`` rows; one sentence when it has none."""
    if shown.empty:
        return f"<p>{escape(t('national.empty', lang))}</p>"
    head = "".join(f"<th>{escape(t(f'national.col.{c}', lang))}</th>" for c in shown.columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in shown.itertuples(index=False))
    table = f'<table class="goldbook-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    if len(shown) <= collapse_rows:
        return table
    summary = escape(t("national.collapsed", lang, n=fmt_num(len(shown), lang)))
    return f'<details class="goldbook-collapsed"><summary>{summary}</summary>\n{table}</details>'


# --- sentences -------------------------------------------------------------------------------------

def summary_sentences(summary: pd.DataFrame, take_up: pd.DataFrame, missing: list[str], names: Names) -> list[str]:
    """The period in a few sentences: who is compared, the national CSAT, service level and take-up
    against their targets, how many entities reach the take-up target, who is missing."""
    lang = names.lang
    by = summary.set_index("metric")
    out = [t("national.summary.scope", lang, entities=fmt_num(by.at["entities", "value"], lang),
             centres=fmt_num(by.at["centres", "value"], lang), completed=_count(by.at["completed", "value"], lang))]
    for measure in ("csat", "service_level", "take_up"):
        row = by.loc[measure]
        if _missing(row["value"]):
            continue
        out.append(t("national.summary.measure", lang, measure=measure_label(measure, lang),
                     value=fmt_pct(row["value"], lang), interval=_interval(row["low"], row["high"], lang),
                     target=fmt_pct(row["target"], lang)))
    if len(take_up):
        on = int((take_up["status"] == "on").sum())
        out.append(t("national.summary.on_target", lang, on=fmt_num(on, lang), entities=fmt_num(len(take_up), lang),
                     target=fmt_pct(take_up["target"].iloc[0], lang)))
    if missing:
        out.append(t("national.summary.missing", lang, count=fmt_num(len(missing), lang),
                     entities=t("national.separator", lang).join(names.entity(e) for e in missing)))
    return out


def ranking_sentences(rank: pd.DataFrame, measure: str, names: Names) -> list[str]:
    """Per kind: the top centre by shrunk rate, or why there is no ranking; a note when the fitted
    prior is complete pooling (the centres' differences are within chance)."""
    lang = names.lang
    out = []
    for kind, rows in rank.groupby("kind", sort=False):
        ranked = rows[rows["rank"].notna()]
        label = kind_label(kind, lang)
        if rows["strength"].isna().all():
            out.append(t("national.rank.none", lang, kind=label, measure=measure_label(measure, lang)))
            continue
        if ranked.empty:
            out.append(t("national.rank.too_few", lang, kind=label))
            continue
        top = ranked.iloc[0]
        out.append(t("national.rank.top", lang, kind=label, centre=names.centre(top["entity_id"], top["centre_id"]),
                     entity=names.entity(top["entity_id"]), value=fmt_pct(top["shrunk"], lang),
                     prior=fmt_pct(top["prior"], lang), count=fmt_num(len(ranked), lang)))
        if float(rows["strength"].iloc[0]) >= POOLED:
            out.append(t("national.rank.pooled", lang, kind=label))
    return out


def improved_sentences(frame: pd.DataFrame, names: Names) -> list[str]:
    lang = names.lang
    if frame.empty:
        return [t("national.improved.none", lang)]
    out = []
    for measure, rows in frame.groupby("measure", sort=False):
        top = rows.iloc[0]
        points = measure == "readiness"
        change = (t("national.points", lang, value=fmt_num(top["change"], lang, 1)) if points
                  else fmt_pp(top["change"], lang))
        out.append(t("national.improved.top", lang, measure=measure_label(measure, lang),
                     centre=names.centre(top["entity_id"], top["centre_id"]), entity=names.entity(top["entity_id"]),
                     change=change))
    return out


# --- figures ---------------------------------------------------------------------------------------

def take_up_chart(frame: pd.DataFrame, names: Names, target: float):
    """Each entity's digital take-up with its interval, coloured by its status against the target
    line; highest at the top."""
    lang = names.lang
    rows = frame[frame["take_up"].notna()].iloc[::-1]
    fig, ax = plots.figure(8, max(3.0, 0.26 * len(rows) + 1.2))
    y = np.arange(len(rows))
    for i, (_, r) in enumerate(rows.iterrows()):
        colour = STATUS_COLOURS.get(r["status"], plots.NEUTRAL)
        ax.plot([r["low"], r["high"]], [i, i], color=colour, linewidth=1.5)
        ax.plot([r["take_up"]], [i], marker="o", color=colour, markersize=5)
    ax.axvline(target, color=plots.NEUTRAL, linestyle="--", linewidth=1,
               label=t("national.chart.target", lang, value=fmt_pct(target, lang)))
    ax.set_yticks(y)
    ax.set_yticklabels([names.entity(e) for e in rows["entity_id"]])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_pct(v, lang, 0)))
    ax.set_xlabel(t("national.measure.take_up", lang))
    ax.set_title(t("national.chart.take_up", lang))
    ax.legend(loc="lower right", frameon=False)
    return fig


def readiness_chart(frame: pd.DataFrame, lang: str):
    """Each kind's centres by readiness class, as shares of the kind's centres (stacked bars)."""
    kinds = list(dict.fromkeys(frame["kind"]))
    fig, ax = plots.figure(8, 1.2 + 0.6 * max(1, len(kinds)))
    classes = list(dict.fromkeys(frame["classification"]))
    left = np.zeros(len(kinds))
    for i, cls in enumerate(classes):
        shares = np.array([frame.loc[(frame["kind"] == k) & (frame["classification"] == cls), "share"].sum()
                           for k in kinds])
        ax.barh([kind_label(k, lang) for k in kinds], shares, left=left, label=class_label(cls, lang),
                color=CLASS_COLOURS.get(cls, plots.PALETTE[i % len(plots.PALETTE)]))
        left += shares
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_pct(v, lang, 0)))
    ax.set_title(t("national.chart.readiness", lang))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def shrinkage_chart(rank: pd.DataFrame, lang: str, measure: str = "csat"):
    """Each centre's raw rate (hollow) and shrunk rate (filled) against its number of observations:
    the fewer, the more it is pulled toward its kind's mean (dashed)."""
    fig, ax = plots.figure(8, 4)
    for i, (kind, rows) in enumerate(rank[rank["trials"] > 0].groupby("kind", sort=False)):
        colour = plots.PALETTE[i % len(plots.PALETTE)]
        for n, raw, shrunk in zip(rows["trials"], rows["rate"], rows["shrunk"], strict=True):
            ax.plot([n, n], [raw, shrunk], color=colour, linewidth=0.8, alpha=0.6)
        ax.scatter(rows["trials"], rows["rate"], facecolors="none", edgecolors=colour, s=18)
        ax.scatter(rows["trials"], rows["shrunk"], color=colour, s=18, label=kind_label(kind, lang))
        ax.axhline(float(rows["prior"].iloc[0]), color=colour, linestyle="--", linewidth=0.8)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(plots.tick_label))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_pct(v, lang, 0)))
    ax.set_xlabel(t(f"national.chart.base.{measure}", lang))
    ax.set_ylabel(measure_label(measure, lang))
    ax.set_title(t("national.chart.shrinkage", lang, measure=measure_label(measure, lang)))
    ax.legend(loc="lower right", frameon=False)
    return fig
