"""The book's (tiny) Sphinx extension, listed in ``_config.yml``.

``setup`` makes sure every page of an Arabic folder carries the ``page-dir`` meta even if its
notebook lacks it, and wraps its content in ``<div class="goldbook-rtl" dir="rtl" lang="ar">``:
without JavaScript the page content still reads right to left.
"""

from __future__ import annotations

from ..base.messages import DIRECTION
from .toc import page_language

RTL_OPEN = '<div class="goldbook-rtl" dir="rtl" lang="{lang}">'


def _page_direction(app, pagename, templatename, context, doctree) -> None:
    """Add ``page-dir`` (and ``language``) meta to a page of an Arabic/English folder that lacks it,
    and wrap a right-to-left page's content (``body``, the inside of ``<article>``) in a
    ``dir="rtl"`` block: the page reads right to left in the static HTML, with JavaScript off too
    (``goldbook.js`` then turns the whole page, sidebars included)."""
    lang = page_language(pagename)
    if lang is None:
        return
    tags = context.get("metatags", "")
    if 'name="page-dir"' not in tags:
        tags += f'<meta name="page-dir" content="{DIRECTION[lang]}" />\n'
    if 'name="language"' not in tags:
        tags += f'<meta name="language" content="{lang}" />\n'
    context["metatags"] = tags
    body = context.get("body")
    if DIRECTION[lang] == "rtl" and body is not None and not body.startswith('<div class="goldbook-rtl"'):
        context["body"] = RTL_OPEN.format(lang=lang) + body + "</div>\n"


def setup(app):
    """Sphinx entry point (``_config.yml`` lists ``helpers.book.sphinx_ext`` as an extension)."""
    app.connect("html-page-context", _page_direction)
    # Jupyter Book always passes comments_config; sphinx_comments is not loaded (it can fetch
    # scripts from the internet), so declare the value to keep the build free of warnings.
    if "comments_config" not in app.config:
        app.add_config_value("comments_config", {}, "html")
    # sphinx_external_toc loads sphinx_multitoc_numbering, which does not declare itself
    # parallel-safe and so forces a serial read. It only renumbers sections after reading,
    # in the main process: reading in parallel is safe.
    multitoc = app.extensions.get("sphinx_multitoc_numbering")
    if multitoc is not None:
        multitoc.parallel_read_safe = True
        multitoc.parallel_write_safe = True
    return {"parallel_read_safe": True, "parallel_write_safe": True}
