"""The shapes chapter functions hand to the report (``report.publish.Report.sections`` shows them).

They live below the report layer so that a chapter can build them without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class SectionTable:
    """One table of a section that ``Report.sections`` shows: ``heading`` key, CSV ``name``, the
    ``frame`` written as CSV, the ``shown`` frame displayed, and the ``note`` sentences above it."""

    heading: str
    name: str
    frame: pd.DataFrame
    shown: pd.DataFrame
    note: list[str]
