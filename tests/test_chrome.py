"""The theme's labels on Arabic pages come from the catalogue; the content is never touched."""

from __future__ import annotations

from helpers import chrome, messages

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
    assert '<title>بحث</title>' in out and 'title="بحث" href="../search.html"' in out
    assert 'title="بحث" aria-label="بحث"' in out and '\n  <span class="search-button__default-text">بحث</span>' in out
    assert 'placeholder="بحث"' in out and 'title="الصفحة السابقة">الصفحة السابقة</a>' in out
    assert "<p>إعداد صندوق العمل</p>" in out
    # only whole labels: a longer text that merely contains one stays
    assert 'aria-label="Search for something"' in frame and "<p>Searching</p>" in frame
    # the content and the code are left exactly as they were
    assert article.split("</article>")[0] == PAGE.split("<article", 1)[1].split("</article>")[0]
    assert '<script>var label = "Search";</script>' in out


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
    from helpers.book import page_language

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
