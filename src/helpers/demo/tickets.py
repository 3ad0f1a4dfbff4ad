"""Tickets: demand by day, centre and channel, arrivals, outcomes, waits and handle times, the agent
serving each ticket, and the tickets table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.rawcsv import fmt_bool, fmt_datetime
from . import draws
from .case import (
    ABANDONED,
    APPEAL,
    BUSINESS,
    CENTRES,
    CHANNELS,
    CHAT,
    COMPLETED,
    EMAIL,
    ESERV,
    OUTCOMES,
    PHONE,
    REFERRED,
    SERVICES,
    TRANSFERRED,
    VIDEO,
    WALK,
    WHATSAPP,
)
from .initiatives import (
    ESERV_SHARE,
    QMS_ABANDON,
    QMS_BOOKED,
    QMS_WAIT_FACTOR,
    SEEF_ASSISTED,
    SEEF_DIVERTED,
    VIDEO_SHARE,
    WHATSAPP_FROM_PHONE,
    WHATSAPP_SHARE,
    on,
)
from .tables import ids, take
from .working_days import Run, months_since_origin

# (centre, channel) cells that carry demand, in a fixed order.
_CELLS = ((0, WALK), (1, WALK), (2, PHONE), (2, WHATSAPP), (2, CHAT), (2, VIDEO), (2, EMAIL), (2, ESERV))
_CELL_CENTRE = np.array([c for c, _ in _CELLS])
_CELL_CHANNEL = np.array([ch for _, ch in _CELLS])

BASE_DAILY = 1500.0                                   # transactions per working day, all channels
_DOW = {6: 1.15, 0: 1.05, 1: 1.0, 2: 0.97, 3: 0.85}  # Sun..Thu (Python weekday numbers)
_SEASON = (1.05, 1.0, 1.0, 0.97, 1.0, 0.95, 0.9, 0.86, 1.06, 1.05, 1.02, 0.96)
_RAMADAN_VOLUME = 0.8
_POST_HOLIDAY_VOLUME = 1.15

# Hourly arrival weights (hour of day); opening hours from config mask them.
_HOURLY = {
    "walk_in": np.array([.2] * 8 + [.9, 1.3, 1.45, 1.35, 1.05, .95, .85, .6] + [.4] * 8),
    "live": np.array([.3] * 7 + [.45, .9, 1.3, 1.4, 1.3, 1.1, 1.05, 1.0, .95, .85, .7, .5] + [.3] * 5),
    "flat": np.array([.5] * 7 + [.7, 1.0, 1.1, 1.1, 1.1, 1.0, 1.0, 1.0, 1.0, .95, .9, .85] + [.6] * 5),
}
_CURVES = ("walk_in", "live", "flat")
_CHANNEL_CURVE = np.array([0, 1, 1, 1, 1, 2, 2])

# Per channel, in CHANNELS order.
_WAIT_MEDIAN_S = np.array([660.0, 14.0, 55.0, 35.0, 45.0, 2.2 * 3600, np.nan])
_WAIT_SIGMA = np.array([0.75, 1.0, 0.9, 0.9, 0.7, 0.8, 0.0])
_HANDLE_MEDIAN_S = np.array([540.0, 270.0, 420.0, 360.0, 720.0, 360.0, 360.0])
_ABANDON = np.array([0.045, 0.075, 0.05, 0.06, 0.03, 0.0, 0.08])
_TRANSFER = np.array([0.015, 0.04, 0.03, 0.03, 0.02, 0.03, 0.0])
_REFER = np.array([0.03, 0.02, 0.02, 0.02, 0.03, 0.03, 0.01])
_NO_SHOW_P = np.array([0.12, 0.0, 0.0, 0.0, 0.10, 0.0, 0.0])
_BOOKED_P = np.array([0.05, 0.0, 0.0, 0.0, 0.75, 0.0, 0.0])
_CUSTOMER_NULL = np.array([0.06, 0.25, 0.03, 0.35, 0.02, 0.10, 0.0])

# Service mix by channel (rows: CHANNELS, columns: SERVICES).
_SERVICE_MIX = np.array([
    [.18, .12, .14, .12, .12, .12, .12, .08],
    [.12, .08, .08, .06, .10, .22, .28, .06],
    [.10, .10, .06, .12, .12, .20, .28, .02],
    [.10, .10, .06, .12, .14, .20, .26, .02],
    [.20, .20, .25, .05, .05, .05, .05, .15],
    [.15, .05, .15, .10, .10, .15, .15, .15],
    [.15, .15, .05, .30, .25, .10, .00, .00],
])
# Per service, in SERVICES order: how hard it is.
_SVC_HANDLE = np.array([1.2, 1.1, 1.4, 0.8, 0.9, 0.8, 0.6, 1.8])
_SVC_FCR = np.array([-0.04, -0.02, -0.08, 0.10, 0.08, 0.05, 0.10, -0.20])

HANDLE_SKILL = 0.12       # handle time multiplied by exp(-0.12 * effective skill)


def _demand_shares(days: np.ndarray, off: frozenset = frozenset()) -> np.ndarray:
    """Expected share of the day's demand in each ``_CELLS`` cell, shape (cells, days)."""
    t = months_since_origin(days)
    v_base = np.clip(0.345 + 0.0045 * t, 0.0, 0.8)
    wa, es, vid, seef = (on(i, days, off) for i in ("INI-01", "INI-04", "INI-07", "INI-03"))
    v = v_base + WHATSAPP_SHARE * wa + ESERV_SHARE * es + VIDEO_SHARE * vid
    walk = 1.0 - v
    seef_walk, tijjar_walk = 0.55 * walk, 0.45 * walk
    moved = SEEF_DIVERTED * seef_walk * seef
    phone = 0.44 * v_base
    return np.vstack([
        seef_walk - moved,
        tijjar_walk,
        phone * (1 - WHATSAPP_FROM_PHONE * wa),
        (WHATSAPP_SHARE + phone * WHATSAPP_FROM_PHONE) * wa,
        0.14 * v_base,
        VIDEO_SHARE * vid,
        0.09 * v_base,
        0.33 * v_base + ESERV_SHARE * es + moved,
    ])


