"""The book theme's own labels in the page's language.

Sphinx builds a book in one language, so the theme writes its labels (search, sidebar toggles,
previous/next, the footer) in English on every page, Arabic pages included. After the build,
``localise_book`` gives each Arabic page those labels from the message catalogue
(``chrome.*``): the ``en`` text of a key is the theme's own label, matched exactly, and only in
the page's frame: never inside ``<article>`` (what a notebook or page wrote), the navigation
(page titles: the sidebar lists the English part too), the previous/next page titles, the
``<title>`` or code. A label is replaced where a reader meets it: as the whole text between two
tags, or as a ``title``, ``aria-label``, ``placeholder`` or ``data-bs-title``. Replacing is
idempotent, so a page Sphinx did not rewrite on an incremental build is left as it is.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Callable

from ..base.files import write_atomic
from ..base.messages import catalogue, t

PREFIX = "chrome."
ATTRIBUTES = ("title", "aria-label", "placeholder", "data-bs-title")

_ATTRIBUTE = re.compile(r'(\s(?:%s)=")([^"<>]*)(")' % "|".join(re.escape(a) for a in ATTRIBUTES))
_TOKEN = re.compile(r"<!--.*?-->|<[^>]*>|[^<]+", re.S)
_TEXT_PADDING = re.compile(r"^(\s*)(.*?)(\s*)$", re.S)
# elements whose inside is left alone: the content, the navigation (page titles, English ones in
# the English part of the sidebar), the page title, and code; their own attributes still count
_KEEP_INSIDE = ("article", "nav", "title", "script", "style", "textarea", "pre")
_KEEP_TAG = re.compile(r"<(/?)(%s)\b[^>]*>" % "|".join(_KEEP_INSIDE), re.I)
# the previous/next links' page titles
_KEEP_WHOLE = re.compile(r'<p class="prev-next-title">.*?</p>', re.S)


def _kept(page: str) -> list[tuple[int, int]]:
    """The spans of ``page`` that are never changed, in order: inside a kept element (nested
    ones counted, an unclosed one kept to the end) and the previous/next titles."""
    spans, kind, depth, start = [], None, 0, 0
    for m in _KEEP_TAG.finditer(page):
        name, closing = m[2].lower(), bool(m[1])
        if depth == 0:
            if not closing:
                kind, depth, start = name, 1, m.end()
        elif name == kind:
            depth += -1 if closing else 1
            if depth == 0:
                spans.append((start, m.start()))
    if depth:
        spans.append((start, len(page)))
    spans += [(m.start(), m.end()) for m in _KEEP_WHOLE.finditer(page)]
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def labels(lang: str, author: dict[str, str]) -> dict[str, str]:
    """The theme's English label → the same label in ``lang``, for every ``chrome.*`` key.

    ``author`` gives the book's author per language (the footer says "By {author}").
    """
    out = {}
    for key in sorted(k for k in catalogue() if k.startswith(PREFIX)):
        english = t(key, "en", author=author.get("en", ""))
        out[english] = t(key, lang, author=author.get(lang, ""))
    return out


def localise(page: str, mapping: dict[str, str]) -> str:
    """``page`` (HTML) with every label of ``mapping`` in its frame replaced; see the module."""
    if not mapping:
        return page

    def attribute(m: re.Match) -> str:
        value = html.unescape(m[2])
        if value not in mapping:
            return m[0]
        return m[1] + html.escape(mapping[value], quote=True) + m[3]

    def token(piece: str) -> str:
        if piece.startswith("<!--"):
            return piece
        if piece.startswith("<"):
            return _ATTRIBUTE.sub(attribute, piece)
        lead, value, trail = _TEXT_PADDING.match(piece).groups()
        value = html.unescape(value)
        if value not in mapping:
            return piece
        return lead + html.escape(mapping[value], quote=False) + trail

    def frame(part: str) -> str:
        return "".join(token(m[0]) for m in _TOKEN.finditer(part))

    out, last = [], 0
    for a, b in _kept(page):
        out += [frame(page[last:a]), page[a:b]]
        last = b
    out.append(frame(page[last:]))
    return "".join(out)


def localise_book(html_dir: str | os.PathLike, language_of: Callable[[str], str | None],
                  author: dict[str, str], source_lang: str = "en") -> list[Path]:
    """Localise the frame of every page under ``html_dir`` whose language (``language_of`` its
    path without ``.html``) is not ``source_lang``; returns the pages rewritten."""
    html_dir = Path(html_dir)
    maps: dict[str, dict[str, str]] = {}
    changed = []
    for path in sorted(html_dir.rglob("*.html")):
        lang = language_of(path.relative_to(html_dir).with_suffix("").as_posix())
        if lang is None or lang == source_lang:
            continue
        mapping = maps.setdefault(lang, labels(lang, author))
        with open(path, encoding="utf-8", newline="") as fh:  # every byte as it is, line ends too
            page = fh.read()
        done = localise(page, mapping)
        if done != page:
            write_atomic(path, done.encode("utf-8"))
            changed.append(path)
    return changed
