"""The message catalogue: both languages everywhere, every key used exists, templates render."""

import json
import re
from pathlib import Path

import pytest

from helpers.base import messages
from helpers.base.periods import parse

REPO = Path(__file__).resolve().parents[1]


def test_every_message_has_both_languages_and_no_blank_text():
    cat = messages.catalogue()
    assert cat, "the catalogue is empty"
    for key, entry in cat.items():
        assert set(entry) == {"en", "ar"}, key
        assert entry["en"].strip() and entry["ar"].strip(), key


def test_placeholders_agree_between_languages():
    fields = re.compile(r"\{([a-z_]+)\}")
    for key, entry in messages.catalogue().items():
        assert set(fields.findall(entry["en"])) == set(fields.findall(entry["ar"])), key


def test_arabic_text_is_arabic():
    arabic = re.compile(r"[\u0600-\u06FF]")
    for key, entry in messages.catalogue().items():
        text = re.sub(r"\{[a-z_]+\}", "", entry["ar"])
        assert arabic.search(text) or not re.search(r"[A-Za-z]{3,}", text), key


def test_every_key_a_template_uses_exists():
    used = set()
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            src = "".join(cell["source"])
            used |= {k for k in re.findall(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}", src) if k != "period"}
            used |= set(re.findall(r"""rep\.(?:t|heading|say)\(\s*["']([A-Za-z0-9_.\-]+)["']""", src))
        title = nb["metadata"].get("goldbook", {}).get("title")
        if title:
            used.add(title)
    missing = sorted(k for k in used if not messages.has(k))
    assert not missing, f"keys used by notebooks but not in config/messages/: {missing}"


def test_render_markdown_substitutes_keys_and_period():
    md = messages.render_markdown("# {{ overview.title }}: {{ period }}", "ar", parse("2024-03"))
    assert md == "# نظرة عامة: مارس 2024"
    assert messages.render_markdown("{{period}}", "en", parse("2024-W05", week_starts="Mon")) == \
        "Week 5, 2024 (2024-01-29 to 2024-02-04)"
    assert messages.render_markdown("{{period}}", "en", parse("2024-W05", week_starts="Sun")) == \
        "Week 5, 2024 (2024-01-28 to 2024-02-03)"


def test_formats_by_hand():
    assert messages.fmt_pct(0.8534, "en") == "85.3%"
    assert messages.fmt_pp(0.021, "en") == "+2.1 pp"
    assert messages.fmt_pp(-0.005, "ar") == "\u2066-0.5\u2069 نقطة مئوية"
    assert messages.fmt_num(1234.4, "en") == "1,234"
    assert messages.fmt_duration(45, "en", "seconds") == "45 s"      # one unit per measure (test_formats)
    assert messages.fmt_duration(750, "en") == "12.5 min"
    assert messages.fmt_p(0.0004, "ar") == "p < 0.001"
    assert messages.fmt_pct(float("nan"), "en") == "–"


def test_unknown_key_and_language_are_refused():
    with pytest.raises(messages.MessageError):
        messages.t("no.such.key", "en")
    with pytest.raises(ValueError):
        messages.t("overview.title", "fr")
