"""Language detection, Arabic normalisation, themes and safe display of customer text."""

import shutil

import pandas as pd
import pytest

from helpers.base.paths import CODE_ROOT
from helpers.chapters import themes_view as view
from helpers.measures import themes as T
from helpers.report import publish


def test_language_by_unicode_script():
    assert T.detect_language("الانتظار طويل") == "ar"
    assert T.detect_language("Long wait") == "en"
    assert T.detect_language("تطبيق WhatsApp ممتاز") == "ar"        # 13 Arabic letters against 8 Latin
    assert T.detect_language("Great service شكراً") == "en"
    assert T.detect_language("12345 👍") == "unknown"
    assert T.detect_language(None) == "unknown"


def test_arabic_normalisation_by_hand():
    assert T.normalise_arabic("أحمد إبراهيم آمنة ٱلله") == "احمد ابراهيم امنه الله"
    assert T.normalise_arabic("مستشفى") == "مستشفي"
    assert T.normalise_arabic("مُوَظَّفٌ") == "موظف"                  # harakat, shadda, tanween
    assert T.normalise_arabic("الانتظـــار") == "الانتظار"            # tatweel
    assert T.normalise_arabic("انتظرت ٢٥ دقيقة و۱۰") == "انتظرت 25 دقيقه و10"
    assert T.normalise_arabic("Wait 25") == "Wait 25"


def test_words_strip_the_article_and_stop_words():
    assert T.words("والموظفة في المركز") == ["موظفه", "في", "مركز"]
    assert T.content_words("والموظفة في المركز") == ["موظفه", "مركز"]
    assert T.content_words("The staff were very helpful") == ["staff", "helpful"]


@pytest.mark.parametrize("text, expected", [
    ("I waited 40 minutes in the queue", ["waiting"]),
    ("The app crashed while booking an appointment", ["digital", "appointment"]),
    ("Approval took ages", ["process"]),                       # "app" is a whole word only
    ("Online portal was down", ["digital"]),                   # "line" is not inside "online"
    ("انتظرت ساعتين في الطابور", ["waiting"]),
    ("الموظفـة كانت لطيفة جداً", ["staff"]),
    ("مُوَظَّفٌ مُحْتَرَمٌ", ["staff"]),
    ("المكيفات لا تعمل والجو حار جداً داخل المركز", ["facilities"]),
    ("Excellent", ["praise"]),
    ("Nobody called me back as promised.", ["process"]),
    ("12345", ["other"]),
    ("", []),
])
def test_themes_of(text, expected):
    assert T.themes_of(text) == expected


def _comments():
    surveys = pd.DataFrame({
        "response_id": ["r1", "r2", "r3", "r4"], "centre_id": ["seef", "seef", "seef", "virtual"],
        "channel_id": ["walk_in"] * 3 + ["phone"],
        "submitted_at": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]),
        "csat": pd.array([1, 2, 5, 2], dtype="Int64"),
        "comment": ["Long wait, 2 hours", "انتظار طويل جداً", "Very polite staff", None],
    })
    feedback = pd.DataFrame({
        "feedback_id": ["f1", "f2"], "centre_id": ["seef", None], "channel_id": ["walk_in", None],
        "received_at": pd.to_datetime(["2024-03-05", "2024-03-06"]), "kind": ["complaint", "complaint"],
        "text": ["<script>alert(1)</script> waited forever", "Call me on 33334444 or a@b.com"],
    })
    return T.comments(surveys, feedback)


def test_comments_frame_newest_first_with_language():
    c = _comments()
    assert list(c["source_id"]) == ["f2", "f1", "r3", "r2", "r1"]
    assert list(c["kind"]) == ["complaint", "complaint", "survey_satisfied", "survey_dissatisfied", "survey_dissatisfied"]
    assert list(c["lang"]) == ["en", "en", "en", "ar", "en"]


def test_top_themes_and_examples_by_hand():
    c = _comments()
    top = T.top_themes(c, ["centre_id", "kind"], n=2)
    seef = top[top["centre_id"].eq("seef")].set_index(["kind", "theme"])
    # seef dissatisfied survey comments: r1 (waiting, hours) and r2 (waiting): 2 of 2
    assert seef.loc[("survey_dissatisfied", "waiting"), "comments"] == 2
    assert seef.loc[("survey_dissatisfied", "waiting"), "share"] == 1.0
    assert seef.loc[("survey_satisfied", "staff"), "comments"] == 1
    ex = T.examples(c, top, ["centre_id", "kind"], per_theme=1)
    row = ex[(ex["centre_id"] == "seef") & (ex["kind"] == "survey_dissatisfied")]
    assert list(row["text"]) == ["انتظار طويل جداً"]            # newest first
    # the null-centre complaint is left out of per-centre groups
    assert "f2" not in set(ex["text"])


def test_safe_excerpt_masks_numbers_and_emails_and_cuts():
    assert T.safe_excerpt("Call me on 33334444 or a@b.com") == "Call me on ••• or •••"
    assert T.safe_excerpt("ID ١٢٣٤٥٦٧٨٩ please") == "ID ••• please"
    assert T.safe_excerpt("x" * 300, limit=10) == "x" * 9 + "…"


def test_top_terms_counts_comments_not_repeats():
    c = pd.DataFrame({"kind": ["complaint"] * 3, "text": ["wait wait queue", "long queue", "الانتظار طويل"],
                      "lang": ["en", "en", "ar"]})
    terms = T.top_terms(c, ["kind"], n=3)
    assert terms.to_dict("records")[0] == {"kind": "complaint", "term": "queue", "mentions": 2}


def test_script_comment_is_shown_as_visible_escaped_text(tmp_path, monkeypatch):
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    shown = []
    monkeypatch.setattr(publish, "display", lambda obj: shown.append(obj))
    rep = publish.Report("2024-03", "en", tmp_path, notebook="03_satisfaction")
    c = _comments()
    top = T.top_themes(c, ["centre_id", "kind"], n=3)
    ex = T.examples(c, top, ["centre_id", "kind"], per_theme=3)
    assert any("<script>" in x for x in ex["text"])
    rep.table(ex, "satisfaction_examples", shown=view.themes_display(ex, "en"))
    html = shown[-1].data
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    # the CSV keeps the customer's words as data
    assert "<script>" in (tmp_path / "reports/2024-03/tables/satisfaction_examples.csv").read_text(encoding="utf-8")
