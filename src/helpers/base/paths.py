"""Every path Gold Book uses, derived from one root.

The root is the repository by default; ``GOLDBOOK_ROOT`` points a run somewhere else (verify
rebuilds a period in a clean temporary root this way). Notebook templates always come from
the code's own checkout, never from the data root.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CODE_ROOT = Path(__file__).resolve().parents[3]
# Where a run's outputs go instead of ``<root>/reports``: the runner sets it for each notebook
# kernel to the period's staging folder (``pipeline.kernel.kernel_env``), so a failed run
# publishes nothing. Nothing else sets it.
REPORTS_ENV = "GOLDBOOK_REPORTS"
# Where per-employee summaries go instead of ``<root>/restricted``: set only by an analyst's
# scratch copy (``report.scratch``), so exploring recognition never rewrites the real ones.
RESTRICTED_ENV = "GOLDBOOK_RESTRICTED"


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def truth(self) -> Path:
        """Demo ground truth: read by tests and validation commands only, never by a report."""
        return self.root / "data" / "truth"

    @property
    def reports(self) -> Path:
        """``<root>/reports``, or the staging folder a runner's kernel is given (``REPORTS_ENV``)."""
        return Path(os.environ.get(REPORTS_ENV) or self.root / "reports")

    @property
    def restricted(self) -> Path:
        """Per-employee summaries: not in the book, not in git (``RESTRICTED_ENV`` in a scratch copy)."""
        return Path(os.environ.get(RESTRICTED_ENV) or self.root / "restricted")

    @property
    def book_src(self) -> Path:
        """Generated book pages (markdown, _toc.yml) that are not notebooks."""
        return self.root / "book"

    @property
    def build(self) -> Path:
        return self.root / "_build"

    @property
    def notebooks(self) -> Path:
        return CODE_ROOT / "notebooks"

    def month_raw(self, month: str) -> Path:
        return self.raw / month

    def period_reports(self, period: str) -> Path:
        return self.reports / period

    def rel(self, path: Path) -> str:
        """A path as recorded in manifests and pages: relative to the root, never absolute."""
        try:
            return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return Path(path).name


def get_paths(root: str | os.PathLike | None = None) -> Paths:
    """Paths for ``root``, else ``$GOLDBOOK_ROOT``, else the repository."""
    chosen = root if root is not None else os.environ.get("GOLDBOOK_ROOT") or CODE_ROOT
    return Paths(Path(chosen).resolve())
