"""Print a month as leadership circulates it: one A4 PDF of its page and chapters (``goldbook pdf``).

``print_month`` reads the BUILT book, not the notebooks: the month page
(``_build/html/<lang>/months/<period>.html``, the executive summary) and then the month's chapters
(``_build/html/reports/<period>/<lang>/NN_*.html``) in chapter order. Headless Chromium (Debian's,
driven by Playwright) prints each page to A4 with its backgrounds and figures, right to left in
Arabic, through the book's own print stylesheet; pypdf merges them.

The footer (period, edition, "page n of N", from the catalogue's ``print.*``) is Chromium's footer
template, printed on its own: a page's footer template counts that page's sheets only, and the
board pack needs one count. So the footers are printed once as N empty sheets with the template
and laid over the N merged sheets. Chromium's default header and footer (date, title, file URL)
are never used, and links to local files (``file://`` URLs, absolute paths) are removed.

Same inputs, same bytes: the document's dates are the period's manifest time (or
``SOURCE_DATE_EPOCH``), its producer is fixed and its ``/ID`` is derived from its content.

The PDF is written into the published period, ``reports/<period>/print/<period>-<lang>.pdf``, and
listed in its manifest (``pipeline.ledger.publish_print``: re-sealed as the same edition).
"""

from __future__ import annotations

import html
import io
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject, NameObject, TextStringObject

from ..base.config import load_config, parse_period
from ..base.files import sha256_bytes
from ..base.messages import DIRECTION, check_lang, period_title, t
from ..base.paths import get_paths
from ..pipeline import ledger
from ..pipeline.manifest import MANIFEST_NAME, print_name, read_manifest_file
from .audit import read_record
from .toc import BookError, find_reports

