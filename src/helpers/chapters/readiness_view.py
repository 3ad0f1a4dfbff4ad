"""Readiness in words and charts: reader frames, catalogue sentences and the trend figure for the
self-assessment chapter and the annual review. The numbers they show come from ``readiness``."""

from __future__ import annotations

import math

import pandas as pd

from ..base import plots
from ..base.messages import fmt_num, fmt_pct, fmt_signed, has, period_title, t
from ..base.periods import parse
from .readiness import PROJECTION_COLUMNS, STANDING_COLUMNS, STATUSES, TRAJECTORY_COLUMNS, Readiness

# --- words for readers --------------------------------------------------------------------------------
# Display helpers return frames for ``Report.table(..., shown=...)``; narrative helpers return
# catalogue sentences for ``Report.lines``. Reasons and other free text only ever go to tables.

def class_label(cls, lang: str) -> str:
    """A class id in words (``readiness.class.<id>``); the id itself for a class the catalogue lacks."""
    if cls is None or (isinstance(cls, float) and math.isnan(cls)) or str(cls) in ("", "nan", "None"):
        return "–"
    key = f"readiness.class.{cls}"
    return t(key, lang) if has(key) else str(cls)


def pillar_label(r: Readiness, pillar: str, lang: str) -> str:
    """A pillar in words: the catalogue's ``pillar_<lang>`` column when it has one, else
    ``readiness.pillar.<id>``, else the id with spaces."""
    cur = r.current_criteria
    col = f"pillar_{lang}"
    if col in cur.columns:
        named = cur.loc[(cur["pillar"] == pillar) & cur[col].fillna("").astype(bool), col]
        if len(named):
            return str(named.iloc[0])
    key = f"readiness.pillar.{pillar}"
    return t(key, lang) if has(key) else str(pillar).replace("_", " ")


