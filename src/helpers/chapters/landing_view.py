"""The landing page's words and drawings: the headline sentence, the tiles, the row per centre and
the sparklines (issue 15). The numbers are ``chapters.landing``'s.

Everything here returns text: catalogue sentences, or HTML in which every piece of text is passed
through ``html.escape`` (names from config, catalogue text, numbers) and every sparkline is drawn
by ``sparkline`` from numbers alone. The overview chapter and the book's landing and month pages
show the same ``block_html``.
"""

from __future__ import annotations

import math
import re
from html import escape

import pandas as pd

from ..base.messages import DIRECTION, LRI, PDI, fmt_num, fmt_pct, fmt_pp, fmt_signed, fmt_wait, has, t
from .landing import HIGHER_IS_BETTER, MEASURES, READINESS, SCOPE_ALL, SHARES, movements

STATUS_MARK = {"on": "✓", "near": "≈", "off": "✗"}
# A signed number or a percentage inside an Arabic sentence is a left-to-right isolate (LRI … PDI):
# it keeps its sign and its "%" where a reader expects them (else the bidi algorithm shows "1.2-").
_NUMBER = re.compile(r"[+\-±]?\d[\d,]*(?:\.\d+)?%?")
ARROW = {"up": "▲", "down": "▼"}


def _missing(x) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return True


# --- numbers as a reader reads them ------------------------------------------------------------

def fmt_value(measure: str, x, lang: str) -> str:
    """A level in the measure's unit: a share ``74.6%``, a wait in minutes, a rate per 1,000, a
    count, a readiness score ``92.9%``; ``–`` when missing."""
    if _missing(x):
        return "–"
    if measure in SHARES:
        return fmt_pct(x, lang)
    if measure == "wait_walk_in":
        return fmt_wait(x, lang, kind="walk_in")       # the walk-in wait's configured unit
    if measure == "complaints_per_1000":
        return t("landing.unit.per_1000", lang, value=fmt_num(x, lang, 2))
    if measure == READINESS:
        return fmt_pct(float(x) / 100, lang)
    return fmt_num(x, lang)


def fmt_change(measure: str, x, lang: str) -> str:
    """A signed change in the measure's unit (percentage points for shares, readiness points for a
    score); ``–`` when missing."""
    if _missing(x):
        return "–"
    x = float(x)
    if measure in SHARES:
        return fmt_pp(x, lang)
    if measure == READINESS:
        return t("landing.unit.points", lang, value=fmt_signed(x, lang, 1))
    if measure == "wait_walk_in":
        size = fmt_wait(abs(x), lang, kind="walk_in")
        sign = "±" if size == fmt_wait(0, lang, kind="walk_in") else "+" if x > 0 else "-"   # a move that rounds away
        return iso(sign + size, lang)
    if measure == "complaints_per_1000":
        return fmt_signed(x, lang, 2)
    return fmt_signed(x, lang)


def iso(text: str, lang: str) -> str:
    """``text`` (a number as formatted, perhaps with its unit) with each signed number or
    percentage isolated left to right on a right-to-left page, so that the unit still follows it
    in reading order; as it is on a left-to-right page."""
    if DIRECTION.get(lang) != "rtl":
        return text
    bare = text.replace(LRI, "").replace(PDI, "")          # the formatters isolate signed numbers already
    return _NUMBER.sub(lambda m: f"{LRI}{m.group(0)}{PDI}", bare)


def measure_name(measure: str, lang: str) -> str:
    return t(f"landing.measure.{measure}", lang)


def class_name(cls, lang: str) -> str:
    key = f"readiness.class.{cls}"
    if not isinstance(cls, str) or cls in ("", "None", "nan", "<NA>"):
        return t("landing.readiness.unclassed", lang)
    return t(key, lang) if has(key) else str(cls)


# --- the headline sentence ----------------------------------------------------------------------

def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return t("landing.comma", lang).join(items[:-1]) + t("landing.and", lang) + items[-1]


def _off_clause(r, lang: str) -> str:
    name = measure_name(r.measure, lang)
    n = int(r.months_off_target)
    if n <= 1:
        return t("landing.headline.off_one", lang, measure=name)
    if n >= int(r.months_shown):
        return t("landing.headline.off_all", lang, measure=name, n=n)
    return t("landing.headline.off_run", lang, measure=name, n=n)


