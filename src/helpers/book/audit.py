"""The built book's pages against what was built: the build manifest and ``check_pages``.

Each successful build writes ``_build/html/.goldbook-build.json`` (``build_record``) inside the
folder it swaps in, so the record and the pages it describes are swapped together: the build's
fingerprint, the sha256 of every file of the built book, and per period the pages that come from
it (``period_of_page``): its notebook pages under ``reports/<period>/`` and its generated month or
year page. ``check_pages`` compares one period's pages in ``_build/html`` with that record and
names each edited, missing or extra page, and notes when the book was built from another manifest
of the period than the one published now; ``goldbook verify`` runs it for every period it checks.
The record also keeps each period's manifest sha256 and the ledger's head at build time:
``check_ledger_anchor`` then catches a ledger whose earlier lines were edited or rewritten
(the chain alone cannot show an edit of its last line, nor a ledger rewritten whole).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..base.files import canonical_json, sha256_file
from ..base.messages import LANGS
from ..base.paths import get_paths
from ..pipeline import ledger
from ..pipeline.manifest import MANIFEST_NAME, published_periods

BUILD_RECORD = ".goldbook-build.json"
RECORD_VERSION = 1
# The generated pages that belong to one period: ``<lang>/<folder>/<period>.html``.
PERIOD_PAGE_FOLDERS = ("months", "annual")
NO_BUILD = "no _build/html here: the book's pages were not checked"


def period_of_page(rel: str) -> str | None:
    """The period a file of the built book comes from (``rel`` relative to ``_build/html``, with
    ``/``): ``reports/<period>/…`` (its notebook pages) or ``<lang>/months|annual/<period>.html``
    (its generated page); None for any other file (landing page, reference pages, theme, search)."""
    parts = rel.split("/")
    if parts[0] == "reports" and len(parts) > 2 and parts[1] and not parts[1].startswith("."):
        return parts[1]
    if (len(parts) == 3 and parts[0] in LANGS and parts[1] in PERIOD_PAGE_FOLDERS
            and parts[2].endswith(".html") and len(parts[2]) > len(".html")):
        return parts[2][:-len(".html")]
    return None


def build_record(files: dict[str, str], fingerprint: str, manifests: dict[str, str] | None = None,
                 ledger_head: dict | None = None) -> dict:
    """The build manifest of a book whose files (relative path → sha256) are ``files``, built from
    the period manifests ``manifests`` (period → sha256) when the ledger's head was ``ledger_head``."""
    periods: dict[str, list[str]] = {}
    for rel in sorted(files):
        period = period_of_page(rel)
        if period is not None:
            periods.setdefault(period, []).append(rel)
    return {"version": RECORD_VERSION, "fingerprint": fingerprint, "files": dict(sorted(files.items())),
            "periods": periods, "manifests": dict(sorted((manifests or {}).items())),
            "ledger": dict(ledger_head or {"lines": 0, "sha256": None})}


def built_from(root=None) -> tuple[dict[str, str], dict]:
    """What a build about to start reads, for its record: each published period's manifest sha256
    and the ledger's head (``ledger.head``)."""
    paths = get_paths(root)
    manifests = {label: sha256_file(paths.period_reports(label) / MANIFEST_NAME) for label in published_periods(root)}
    return manifests, ledger.head(root)


def check_ledger_anchor(root=None) -> str | None:
    """Why the ledger is not the one the published book was built with (its recorded head no
    longer matches: an earlier line edited, removed, or the ledger rewritten), or None. Nothing to
    check without ``_build/html`` or its record."""
    record = read_record(get_paths(root).build / "html")
    if record is None or not isinstance(record.get("ledger"), dict):
        return None
    return ledger.check_head(record["ledger"], root, where="the book (_build/html) was built with")


def record_bytes(record: dict) -> bytes:
    return canonical_json(record)


def read_record(html_dir: str | Path) -> dict | None:
    """The build manifest of ``html_dir``; None if absent or not a build manifest."""
    path = Path(html_dir) / BUILD_RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("files"), dict) \
            or not isinstance(record.get("periods"), dict):
        return None
    return record