def _booked_probability(channel: np.ndarray, qms: np.ndarray) -> np.ndarray:
    p = _BOOKED_P[channel]
    return np.where(channel == WALK, np.where(qms, QMS_BOOKED[1], QMS_BOOKED[0]), p)


def _outcome_probabilities(channel, booked, qms, load) -> np.ndarray:
    """P(outcome) per ticket, columns in OUTCOMES order; ``load`` scales walk-in and phone abandons."""
    ab = np.where(channel == WALK, np.where(qms, QMS_ABANDON[1], QMS_ABANDON[0]), _ABANDON[channel])
    ab = np.where(booked & (channel == WALK), 0.005, ab)
    ab = np.where((channel == WALK) | (channel == PHONE), ab * np.clip(load, 0.5, 2.0) ** 1.5, ab)
    ns = np.where(booked, _NO_SHOW_P[channel], 0.0)
    keep = 1.0 - ns
    tr, rf, ab = _TRANSFER[channel] * keep, _REFER[channel] * keep, ab * keep
    return np.column_stack([1.0 - ns - tr - rf - ab, ab, ns, tr, rf])


def expected_virtual_share(days: np.ndarray, off: frozenset = frozenset()) -> np.ndarray:
    """Expected completed-virtual ÷ all completed per day, with the initiatives in ``off`` removed."""
    shares = _demand_shares(days, off)
    qms = on("INI-02", days, off)
    virtual = np.zeros(days.shape)
    total = np.zeros(days.shape)
    for k, ch in enumerate(_CELL_CHANNEL):
        chan = np.full(days.shape, ch)
        pb = _booked_probability(chan, qms)
        done = (pb * _outcome_probabilities(chan, np.ones_like(qms), qms, 1.0)[:, 0]
                + (1 - pb) * _outcome_probabilities(chan, np.zeros_like(qms), qms, 1.0)[:, 0])
        total += shares[k] * done
        if ch != WALK:
            virtual += shares[k] * done
    return virtual / total


_HEX2 = np.array([f"{i:02x}" for i in range(256)])


