"""The built book as a reader sees it (issue 15, section 8): no table that is only a header, and no
"nan", "None" or "inf" in any page's article text, in either language.

The article is read with the standard library's HTML parser: the text outside <script>, <style>,
<code> and <pre>, and every <table> with the rows that have header cells and the rows that have
data cells. The checks are tested on small pages written by hand, so that they can fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

# What a reader must never see: a number that could not be computed, or Python's "nothing".
# "None" followed by a lower-case word is English ("None of the changes …"), not a missing value.
NOT_A_VALUE = re.compile(r"(?<![\w.])(?:[+\-−]?(?:nan|NaN|inf|Infinity)|NaT|None(?!\s+[a-z]))(?![\w])")
SKIPPED = {"script", "style", "code", "pre"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Table:
    header_rows: int = 0
    body_rows: int = 0
    _row_has_th: bool = False
    _row_has_td: bool = False


@dataclass
class Article:
    text: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


class ArticleReader(HTMLParser):
    """The text and tables inside ``<article class="bd-article">`` of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.article = Article()
        self._depth = 0            # open elements inside the article (0: outside it)
        self._skipping = 0         # open <script>/<style>/<code>/<pre> inside the article
        self._open: list[Table] = []

    def handle_starttag(self, tag, attrs):
        if not self._depth:
            if tag == "article" and "bd-article" in (dict(attrs).get("class") or "").split():
                self._depth = 1
            return
        if tag not in VOID:
            self._depth += 1
        if tag in SKIPPED:
            self._skipping += 1
        elif tag == "table":
            self._open.append(Table())
            self.article.tables.append(self._open[-1])
        elif tag == "tr" and self._open:
            self._open[-1]._row_has_th = self._open[-1]._row_has_td = False
        elif tag == "th" and self._open:
            self._open[-1]._row_has_th = True
        elif tag == "td" and self._open:
            self._open[-1]._row_has_td = True

    def handle_endtag(self, tag):
        if not self._depth or tag in VOID:
            return
        self._depth -= 1
        if tag in SKIPPED and self._skipping:
            self._skipping -= 1
        elif tag == "tr" and self._open:
            table = self._open[-1]
            table.body_rows += table._row_has_td
            table.header_rows += table._row_has_th and not table._row_has_td
        elif tag == "table" and self._open:
            self._open.pop()

    def handle_data(self, data):
        if self._depth and not self._skipping:
            self.article.text.append(data)


def read_article(html: str) -> Article:
    reader = ArticleReader()
    reader.feed(html)
    reader.close()
    return reader.article


def empty_tables(article: Article) -> int:
    """Tables that show a header and no row of data."""
    return sum(1 for t in article.tables if t.header_rows and not t.body_rows)


def not_values(article: Article) -> list[str]:
    """Each "nan", "None", "inf" … in the article's text, with a little of its context."""
    text = " ".join(" ".join(article.text).split())
    return [text[max(0, m.start() - 40):m.end() + 40] for m in NOT_A_VALUE.finditer(text)]


def book_pages(html_root: Path) -> list[Path]:
    return sorted(p for p in html_root.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


# --- the checks on pages written by hand ----------------------------------------------------------

PAGE = """<html><body><nav>nan in the sidebar is not the article</nav>
<article class="bd-article" role="main"><h1>Title</h1>
<p>CSAT rose by +nan% this month. None of the changes is real.<br>Score: None</p>
<table class="goldbook-table"><thead><tr><th>Centre</th><th>CSAT</th></tr></thead><tbody></tbody></table>
<table><thead><tr><th>Centre</th></tr></thead><tbody><tr><td>Seef Mall</td></tr></tbody></table>
<details><summary>Show all 20 rows</summary><table><tr><th>A</th></tr><tr><td>inf</td></tr></table></details>
<pre>x = float("nan")</pre><script>var inf = 1;</script><img src="a.svg">
<p>Infinity, info, Nancy, 1.5 and NaT</p>
</article><footer>None</footer></body></html>"""


def test_the_reader_finds_bare_headers_and_impossible_values_in_the_article_only():
    article = read_article(PAGE)
    assert [(t.header_rows, t.body_rows) for t in article.tables] == [(1, 0), (1, 1), (1, 1)]
    assert empty_tables(article) == 1
    found = NOT_A_VALUE.findall(" ".join(article.text))
    assert len(not_values(article)) == 5
    # "+nan%", the "None" standing for a value, the "inf" cell, "Infinity" and "NaT"; not "None of",
    # "info", "Nancy", the code, the script, the sidebar or the footer
    assert found == ["+nan", "None", "inf", "Infinity", "NaT"]


def test_a_clean_article_passes():
    article = read_article('<article class="bd-article"><p>CSAT 85.1% (+2.0 pp). None of them.</p>'
                           "<table><tr><th>A</th></tr><tr><td>–</td></tr></table></article>")
    assert empty_tables(article) == 0 and not_values(article) == []


# --- the built demo book --------------------------------------------------------------------------

@pytest.mark.e2e
def test_no_page_of_the_built_book_shows_an_empty_table_or_a_missing_value(demo_book):
    html_root = demo_book / "_build" / "html"
    pages = book_pages(html_root)
    assert len(pages) > 20 and any("/ar/" in p.as_posix() for p in pages)
    empty, missing, articles = {}, {}, 0
    for page in pages:
        article = read_article(page.read_text(encoding="utf-8"))
        articles += bool(article.text)
        rel = page.relative_to(html_root).as_posix()
        if n := empty_tables(article):
            empty[rel] = n
        if found := not_values(article):
            missing[rel] = found[:3]
    assert articles > 20                         # the reader did find the articles
    assert not empty, f"tables with a header and no rows: {empty}"
    assert not missing, f'"nan", "None" or "inf" reaches a reader: {missing}'