def target_sentence(tiles: pd.DataFrame, lang: str) -> str:
    """What is off target (the longest run first), else what is near it, else that all is on target."""
    mine = tiles[tiles["scope"].eq(SCOPE_ALL) & tiles["measure"].isin(MEASURES)]
    off = mine[mine["status"].eq("off")].sort_values("months_off_target", ascending=False, kind="mergesort")
    if len(off):
        first = _off_clause(next(off.itertuples(index=False)), lang)
        others = [t(f"landing.word.{m}", lang) for m in off["measure"].iloc[1:]]
        if others:
            return t("landing.headline.also_off", lang, first=first, others=_join(others, lang))
        return t("landing.headline.one_off", lang, first=first)
    near = [t(f"landing.word.{m}", lang) for m in mine.loc[mine["status"].eq("near"), "measure"]]
    if near:
        return t("landing.headline.near", lang, measures=_join(near, lang))
    if mine["status"].isin(["on"]).any():
        return t("landing.headline.on", lang)
    return ""


def movement_sentence(tiles: pd.DataFrame, lang: str, steady: dict) -> str:
    """What rose or fell since last month, grouped by whether that is better for the measure."""
    mine = tiles[tiles["scope"].eq(SCOPE_ALL) & tiles["measure"].isin(MEASURES)]
    if not len(mine) or mine["value"].isna().all():
        return t("landing.headline.no_data", lang)
    if mine["previous"].isna().all():
        return t("landing.headline.first", lang)
    moved = movements(mine, steady)
    if not len(moved):
        return t("landing.headline.steady", lang)
    parts = []
    for better in (True, False):
        group = moved[moved["better"].eq(better)]
        moves = []
        for direction, key in (("up", "landing.headline.rose"), ("down", "landing.headline.fell")):
            names = [t(f"landing.word.{m}", lang) for m in group.loc[group["direction"].eq(direction), "measure"]]
            if names:
                moves.append(t(key, lang, measures=_join(names, lang)))
        if moves:
            parts.append(t("landing.headline.better" if better else "landing.headline.worse", lang,
                           moves=_join(moves, lang)))
    text = t("landing.headline.since", lang, parts=t("landing.headline.parts_sep", lang).join(parts))
    return text[:1].upper() + text[1:] if lang == "en" else text


def headline(tiles: pd.DataFrame, lang: str, steady: dict) -> str:
    """The one or two sentences that open the landing page: targets, then the month's movements."""
    first = target_sentence(tiles, lang)
    second = movement_sentence(tiles, lang, steady)
    return " ".join(s for s in (first, second) if s)


# --- the sparkline ------------------------------------------------------------------------------

def spark_points(values, width: float = 100, height: float = 28, pad: float = 2) -> list[list[tuple[float, float]]]:
    """The sparkline's points, one list per run of months with a value (a missing month breaks the
    line): x evenly spaced from ``pad`` to ``width - pad``; y from ``height - pad`` (the lowest
    value) to ``pad`` (the highest); all at mid-height when every value is the same."""
    values = [None if _missing(v) else float(v) for v in values]
    known = [v for v in values if v is not None]
    if not known:
        return []
    lo, hi = min(known), max(known)
    n = len(values)
    step = (width - 2 * pad) / (n - 1) if n > 1 else 0.0
    runs, run = [], []
    for i, v in enumerate(values):
        if v is None:
            if run:
                runs.append(run)
            run = []
            continue
        x = pad + i * step if n > 1 else width / 2
        y = height / 2 if hi == lo else pad + (hi - v) / (hi - lo) * (height - 2 * pad)
        run.append((round(x, 1), round(y, 1)))
    if run:
        runs.append(run)
    return runs


def sparkline(values, label: str = "", width: float = 100, height: float = 28, pad: float = 2) -> str:
    """An inline SVG polyline of ``values`` (oldest first) with a dot on the last value; ``""``
    without any value. ``label`` (escaped) is its accessible name. Deterministic: numbers only."""
    runs = spark_points(values, width, height, pad)
    if not runs:
        return ""
    lines = []
    for run in runs:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
        lines.append(f'<polyline points="{pts}"/>' if len(run) > 1 else
                     f'<circle cx="{run[0][0]:.1f}" cy="{run[0][1]:.1f}" r="1.5"/>')
    x, y = runs[-1][-1]
    return (f'<svg class="gb-spark" viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" '
            f'role="img" aria-label="{escape(label)}">{"".join(lines)}'
            f'<circle class="gb-spark-last" cx="{x:.1f}" cy="{y:.1f}" r="2.2"/></svg>')


# --- the tiles ----------------------------------------------------------------------------------

def _target_text(measure: str, target, lang: str) -> str:
    if _missing(target):
        return ""
    key = "landing.target.min" if HIGHER_IS_BETTER[measure] else "landing.target.max"
    return t(key, lang, value=iso(fmt_value(measure, target, lang), lang))


def _changes(r, lang: str) -> list[str]:
    prev = (t("landing.change.no_previous", lang) if _missing(r["change"])
            else t("landing.change.previous", lang, change=iso(fmt_change(r["measure"], r["change"], lang), lang)))
    year = (t("landing.change.no_last_year", lang) if _missing(r["change_last_year"])
            else t("landing.change.last_year", lang,
                   change=iso(fmt_change(r["measure"], r["change_last_year"], lang), lang)))
    return [prev, year]


