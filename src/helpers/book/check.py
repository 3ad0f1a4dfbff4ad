"""What must never be published: the safety scan of the built HTML (``check_published``)."""

from __future__ import annotations

import re
from collections.abc import Collection
from html.parser import HTMLParser
from pathlib import Path

# --- what must never be published ---------------------------------------------------------------
# Scanned as bytes with literal-first patterns: the built book is tens of MB, and unicode regexes
# that start with a character class cost seconds where these cost a fraction of one.

ABSOLUTE_PATH = re.compile(rb"/(?:root|home|tmp|Users)/")
WINDOWS_PATH = re.compile(rb":(?:\\\\|\\)(?:Users|Documents and Settings)\b")
CUSTOMER_REF = re.compile(rb"C-[0-9A-Za-z]{8}")
REMOTE_ASSET = re.compile(
    rb"<(?:script|link|img|iframe|source|embed|object|video|audio|track|image|use)\b[^>]*?"
    rb"\b(?:src|href|data|srcset|xlink:href|poster)\s*=\s*[\"']?\s*(?:https?:)?//", re.I)
REMOTE_CSS = re.compile(rb"(?:url\(|@import)\s*[\"']?\s*(?:https?:)?//")
# Code in a page's content, judged on parsed elements and attributes (``_ContentScan``), not text.
INJECTED_TAGS = frozenset({"script", "iframe", "object", "embed", "frame", "frameset", "applet", "base"})
EVENT_HANDLER = re.compile(r"on[a-z]+")
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
                            "cite", "lowsrc", "dynsrc", "ping", "codebase"})
SCRIPT_SCHEMES = ("javascript:", "vbscript:")
_URL_IGNORED = {ord("\t"): None, ord("\n"): None, ord("\r"): None}
# A Python object's repr where a figure or sentence should be: IPython display objects (an empty
# ``Markdown`` is published as its repr) and any default ``<module.Class object at 0x…>`` repr.
IPYTHON = re.compile(rb"IPython\.")
OBJECT_REPR_END = re.compile(rb" object(?: at 0x[0-9a-fA-F]+)?(?:&gt;|>)")
OBJECT_REPR_START = re.compile(rb"(?:&lt;|<)[A-Za-z_][\w.]*\.[A-Za-z_]\w*$")
TEXT_SUFFIXES = (".html", ".htm", ".txt", ".json", ".ipynb", ".svg", ".csv", ".md", ".xml", ".js", ".css")
_DIGITS = bytes(0x44 if 0x30 <= b <= 0x39 else 0x2E for b in range(256))   # digit -> "D", else "."
_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _national_ids(data: bytes):
    """Spans of exactly nine digits standing alone (not part of a hash, decimal, date or path)."""
    marked = data.translate(_DIGITS)
    i = marked.find(b"DDDDDDDDD")
    while i != -1:
        j = i
        while j < len(marked) and marked[j] == 0x44:
            j += 1
        before = data[i - 1] if i else 0x20
        after = data[j] if j < len(data) else 0x20
        decimal = after == 0x2E and j + 1 < len(data) and marked[j + 1] == 0x44
        if (j - i == 9 and before not in _WORD and before not in b".,/#:+-"
                and after not in _WORD and after not in b",/-" and not decimal):
            yield i, j
        i = marked.find(b"DDDDDDDDD", j)


def _standing_alone(data: bytes, start: int, end: int) -> bool:
    before = data[start - 1] if start else 0x20
    after = data[end] if end < len(data) else 0x20
    return before not in _WORD and before not in b"-" and after not in _WORD and after not in b"-"


