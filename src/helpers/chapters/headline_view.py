"""The headline figures for readers: the narrative sentences, the one renderer of the headline
table (overview chapter and the book's landing page alike) and the note on its significance tests."""

from __future__ import annotations

import pandas as pd

from ..base.messages import fmt_change, fmt_num, fmt_p, fmt_pct, fmt_pp, fmt_signed, has, t


def narrative(frame: pd.DataFrame, lang: str) -> list[str]:
    """Catalogue sentences describing the headline frame, in ``lang``: one per measure it holds
    (no CSAT sentence when the frame has no CSAT row, as for an entity that provides no surveys)."""
    row = frame.set_index("metric")
    shares = [m for m in ("virtual_share", "csat") if m in row.index]
    out = []
    tx = row.loc["transactions"]
    if pd.isna(tx["previous"]) or not tx["previous"]:   # the first month: nothing before it to compare with
        out.append(t("overview.say.transactions_first", lang, value=fmt_num(tx["value"], lang)))
    else:
        out.append(t("overview.say.transactions", lang, value=fmt_num(tx["value"], lang),
                     previous=fmt_num(tx["previous"], lang),
                     change=fmt_change(tx["value"] / tx["previous"] - 1, lang, 1)))
    vs = row.loc["virtual_share"]
    out.append(t("overview.say.virtual_share", lang, value=fmt_pct(vs["value"], lang),
                 previous=fmt_pct(vs["previous"], lang), change=fmt_pp(vs["change"], lang)))
    if "csat" in shares:
        cs = row.loc["csat"]
        out.append(t("overview.say.csat", lang, value=fmt_pct(cs["value"], lang), low=fmt_pct(cs["low"], lang),
                     high=fmt_pct(cs["high"], lang), previous=fmt_pct(cs["previous"], lang),
                     change=fmt_pp(cs["change"], lang)))
    for metric in shares:
        r = row.loc[metric]
        if pd.notna(r["significant"]):
            verdict = "common.significant" if r["significant"] else "common.not_significant"
            out.append(t("overview.say.verdict", lang, metric=t(f"metric.{metric}", lang), verdict=t(verdict, lang)))
        if pd.notna(r["last_year"]):
            out.append(t("overview.say.last_year", lang, metric=t(f"metric.{metric}", lang),
                         value=fmt_pct(r["last_year"], lang), change=fmt_pp(r["change_last_year"], lang)))
    return out


# --- the one renderer of the headline figures: overview chapter and landing page alike ---------

UNITS = {"transactions": "count", "virtual_share": "share", "csat": "share"}
# Reader's columns, in order, each with the headline column(s) it needs.
DISPLAY_COLUMNS = (
    ("metric", ("metric",)), ("value", ("value",)), ("previous", ("previous",)), ("change", ("change",)),
    ("interval", ("low", "high")), ("last_year", ("last_year",)), ("change_last_year", ("change_last_year",)),
    ("target", ("target",)), ("p_value", ("p_value",)), ("significant", ("significant",)),
    ("p_value_last_year", ("p_value_last_year",)), ("significant_last_year", ("significant_last_year",)),
)


def metric_unit(metric: str) -> str:
    """``share`` (0–1) or ``count``: from ``UNITS``, else a ``*_share``/``*_rate`` id is a share."""
    metric = str(metric)
    if metric in UNITS:
        return UNITS[metric]
    return "share" if metric.endswith(("_share", "_rate")) else "count"


def fmt_level(x, unit: str, lang: str) -> str:
    """A level: a share as ``86.0%``, a count as ``32,205``; ``–`` when missing."""
    return fmt_pct(x, lang) if unit == "share" else fmt_num(x, lang)


def fmt_delta(x, unit: str, lang: str) -> str:
    """A signed change: a share's in percentage points (``+0.9 pp``), a count's as ``+2,939``."""
    return fmt_pp(x, lang) if unit == "share" else fmt_signed(x, lang)


def fmt_p_value(p) -> str:
    """``< 0.001``, else three decimals (``0.033``); ``–`` when there was no test."""
    return fmt_p(p, "en", cell=True)


def fmt_verdict(flag, lang: str) -> str:
    """The catalogue's words for a test's verdict; ``–`` when there was no test."""
    if flag is None or pd.isna(flag):
        return "–"
    return t("common.significant" if bool(flag) else "common.not_significant", lang)


def headline_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The headline frame (``headline()``'s columns, numbers) as the reader's cells in ``lang``.

    One row per measure; columns are ids (labelled by ``col.<id>``), each present when the frame
    has what it needs (``DISPLAY_COLUMNS``), so an older headline table still renders. The measure
    is named by the catalogue; levels and changes are formatted by the measure's unit
    (``metric_unit``: counts with thousands separators and signed changes, shares as % and signed
    pp), ``low``/``high`` become one ``interval``, p-values ``< 0.001`` or three decimals, and
    ``significant*`` the catalogue's words. Missing figures are ``–``. Strings, not yet escaped.
    The overview chapter and the book's landing page both show this.
    """
    shown = [(col, needs) for col, needs in DISPLAY_COLUMNS if all(n in frame.columns for n in needs)]
    rows = []
    for r in frame.to_dict("records"):
        unit = metric_unit(r["metric"])
        cells = {}
        for col, _ in shown:
            if col == "metric":
                key = f"metric.{r['metric']}"
                cells[col] = t(key, lang) if has(key) else str(r["metric"])
            elif col == "interval":
                cells[col] = "–" if pd.isna(r["low"]) or pd.isna(r["high"]) else \
                    f"{fmt_level(r['low'], unit, lang)} – {fmt_level(r['high'], unit, lang)}"
            elif col.startswith("change"):
                cells[col] = fmt_delta(r[col], unit, lang)
            elif col.startswith("p_value"):
                cells[col] = fmt_p_value(r[col])
            elif col.startswith("significant"):
                cells[col] = fmt_verdict(r[col], lang)
            else:
                cells[col] = fmt_level(r[col], unit, lang)
        rows.append(cells)
    return pd.DataFrame(rows, columns=[col for col, _ in shown], dtype=object)


def significance_note(kpi: dict, lang: str) -> str:
    """The catalogue sentence under a headline table: what its "statistically significant" means
    (one uncorrected two-proportion test per comparison at ``kpi.significance.alpha``) and why a
    chapter, which tests many cuts together with ``kpi.significance.correction``, may differ."""
    sig = kpi.get("significance", {})
    alpha = float(sig.get("alpha", 0.05))
    correction = str(sig.get("correction", ""))
    key = f"book.value.{correction}"
    return t("overview.say.test", lang, alpha=f"{alpha:g}",
             correction=t(key, lang) if has(key) else correction or "–")
