"""The publishing edge: the one Markdown escaper and what a Report displays."""

from __future__ import annotations

import pytest

from helpers.base.paths import CODE_ROOT
from helpers.report import publish
from helpers.report.publish import escape_markdown


@pytest.mark.parametrize("text, escaped", [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),   # HTML-escaped, no tag left
    ("*bold*", "\\*bold\\*"),
    ("snake_case", "snake\\_case"),
    ("a|b", "a\\|b"),
    ("$5 and $6", "\\$5 and \\$6"),                   # no math, even where a theme renders it
    ("C:\\raw", "C:\\\\raw"),                          # one backslash becomes two
    ("[x](http://a)", "\\[x\\](http://a)"),
    ("# not a heading", "\\# not a heading"),
    ("`code` {x}", "\\`code\\` \\{x\\}"),
    ("a & b", "a &amp; b"),
    ("plain 45.0% – ok", "plain 45.0% – ok"),
])
def test_escape_markdown_by_hand(text, escaped):
    assert escape_markdown(text) == escaped


def test_escape_markdown_takes_any_value():
    assert escape_markdown(3) == "3" and escape_markdown(None) == "None"


@pytest.fixture
def shown(monkeypatch):
    """What a Report displays, captured instead of sent to a notebook."""
    out = []
    monkeypatch.setattr(publish, "display", out.append)
    return out


def test_lines_displays_nothing_without_sentences(shown):
    rep = publish.Report("2024-03", "en", CODE_ROOT)
    rep.lines([])
    assert shown == []          # an empty Markdown would be published as its Python repr


def test_lines_displays_one_paragraph_per_sentence(shown):
    rep = publish.Report("2024-03", "en", CODE_ROOT)
    rep.lines(["One.", "Two."])
    assert len(shown) == 1 and shown[0].data == "One.\n\nTwo."


def test_say_escapes_values_from_data(shown):
    rep = publish.Report("2024-03", "en", CODE_ROOT)
    rep.say("overview.say.last_year", metric="*x*", value="<b>1</b>", change="$2")
    assert shown[0].data.startswith("\\*x\\* in the same month last year: &lt;b&gt;1&lt;/b&gt; (\\$2 since)")
