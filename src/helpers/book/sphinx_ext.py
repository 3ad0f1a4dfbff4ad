"""The book's (tiny) Sphinx extension, listed in ``_config.yml``.

``setup`` makes sure every page of an Arabic folder carries the ``page-dir`` meta even if its
notebook lacks it, and wraps its content in ``<div class="goldbook-rtl" dir="rtl" lang="ar">``:
without JavaScript the page content still reads right to left. A notebook page of a corrected
period gets the correction notice under its title (``goldbook_notices``, set by ``build_book``).
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
    notice = _notice(app, pagename, lang)
    if notice and body is not None and notice not in body:
        title_end = body.find("</h1>")
        at = title_end + len("</h1>") if title_end != -1 else 0
        context["body"] = body = body[:at] + "\n" + notice + body[at:]
    if DIRECTION[lang] == "rtl" and body is not None and not body.startswith('<div class="goldbook-rtl"'):
        context["body"] = RTL_OPEN.format(lang=lang) + body + "</div>\n"


def _period(pagename: str) -> str | None:
    """The period of a notebook page ``reports/<period>/<lang>/<name>``."""
    parts = pagename.split("/")
    return parts[1] if parts[0] == "reports" and len(parts) > 3 else None


def _notice(app, pagename: str, lang: str) -> str | None:
    return ((app.config.goldbook_notices or {}).get(_period(pagename)) or {}).get(lang)


def _outdated_by_notices(app, env, added, changed, removed) -> list[str]:
    """The notebook pages of every period whose notice changed since the last build: Sphinx rereads
    and so rewrites them (``goldbook_notices`` itself triggers no rebuild)."""
    new = app.config.goldbook_notices or {}
    old = getattr(env, "goldbook_notices", {})
    env.goldbook_notices = dict(new)
    periods = {p for p in set(old) | set(new) if old.get(p) != new.get(p)}
    return sorted(d for d in env.found_docs if _period(d) in periods and d not in added | changed)


def setup(app):
    """Sphinx entry point (``_config.yml`` lists ``helpers.book.sphinx_ext`` as an extension)."""
    app.add_config_value("goldbook_notices", {}, "")
    app.connect("env-get-outdated", _outdated_by_notices)
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
