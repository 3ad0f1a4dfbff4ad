"""Raw CSV files as an analyst's export writes them: one way to write each value and the file.

Two writers produce raw files: the demo (``demo.generate``) and the database snapshot
(``data.snapshot``). Both format values and write files here, so the same rows give the same
bytes, and ingest (which records every raw file's sha256) stores the same thing from either.

The conventions, those of the contract (``data/raw/README.md``):

- a date and time is ``YYYY-MM-DD HH:MM:SS`` (local time, to the second), a date ``YYYY-MM-DD``;
- a boolean is ``true`` or ``false``; a whole number is its digits;
- an empty cell is null;
- UTF-8 without a byte-order mark, ``\\n`` line ends, a header line, and quotes only where a value
  needs them (a comma, a quote or a line break in it), as pandas' ``to_csv`` writes.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

TRUE, FALSE = "true", "false"


def fmt_datetime(seconds: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS`` from epoch seconds (local time); -1 gives ''."""
    stamps = seconds.astype("datetime64[s]")
    text = np.datetime_as_string(stamps, unit="s").astype("U19")
    text.view(np.uint32).reshape(-1, 19)[:, 10] = ord(" ")
    return np.where(seconds < 0, "", text)


def fmt_bool(values: np.ndarray) -> np.ndarray:
    """``true`` / ``false``."""
    return np.where(values, TRUE, FALSE)


def fmt_int(values: np.ndarray) -> np.ndarray:
    """Integers as text; negative means null."""
    return np.where(values < 0, "", values.astype(np.int64).astype(str))


def datetime_text(value: datetime) -> str:
    """One date and time as the contract writes it, ``YYYY-MM-DD HH:MM:SS`` (wall-clock time as
    given, any fraction of a second dropped; a four-digit year even before 1000)."""
    return value.replace(microsecond=0, tzinfo=None).isoformat(sep=" ", timespec="seconds")


def date_text(value: date) -> str:
    """One date as the contract writes it, ``YYYY-MM-DD``."""
    return value.isoformat()


def bool_text(value: bool) -> str:
    return TRUE if value else FALSE


def write_csv(frame: pd.DataFrame, path: Path, columns: list[str]) -> None:
    """Write ``frame[columns]`` to ``path`` as a raw CSV file (conventions above); None and NaN
    cells are written empty. Creates the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame[columns].to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
