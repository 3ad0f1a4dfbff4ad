"""The edge that writes per-employee summaries to the restricted folder: not in the book, not in git.

``write_review`` writes, under ``restricted/<period>/`` (``Paths.restricted``, listed in
``.gitignore``, never read by the book):

- ``staff.csv``: every employee's monthly measures (``recognition.MEASURE_COLUMNS``), weak
  figures and complaints included, with the improvement test against the previous month;
- ``daily.csv``: per employee and day, transactions, credited responses, raw CSAT, compliments;
- ``training_needs.csv``: who lags in which service and skill (names);
- ``<centre_id>/<employee_id>.<lang>.md``: each person's private summary, per language;
- ``<centre_id>/team.<lang>.md``: the supervisor's view of the whole team.

The files are rewritten whole for each run (atomically), so a rerun gives the same bytes.
"""

from __future__ import annotations

import os

import pandas as pd

from ..base.config import load_config, parse_period
from ..base.files import write_atomic
from ..base.messages import LANGS
from ..base.paths import get_paths
from ..base.periods import Period
from ..chapters import recognition, recognition_view
from .publish import table_csv


def _names(cfg, lang: str):
    return lambda key, item: cfg.name(key, item, lang)


def write_review(review: recognition.Review, period: str | Period, root: str | os.PathLike = ".") -> int:
    """Write ``review``'s restricted outputs for ``period`` under the root's restricted folder.

    Returns the number of staff with a personal summary. Nothing here goes to ``reports/``.
    """
    paths = get_paths(root)
    p = parse_period(period, paths.root)
    cfg = load_config(paths.root)
    folder = paths.restricted / p.label
    st = review.settings
    imp = recognition.improvements(review.current, review.previous, st)
    staff = review.current.merge(imp, on="employee_id", how="left")
    write_atomic(folder / "staff.csv", table_csv(staff))
    write_atomic(folder / "daily.csv", table_csv(review.daily))
    write_atomic(folder / "training_needs.csv", table_csv(review.training_named))

    awards = review.thanks.groupby("employee_id")["award"].agg(list).to_dict() if len(review.thanks) else {}
    named = review.training_named
    training = {e: list(zip(g["service_id"], g["skill"])) for e, g in named.groupby("employee_id")} if len(named) else {}
    days = {e: g for e, g in review.daily.groupby("employee_id")}
    empty_days = review.daily.iloc[0:0]
    people = 0
    for row in review.current.to_dict("records"):
        if pd.isna(row["centre_id"]):
            continue
        people += 1
        for lang in LANGS:
            text = recognition_view.personal_summary(row, awards.get(row["employee_id"], []),
                                                     training.get(row["employee_id"], []),
                                                     days.get(row["employee_id"], empty_days), lang, _names(cfg, lang),
                                                     p, st)
            write_atomic(folder / row["centre_id"] / f"{row['employee_id']}.{lang}.md", text.encode("utf-8"))
    for centre_id in sorted(review.current["centre_id"].dropna().unique()):
        for lang in LANGS:
            text = recognition_view.team_summary(review.current, named, centre_id, lang, _names(cfg, lang), p)
            write_atomic(folder / centre_id / f"team.{lang}.md", text.encode("utf-8"))
    return people
