"""Deterministic synthetic demo data for the model case, with the ground truth behind it.

``generate`` writes ``<out>/<YYYY-MM>/{tickets,surveys,feedback,staff,self_assessment}.csv`` and
``<out>/initiatives.csv`` following the raw data contract in DESIGN.md, and a ground-truth JSON
that tests and validation commands read (never a report): each employee's true skill, each
injected initiative effect in natural units and the deliberate CSAT dip.

Conventions the KPI, satisfaction and impact code can rely on
--------------------------------------------------------------
* **Self-service** (``eservices``): ``employee_id``, ``called_at`` and ``started_at`` are *null* (no
  queue, no agent); ``ended_at`` is when the customer submitted (completed) or gave up (abandoned).
  Wait and handle time are therefore null for self-service and it never enters service level.
* **Abandoned** (staffed channels): ``called_at`` and ``started_at`` are null and ``ended_at`` is when
  the customer left the queue, so time-to-abandon is ``ended_at - created_at`` (about a third of
  phone abandons are under 10 s).
* **No-show** (booked walk-in or video appointments): ``called_at``, ``started_at`` and ``ended_at``
  are null; ``created_at`` is the appointment time.
* Every ticket except self-service names an ``employee_id``, abandons and no-shows included: the
  agent it was routed or booked to (the contract allows null only for self-service).
* ``resolved_first_contact``: true/false for completed staffed tickets, false for transfers, null
  for referrals, abandons, no-shows and self-service.
* ``assisted_digital`` is true only on completed walk-in tickets.
* A ticket's timestamps all fall on its own working day; ``created_at`` is within opening hours
  (Ramadan hours in Ramadan). Survey responses and online feedback may arrive on any day of the
  week (customers answer from their phones); in-person and phone feedback only on working days.
* Surveys are filed by the month of ``submitted_at``: a response sent on the 1st about a ticket of
  the 31st sits in the next month's folder. The first month of a run carries such responses only
  when the previous month's tickets exist too (in the same run or already under ``out``), so a
  survey never points at a missing ticket.
* Feedback is a snapshot at the end of its month: a message not closed by then is ``open`` or
  ``in_progress`` with ``resolved_at`` null. Such a message is closed later, in the
  ``feedback_updates`` file of the month it closes in: after a further delay drawn for that
  message alone (from the seed and its id), within twelve months; 4% are never closed. A month
  with no such closing has no ``feedback_updates`` file.

Determinism: every random draw comes from a numpy Generator seeded by (seed, month, stream); the
staff roster and the self-assessment states are simulated forward from ``ORIGIN`` with one such
Generator per month. A month's files thus depend only on the seed and the months up to it, and a
longer range leaves earlier months byte-identical.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from ..base.config import Config, ConfigError, load_config
from ..base.messages import LANGS
from ..base.periods import months_between, parse
from ..data import contract
from ..data.contract import DAY_TABLES
from ..data.rawcsv import write_csv
from .case import CENTRES, CHANNELS, SERVICES
from .feedback import feedback, feedback_updates
from .initiatives import INITIATIVE_COLUMNS, INITIATIVES
from .self_assessment import simulate_self_assessment
from .staff import simulate_staff, staff_rows
from .surveys import kiosk_surveys, survey_rows, ticket_surveys
from .tables import COLUMNS, TABLES
from .tickets import ticket_rows, tickets
from .truth import ground_truth
from .working_days import ORIGIN, Run, previous_month

_CENTRE_KIND = ("walk_in", "walk_in", "virtual")


def _check_config(cfg: Config) -> None:
    for key, needed in (("centres", CENTRES), ("channels", CHANNELS), ("services", SERVICES)):
        missing = sorted(set(needed) - set(cfg.ids(key)))
        if missing:
            raise ConfigError(f"the demo generator models the Labour Fund case; config/entity.yaml lacks {key}: "
                              f"{', '.join(missing)}")
    for centre, kind in zip(CENTRES, _CENTRE_KIND):
        if cfg.centre_kind(centre) != kind:
            raise ConfigError(f"the demo generator expects centre {centre!r} to be of kind {kind!r}")


def generate(out: Path, *, seed: int = 7, start: str = "2023-01", end: str = "2024-12", scale: float = 1.0,
             truth: Path | None = None, cfg: Config | None = None, daily: bool = False) -> dict:
    """Write the demo raw data for ``start``..``end`` under ``out`` and the ground truth JSON.

    With ``daily``, the last month comes as day drops (``day_drops``): its tickets, surveys and
    feedback split by date into ``<out>/<YYYY-MM>/<YYYY-MM-DD>/`` folders, one for every day of
    the month, and its other tables as month files; the rows are those of the month files.

    Returns a summary: months, rows per table, files written and the truth path.
    """
    cfg = cfg or load_config()
    _check_config(cfg)
    if start < ORIGIN:
        raise ValueError(f"the demo starts in {ORIGIN}; got start={start}")
    if int(seed) < 0 or scale <= 0:
        raise ValueError("seed must be >= 0 and scale > 0")
    months = months_between(start, end)
    if not months:
        raise ValueError(f"empty range {start}..{end}")
    out = Path(out)
    truth = Path(truth) if truth else out.parent / "truth" / "demo_truth.json"
    kpi = cfg.kpi["service_level"]["thresholds_seconds"]
    thresholds = np.array([float(kpi.get(cfg.channel_kind(ch), np.nan)) for ch in CHANNELS])
    run = Run(cfg, int(seed), float(scale), thresholds)
    for key, ids in (("channels", CHANNELS), ("centres", CENTRES), ("services", SERVICES)):
        for item in ids:
            for lang in LANGS:
                run.names[(key, item, lang)] = cfg.name(key, item, lang)

    staff, rosters = simulate_staff(cfg, run.seed, months[-1])
    assessments = simulate_self_assessment(run, rosters, months[-1])

    carried = None
    previous = previous_month(months[0])
    if previous >= ORIGIN and (out / previous / "tickets.csv").exists():
        carried = ticket_surveys(run, previous, tickets(run, previous, rosters[previous]))[1]

    rows = {t: 0 for t in TABLES}
    files = 0
    for month in months:
        folder = out / month
        tk = tickets(run, month, rosters[month])
        own, spill = ticket_surveys(run, month, tk)
        kiosk = kiosk_surveys(run, month, tk)
        surveys = survey_rows(month, [f for f in (carried, own, kiosk) if f is not None])
        carried = spill
        tables = {
            "tickets": ticket_rows(tk),
            "surveys": surveys,
            "feedback": feedback(run, month, tk, rosters[month]),
            "feedback_updates": feedback_updates(run, month, out),
            "staff": staff_rows(rosters[month]),
            "self_assessment": assessments[month],
        }
        by_day = daily and month == months[-1]
        _clear_other_layout(folder, by_day)
        for name, frame in tables.items():
            if name == "feedback_updates" and frame.empty:
                (folder / f"{name}.csv").unlink(missing_ok=True)  # an optional file: no rows, no file
                continue
            rows[name] += len(frame)
            if by_day and name in DAY_TABLES:
                for day, part in day_drops(name, frame, month).items():
                    write_csv(part, folder / day / f"{name}.csv", COLUMNS[name])
                    files += 1
                continue
            write_csv(frame, folder / f"{name}.csv", COLUMNS[name])
            files += 1

    last_day = parse(months[-1]).last.isoformat()
    registry = pd.DataFrame([i for i in INITIATIVES if i["start_on"] <= last_day], columns=INITIATIVE_COLUMNS)
    write_csv(registry, out / "initiatives.csv", INITIATIVE_COLUMNS)
    truth.parent.mkdir(parents=True, exist_ok=True)
    truth.write_text(json.dumps(ground_truth(run, months, staff, scale), sort_keys=True, indent=2,
                                ensure_ascii=False) + "\n", encoding="utf-8")
    return {"months": months, "rows": rows, "initiatives": len(registry), "files": files + 1,
            "truth": str(truth), "seed": run.seed, "scale": run.scale}


def day_drops(table: str, frame: pd.DataFrame, month: str) -> dict[str, pd.DataFrame]:
    """``frame`` (a month of ``table``, as written to its month file) split by the date of its
    row (tickets ``created_at``, surveys ``submitted_at``, feedback ``received_at``): one frame
    per day of ``month``, ``YYYY-MM-DD`` → rows of that day in the month file's order (a day
    without rows gets an empty frame, as a daily export writes a file with its header only)."""
    period = parse(month)
    days = [(period.start + timedelta(days=i)).isoformat() for i in range((period.last - period.start).days + 1)]
    dates = frame[contract.TABLES[table].dated_by].astype(str).str[:10].to_numpy() if len(frame) else np.array([], dtype=str)
    return {day: frame[dates == day] for day in days}


def _clear_other_layout(folder: Path, by_day: bool) -> None:
    """Remove what an earlier demo run left in ``folder`` in the other layout: day folders
    when the month is written as month files, the day tables' month files when it is written
    as day drops (a table comes one way or the other, never both)."""
    if not folder.is_dir():
        return
    if by_day:
        for name in DAY_TABLES:
            (folder / f"{name}.csv").unlink(missing_ok=True)
        return
    for sub in sorted(folder.iterdir()):
        if sub.is_dir() and len(sub.name) == 10 and sub.name.startswith(folder.name + "-"):
            for name in DAY_TABLES:
                (sub / f"{name}.csv").unlink(missing_ok=True)
            if not any(sub.iterdir()):
                sub.rmdir()