def _series(trend: pd.DataFrame, scope: str, measure: str) -> list[float]:
    part = trend[trend["scope"].eq(scope) & trend["measure"].eq(measure)].sort_values("month")
    return [float(v) for v in part["value"]]


def _open(tag: str, cls: str, href: str | None) -> tuple[str, str]:
    if href:
        return f'<a class="{cls}" href="{escape(href)}">', "</a>"
    return f'<{tag} class="{cls}">', f"</{tag}>"


def tile_html(r: dict, trend: pd.DataFrame, lang: str, href: str | None = None) -> str:
    """One measure's tile: name, value, status and target, changes, sparkline."""
    measure, status = r["measure"], r["status"]
    start, end = _open("div", f"gb-tile gb-{status}", href)
    values = _series(trend, r["scope"], measure)
    target = _target_text(measure, r["target"], lang)
    status_text = t(f"landing.status.{status}", lang) + (f" · {target}" if target and status != "no_data" else "")
    mark = STATUS_MARK.get(status, "")
    spark = sparkline(values, t("landing.sparkline", lang, measure=measure_name(measure, lang), n=len(values)))
    return (f'{start}<span class="gb-tile-name">{escape(measure_name(measure, lang))}</span>'
            f'<span class="gb-tile-value">{escape(iso(fmt_value(measure, r["value"], lang), lang))}</span>'
            f'<span class="gb-tile-status">{escape((mark + " ") if mark else "")}{escape(status_text)}</span>'
            f'<span class="gb-tile-change">{"<br>".join(escape(c) for c in _changes(r, lang))}</span>'
            f"{spark}{end}")


def readiness_line(r: dict, lang: str) -> str:
    """A centre's class, score and the points to the next class, in words."""
    if _missing(r["value"]):
        return t("landing.readiness.none", lang)
    cls, score = class_name(r.get("classification"), lang), iso(fmt_value(READINESS, r["value"], lang), lang)
    nxt = r.get("next_class")
    if isinstance(nxt, str) and nxt not in ("", "None", "nan") and not _missing(r.get("points_to_next")):
        return t("landing.readiness.next", lang, cls=cls, score=score, next=class_name(nxt, lang),
                 points=iso(fmt_num(r["points_to_next"], lang, 1), lang))
    return t("landing.readiness.top", lang, cls=cls, score=score)


def readiness_tile_html(rows: list[dict], trend: pd.DataFrame, lang: str, names: dict, href: str | None = None) -> str:
    """The readiness tile: each centre's class, with points to the next class and a sparkline."""
    start, end = _open("div", "gb-tile gb-tile-readiness", href)
    items = []
    for r in rows:
        mark = STATUS_MARK.get(r["status"], "")
        values = _series(trend, r["scope"], READINESS)
        name = names.get(r["scope"], r["scope"])
        spark = sparkline(values, t("landing.sparkline", lang, measure=f"{measure_name(READINESS, lang)}: {name}",
                                    n=len(values)), width=48, height=16, pad=1.5)
        items.append(f'<li class="gb-{escape(str(r["status"]))}"><b>{escape(name)}</b> '
                     f'{escape(mark)} {escape(readiness_line(r, lang))}{spark}</li>')
    return (f'{start}<span class="gb-tile-name">{escape(measure_name(READINESS, lang))}</span>'
            f'<ul class="gb-classes">{"".join(items)}</ul>{end}')


def tiles_html(tiles: pd.DataFrame, trend: pd.DataFrame, lang: str, names: dict, href: str | None = None) -> str:
    """Every tile of all centres together, then the readiness tile of the centres."""
    rows = tiles.to_dict("records")
    parts = [tile_html(r, trend, lang, href) for r in rows if r["scope"] == SCOPE_ALL and r["measure"] in MEASURES]
    ready = [r for r in rows if r["measure"] == READINESS]
    if ready:
        parts.append(readiness_tile_html(ready, trend, lang, names, href))
    return f'<div class="gb-tiles">{"".join(parts)}</div>'


# --- the row per centre -------------------------------------------------------------------------