@dataclass
class PagesCheck:
    """One period's pages in ``_build/html`` compared with the build manifest."""

    period: str
    matching: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)   # recorded, another sha256 now
    missing: list[str] = field(default_factory=list)  # recorded, not in _build/html
    extra: list[str] = field(default_factory=list)    # the period's page in _build/html, not recorded
    checked: bool = True                              # False: no _build/html, nothing to check
    error: str | None = None                          # _build/html without a readable build manifest
    stale: bool = False                               # the book was built from another manifest of the period

    @property
    def ok(self) -> bool:
        """No ``_build/html`` (nothing published to check), or every recorded page of the period
        there with its recorded sha256 and no other page of the period."""
        if not self.checked:
            return True
        return self.error is None and not self.edited and not self.missing and not self.extra

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    @property
    def total(self) -> int:
        return len(self.matching) + len(self.edited) + len(self.missing)

    def lines(self) -> list[str]:
        """One line per edited, missing or extra page (none when all match)."""
        return ([f"book page edited: {p}" for p in self.edited]
                + [f"book page missing: {p}" for p in self.missing]
                + [f"book page not in the build manifest: {p}" for p in self.extra])

    def summary(self) -> str:
        if not self.checked:
            return NO_BUILD
        if self.error:
            return f"the book's pages were not checked: {self.error}"
        if not self.total and not self.extra:
            return "no book page for this period in _build/html (the book was built without it)"
        said = f"{len(self.matching)} of {self.total} book pages match the build manifest"
        if self.stale:
            said += (f"; note: the book shows the manifest of {self.period} that was current when it was built, "
                     f"not the one published now (`goldbook build` shows it)")
        return said

    def report(self) -> str:
        """One line when the pages match (or there is nothing to check); else each page that differs."""
        if self.ok:
            return f"{self.period}: {self.summary()}"
        if self.error:
            return f"{self.period}: NOT verified: {self.summary()}"
        return "\n".join([f"{self.period}: NOT verified: {self.summary()}"] + [f"  {line}" for line in self.lines()])


def check_pages(period: str, root=None) -> PagesCheck:
    """Compare the pages of ``period`` in ``_build/html`` with ``_build/html/.goldbook-build.json``.

    Hashes are of the bytes as built. Without ``_build/html`` nothing is checked (and that is
    said); a ``_build/html`` without a readable build manifest is an error: its pages cannot be
    checked.
    """
    html_dir = get_paths(root).build / "html"
    if not html_dir.is_dir():
        return PagesCheck(period, checked=False)
    record = read_record(html_dir)
    if record is None:
        return PagesCheck(period, error=f"_build/html has no readable {BUILD_RECORD}; run `goldbook build`")
    result = PagesCheck(period)
    recorded = {rel: record["files"].get(rel) for rel in record["periods"].get(period) or []}
    for rel, digest in sorted(recorded.items()):
        path = html_dir / rel
        if not path.is_file():
            result.missing.append(rel)
        elif digest is None or sha256_file(path) != digest:
            result.edited.append(rel)
        else:
            result.matching.append(rel)
    result.extra = [rel for rel in _period_pages(html_dir, period) if rel not in recorded]
    built = (record.get("manifests") or {}).get(period)
    current = get_paths(root).period_reports(period) / MANIFEST_NAME
    result.stale = built is not None and (not current.is_file() or sha256_file(current) != built)
    return result


def _period_pages(html_dir: Path, period: str) -> list[str]:
    """Every file of ``_build/html`` that comes from ``period`` (``period_of_page``)."""
    found = []
    folder = html_dir / "reports" / period
    if folder.is_dir():
        found += [p.relative_to(html_dir).as_posix() for p in folder.rglob("*") if p.is_file()]
    for lang in LANGS:
        for sub in PERIOD_PAGE_FOLDERS:
            page = html_dir / lang / sub / f"{period}.html"
            if page.is_file():
                found.append(page.relative_to(html_dir).as_posix())
    return sorted(found)
