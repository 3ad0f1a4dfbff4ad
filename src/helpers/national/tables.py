"""A national period's tables, from the entities' published months (``sources.load``): the
assembly of ``compare``'s numbers for one month or one year. Pure: frames in, frames out.

- A **month** compares the centres on that month; the change is on the month before.
- A **year** pools each centre's months of the year (counts summed, readiness of its latest
  month); the change is from the year's first month to its last (the national months, those some
  entity published).
"""

from __future__ import annotations

import pandas as pd

from ..base.periods import kind_of
from . import compare
from .sources import EntityInfo, EntityMonth, months_of

# The national tables of a period, in the order the book shows them (``tables/<name>.csv``).
TABLE_NAMES = ("national_summary", "national_take_up", "national_rank_csat", "national_rank_service_level",
               "national_rank_take_up", "national_readiness", "national_improved", "national_centres",
               "national_coverage")
RANKED = ("csat", "service_level", "take_up")
COVERAGE_COLUMNS = ["entity_id", "centres", "months", "published"]


def panel(infos: dict[str, EntityInfo], months: list[EntityMonth]) -> pd.DataFrame:
    """Every entity-month read, one row per configured centre (``compare.CENTRE_COLUMNS``),
    by entity (listing order) and month."""
    frames = [compare.centre_month(m.entity_id, m.month, infos[m.entity_id].centre_kinds(), m.tables) for m in months]
    if not frames:
        return pd.DataFrame(columns=compare.CENTRE_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def class_order(infos: dict[str, EntityInfo]) -> list[str]:
    """The readiness classes of every entity's configuration in one order (``compare.class_order``)."""
    return compare.class_order([list(classes) for info in infos.values() for _, classes in info.bands])


def period_tables(period: str, infos: dict[str, EntityInfo], months: list[EntityMonth], settings,
                  missing: list[str]) -> dict[str, pd.DataFrame]:
    """The tables of national ``period`` (``TABLE_NAMES``) from the entity months read; ``missing``:
    the entities of ``national.yaml`` without the period's months."""
    ranking, targets = settings.ranking, settings.targets
    confidence, min_base = float(ranking["confidence"]), int(ranking["min_base"])
    rows = panel(infos, months)
    shown, compared = months_of(period)
    here = rows[rows["month"].isin(shown)]
    if kind_of(period) == "month":
        current = here
        before, after = rows[rows["month"].isin(compared)], here
    else:
        current = compare.pool_year(here)
        national_months = sorted(set(here["month"]))
        before = here[here["month"] == national_months[0]] if len(national_months) > 1 else here.iloc[0:0]
        after = here[here["month"] == national_months[-1]] if len(national_months) > 1 else here.iloc[0:0]
    out = {
        "national_summary": compare.national_summary(current, targets, confidence),
        "national_take_up": compare.take_up_by_entity(current, targets["digital_take_up"], float(ranking["near"]),
                                                      confidence),
    }
    for measure in RANKED:
        out[f"national_rank_{measure}"] = compare.rank_centres(current, measure, confidence, min_base)
    out["national_readiness"] = compare.readiness_distribution(current, class_order(infos))
    improved = [compare.improved_most(before, after, m, int(ranking["improved"]), min_base, confidence)
                for m in RANKED]
    improved.append(compare.improved_readiness(before, after, int(ranking["improved"])))
    out["national_improved"] = pd.concat(improved, ignore_index=True)[compare.IMPROVED_COLUMNS]
    out["national_centres"] = current.reset_index(drop=True)
    out["national_coverage"] = coverage(here, infos, missing)
    return out


def coverage(here: pd.DataFrame, infos: dict[str, EntityInfo], missing: list[str]) -> pd.DataFrame:
    """Per entity of ``national.yaml`` (those read, then the ``missing`` ones): its centres, how many
    of the period's months it published, and whether it is in the comparison."""
    rows = []
    for entity_id, info in infos.items():
        months = sorted(set(here.loc[here["entity_id"] == entity_id, "month"]))
        if months:
            rows.append({"entity_id": entity_id, "centres": len(info.centres), "months": len(months),
                         "published": True})
    rows += [{"entity_id": e, "centres": pd.NA, "months": 0, "published": False} for e in missing]
    frame = pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
    frame["centres"] = frame["centres"].astype("Int64")
    return frame
