"""The theme's labels on Arabic pages come from the catalogue; the content is never touched."""

from __future__ import annotations

from helpers.base import messages
from helpers.book import chrome
from helpers.book.toc import page_language

MAPPING = {"Search": "بحث", "previous page": "الصفحة السابقة", "By Labour Fund": "إعداد صندوق العمل"}

PAGE = """<html><head><title>Search</title>
<link rel="search" title="Search" href="../search.html" />
<script>var label = "Search";</script></head>
<body><button class="btn" title="Search" aria-label="Search">
  <span class="search-button__default-text">Search</span></button>
<input placeholder="Search" aria-label="Search for something" />
<article class="bd-article"><h1>Search</h1><p title="Search">Search</p></article>
<a class="left-prev" title="previous page">previous page</a>
<p>By Labour Fund</p><p>Searching</p></body></html>"""


def test_frame_labels_are_replaced_and_the_article_and_scripts_are_not():
    out = chrome.localise(PAGE, MAPPING)
    frame, article = out.split("<article", 1)[0] + out.split("</article>", 1)[1], out.split("<article", 1)[1]
    # every label where a reader meets it: element text, title, aria-label, placeholder
    assert '<title>Search</title>' in out and 'title="بحث" href="../search.html"' in out  # a page title stays
    assert 'title="بحث" aria-label="بحث"' in out and '\n  <span class="search-button__default-text">بحث</span>' in out
    assert 'placeholder="بحث"' in out and 'title="الصفحة السابقة">الصفحة السابقة</a>' in out
    assert "<p>إعداد صندوق العمل</p>" in out
    # only whole labels: a longer text that merely contains one stays
    assert 'aria-label="Search for something"' in frame and "<p>Searching</p>" in frame
    # the content and the code are left exactly as they were
    assert article.split("</article>")[0] == PAGE.split("<article", 1)[1].split("</article>")[0]
    assert '<script>var label = "Search";</script>' in out


def test_page_titles_nested_content_and_partial_text_stay():
    page = ('<nav class="bd-docs-nav" aria-label="Main"><ul><li><a href="x.html">Contents</a></li>'
            '<li><nav><a>Page</a></nav><a>Index</a></li></ul></nav>'
            '<article><div><article>inner</article><td>Search</td></div></article>'
            '<p class="prev-next-subtitle">next</p><p class="prev-next-title">Index</p>'
            '<span>Go > next</span><!-- Search --><pre>Search</pre>')
    mapping = {"Main": "الرئيسية", "Contents": "المحتويات", "Page": "الصفحة", "Index": "الفهرس",
               "Search": "بحث", "next": "التالي"}
    out = chrome.localise(page, mapping)
    # the navigation's own label changes; the page titles it lists (nested navs too) do not
    assert '<nav class="bd-docs-nav" aria-label="الرئيسية">' in out
    assert '<a href="x.html">Contents</a>' in out and "<a>Page</a>" in out and "<a>Index</a>" in out
    # the whole article stays, whatever it nests; so do comments and code
    assert "<td>Search</td></div></article>" in out and "<!-- Search -->" in out and "<pre>Search</pre>" in out
    # "next" above a page title is the theme's; the title itself is the page's
    assert '<p class="prev-next-subtitle">التالي</p><p class="prev-next-title">Index</p>' in out
    assert "<span>Go > next</span>" in out


def test_localising_twice_changes_nothing_more():
    once = chrome.localise(PAGE, MAPPING)
    assert chrome.localise(once, MAPPING) == once


def test_replacement_text_is_escaped():
    out = chrome.localise('<a title="Search">Search</a>', {"Search": '<b>"x"</b>'})
    assert out == '<a title="&lt;b&gt;&quot;x&quot;&lt;/b&gt;">&lt;b&gt;"x"&lt;/b&gt;</a>'


def test_labels_come_from_the_catalogue_in_both_languages():
    author = {"en": "Labour Fund", "ar": "صندوق العمل"}
    arabic = chrome.labels("ar", author)
    keys = [k for k in messages.catalogue() if k.startswith(chrome.PREFIX)]
    assert len(arabic) == len(keys) >= 20
    assert arabic["Search"] == messages.t("chrome.search", "ar")
    assert arabic["By Labour Fund"] == "إعداد صندوق العمل"
    assert all(english == same for english, same in chrome.labels("en", author).items())


def test_localise_book_rewrites_only_pages_in_another_language(tmp_path):
    for rel in ("reports/2024-01/ar/01_overview.html", "reports/2024-01/en/01_overview.html",
                "ar/methods.html", "search.html"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text('<a title="Search">Search</a>', encoding="utf-8")
    changed = chrome.localise_book(tmp_path, page_language, {"en": "Labour Fund", "ar": "صندوق العمل"})
    assert sorted(p.relative_to(tmp_path).as_posix() for p in changed) == [
        "ar/methods.html", "reports/2024-01/ar/01_overview.html"]
    assert (tmp_path / "ar/methods.html").read_text(encoding="utf-8") == '<a title="بحث">بحث</a>'
    assert (tmp_path / "search.html").read_text(encoding="utf-8") == '<a title="Search">Search</a>'
    assert chrome.localise_book(tmp_path, page_language, {"en": "Labour Fund", "ar": "صندوق العمل"}) == []


def test_localise_book_keeps_every_other_byte(tmp_path):
    page = tmp_path / "ar" / "x.html"
    page.parent.mkdir()
    page.write_bytes("<p>Search</p>\r\n<article><pre>10%\r20%\r\n</pre></article>\n".encode("utf-8"))
    chrome.localise_book(tmp_path, page_language, {"en": "Labour Fund", "ar": "صندوق العمل"})
    assert page.read_bytes() == "<p>بحث</p>\r\n<article><pre>10%\r20%\r\n</pre></article>\n".encode("utf-8")