def check_published(html_dir, forbidden: tuple[str, ...] = (), only: Collection[str] | None = None) -> list[str]:
    """Problems that forbid publishing ``html_dir``, each ``file:line: what (excerpt)``.

    Looks, in every page and data file outside the theme's ``_static``, for absolute paths
    (``/root/``, ``/home/``, ``/tmp/``, ``/Users/``, ``C:\\Users``), 9-digit numbers that look like
    national IDs, ``C-xxxxxxxx`` customer references, Python object reprs in a page (an
    ``IPython.core.display`` object or ``<x.Y object>`` shown instead of its content), and scripts,
    iframes, ``javascript:`` links or event handlers inside a page's content (``<article>``); and
    everywhere (``_static`` too)
    for assets loaded from the internet (``http(s)://`` or ``//`` in a script, stylesheet, image …
    or CSS ``url()``/``@import``). ``forbidden`` adds this machine's own folders (the data root,
    the checkout, the environment), whatever they are called. ``only`` limits the scan to these
    files (paths relative to ``html_dir``): the others were checked before, byte for byte the same.
    [] means the book may be published.
    """
    html_dir = Path(html_dir)
    own = [p.rstrip("/").encode() for p in forbidden if p and p.startswith("/") and len(p.rstrip("/")) > 1]
    own_paths = re.compile(b"|".join(re.escape(p) + rb"(?![\w.-])" for p in sorted(set(own), key=len, reverse=True))) \
        if own else None
    problems = []
    for path in sorted(p for p in html_dir.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES):
        rel = path.relative_to(html_dir).as_posix()
        if only is not None and rel not in only:
            continue
        data = path.read_bytes()
        suffix = path.suffix.lower()
        theme = rel.startswith("_static/")
        found: list[tuple[int, int, str]] = []
        if suffix in (".html", ".htm", ".svg"):
            found += [(m.start(), m.end(), "asset loaded from the internet") for m in REMOTE_ASSET.finditer(data)]
        if suffix in (".html", ".htm", ".css", ".svg"):
            found += [(m.start(), m.end(), "stylesheet loads from the internet") for m in REMOTE_CSS.finditer(data)]
        if not theme:
            for m in ABSOLUTE_PATH.finditer(data):
                before = data[m.start() - 1] if m.start() else 0x20
                # "/home/" inside a URL or a longer path segment ("x.org/home/") is not a local path.
                if before in _WORD or before in b".:/-":
                    continue
                found.append((m.start(), m.end(), "absolute path"))
            found += [(m.start(), m.end(), "absolute path") for m in WINDOWS_PATH.finditer(data)]
            if own_paths is not None:
                found += [(m.start(), m.end(), "absolute path of this machine") for m in own_paths.finditer(data)
                          if not m.start() or (data[m.start() - 1] not in _WORD and data[m.start() - 1] not in b".:/-")
                          and not ABSOLUTE_PATH.match(data, m.start())]
            found += [(a, b, "number that looks like a national ID") for a, b in _national_ids(data)]
            found += [(m.start(), m.end(), "customer reference") for m in CUSTOMER_REF.finditer(data)
                      if _standing_alone(data, m.start(), m.end())]
            if suffix in (".html", ".htm"):
                found += _injections(data)
                found += _python_reprs(data)
        problems += [_problem(rel, data, a, b, what) for a, b, what in sorted(found)]
    return problems


class _ContentScan(HTMLParser):
    """Collects, from the elements and attributes of a page's content (never its text), what runs
    code: ``INJECTED_TAGS``, ``on…`` event-handler attributes, and ``javascript:``/``vbscript:``
    URLs in ``URL_ATTRIBUTES``. Positions are ``(line, column)`` of the offending tag."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, int]] = []

    def handle_starttag(self, tag, attrs):
        if tag in INJECTED_TAGS or any(_runs_code(name, value) for name, value in attrs):
            self.found.append(self.getpos())

    handle_startendtag = handle_starttag


def _runs_code(name: str, value: str | None) -> bool:
    """An event handler (``on…=``), or a URL attribute whose scheme, as a browser reads it (entities
    decoded, tabs and newlines removed, spaces and controls trimmed, any case), is a script."""
    if EVENT_HANDLER.fullmatch(name):
        return True
    if name not in URL_ATTRIBUTES or value is None:
        return False
    url = value.translate(_URL_IGNORED).strip("".join(map(chr, range(0x21)))).casefold()
    return url.startswith(SCRIPT_SCHEMES)


def _injections(data: bytes) -> list[tuple[int, int, str]]:
    """Scripts, iframes, ``javascript:`` URLs and ``on…=`` handlers in the elements of ``<article>``
    (the page content), as parsed HTML: the same words shown as text (escaped) are not code."""
    out = []
    start = data.find(b"<article")
    while start != -1:
        end = data.find(b"</article>", start)
        end = len(data) if end == -1 else end
        content = data[start:end].decode("utf-8", "replace")
        scan = _ContentScan()
        scan.feed(content)
        scan.close()
        if scan.found:
            line_starts = [0] + [i + 1 for i, ch in enumerate(content) if ch == "\n"]
            for line, col in scan.found:
                at = start + len(content[:line_starts[line - 1] + col].encode("utf-8"))
                tag_end = data.find(b">", at, end)
                out.append((at, tag_end + 1 if tag_end != -1 else min(at + 40, end),
                            "script or event handler in the page content"))
        start = data.find(b"<article", end)
    return out


def _python_reprs(data: bytes) -> list[tuple[int, int, str]]:
    """``IPython.core.display`` anywhere, ``<IPython.…`` (raw or HTML-escaped), and any
    ``<dotted.Name object>`` repr: a Python object shown where its content should be."""
    spans = []
    for m in OBJECT_REPR_END.finditer(data):
        head = OBJECT_REPR_START.search(data, max(0, m.start() - 200), m.start())
        if head is not None:
            spans.append((head.start(), m.end()))
    for m in IPYTHON.finditer(data):
        opener = 4 if data.endswith(b"&lt;", 0, m.start()) else 1 if data.endswith(b"<", 0, m.start()) else 0
        if (opener or data.startswith(b"core.display", m.end())) and not any(a <= m.start() < b for a, b in spans):
            spans.append((m.start() - opener, m.end()))
    return [(a, b, "Python object shown instead of its content") for a, b in sorted(spans)]


def _problem(rel: str, data: bytes, start: int, end: int, what: str) -> str:
    line = data.count(b"\n", 0, start) + 1
    excerpt = data[max(0, start - 20):min(len(data), end + 30)].decode("utf-8", "replace").replace("\n", " ")
    return f"{rel}:{line}: {what} ({excerpt.strip()})"
