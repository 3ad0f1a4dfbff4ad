"""Staff recognition in words: the reasons, tables and sentences readers see, the individual
summaries (Markdown) and the team figure.

Everything here formats what ``recognition`` computes (catalogue messages, figures); nothing is
worked out anew and nothing reads or writes files (``restricted`` writes the individual summaries).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from ..base import messages, plots
from ..base.messages import fmt_num, fmt_pct, fmt_pp, period_title, t
from .recognition import TEAM_MEASURED_FROM, Settings

# --- who to thank ---------------------------------------------------------------------------------

def _join(parts: list[str], lang: str) -> str:
    return t("recognition.part.sep", lang).join(parts)


def rationale(row: dict, lang: str, centre_name: str, previous_label: str = "") -> str:
    """The one-sentence reason, in ``lang``, built from the row's (positive) figures only."""
    award, place = row["award"], int(row["place"])
    parts = {}
    if pd.notna(row.get("improvement")) and award == "improved":
        parts["improved"] = t("recognition.part.improved", lang, delta=fmt_pp(row["improvement"], lang),
                              previous=previous_label)
    if pd.notna(row.get("adjusted_csat")):
        parts["satisfaction"] = t("recognition.part.satisfaction", lang, value=fmt_pct(row["adjusted_csat"], lang),
                                  centre_value=fmt_pct(row["centre_csat"], lang), n=fmt_num(row["responses"], lang))
    if pd.notna(row.get("handle_gain")) and row["handle_gain"] >= 0.005:
        parts["speed"] = t("recognition.part.speed", lang, pct=fmt_pct(row["handle_gain"], lang, 0))
    if pd.notna(row.get("compliments")):
        parts["thanks"] = t("recognition.part.thanks", lang, n=fmt_num(row["compliments"], lang))
    # the figure the award is for comes first
    first = {"thanked": "thanks", "improved": "improved"}.get(award, "satisfaction")
    ordered = [parts[first]] * (first in parts) + [v for k, v in parts.items() if k != first]
    if award == "top":
        lead = "recognition.lead.top_first" if place == 1 else "recognition.lead.top"
    elif award == "new_joiner":
        lead = "recognition.lead.new_joiner"
    else:
        lead = f"recognition.lead.{award}"
    head = t(lead, lang, centre=centre_name, place=fmt_num(place, lang), joined=row.get("joined_on") or "–")
    if row.get("shared"):
        head += t("recognition.part.shared", lang)
    return t("recognition.sentence", lang, lead=head, parts=_join(ordered, lang))


def thanks_display(thanks: pd.DataFrame, lang: str, names, period) -> pd.DataFrame:
    """``who_to_thank`` for readers: award, the name in ``lang``, the centre and the one-sentence
    reason (``rationale``); ``names(key, id)`` gives configured names, ``period`` the month."""
    previous_label = period_title(period.previous(), lang)
    if thanks.empty:
        return pd.DataFrame({"award": [], "staff_name": [], "centre_id": [], "why": []})
    shared = thanks.groupby(["centre_id", "award", "place"])["employee_id"].transform("size") > 1
    rows = []
    for r, sh in zip(thanks.to_dict("records"), shared):
        r["shared"] = bool(sh)
        rows.append({"award": t(f"recognition.award.{r['award']}", lang),
                     "staff_name": r["name_ar" if lang == "ar" else "name_en"],
                     "centre_id": r["centre_id"],
                     "why": rationale(r, lang, names("centres", r["centre_id"]), previous_label)})
    return pd.DataFrame(rows)


def thanks_lines(thanks: pd.DataFrame, current: pd.DataFrame, st: Settings, lang: str,
                 provided=("surveys", "feedback")) -> list[str]:
    """Catalogue sentences: how many are recognised, the minimum n and how many staff reached it.
    Without ``surveys`` among the ``provided`` tables nobody is ranked, so only whether anyone is
    recognised (for compliments) is said."""
    staff = int(current["name_en"].notna().sum())
    eligible = int((current["eligible"] & current["name_en"].notna()).sum())
    people = int(thanks["employee_id"].nunique()) if len(thanks) else 0
    ranked = "surveys" in provided
    out = [t("recognition.say.summary", lang, people=fmt_num(people, lang), staff=fmt_num(staff, lang),
             eligible=fmt_num(eligible, lang), min_n=fmt_num(st.min_responses, lang))] if ranked else []
    if not people:
        out.append(t("recognition.say.nobody", lang))
    if ranked and not (len(thanks) and thanks["award"].eq("improved").any()):
        out.append(no_improvement_line(st, lang))
    return out


