"""The book's (tiny) Sphinx extension, listed in ``_config.yml``.

``setup`` makes sure every page of an Arabic folder carries the ``page-dir`` meta even if its
notebook lacks it, and wraps its content in ``<div class="goldbook-rtl" dir="rtl" lang="ar">``:
without JavaScript the page content still reads right to left. A notebook page of a corrected
period gets the correction notice under its title (``goldbook_notices``, set by ``build_book``).

Navigation (issue 15):

- every page opens with a link to the same page in the other language (``counterpart``), when
  the book has it;
- previous/next stay within the page's language: a link to a page of the other part is replaced
  by the nearest page of the same language in the table of contents, or dropped;
- a section whose only ids are docutils' automatic ``idN`` (a title without ASCII letters, so
  every Arabic heading) gets a readable first id made from its title (``anchor_slug``); the old
  ids stay, so old links still land;
- a mention of the Methods or Data dictionary page in a page's text (their catalogue titles)
  links to that page in the page's language.

A change to this module makes Sphinx read every page again, so a build never mixes pages written
by two versions of it; so does a change of a page's navigation (a report added elsewhere in the
contents changes its neighbours' previous/next): Sphinx rewrites only the pages it reads again.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from pathlib import Path

from docutils import nodes

from ..base import messages
from ..base.messages import DIRECTION, LANGS, t
from .toc import page_language

# what makes a change of this module re-read every page (``_outdated``)
VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()

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
    and so rewrites them (``goldbook_notices`` itself triggers no rebuild). Every page when this
    module changed since the last build (``VERSION``)."""
    new = app.config.goldbook_notices or {}
    old = getattr(env, "goldbook_notices", {})
    env.goldbook_notices = dict(new)
    periods = {p for p in set(old) | set(new) if old.get(p) != new.get(p)}
    code_changed = getattr(env, "goldbook_version", None) != VERSION
    env.goldbook_version = VERSION
    moved = _navigation_changed(app, env)
    return sorted(d for d in env.found_docs if (code_changed or _period(d) in periods or d in moved)
                  and d not in added | changed)


def _navigation_changed(app, env) -> set[str]:
    """The pages whose previous/next page in their language or other-language twin differ from
    the last build's (a report added or removed elsewhere in the contents): Sphinx rewrites only
    the pages it reads again, so these are read again."""
    site_map = getattr(app.config, "external_site_map", None)
    if site_map is None:
        return set()
    new = navigation_signatures(reading_order(site_map), set(env.found_docs))
    old = getattr(env, "goldbook_navigation", None)
    env.goldbook_navigation = new
    if old is None:
        return set()
    return {doc for doc, signature in new.items() if old.get(doc) != signature}


# --- navigation ---------------------------------------------------------------------------------

def landing(lang: str) -> str:
    """The landing page of ``lang``: ``index`` for the first language, ``<lang>/index`` for the others."""
    return "index" if lang == LANGS[0] else f"{lang}/index"


def language(docname: str) -> str | None:
    """The reader language of a page (``toc.page_language``); the root ``index`` is the first language's."""
    return page_language(docname) or (LANGS[0] if docname == landing(LANGS[0]) else None)


def counterpart(docname: str, lang: str) -> str | None:
    """The same page in ``lang``: ``<l>/x`` ↔ ``<lang>/x``, ``reports/<P>/<l>/NN`` ↔
    ``reports/<P>/<lang>/NN``, a landing page ↔ the other's (``landing``). None for a page of
    no language, or of ``lang`` itself."""
    own = language(docname)
    if own is None or own == lang:
        return None
    if docname == landing(own):
        return landing(lang)
    parts = docname.split("/")
    at = 0 if parts[0] == own else 2
    return "/".join(parts[:at] + [lang] + parts[at + 1:])


def same_language_neighbour(relations: dict, docname: str, step: int) -> str | None:
    """The nearest page before (``step`` 1) or after (``step`` 2) ``docname`` in the reading order
    (Sphinx's ``relations``: ``{doc: [parent, previous, next]}``) that is in the same language;
    None when there is none."""
    lang, seen = language(docname), {docname}
    doc = (relations.get(docname) or [None] * 3)[step]
    while doc is not None and doc not in seen:
        if language(doc) == lang:
            return doc
        seen.add(doc)
        doc = (relations.get(doc) or [None] * 3)[step]
    return None


