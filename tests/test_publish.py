"""The publishing edge: the one Markdown escaper and what a Report displays."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pandas as pd
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


# --- what a reader sees of a table: no bare header, long tables folded, no "nan" -----------------

@pytest.fixture
def root(tmp_path):
    """A writable root with the code's config, so a table's CSV lands in tmp_path."""
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    return tmp_path


def _html(shown):
    return "".join(getattr(s, "data", "") for s in shown)


@pytest.mark.parametrize("lang, period, sentence", [
    ("en", "2024-03", "Nothing to list this month."),
    ("ar", "2024-03", "لا يوجد ما يُدرج لهذا الشهر."),
    ("en", "2024-W06", "Nothing to list this week."),
])
def test_a_table_with_no_rows_is_one_sentence_and_its_csv_keeps_the_header(shown, root, lang, period, sentence):
    rep = publish.Report(period, lang, root)
    rep.table(pd.DataFrame({"centre_id": [], "csat": []}), "x_empty")
    assert [type(s).__name__ for s in shown] == ["Markdown"] and shown[0].data == sentence
    csv = root / "reports" / rep.period.label / "tables" / "x_empty.csv"
    assert csv.read_bytes() == b"centre_id,csat\n"       # the analyst still gets the columns


def test_the_empty_sentence_can_be_chosen_per_table_or_per_call(shown, root):
    rep = publish.Report("2024-03", "en", root)
    empty = pd.DataFrame({"centre_id": []})
    rep.table(empty, "satisfaction_thanks_centre")                         # table.empty.<name>
    rep.table(empty, "x_other", empty="table.empty.satisfaction_thanks_centre")
    rep.table(empty, "x_said", empty="")                                   # the notebook said it already
    assert [s.data for s in shown] == ["No thank-you message was received this month."] * 2


def test_an_empty_shown_frame_is_a_sentence_even_when_the_csv_has_rows(shown, root):
    rep = publish.Report("2024-03", "en", root)
    rep.table(pd.DataFrame({"a": [1]}), "x_rows", shown=pd.DataFrame({"a": []}))
    assert shown[0].data == "Nothing to list this month."
    assert (root / "reports" / "2024-03" / "tables" / "x_rows.csv").read_bytes() == b"a\n1\n"


def test_fifteen_rows_are_shown_and_sixteen_are_folded(shown, root):
    rep = publish.Report("2024-03", "en", root)
    assert publish.COLLAPSE_ROWS == 15
    rep.table(pd.DataFrame({"n": range(15)}), "x_fifteen")
    rep.table(pd.DataFrame({"n": range(16)}), "x_sixteen")
    short, long = shown[0].data, shown[1].data
    assert "<details" not in short and short.count("<tr>") == 16          # header + 15 rows
    assert long.startswith('<details class="goldbook-collapsed"><summary>Show all 16 rows (the full table is also in '
                           "the CSV)</summary>")
    assert long.endswith("</details>") and long.count("<tr>") == 17 and "<details open" not in long
    csv = (root / "reports" / "2024-03" / "tables" / "x_sixteen.csv").read_text()
    assert csv.splitlines()[-1] == "15" and len(csv.splitlines()) == 17


def test_the_fold_limit_can_be_set_per_table_and_the_summary_is_arabic_on_arabic_pages(shown, root):
    rep = publish.Report("2024-03", "ar", root)
    rep.table(pd.DataFrame({"n": range(1200)}), "x_long", write=False)
    rep.table(pd.DataFrame({"n": range(3)}), "x_three", write=False, collapse_rows=2)
    assert "<summary>عرض الصفوف كلها وعددها 1,200 (" in shown[0].data
    assert "<summary>عرض الصفوف كلها وعددها 3 (" in shown[1].data


@pytest.mark.parametrize("value", [None, np.nan, float("inf"), -np.inf, pd.NaT, pd.NA, "nan", "NaN", "+nan%", "nan%",
                                   "None", "NaT", "<NA>", "-inf", "inf pp", " +nan pp ", "−inf", "nan نقطة", "nan min"])
def test_a_missing_or_impossible_value_is_a_dash(value):
    assert publish.reader_cell(value) == "–"


@pytest.mark.parametrize("value", [0, 0.0, -1.5, "12.5%", "+2.1 pp", "None of the staff helped", "Nancy", "info",
                                   "nan–80%", "", True])
def test_a_value_or_a_sentence_is_left_as_it_is(value):
    assert publish.reader_cell(value) == value


def test_no_nan_none_or_inf_reaches_a_table_cell(shown, root):
    rep = publish.Report("2024-03", "en", root)
    frame = pd.DataFrame({"centre_id": ["seef", None], "score": [np.nan, np.inf], "change": ["+nan%", "+1.0%"],
                          "when": [pd.NaT, pd.Timestamp("2024-03-01")], "text": ["None", "None of it"]})
    rep.table(frame, "x_missing", write=False)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", shown[0].data)
    # a missing id stays blank (a row for all centres), as labelled() has always shown it
    assert cells == ["Seef Mall", "–", "–", "–", "–", "", "–", "+1.0%", "2024-03-01 00:00:00", "None of it"]