def no_improvement_line(st: Settings, lang: str) -> str:
    """Why no one has the improvement award: the rule it takes (``improvements``), in one
    catalogue sentence: at least ``st.min_responses`` credited responses in both months and a
    rise still significant at ``st.alpha`` after the correction for the staff compared."""
    return t("recognition.say.no_improved", lang, min_n=fmt_num(st.min_responses, lang), alpha=f"{st.alpha:g}")


# --- team morale ---------------------------------------------------------------------------------

def unmeasured_columns(team: pd.DataFrame) -> list[str]:
    """The team view's columns from a table the entity does not provide: those of
    ``recognition.TEAM_MEASURED_FROM`` whose count (responses, compliments) is empty on every row
    (``recognition.unmeasured``; a provided table counts 0, never empty)."""
    return [c for columns in TEAM_MEASURED_FROM.values()
            if len(team) and team[columns[0]].isna().all() for c in columns]


def team_display(team: pd.DataFrame, lang: str, measured_only: bool = False) -> pd.DataFrame:
    """``team_morale`` for readers: shares as %, changes in pp, rates with one decimal, morale in
    words. ``measured_only`` leaves out the ``unmeasured_columns`` (the chapter does; the book's
    landing page picks its own columns)."""
    out = team.copy()
    for col in ("team_csat", "team_csat_previous"):
        out[col] = [fmt_pct(v, lang) for v in team[col]]
    out["team_csat_change"] = [fmt_pp(v, lang) for v in team["team_csat_change"]]
    for col in ("compliments_per_1000", "compliments_per_1000_before"):
        out[col] = [fmt_num(v, lang, 1) for v in team[col]]
    for col in ("staff", "leavers", "responses", "compliments"):
        out[col] = [fmt_num(v, lang) for v in team[col]]
    out["morale"] = [t(f"recognition.morale.{m}", lang) for m in team["morale"]]
    return out.drop(columns=unmeasured_columns(team)) if measured_only else out


def team_lines(team: pd.DataFrame, lang: str, names) -> list[str]:
    """One catalogue sentence per centre on its team view: its satisfaction and compliments when
    measured (not for a table the entity does not provide, ``recognition.unmeasured``), and morale."""
    out = []
    for r in team.to_dict("records"):
        rate, before = fmt_num(r["compliments_per_1000"], lang, 1), fmt_num(r["compliments_per_1000_before"], lang, 1)
        csat, compliments = pd.notna(r["responses"]), pd.notna(r["compliments"])
        key = ("recognition.say.team" if csat and compliments else "recognition.say.team_csat_only" if csat
               else "recognition.say.team_compliments_only" if compliments else "recognition.say.team_morale_only")
        out.append(t(key, lang, centre=names("centres", r["centre_id"]),
                     csat=fmt_pct(r["team_csat"], lang), change=fmt_pp(r["team_csat_change"], lang),
                     rate=rate, before=before, morale=t(f"recognition.morale.{r['morale']}", lang)))
    return out


# --- training needs --------------------------------------------------------------------------------