def _arrival_seconds(rng, curve, open_min, close_min) -> tuple[np.ndarray, np.ndarray]:
    """Seconds after midnight for each ticket, and the hour's busyness relative to the day's mean."""
    n = curve.size
    seconds = np.zeros(n, dtype=np.int64)
    busy = np.ones(n)
    key = curve.astype(np.int64) * 10**8 + open_min * 10**4 + close_min
    minute_hour = np.arange(1440) // 60
    for k in np.unique(key):
        rows = np.flatnonzero(key == k)
        c, o, cl = int(k // 10**8), int(k // 10**4 % 10**4), int(k % 10**4)
        weights = np.where((np.arange(1440) >= o) & (np.arange(1440) < cl), _HOURLY[_CURVES[c]][minute_hour], 0.0)
        minutes = rng.choice(1440, size=rows.size, p=weights / weights.sum())
        seconds[rows] = minutes * 60 + rng.integers(0, 60, rows.size)
        busy[rows] = weights[minutes] / weights[o:cl].mean()
    return seconds, busy


def _assign_employees(rng, centre, service, staffed, roster) -> tuple[np.ndarray, np.ndarray]:
    """Employee id and effective skill per ticket; appeals go mostly to seniors and the appeal desk."""
    employee = np.full(centre.size, "", dtype=object)
    eff = np.zeros(centre.size)
    for c_idx, c_id in enumerate(CENTRES):
        team = roster[(roster["centre_id"] == c_id) & roster["active"]]
        ids, skill = team["employee_id"].to_numpy(dtype=object), team["eff"].to_numpy(dtype=float)
        base = team["role"].map({"agent": 1.0, "senior_agent": 0.9, "supervisor": 0.15}).to_numpy(dtype=float)
        senior = (team["role"] == "senior_agent").to_numpy()
        desk = team["appeal_desk"].to_numpy(dtype=bool)
        for s_idx in range(len(SERVICES)):
            rows = np.flatnonzero(staffed & (centre == c_idx) & (service == s_idx))
            if rows.size == 0:
                continue
            w = base.copy()
            if s_idx == APPEAL:
                w = w * np.where(senior | desk, 6.0, 1.0)
            elif s_idx == BUSINESS:
                w = w * np.where(senior, 2.0, 1.0)
            pick = rng.choice(ids.size, size=rows.size, p=w / w.sum())
            employee[rows], eff[rows] = ids[pick], skill[pick]
    return employee, eff


def tickets(run: Run, month: str, roster: pd.DataFrame) -> dict:
    """One month of tickets with the hidden drivers (wait, skill, FCR) the surveys need."""
    rng = draws.rng(run.seed, month, "tickets")
    cal = run.calendar(month)
    days = cal.days
    n_days = days.size
    dow = np.array([_DOW.get(d.weekday(), 1.0) for d in days.astype(object)])
    demand = (BASE_DAILY * run.scale * dow * _SEASON[int(month[5:7]) - 1]
              * np.where(cal.ramadan, _RAMADAN_VOLUME, 1.0) * np.where(cal.post_holiday, _POST_HOLIDAY_VOLUME, 1.0)
              * (1 + 0.02 * months_since_origin(days) / 12) * np.exp(rng.normal(0, 0.06, n_days)))
    counts = rng.poisson(demand[None, :] * _demand_shares(days))
    cell = np.repeat(np.repeat(np.arange(len(_CELLS)), n_days), counts.ravel())
    day = np.repeat(np.tile(np.arange(n_days), len(_CELLS)), counts.ravel())
    n = cell.size
    centre, channel = _CELL_CENTRE[cell], _CELL_CHANNEL[cell]
    walk, staffed = channel == WALK, channel != ESERV
    load = (demand / demand.mean())[day]
    dayt = days[day]
    t = months_since_origin(dayt)

    kind_walk = centre < 2
    open_min = np.where(kind_walk, cal.hours["walk_in"][0][day], cal.hours["virtual"][0][day])
    close_min = np.where(kind_walk, cal.hours["walk_in"][1][day], cal.hours["virtual"][1][day])
    tod, busy = _arrival_seconds(rng, _CHANNEL_CURVE[channel], open_min, close_min)
    day_start = days.astype("datetime64[s]").astype(np.int64)[day]
    created = day_start + tod
    day_end = day_start + 86399

    service = np.zeros(n, dtype=np.int64)
    for ch in range(len(CHANNELS)):
        rows = np.flatnonzero(channel == ch)
        service[rows] = rng.choice(len(SERVICES), size=rows.size, p=_SERVICE_MIX[ch])

    qms = on("INI-02", dayt)
    booked = rng.random(n) < _booked_probability(channel, qms)
    probs = _outcome_probabilities(channel, booked, qms, load)
    outcome = (rng.random(n)[:, None] > np.cumsum(probs, axis=1)[:, :-1]).sum(axis=1)

    median = np.where(walk, np.where(booked, 150.0, np.where(qms, 660.0 * QMS_WAIT_FACTOR, 660.0)),
                      _WAIT_MEDIAN_S[channel])
    factor = np.select([walk, channel == PHONE, channel == EMAIL],
                       [load ** 1.5 * busy, load * busy ** 0.8, np.ones(n)], busy ** 0.5)
    wait = median * factor * np.exp(_WAIT_SIGMA[channel] * rng.standard_normal(n))
    gap = np.where(walk, rng.uniform(15, 90, n), 0.0)

    employee, eff = _assign_employees(rng, centre, service, staffed, roster)
    handle = (_HANDLE_MEDIAN_S[channel] * _SVC_HANDLE[service] * np.exp(-HANDLE_SKILL * eff)
              * np.exp(0.45 * rng.standard_normal(n)))
    handle *= np.select([outcome == TRANSFERRED, outcome == REFERRED, outcome == ABANDONED], [0.4, 0.6, 0.5], 1.0)
    u_ab = rng.random(n)
    abandon_after = np.select(
        [walk, channel == PHONE, channel == VIDEO],
        [wait * (0.2 + 0.8 * u_ab),
         np.where(u_ab < 0.33, 1 + 8.9 * rng.random(n), draws.lognormal(rng, 45.0, 0.8, n)),
         draws.lognormal(rng, 60.0, 0.6, n)],
        draws.lognormal(rng, 150.0, 0.8, n))
    fcr_draw = rng.random(n)
    assisted_draw = rng.random(n)
    null_ref = rng.random(n) < _CUSTOMER_NULL[channel]
    customer = np.floor(400_000 * rng.beta(0.7, 1.6, n)).astype(np.uint64)

    served = staffed & np.isin(outcome, (COMPLETED, TRANSFERRED, REFERRED))
    w, g, h = np.round(wait), np.round(gap), np.maximum(1, np.round(handle))
    w = np.where(served, np.minimum(np.nan_to_num(w), np.maximum(0, day_end - created - g - h)), np.nan)
    h = np.where(served, np.maximum(1, np.minimum(h, day_end - created - np.nan_to_num(w) - g)), h)
    called = np.where(served, created + np.nan_to_num(w), -1).astype(np.int64)
    started = np.where(served, called + g, -1).astype(np.int64)
    ended = np.select(
        [served, staffed & (outcome == ABANDONED), ~staffed],
        [started + h, np.minimum(created + np.maximum(1, np.round(abandon_after)), day_end),
         np.minimum(created + h, day_end)], -1).astype(np.int64)

    p_fcr = np.clip(0.80 + 0.03 * eff + _SVC_FCR[service], 0.3, 0.97)
    fcr = np.select([staffed & (outcome == COMPLETED), outcome == TRANSFERRED],
                    [(fcr_draw < p_fcr).astype(np.int64), np.zeros(n, dtype=np.int64)], -1)
    p_assist = 0.035 + 0.0008 * t + SEEF_ASSISTED * ((centre == 0) & on("INI-03", dayt))
    assisted = walk & (outcome == COMPLETED) & (assisted_draw < p_assist)

    salt = np.uint64((run.seed * 0x9E3779B1 + 0x7F4A7C15) % 2**32)
    hashed = (customer * np.uint64(2654435761) + salt) % np.uint64(2**32)
    ref = "C-"
    for shift in (24, 16, 8, 0):
        ref = np.strings.add(ref, _HEX2[(hashed >> np.uint64(shift)) & np.uint64(255)])
    customer_ref = np.where(null_ref, "", ref)

    order = np.lexsort((channel, centre, created))
    rows = take({
        "centre": centre, "channel": channel, "service": service, "employee": employee.astype(str),
        "customer_ref": customer_ref, "created": created, "booked": booked, "called": called,
        "started": started, "ended": ended, "outcome": outcome, "fcr": fcr, "assisted": assisted,
        "wait": w, "eff": eff, "day": dayt,
    }, order)
    rows["ticket_id"] = ids("T", month, n, 6)
    return rows


def ticket_rows(tk: dict) -> pd.DataFrame:
    """The contract's tickets table from the internal rows."""
    fcr = tk["fcr"]
    return pd.DataFrame({
        "ticket_id": tk["ticket_id"],
        "centre_id": np.array(CENTRES)[tk["centre"]],
        "channel_id": np.array(CHANNELS)[tk["channel"]],
        "service_id": np.array(SERVICES)[tk["service"]],
        "employee_id": tk["employee"],
        "customer_ref": tk["customer_ref"],
        "created_at": fmt_datetime(tk["created"]),
        "booked": fmt_bool(tk["booked"]),
        "called_at": fmt_datetime(tk["called"]),
        "started_at": fmt_datetime(tk["started"]),
        "ended_at": fmt_datetime(tk["ended"]),
        "outcome": np.array(OUTCOMES)[tk["outcome"]],
        "resolved_first_contact": np.select([fcr == 1, fcr == 0], ["true", "false"], ""),
        "assisted_digital": fmt_bool(tk["assisted"]),
    }, dtype=object)
