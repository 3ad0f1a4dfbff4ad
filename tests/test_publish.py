"""The publishing edge: the one Markdown escaper and what a Report displays."""

from __future__ import annotations

import shutil

import pytest
from test_store import declare_tables

from helpers.base.messages import escape_markdown
from helpers.base.paths import CODE_ROOT
from helpers.report import publish


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


# --- tables the entity does not provide -----------------------------------------------------------

@pytest.fixture
def surveys_only(tmp_path):
    """A root whose config declares surveys only: no feedback, no self-assessment."""
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    declare_tables(tmp_path, ["surveys"])
    return tmp_path


def test_needs_says_nothing_when_every_table_is_provided(shown):
    rep = publish.Report("2024-02", "en", CODE_ROOT)
    assert rep.needs("surveys", "feedback", "feedback_updates", "self_assessment", "tickets") is True
    assert rep.missing("self_assessment") == [] and shown == []


@pytest.mark.parametrize("lang, sentence", [
    ("en", "No self-assessment was provided this month."),
    ("ar", "لم يُقدَّم تقييم ذاتي لهذا الشهر."),
])
def test_needs_says_in_the_readers_language_what_was_not_provided(shown, surveys_only, lang, sentence):
    rep = publish.Report("2024-02", lang, surveys_only)
    assert rep.needs("self_assessment") is False
    assert [s.data for s in shown] == [sentence]
    assert rep.needs("surveys", "tickets", "staff") is True and len(shown) == 1


def test_one_sentence_per_table_not_provided_feedback_updates_going_with_feedback(shown, surveys_only):
    rep = publish.Report("2024-02", "en", surveys_only)
    assert rep.missing("surveys", "feedback", "feedback_updates", "self_assessment") == [
        "No customer feedback (complaints, suggestions and compliments) was provided this month.",
        "No self-assessment was provided this month."]
    assert rep.needs("feedback", "feedback_updates") is False
    assert [s.data for s in shown] == [
        "No customer feedback (complaints, suggestions and compliments) was provided this month."]


@pytest.mark.parametrize("period, when", [("2024-W06", "this week"), ("2024", "this year"), ("2024-02-05", "for this day")])
def test_the_sentence_names_the_kind_of_period(surveys_only, period, when):
    assert publish.Report(period, "en", surveys_only).missing("self_assessment") == [
        f"No self-assessment was provided {when}."]


def test_needs_any_goes_ahead_with_the_tables_it_has(shown, surveys_only):
    rep = publish.Report("2024-02", "en", surveys_only)
    assert rep.needs_any("surveys", "feedback") is True        # comment themes from surveys alone
    assert [s.data for s in shown] == [
        "No customer feedback (complaints, suggestions and compliments) was provided this month."]
    assert rep.needs_any("feedback", "self_assessment") is False
    assert shown[1].data == ("No customer feedback (complaints, suggestions and compliments) was provided this month."
                             "\n\nNo self-assessment was provided this month.")   # one paragraph each