def reading_order(site_map) -> list[str]:
    """Every page of the table of contents (sphinx-external-toc's site map) in reading order:
    each page, then its children, depth first (Sphinx's previous/next order)."""
    order: list[str] = []
    seen: set[str] = set()

    def walk(doc: str) -> None:
        if doc in seen or doc not in site_map:
            return
        seen.add(doc)
        order.append(re.sub(r"\.(md|ipynb)$", "", doc))
        for child in site_map[doc].child_files():
            walk(child)

    walk(site_map.root.docname)
    return order


def navigation_signatures(order: list[str], docs: set[str]) -> dict[str, tuple]:
    """Per page of ``order``: its previous and next page in its language and its twins in the
    other languages that ``docs`` holds, all that ``_navigation`` puts on the page."""
    relations = {doc: [None, order[i - 1] if i else None, order[i + 1] if i + 1 < len(order) else None]
                 for i, doc in enumerate(order)}
    return {doc: (same_language_neighbour(relations, doc, 1), same_language_neighbour(relations, doc, 2),
                  tuple(c for c in (counterpart(doc, lang) for lang in LANGS) if c in docs)) for doc in order}


def _language_link(app, pagename: str, lang: str) -> tuple[str, str]:
    """The link(s) to this page in the other languages the book has, as HTML for the top of the
    page and as ``<link rel="alternate">`` tags for its head; empty strings when there is none."""
    links, tags = [], []
    for other in LANGS:
        doc = counterpart(pagename, other)
        if doc is None or doc not in app.env.found_docs:
            continue
        uri = html.escape(app.builder.get_relative_uri(pagename, doc), quote=True)
        title = html.escape(t("nav.other_language", lang, language=t(f"lang.{other}", lang)), quote=True)
        links.append(f'<a class="goldbook-lang-link" href="{uri}" hreflang="{other}" lang="{other}" '
                     f'dir="{DIRECTION[other]}" title="{title}">{html.escape(t(f"lang.{other}", other))}</a>')
        tags.append(f'<link rel="alternate" hreflang="{other}" href="{uri}" />\n')
    if not links:
        return "", ""
    return f'<p class="goldbook-lang-switch">{" · ".join(links)}</p>\n', "".join(tags)


HAS_SWITCH = re.compile(r'class="[^"]*\bgoldbook-lang-switch\b')


def _relation(app, pagename: str, doc: str | None) -> dict | None:
    if doc is None or doc not in app.env.titles:
        return None
    return {"link": app.builder.get_relative_uri(pagename, doc),
            "title": app.builder.render_partial(app.env.titles[doc])["title"]}


def _navigation(app, pagename, templatename, context, doctree) -> None:
    """The language link at the top of the page's content, and previous/next in its language."""
    lang = language(pagename)
    if lang is None or doctree is None:
        return
    switch, tags = _language_link(app, pagename, lang)
    body = context.get("body")
    if switch and body is not None and not HAS_SWITCH.search(body):   # a page may bring its own (the landing)
        context["body"] = switch + body
    if tags:
        context["metatags"] = context.get("metatags", "") + tags
    relations = getattr(app.builder, "relations", None) or {}
    for key, step, access in (("prev", 1, "P"), ("next", 2, "N")):
        if not context.get(key):
            continue
        doc = same_language_neighbour(relations, pagename, step)
        context[key] = _relation(app, pagename, doc)
        rellinks = context.get("rellinks") or []
        kept = [r for r in rellinks if r[2] != access]
        if context[key] is not None and len(kept) < len(rellinks):
            old = next(r for r in rellinks if r[2] == access)
            kept.append((doc, context[key]["title"], access, old[3]))
        context["rellinks"] = kept


# --- readable anchors ---------------------------------------------------------------------------

# docutils' automatic ids: ``idN`` under Sphinx (``auto_id_prefix = "id"``), ``section-N`` by default
AUTO_ID = re.compile(r"(?:id|section-)\d+")
_WORD = re.compile(r"\w+")
_TATWEEL = "\u0640"