# Debian's chromium (``.ci/run`` installs it); GOLDBOOK_CHROMIUM names another build of it.
CHROMIUM = Path(os.environ.get("GOLDBOOK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run")
NO_BOOK = "build the book first: goldbook build"
# Added to each page before it is printed. The month page's download link (``pages.print_link``) is
# never printed, so the print does not depend on whether an earlier print existed when the book was
# built. The page's own title is: the theme hides the article's first heading on paper (it prints
# its own title block instead, which book_assets/print.css hides).
PRINT_STYLE = (".goldbook-print-link { display: none !important; }\n"
               ".bd-main .bd-content .bd-article h1:first-of-type { display: block !important; }")
MARGIN = {"top": "14mm", "bottom": "18mm", "left": "12mm", "right": "12mm"}
FOOTER_MARGIN = {"top": "0mm", "bottom": "10mm", "left": "12mm", "right": "12mm"}
PRODUCER = "Gold Book (goldbook pdf, headless Chromium, pypdf)"


class PrintError(BookError):
    """The month cannot be printed (no built book, no chromium, chromium failed); nothing was written."""


@dataclass(frozen=True)
class Printed:
    """One print: where, how big, and whether the period already held these bytes."""

    period: str
    lang: str
    path: str           # relative to the root
    pages: int
    size: int           # bytes
    sha256: str
    edition: int
    changed: bool
    seconds: float

    def report(self) -> str:
        listed = "listed in its manifest" if self.changed else "unchanged, already listed in its manifest"
        return (f"{self.period} ({self.lang}): {self.path}, {self.pages} A4 pages, {self.size / 1e6:.1f} MB, "
                f"edition {self.edition}; {listed} ({self.seconds:.0f} s)")


# --- what to print ------------------------------------------------------------------------------

def source_pages(period: str, lang: str, root=None) -> list[Path]:
    """The built book's pages of the month in print order: the month page, then its chapters.

    ``PrintError`` (``NO_BOOK``) when the book is not built, lacks one of them, or was built
    before the period was last run (its build record names another manifest of the period).
    """
    paths = get_paths(root)
    html_dir = paths.build / "html"
    p = parse_period(period, paths.root)
    first = html_dir / lang / "months" / f"{p.label}.html"
    if not first.is_file():
        raise PrintError(f"{NO_BOOK} (no {lang} page of {p.label} in _build/html)")
    notebooks = find_reports(paths.root).notebooks(p, lang)
    if not notebooks:
        raise PrintError(f"{p.label} has no {lang} chapters in reports/: "
                         f"run `goldbook run {p.label}`, then goldbook build")
    chapters = [html_dir / f"{nb.docname}.html" for nb in notebooks]
    if not all(c.is_file() for c in chapters):
        raise PrintError(f"{NO_BOOK} (_build/html lacks chapters of {p.label})")
    built = ((read_record(html_dir) or {}).get("manifests") or {}).get(p.label)
    if built is not None and built not in ledger.run_manifests(p.label, paths.root):
        raise PrintError(f"{NO_BOOK} (the book was built before {p.label} was last run)")
    return [first, *chapters]


def footer_template(text_html: str, lang: str) -> str:
    """Chromium's footer template: ``text_html`` (escaped, with Chromium's ``pageNumber`` and
    ``totalPages`` spans) centred, small, in the page's direction."""
    return (f'<div dir="{DIRECTION[lang]}" lang="{lang}" style="width:100%;margin:0 12mm;font-size:8pt;'
            f'font-family:sans-serif;color:#444;text-align:center;border-top:0.5pt solid #999;padding-top:1.5mm;'
            f'-webkit-print-color-adjust:exact">{text_html}</div>')


def footer_html(period: str, lang: str, edition: int, root=None) -> str:
    """The footer's text from the catalogue (``print.footer``), HTML-escaped, the page numbers as
    Chromium's spans."""
    p = parse_period(period, root)
    marker = {"page": "\x00page\x00", "pages": "\x00pages\x00"}
    text = t("print.footer", lang, period=period_title(p, lang), edition=edition, **marker)
    return (html.escape(text).replace(marker["page"], '<span class="pageNumber"></span>')
            .replace(marker["pages"], '<span class="totalPages"></span>'))


def blank_sheets(count: int, lang: str) -> str:
    """An HTML document of ``count`` empty A4 sheets (what the footer is printed on)."""
    sheet = '<div style="height:1px;break-after:page"></div>'
    last = '<div style="height:1px"></div>'
    return (f'<!doctype html><html lang="{lang}" dir="{DIRECTION[lang]}"><head><meta charset="utf-8">'
            f"<style>html,body{{margin:0;background:transparent}}</style></head><body>"
            + sheet * (count - 1) + last + "</body></html>")


# --- printing -----------------------------------------------------------------------------------

def render(pages: list[Path], footer: str, lang: str, chromium: Path | None = None) -> tuple[list[bytes], bytes]:
    """Each page printed by Chromium (A4, backgrounds, the book's print stylesheet), and the footers
    of all their sheets, printed on blank sheets. ``PrintError`` when chromium is missing or fails."""
    chromium = Path(chromium or CHROMIUM)
    if not chromium.is_file():
        raise PrintError(f"chromium is not installed ({chromium} not found): apt-get install chromium")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS), env=chromium_env())
            try:
                context = browser.new_context(locale=lang)
                context.route(re.compile(r"^(?:https?|wss?|ftp)://"), lambda route: route.abort())  # offline book
                page = context.new_page()
                printed = []
                for source in pages:
                    page.goto(source.as_uri(), wait_until="load")
                    page.add_style_tag(content=PRINT_STYLE)
                    page.evaluate("document.fonts.ready.then(() => true)")
                    printed.append(page.pdf(format="A4", print_background=True, margin=MARGIN,
                                            display_header_footer=False, prefer_css_page_size=False))
                count = sum(len(PdfReader(io.BytesIO(data)).pages) for data in printed)
                page.set_content(blank_sheets(count, lang), wait_until="load")
                footers = page.pdf(format="A4", print_background=False, margin=FOOTER_MARGIN,
                                   display_header_footer=True, header_template="<span></span>",
                                   footer_template=footer_template(footer, lang))
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise PrintError(f"chromium failed: {first}") from None
    return printed, footers