def _cell(r: dict | None, lang: str) -> str:
    if r is None or _missing(r["value"]):
        return '<td class="gb-no_data">–</td>'
    if r["measure"] == READINESS:
        text = class_name(r.get("classification"), lang)
        sub = fmt_value(READINESS, r["value"], lang)
    else:
        text, sub = fmt_value(r["measure"], r["value"], lang), ""
    mark = STATUS_MARK.get(r["status"], "")
    shown = fmt_change(r["measure"], r["change"], lang)
    # no arrow for a change that rounds to nothing as shown ("+0", "±0.0 min", "+0.0 pp")
    rounds_away = not re.search(r"[1-9]", shown.replace(LRI, "").replace(PDI, ""))
    arrow = "" if _missing(r["change"]) or rounds_away else ARROW["up" if r["change"] > 0 else "down"]
    delta = escape(iso(shown, lang))
    change = f"<br><small>{arrow} {delta}</small>" if arrow else ""
    title = escape(t(f"landing.status.{r['status']}", lang))
    status = escape(str(r["status"]))
    return (f'<td class="gb-{status}" title="{title}">{escape(mark)} {escape(iso(text, lang))}'
            f'{" " + escape(iso(sub, lang)) if sub else ""}{change}</td>')


def centres_html(tiles: pd.DataFrame, lang: str, names: dict) -> str:
    """A compact table: one row per centre, one column per measure (value, status mark, change on
    last month), then the legend and a sentence naming every figure that is missing."""
    rows = tiles[tiles["scope"].ne(SCOPE_ALL)].to_dict("records")
    centres = list(dict.fromkeys(r["scope"] for r in rows))
    if not centres:
        return ""
    measures = [m for m in (*MEASURES, READINESS) if any(r["measure"] == m for r in rows)]
    by = {(r["scope"], r["measure"]): r for r in rows}
    head = "".join(f"<th>{escape(measure_name(m, lang))}</th>" for m in measures)
    body, missing = [], []
    for c in centres:
        cells = "".join(_cell(by.get((c, m)), lang) for m in measures)
        body.append(f'<tr><th scope="row">{escape(names.get(c, c))}</th>{cells}</tr>')
        gaps = [t(f"landing.word.{m}", lang) if has(f"landing.word.{m}") else measure_name(m, lang)
                for m in measures if by.get((c, m)) is None or _missing(by[(c, m)]["value"])]
        if gaps:
            missing.append(t("landing.centres.missing_item", lang, centre=names.get(c, c), measures=_join(gaps, lang)))
    note = f'<p class="gb-note">{escape(t("landing.centres.legend", lang))}</p>'
    if missing:
        items = t("landing.comma", lang).join(missing)
        note += f'<p class="gb-note">{escape(t("landing.centres.missing", lang, items=items))}</p>'
    return (f'<h2 class="gb-centres-title">{escape(t("landing.centres.title", lang))}</h2>'
            f'<div class="gb-centres-wrap"><table class="gb-centres"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>{note}')


# --- the block ----------------------------------------------------------------------------------

def block_html(tiles: pd.DataFrame, trend: pd.DataFrame, lang: str, names: dict, steady: dict,
               period_title: str = "", href: str | None = None, extra: str = "") -> str:
    """The landing block of one month: the kicker (period and a link to the statistical detail),
    the headline sentence, the tiles and the row per centre, in one ``div.gb-landing`` without a
    blank line (so Markdown keeps it one HTML block). ``extra`` is trusted HTML put first (the
    language link)."""
    direction = "rtl" if lang == "ar" else "ltr"
    kicker = escape(t("landing.kicker", lang, period=period_title)) if period_title else ""
    if href:
        kicker += f' · <a href="{escape(href)}">{escape(t("landing.detail", lang))}</a>'
    kicker = f'<p class="gb-kicker">{kicker}</p>' if kicker else ""
    out = (f'<div class="gb-landing" dir="{direction}" lang="{lang}">{extra}{kicker}'
           f'<p class="gb-headline">{escape(headline(tiles, lang, steady))}</p>'
           f"{tiles_html(tiles, trend, lang, names, href)}{centres_html(tiles, lang, names)}</div>")
    return out.replace("\n", " ")


def tiles_display(tiles: pd.DataFrame, lang: str, names: dict) -> pd.DataFrame:
    """The analyst's tile table as the reader's cells (names, formatted numbers, status words)."""
    rows = []
    for r in tiles.to_dict("records"):
        m = r["measure"]
        rows.append({"scope": names.get(r["scope"], t("landing.scope.all", lang)) if r["scope"] != SCOPE_ALL
                     else t("landing.scope.all", lang), "measure": measure_name(m, lang),
                     "value": fmt_value(m, r["value"], lang), "target": fmt_value(m, r["target"], lang),
                     "status": t(f"landing.status.{r['status']}", lang),
                     "previous": fmt_value(m, r["previous"], lang), "change": fmt_change(m, r["change"], lang),
                     "last_year": fmt_value(m, r["last_year"], lang),
                     "change_last_year": fmt_change(m, r["change_last_year"], lang),
                     "months_off_target": fmt_num(r["months_off_target"], lang)})
    return pd.DataFrame(rows, columns=["scope", "measure", "value", "target", "status", "previous", "change",
                                       "last_year", "change_last_year", "months_off_target"], dtype=object)