def _word(prefix: str, value, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    key = f"readiness.{prefix}.{value}"
    return t(key, lang) if has(key) else str(value)


def _titles(r: Readiness, lang: str) -> dict:
    cur = r.current_criteria
    return dict(zip(cur["criterion_id"], cur["title_ar" if lang == "ar" else "title_en"]))


def _date(value) -> str:
    return "" if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def _yes_no(value, lang: str) -> str:
    return t("common.yes" if bool(value) else "common.no", lang)


def _pct(x, lang: str) -> str:
    return fmt_pct(None if pd.isna(x) else x / 100, lang)


def _pts(x, lang: str) -> str:
    return fmt_num(None if pd.isna(x) else float(x), lang, 1)


def _criterion_rows(frame: pd.DataFrame, r: Readiness, lang: str, name) -> dict:
    """The shared reader columns: criterion title, pillar, status, owner and blocker in words."""
    titles = _titles(r, lang)
    out = {}
    if "pillar" in frame.columns:
        out["pillar"] = [pillar_label(r, p, lang) for p in frame["pillar"]]
    if "criterion_id" in frame.columns:
        out["title"] = [titles.get(c, "") for c in frame["criterion_id"]]
    if "criterion_status" in frame.columns:
        out["criterion_status"] = [_word("status", s, lang) for s in frame["criterion_status"]]
    if "owner_department" in frame.columns:
        out["owner_department"] = [name("departments", o) if isinstance(o, str) and o else "–"
                                   for o in frame["owner_department"]]
    if "blocker" in frame.columns:
        out["blocker"] = [_word("blocker", b, lang) for b in frame["blocker"]]
    if "due_on" in frame.columns:
        out["due_on"] = [_date(d) for d in frame["due_on"]]
    if "overdue" in frame.columns:
        out["overdue"] = [_yes_no(o, lang) for o in frame["overdue"]]
    return out


def _shown(frame: pd.DataFrame, columns: list[str], replaced: dict) -> pd.DataFrame:
    data = {c: replaced[c] if c in replaced else frame[c].tolist() for c in columns}
    return pd.DataFrame(data, columns=columns)


def version_lines(r: Readiness, lang: str) -> list[str]:
    """Which catalogue version is in force (guideline, effective month), and a warning when it
    is the example catalogue rather than the official guideline."""
    entry = r.catalogue
    out = [t("readiness.say.version", lang, guideline=str(entry["guideline"]),
             effective=period_title(parse(str(entry["effective_from"])), lang),
             criteria=len(r.current_criteria))]
    if entry.get("example"):
        out.append(t("readiness.say.example", lang))
    versions = r.criteria[r.criteria["month"] <= r.month]["guideline"].unique()
    if len(versions) > 1:
        out.append(t("readiness.say.mapped", lang))
    return out


def standing_display(frame: pd.DataFrame, r: Readiness, lang: str) -> pd.DataFrame:
    """``standing`` for readers: score as %, classes in words, pillars of the criteria needed."""
    def pillars_text(spec: str) -> str:
        if not spec:
            return "–"
        parts = [p.rsplit(":", 1) for p in spec.split(";")]
        return "، ".join(f"{pillar_label(r, p, lang)} ({n})" for p, n in parts) if lang == "ar" else \
            ", ".join(f"{pillar_label(r, p, lang)} ({n})" for p, n in parts)

    replaced = {
        "score": [_pct(s, lang) for s in frame["score"]],
        "classification": [class_label(c, lang) for c in frame["classification"]],
        "next_class": [class_label(c, lang) for c in frame["next_class"]],
        "points_to_next": [_pts(p, lang) for p in frame["points_to_next"]],
        "criteria_to_next": [fmt_num(n, lang) for n in frame["criteria_to_next"]],
        "pillars_to_next": [pillars_text(s) for s in frame["pillars_to_next"]],
    }
    return _shown(frame, STANDING_COLUMNS, replaced)


def standing_lines(frame: pd.DataFrame, r: Readiness, lang: str, name) -> list[str]:
    """One sentence per centre: score, class, and what it takes to reach the next class
    ("3 more criteria in pillar X would reach Gold")."""
    out = []
    sep = "، " if lang == "ar" else ", "
    for row in frame.itertuples(index=False):
        centre = name("centres", row.centre_id)
        if pd.isna(row.score):
            out.append(t("readiness.say.not_assessed", lang, centre=centre))
            continue
        base = dict(centre=centre, score=_pct(row.score, lang), cls=class_label(row.classification, lang))
        if row.next_class in (None, "", "nan", "None") or pd.isna(row.criteria_to_next):
            out.append(t("readiness.say.top", lang, **base))
            continue
        parts = [p.rsplit(":", 1) for p in row.pillars_to_next.split(";")]
        if len(parts) == 1:
            where = t("readiness.say.in_pillar", lang, pillar=pillar_label(r, parts[0][0], lang))
        else:
            where = t("readiness.say.in_pillars", lang, pillars=sep.join(
                f"{n} {t('readiness.say.in', lang)} {pillar_label(r, p, lang)}" for p, n in parts))
        n = int(row.criteria_to_next)
        count = t("readiness.say.one_more", lang) if n == 1 else t("readiness.say.n_more", lang, n=n)
        out.append(t("readiness.say.next", lang, **base, count=count, where=where,
                     next=class_label(row.next_class, lang), points=_pts(row.points_to_next, lang)))
    return out


def pillars_display(frame: pd.DataFrame, r: Readiness, lang: str) -> pd.DataFrame:
    """``pillars`` for readers: pillar in words, score as %."""
    replaced = {"pillar": [pillar_label(r, p, lang) for p in frame["pillar"]],
                "score": [_pct(s, lang) for s in frame["score"]]}
    return _shown(frame, ["centre_id", "pillar", *STATUSES, "score"], replaced)


def regressions_display(frame: pd.DataFrame, r: Readiness, lang: str, name) -> pd.DataFrame:
    """``regressions`` (or ``year_regressions``) for readers: title in the reader's language,
    pillar, status, owner and blocker in words."""
    replaced = _criterion_rows(frame, r, lang, name)
    replaced["previous_status"] = [_word("status", s, lang) for s in frame["previous_status"]]
    replaced["points_lost"] = [_pts(p, lang) for p in frame["points_lost"]]
    cols = (["month"] if "month" in frame.columns else []) + [
        "centre_id", "criterion_id", "title", "pillar", "previous_status", "criterion_status", "points_lost",
        "owner_department", "reason", "blocker", "due_on"]
    return _shown(frame, cols, replaced)


def regression_lines(frame: pd.DataFrame, r: Readiness, lang: str, name) -> list[str]:
    """The regressions in a sentence: none, or how many and where, biggest loss first."""
    previous = period_title(parse(r.previous), lang)
    if not (r.scores["month"] == r.previous).any():
        return [t("readiness.say.no_previous", lang, previous=previous)]
    if frame.empty:
        return [t("readiness.say.no_regressions", lang, previous=previous)]
    counts = frame.groupby("centre_id", sort=True).size()
    sep = "، " if lang == "ar" else ", "
    where = sep.join(f"{name('centres', c)} ({n})" for c, n in counts.items())
    top = frame.iloc[0]
    return [t("readiness.say.regressions", lang, n=len(frame), previous=previous, where=where),
            t("readiness.say.worst_regression", lang, criterion=str(top["criterion_id"]),
              centre=name("centres", top["centre_id"]), points=_pts(top["points_lost"], lang))]


def unmet_display(frame: pd.DataFrame, r: Readiness, lang: str, name) -> pd.DataFrame:
    """``unmet`` for readers: one row per open criterion, with title, owner, reason and blocker."""
    replaced = _criterion_rows(frame, r, lang, name)
    replaced["points_at_stake"] = [_pts(p, lang) for p in frame["points_at_stake"]]
    cols = ["centre_id", "criterion_id", "title", "pillar", "criterion_status", "owner_department", "reason",
            "blocker", "months_unmet", "due_on", "overdue", "points_at_stake"]
    return _shown(frame, cols, replaced)


def unmet_lines(frame: pd.DataFrame, r: Readiness, lang: str) -> list[str]:
    """How many criteria are open, how many partial, and how many overdue."""
    if r.now().empty:
        return [t("readiness.say.no_assessment", lang)]
    if frame.empty:
        return [t("readiness.say.all_met", lang)]
    status = frame["criterion_status"]
    return [t("readiness.say.unmet", lang, n=len(frame), partial=int((status == "partial").sum()),
              not_met=int(status.isin(("not_met", "not_assessed")).sum()), overdue=int(frame["overdue"].sum()))]


def blockers_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``blockers`` for readers: blocker in words, months to one decimal."""
    replaced = {"blocker": [_word("blocker", b, lang) for b in frame["blocker"]],
                "mean_months_unmet": [fmt_num(m, lang, 1) for m in frame["mean_months_unmet"]],
                "points_at_stake": [_pts(p, lang) for p in frame["points_at_stake"]]}
    return _shown(frame, list(frame.columns), replaced)


def blocker_lines(frame: pd.DataFrame, lang: str) -> list[str]:
    """What most open criteria wait on, and which wait is longest on average."""
    if frame.empty:
        return [t("readiness.say.no_blockers", lang)]
    top = frame.iloc[0]
    longest = frame.sort_values(["mean_months_unmet", "blocker"], ascending=[False, True], kind="stable").iloc[0]
    return [t("readiness.say.blockers", lang, blocker=_word("blocker", top["blocker"], lang), n=int(top["criteria"]),
              months=fmt_num(top["mean_months_unmet"], lang, 1),
              longest=_word("blocker", longest["blocker"], lang),
              longest_months=fmt_num(longest["mean_months_unmet"], lang, 1))]


def trend_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``trend`` for readers: score as %, class in words."""
    replaced = {"score": [_pct(s, lang) for s in frame["score"]],
                "classification": [class_label(c, lang) for c in frame["classification"]]}
    return _shown(frame, list(frame.columns), replaced)


def trend_figure(frame: pd.DataFrame, r: Readiness, lang: str, centre_labels: dict):
    """Score per centre and month (lines), with the classification thresholds as dashed lines."""
    fig, ax = plots.figure(9, 4)
    months = sorted(frame["month"].unique())
    x = {m: i for i, m in enumerate(months)}
    for centre in r.centres:
        mine = frame[frame["centre_id"] == centre]
        if mine.empty:
            continue
        plots.tag(ax.plot([x[m] for m in mine["month"]], mine["score"], marker="o",
                          color=plots.colour("centres", centre), label=centre_labels.get(centre, centre)),
                  "centres", centre)
    lines = {}
    for kind in sorted({r.kinds[c] for c in r.centres}):
        for band in r.bands[kind]:
            if float(band["min_score"]) > 0:
                lines.setdefault(float(band["min_score"]), str(band["class"]))
    low = min([*frame["score"].dropna().tolist(), *lines.keys()], default=0)
    for level, cls in sorted(lines.items()):
        ax.axhline(level, color=plots.PALETTE[6], linestyle="--", linewidth=0.8)
        ax.text(len(months) - 0.6 if months else 0, level, class_label(cls, lang), va="bottom", fontsize=9,
                color="#4d5656")
    ax.set_ylim(max(0, low - 5), 101)
    step = max(1, len(months) // 12)
    ax.set_xticks(list(range(len(months)))[::step], months[::step], rotation=45, ha="right")
    ax.set_xlim(-0.5, len(months) + 0.3)
    ax.set_title(t("readiness.fig.trend", lang))
    ax.set_ylabel(t("readiness.fig.score_axis", lang))
    if len(frame):
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def projection_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``projection`` for readers: scores as %, classes in words."""
    replaced = {c: [_pct(s, lang) for s in frame[c]] for c in ("score", "projected_on_time", "projected_overdue_open")}
    replaced.update({c: [class_label(s, lang) for s in frame[c]]
                     for c in ("classification", "class_on_time", "class_overdue_open")})
    return _shown(frame, PROJECTION_COLUMNS, replaced)


def projection_lines(frame: pd.DataFrame, r: Readiness, lang: str, name) -> list[str]:
    """The evaluation date, then per centre the class if open items close on time and if the
    overdue ones stay open."""
    if r.evaluation_date is None:
        return [t("readiness.say.no_evaluation_date", lang)]
    when = f"{r.evaluation_date:%Y-%m-%d}"
    if r.evaluation_date <= r.last_day:
        return [t("readiness.say.evaluation_passed", lang, date=when)]
    if frame.empty:
        return [t("readiness.say.no_assessment", lang)]
    out = [t("readiness.say.projection", lang, date=when)]
    for row in frame.itertuples(index=False):
        out.append(t("readiness.say.projected", lang, centre=name("centres", row.centre_id),
                     on_time=_pct(row.projected_on_time, lang), cls_on_time=class_label(row.class_on_time, lang),
                     kept=_pct(row.projected_overdue_open, lang), cls_kept=class_label(row.class_overdue_open, lang),
                     n=row.closing_on_time, overdue=row.overdue_count))
    return out


# --- the annual review's words ------------------------------------------------------------------------

def annual_scope_lines(r: Readiness, months: list[str], lang: str) -> list[str]:
    """Which months the annual review reads, and which month its classification comes from."""
    assessed_months = sorted(set(r.scores["month"]) & set(months))
    first = assessed_months[0] if assessed_months else r.month
    return [t("annual.say.as_of", lang, first=period_title(parse(first), lang),
              last=period_title(parse(r.month), lang))]


def trajectory_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``trajectory`` for readers: scores as %, change in points, classes in words."""
    replaced = {c: [_pct(s, lang) for s in frame[c]] for c in ("score_first", "score_last", "score_min", "score_max")}
    replaced["score_change"] = [fmt_signed(v, lang, 1) for v in frame["score_change"]]
    replaced.update({c: [class_label(s, lang) for s in frame[c]] for c in ("class_first", "class_last")})
    return _shown(frame, TRAJECTORY_COLUMNS, replaced)


def trajectory_lines(frame: pd.DataFrame, lang: str, name) -> list[str]:
    """Per centre: where it started the year, where it stands, and its regressions."""
    out = []
    for row in frame.itertuples(index=False):
        out.append(t("annual.say.trajectory", lang, centre=name("centres", row.centre_id),
                     first=period_title(parse(row.first_month), lang), score_first=_pct(row.score_first, lang),
                     cls_first=class_label(row.class_first, lang), score_last=_pct(row.score_last, lang),
                     cls_last=class_label(row.class_last, lang), regressions=row.regressions))
    return out or [t("common.no_data", lang)]


def never_met_display(frame: pd.DataFrame, r: Readiness, lang: str, name) -> pd.DataFrame:
    """``never_met`` for readers."""
    replaced = _criterion_rows(frame, r, lang, name)
    cols = ["centre_id", "criterion_id", "title", "pillar", "months_assessed", "months_unmet", "criterion_status",
            "owner_department", "blocker", "due_on", "overdue"]
    return _shown(frame, cols, replaced)


def never_met_lines(frame: pd.DataFrame, lang: str, name) -> list[str]:
    """How many criteria no centre met all year, per centre."""
    if frame.empty:
        return [t("annual.say.never_met_none", lang)]
    counts = frame.groupby("centre_id", sort=True).size()
    sep = "، " if lang == "ar" else ", "
    return [t("annual.say.never_met", lang, n=len(frame),
              where=sep.join(f"{name('centres', c)} ({n})" for c, n in counts.items()))]


def top_open_display(frame: pd.DataFrame, r: Readiness, lang: str, name) -> pd.DataFrame:
    """``top_open`` for readers."""
    replaced = _criterion_rows(frame, r, lang, name)
    replaced["points_at_stake"] = [_pts(p, lang) for p in frame["points_at_stake"]]
    replaced["due_before_evaluation"] = [_yes_no(v, lang) for v in frame["due_before_evaluation"]]
    cols = ["centre_id", "criterion_id", "title", "pillar", "points_at_stake", "blocker", "owner_department",
            "months_unmet", "due_on", "overdue", "due_before_evaluation"]
    return _shown(frame, cols, replaced)