def chromium_env() -> dict[str, str]:
    """Chromium's environment: the caller's, with one locale and time zone, so that a shell's
    settings (``make pdf LANG=ar`` exports LANG) never change the bytes; the page's language is
    the browser context's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    return {**env, "LANG": "C.UTF-8", "LANGUAGE": "", "TZ": "UTC"}


def _keep_annotation(annotation) -> bool:
    """Only links to the web stay: a link to a local file (``file://``, an absolute path) says where
    the book was built, and a link inside one printed page points nowhere once pages are merged."""
    annotation = annotation.get_object()
    if annotation.get("/Subtype") != "/Link":
        return False
    uri = (annotation.get("/A") or {}).get("/URI")
    return isinstance(uri, str) and uri.startswith(("https://", "http://", "mailto:"))


def merge(printed: list[bytes], footers: bytes, title: str, lang: str, when: datetime) -> bytes:
    """One PDF of the printed pages in order, each sheet with its footer laid over it; fixed
    metadata (title, language, dates ``when``, producer) and an ``/ID`` derived from the content."""
    writer = PdfWriter()
    for data in printed:
        for sheet in PdfReader(io.BytesIO(data)).pages:
            if "/Annots" in sheet:
                kept = [a for a in sheet["/Annots"] if _keep_annotation(a)]
                if kept:
                    sheet[NameObject("/Annots")] = ArrayObject(kept)
                else:
                    del sheet["/Annots"]
            writer.add_page(sheet)
    overlay = PdfReader(io.BytesIO(footers)).pages
    if len(overlay) != len(writer.pages):
        raise PrintError(f"chromium printed {len(overlay)} footers for {len(writer.pages)} pages")
    for sheet, footer in zip(writer.pages, overlay, strict=True):
        sheet.merge_page(footer)
        sheet.compress_content_streams()
    stamp = when.astimezone(timezone.utc).strftime("D:%Y%m%d%H%M%S+00'00'")
    writer.add_metadata({"/Title": title, "/Producer": PRODUCER, "/Creator": PRODUCER,
                         "/CreationDate": stamp, "/ModDate": stamp})
    writer._root_object[NameObject("/Lang")] = TextStringObject(lang)
    # pypdf has no public setter for the file identifier: the content's own digest, set twice
    # (a placeholder first, then the digest of the file written with it), makes it reproducible
    writer._ID = ArrayObject([ByteStringObject(b"\0" * 16)] * 2)
    draft = _bytes(writer)
    digest = ByteStringObject(bytes.fromhex(sha256_bytes(draft))[:16])
    writer._ID = ArrayObject([digest, digest])
    return _bytes(writer)


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def print_time(manifest: dict) -> datetime:
    """The document's date: ``SOURCE_DATE_EPOCH`` when set, else when the period's run was recorded."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    recorded = (manifest.get("volatile") or {}).get("recorded_at")
    try:
        return datetime.fromisoformat(str(recorded)).astimezone(timezone.utc)
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=timezone.utc)


def print_month(period: str, lang: str, root=None, chromium: Path | None = None) -> Printed:
    """Print the month ``period`` in ``lang`` from the built book and publish the PDF into the
    period (``reports/<period>/print/<period>-<lang>.pdf``, listed in its manifest, a ledger line
    for the same edition). ``PrintError``, nothing written, when it cannot."""
    started = time.monotonic()
    paths = get_paths(root)
    check_lang(lang)
    p = parse_period(period, paths.root)
    if p.kind != "month":
        raise PrintError(f"goldbook pdf prints a month (YYYY-MM), not a {p.kind} ({p.label})")
    manifest_path = paths.period_reports(p.label) / MANIFEST_NAME
    manifest = read_manifest_file(manifest_path)
    if manifest is None:
        raise PrintError(f"{p.label} is not published (no reports/{p.label}/{MANIFEST_NAME}): "
                         f"run `goldbook run {p.label}`, then goldbook build")
    pages = source_pages(p.label, lang, paths.root)
    edition = ledger.current_edition(p.label, paths.root)
    if not edition:
        raise PrintError(f"{p.label} is not in the ledger (reports/{ledger.LEDGER_NAME}): "
                         f"`goldbook run {p.label}` records it")
    printed, footers = render(pages, footer_html(p.label, lang, edition, paths.root), lang, chromium)
    entity = load_config(paths.root).raw.get("entity", {})
    title = t("print.title", lang, entity=entity.get(f"name_{lang}", entity.get("id", "")),
              period=period_title(p, lang))
    data = merge(printed, footers, title, lang, print_time(manifest))
    try:
        sealed = ledger.publish_print(p.label, print_name(p.label, lang), data, paths.root,
                                      made_from=ledger.run_manifest_sha256(manifest))
    except ledger.LedgerError as exc:
        raise PrintError(str(exc)) from None
    return Printed(p.label, lang, sealed.path, len(PdfReader(io.BytesIO(data)).pages), len(data), sealed.sha256,
                   sealed.edition, sealed.changed, time.monotonic() - started)
