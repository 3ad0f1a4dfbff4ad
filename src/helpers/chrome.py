"""The book theme's own labels in the page's language.

Sphinx builds a book in one language, so the theme writes its labels (search, sidebar toggles,
previous/next, the footer) in English on every page, Arabic pages included. After the build,
``localise_book`` gives each Arabic page those labels from the message catalogue
(``chrome.*``): the ``en`` text of a key is the theme's own label, matched exactly, and only in
the page's frame, never inside ``<article>`` (what a notebook or page wrote) nor in scripts.
A label is replaced where a reader meets it: as the whole text of an element, or as a
``title``, ``aria-label``, ``placeholder`` or ``data-bs-title``. Replacing is idempotent, so a
page Sphinx did not rewrite on an incremental build is left as it is.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Callable

from .messages import catalogue, t

PREFIX = "chrome."
ATTRIBUTES = ("title", "aria-label", "placeholder", "data-bs-title")

_ATTRIBUTE = re.compile(r'(\s(?:%s)=")([^"<>]*)(")' % "|".join(re.escape(a) for a in ATTRIBUTES))
_TEXT = re.compile(r"(>)([^<>]*)(<)")
_TEXT_PADDING = re.compile(r"^(\s*)(.*?)(\s*)$", re.S)
# parts of a page left alone: the content, and code
_KEEP = re.compile(r"<article\b.*?</article>|<script\b.*?</script>|<style\b.*?</style>", re.S | re.I)


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

    def text(m: re.Match) -> str:
        lead, value, trail = _TEXT_PADDING.match(m[2]).groups()
        value = html.unescape(value)
        if value not in mapping:
            return m[0]
        return m[1] + lead + html.escape(mapping[value], quote=False) + trail + m[3]

    def frame(part: str) -> str:
        return _TEXT.sub(text, _ATTRIBUTE.sub(attribute, part))

    out, last = [], 0
    for kept in _KEEP.finditer(page):
        out.append(frame(page[last:kept.start()]))
        out.append(kept[0])
        last = kept.end()
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
        page = path.read_text(encoding="utf-8")
        done = localise(page, mapping)
        if done != page:
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(done, encoding="utf-8")
            os.replace(tmp, path)
            changed.append(path)
    return changed