def training_display(book: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The training plan for readers: skill in words, the gap in pp (satisfaction) or % (time)."""
    out = book.copy()
    out["skill"] = [t(f"recognition.skill.{k}", lang) for k in book["skill"]]
    out["shortfall"] = [_points(g, lang) if k == "satisfaction" else "+" + fmt_pct(g, lang, 0)
                        for g, k in zip(book["shortfall"], book["skill"])]
    out["cases"] = [fmt_num(v, lang) for v in book["cases"]]
    return out


def training_lines(book: pd.DataFrame, st: Settings, months: int, lang: str) -> list[str]:
    """Catalogue sentences introducing the training plan (or saying there is nothing to plan)."""
    values = dict(months=fmt_num(months, lang), gap=_points(st.training_gap, lang, 0),
                  ratio=fmt_pct(st.training_handle_ratio - 1, lang, 0), min_staff=fmt_num(st.min_staff_shown, lang))
    if book.empty:
        return [t("recognition.say.training_none", lang, **values)]
    return [t("recognition.say.training", lang, areas=fmt_num(len(book), lang),
              staff=fmt_num(int(book["staff_lagging"].sum()), lang), **values)]


# --- restricted summaries (written by ``restricted``) ----------------------------------------------

PRIVATE_COLUMNS = ["staff_name", "role", "transactions", "handle_ratio_shrunk", "responses", "csat_raw", "csat_shrunk",
                   "adjusted_csat", "compliments", "complaints_substantiated", "weekly_sd", "eligible"]


def _ratio(x) -> str:
    return fmt_num(x, "en", 2)


def _points(share, lang: str, digits: int = 1) -> str:
    """A size in percentage points, unsigned (a gap, a spread): ``2.5 pp``; ``–`` when missing."""
    value = fmt_num(None if pd.isna(share) else 100 * share, lang, digits)
    return value if value == "–" else t("unit.pp", lang, value=value)


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def personal_summary(row: dict, awards: list[str], training: list[tuple[str, str]], daily: pd.DataFrame,
                     lang: str, names, period, st: Settings) -> str:
    """One employee's private monthly summary (Markdown) in ``lang``: volume, speed against their
    case mix, raw / shrunk / adjusted satisfaction with n, whether ranked, compliments and
    substantiated complaints, consistency, recognition, training areas, then day by day."""
    name = row["name_ar" if lang == "ar" else "name_en"]
    name = row["employee_id"] if pd.isna(name) else name
    out = [f"# {t('recognition.personal.title', lang, name=name, period=period_title(period, lang))}", "",
           f"*{t('recognition.personal.note', lang)}*", "",
           "- " + t("recognition.personal.volume", lang, transactions=fmt_num(row["transactions"], lang),
                    completed=fmt_num(row["completed"], lang))]
    if pd.notna(row["handle_ratio_shrunk"]):
        out.append("- " + t("recognition.personal.speed", lang, ratio=_ratio(row["handle_ratio_shrunk"])))
    if row["responses"]:
        out.append("- " + t("recognition.personal.satisfaction", lang, raw=fmt_pct(row["csat_raw"], lang),
                            n=fmt_num(row["responses"], lang), shrunk=fmt_pct(row["csat_shrunk"], lang),
                            adjusted=fmt_pct(row["adjusted_csat"], lang), centre=fmt_pct(row["centre_csat"], lang)))
    else:
        out.append("- " + t("recognition.personal.no_responses", lang))
    rank_key = "recognition.personal.rank" if row["eligible"] else "recognition.personal.no_rank"
    out.append("- " + t(rank_key, lang, min_n=fmt_num(st.min_responses, lang)))
    out.append("- " + t("recognition.personal.feedback", lang, compliments=fmt_num(row["compliments"], lang),
                        thank_yous=fmt_num(row["thank_yous"], lang),
                        complaints=fmt_num(row["complaints_substantiated"], lang)))
    if row["weeks"]:
        sd = _points(row["weekly_sd"], lang)
        out.append("- " + t("recognition.personal.consistency", lang, weeks=fmt_num(row["weeks"], lang), sd=sd,
                            above=fmt_num(row["weeks_at_or_above"], lang)))
    if awards:
        out.append("- " + t("recognition.personal.awards", lang,
                            awards=t("recognition.part.sep", lang).join(t(f"recognition.award.{a}", lang) for a in awards)))
    if training:
        areas = [f"{names('services', sv)} ({t(f'recognition.skill.{k}', lang)})" for sv, k in training]
        out.append("- " + t("recognition.personal.training", lang, areas=t("recognition.part.sep", lang).join(areas)))
    if len(daily):
        out += ["", f"## {t('recognition.personal.daily', lang)}", "",
                "| " + " | ".join(t(f"col.{c}", lang) for c in ("day", "transactions", "responses", "csat", "compliments"))
                + " |", "|---|---|---|---|---|"]
        for d in daily.itertuples(index=False):
            out.append(f"| {d.day} | {fmt_num(d.transactions, lang)} | {fmt_num(d.responses, lang)} | "
                       f"{fmt_pct(d.csat_raw, lang)} | {fmt_num(d.compliments, lang)} |")
    return "\n".join(out) + "\n"


def team_summary(current: pd.DataFrame, named: pd.DataFrame, centre_id: str, lang: str, names, period) -> str:
    """A centre supervisor's private summary (Markdown) in ``lang``: every staff member's figures,
    weak ones included, and who lags where in the training plan."""
    team = current[current["centre_id"].eq(centre_id).to_numpy()]
    out = [f"# {t('recognition.team.title', lang, centre=names('centres', centre_id), period=period_title(period, lang))}",
           "", f"*{t('recognition.team.note', lang)}*", "",
           "| " + " | ".join(t(f"col.{c}", lang) for c in PRIVATE_COLUMNS) + " |",
           "|" + "---|" * len(PRIVATE_COLUMNS)]
    for r in team.to_dict("records"):
        name = r["name_ar" if lang == "ar" else "name_en"]
        role = t(f"recognition.role.{r['role']}", lang) if messages.has(f"recognition.role.{r['role']}") else "–"
        cells = [name if pd.notna(name) else r["employee_id"], role,
                 fmt_num(r["transactions"], lang), _ratio(r["handle_ratio_shrunk"]), fmt_num(r["responses"], lang),
                 fmt_pct(r["csat_raw"], lang), fmt_pct(r["csat_shrunk"], lang), fmt_pct(r["adjusted_csat"], lang),
                 fmt_num(r["compliments"], lang), fmt_num(r["complaints_substantiated"], lang),
                 _points(r["weekly_sd"], lang),
                 t("common.yes" if r["eligible"] else "common.no", lang)]
        out.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    lag = named[named["centre_id"].eq(centre_id).to_numpy()]
    if len(lag):
        out += ["", f"## {t('recognition.h.training', lang)}", ""]
        for r in lag.to_dict("records"):
            name = r["name_ar" if lang == "ar" else "name_en"]
            skill = t(f"recognition.skill.{r['skill']}", lang)
            who = _md_cell(name if pd.notna(name) else r["employee_id"])
            out.append(f"- {who}: {names('services', r['service_id'])} ({skill})")
    return "\n".join(out) + "\n"


def restricted_lines(people: int, lang: str) -> list[str]:
    """The sentence saying the individual summaries went to the restricted folder (no path)."""
    return [t("recognition.say.restricted", lang, staff=fmt_num(people, lang))]


def morale_lines(st: Settings, lang: str) -> list[str]:
    """The sentence giving the morale rule with the configured bands."""
    return [t("recognition.say.morale_rule", lang, band=fmt_pct(st.morale_compliments_band, lang, 0),
              csat_band=_points(st.morale_csat_band, lang, 0))]


def team_figure(team: pd.DataFrame, *, title: str, before: str, now: str, centre_labels: dict):
    """Compliments per 1,000 transactions per centre: the three months before beside this month."""
    fig, ax = plots.figure(7, 3.4)
    x = np.arange(len(team))
    # each centre in its own colour: the three months before faded, this month solid
    ids = list(team["centre_id"])
    for offset, column, alpha in ((-0.2, "compliments_per_1000_before", 0.4), (0.2, "compliments_per_1000", 1.0)):
        bars = ax.bar(x + offset, team[column].fillna(0), 0.4, color=plots.colours("centres", ids), alpha=alpha)
        for patch, centre in zip(bars.patches, ids, strict=True):
            plots.tag(patch, "centres", centre)
    handles = [Patch(facecolor=plots.NEUTRAL, alpha=0.4, label=before), Patch(facecolor=plots.NEUTRAL, label=now)]
    ax.set_xticks(x, [centre_labels.get(c, c) for c in team["centre_id"]])
    ax.set_title(title)
    ax.legend(handles=handles, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    return fig