def anchor_slug(title: str) -> str:
    """A readable anchor from a heading: its words (any script; digits kept) joined by ``-``,
    lower case; Arabic diacritics and the tatweel dropped, punctuation too. "" when no word."""
    text = "".join(ch for ch in unicodedata.normalize("NFC", title)
                   if unicodedata.category(ch) != "Mn" and ch != _TATWEEL)
    return "-".join(_WORD.findall(text)).lower()


def _readable_anchors(app, doctree) -> None:
    """Give each section whose ids are all automatic (``idN``) a first id from its title, unique
    in the page (``-2``, ``-3`` … on a repeat); its old ids stay. Runs before Sphinx's toctree
    collector (priority below 500), which links the page's contents to each section's first id."""
    taken = set(doctree.ids)
    for section in doctree.findall(nodes.section):
        ids = section["ids"]
        if not ids or not all(AUTO_ID.fullmatch(i) for i in ids):
            continue
        title = next((c for c in section.children if isinstance(c, nodes.title)), None)
        slug = anchor_slug(title.astext()) if title is not None else ""
        if not slug:
            continue
        anchor, n = slug, 1
        while anchor in taken:
            n += 1
            anchor = f"{slug}-{n}"
        taken.add(anchor)
        ids.insert(0, anchor)
        doctree.ids[anchor] = section


# --- mentions of the reference pages ------------------------------------------------------------

MENTIONED = ("methods", "data_dictionary")
# where a mention stays text: titles, existing links, code, raw output
_NOT_LINKED = (nodes.title, nodes.reference, nodes.literal, nodes.FixedTextElement, nodes.raw, nodes.rubric,
               nodes.subtitle)


def mention_pattern(lang: str) -> tuple[re.Pattern, dict[str, str]] | None:
    """A pattern finding the titles of the ``MENTIONED`` pages (catalogue ``book.<page>.title``)
    as whole words in ``lang``, and the page of each title."""
    pages = {t(f"book.{page}.title", lang): page for page in MENTIONED if messages.has(f"book.{page}.title")}
    if not pages:
        return None
    words = "|".join(re.escape(w) for w in sorted(pages, key=len, reverse=True))
    return re.compile(rf"(?<!\w)({words})(?!\w)"), pages


def _link_mentions(app, doctree, docname) -> None:
    """Link each mention of the Methods or Data dictionary page in the page's text to that page of
    the page's language (not on the page itself, not inside a title, link or code)."""
    lang = language(docname)
    if lang is None or app.builder.format != "html":
        return
    found = mention_pattern(lang)
    if found is None:
        return
    pattern, pages = found
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if parent is None or not pattern.search(text.astext()) or _inside(parent, _NOT_LINKED):
            continue
        pieces, last, source = [], 0, text.astext()
        for m in pattern.finditer(source):
            target = f"{lang}/{pages[m[1]]}"
            if target == docname or target not in app.env.found_docs:
                continue
            pieces += [nodes.Text(source[last:m.start()]),
                       nodes.reference("", "", nodes.Text(m[1]), internal=True, classes=["goldbook-mention"],
                                       refuri=app.builder.get_relative_uri(docname, target))]
            last = m.end()
        if pieces:
            pieces.append(nodes.Text(source[last:]))
            parent.replace(text, [p for p in pieces if not (isinstance(p, nodes.Text) and not p.astext())])


def _inside(node, kinds) -> bool:
    while node is not None:
        if isinstance(node, kinds):
            return True
        node = node.parent
    return False


def setup(app):
    """Sphinx entry point (``_config.yml`` lists ``helpers.book.sphinx_ext`` as an extension)."""
    app.add_config_value("goldbook_notices", {}, "")
    app.connect("env-get-outdated", _outdated_by_notices)
    app.connect("doctree-read", _readable_anchors, priority=400)   # before the toctree collector (500)
    app.connect("doctree-resolved", _link_mentions)
    app.connect("html-page-context", _navigation, priority=400)    # before _page_direction wraps the body
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
