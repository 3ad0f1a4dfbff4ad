"""Channel KPIs on ticket frames (DESIGN.md "KPI definitions"). Pure: frames in, frames out."""

from __future__ import annotations

import pandas as pd


def _is_digital(tickets: pd.DataFrame, virtual_channels: list[str], assisted_counts: bool) -> pd.Series:
    digital = tickets["channel_id"].isin(virtual_channels)
    if assisted_counts:
        digital = digital | tickets["assisted_digital"].fillna(False).astype(bool)
    return digital


def volumes(tickets: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Transactions (all tickets) and completed ones per cut ``by``, sorted by the cut."""
    if tickets.empty:
        return pd.DataFrame(columns=[*by, "transactions", "completed"]).astype({"transactions": int, "completed": int})
    out = (
        tickets.assign(_completed=tickets["outcome"].eq("completed"))
        .groupby(by, observed=True, sort=True)
        .agg(transactions=("ticket_id", "size"), completed=("_completed", "sum"))
        .reset_index()
    )
    return out.astype({"transactions": int, "completed": int})


def digital_take_up(tickets: pd.DataFrame, virtual_channels: list[str], assisted_counts: bool = True) -> dict:
    """UK Service Standard digital take-up: completed on virtual channels ÷ all completed.

    Assisted-digital transactions count as digital when ``assisted_counts`` (the config default).
    Returns ``{"digital": int, "completed": int, "share": float}``; share is NaN with no completions.
    """
    done = tickets[tickets["outcome"].eq("completed")]
    digital = int(_is_digital(done, virtual_channels, assisted_counts).sum())
    completed = int(len(done))
    return {"digital": digital, "completed": completed, "share": digital / completed if completed else float("nan")}
