"""One format for every number a reader sees (issue 15, section 3): ``base.messages`` formatters,
in both languages, with values worked by hand; one unit per duration measure, from config."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers.base import messages
from helpers.base.config import ConfigError, load_config
from helpers.base.messages import (
    fmt_cell,
    fmt_change,
    fmt_duration,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_pp,
    fmt_signed,
    fmt_wait,
)
from helpers.base.paths import CODE_ROOT

MISSING_VALUES = [None, float("nan"), np.nan, pd.NA, pd.NaT, float("inf"), -float("inf")]


def ltr(text: str, lang: str) -> str:
    """A signed number as Arabic text holds it: a left-to-right isolate, so it reads "-3", not "3-"."""
    return f"\u2066{text}\u2069" if lang == "ar" else text


@pytest.fixture(autouse=True)
def shipped_units():
    """Each test starts from the shipped configuration's units (a test may register others)."""
    messages.use_units(load_config(CODE_ROOT))
    yield
    messages.use_units(load_config(CODE_ROOT))


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("fmt", [fmt_num, fmt_signed, fmt_pct, fmt_change, fmt_pp, fmt_p, fmt_cell, fmt_duration])
def test_a_missing_value_is_an_en_dash(fmt, lang):
    for value in MISSING_VALUES:
        assert fmt(value, lang) == "–", (fmt.__name__, value)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_counts_have_thousands_separators_in_both_languages(lang):
    # the project writes Western digits in Arabic too (as Bahrain government publications do)
    assert fmt_num(6703, lang) == "6,703"
    assert fmt_num(6703.0, lang) == "6,703"
    assert fmt_num(np.int64(1234567), lang) == "1,234,567"
    assert fmt_num(999.5, lang) == "1,000"             # half rounds away from zero
    assert fmt_num(0.5, lang) == "1"
    assert fmt_num(2.5, lang) == "3"                   # not banker's rounding (Python's round gives 2)
    assert fmt_num(-2.5, lang) == ltr("-3", lang)
    assert fmt_num(-0.4, lang) == "0"                  # no "-0"
    assert fmt_num(0, lang) == "0"
    assert fmt_num(-1234.56, lang, 1) == ltr("-1,234.6", lang)
    assert fmt_num(0.125, lang, 2) == "0.13"           # Python's f"{0.125:.2f}" gives 0.12
    assert fmt_num(1234.5, lang, 2) == "1,234.50"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_signed_changes(lang):
    assert fmt_signed(2939.0, lang) == ltr("+2,939", lang)
    assert fmt_signed(-1500, lang) == ltr("-1,500", lang)
    assert fmt_signed(0, lang) == ltr("+0", lang)
    assert fmt_signed(-0.04, lang, 1) == ltr("+0.0", lang)        # rounds to nothing: no "-0.0"
    assert fmt_signed(1.25, lang, 1) == ltr("+1.3", lang)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_percentages(lang):
    assert fmt_pct(0.8534, lang) == "85.3%"
    assert fmt_pct(0.746, lang) == "74.6%"
    assert fmt_pct(0.8, lang, 0) == "80%"
    assert fmt_pct(0, lang) == "0.0%"
    assert fmt_pct(1, lang) == "100.0%"
    assert fmt_pct(0.00049, lang) == "0.0%"
    assert fmt_pct(0.00051, lang, 1) == "0.1%"
    assert fmt_pct(0.99951, lang) == "100.0%"
    assert fmt_pct(-0.05, lang) == ltr("-5.0%", lang)
    assert fmt_pct(12.345, lang) == "1,234.5%"         # a share above 1 still gets its separator
    # a relative change is signed
    assert fmt_change(0.12, lang) == ltr("+12%", lang)
    assert fmt_change(-0.034, lang) == ltr("-3%", lang)
    assert fmt_change(0.0004, lang) == ltr("+0%", lang)
    assert fmt_change(-0.0004, lang, 1) == ltr("+0.0%", lang)
    assert fmt_change(0.125, lang, 1) == ltr("+12.5%", lang)


def test_percentage_points_in_each_language():
    assert fmt_pp(0.021, "en") == "+2.1 pp"
    assert fmt_pp(0.021, "ar") == "\u2066+2.1\u2069 نقطة مئوية"      # the sign stays before the digits
    assert fmt_pp(-0.005, "en") == "-0.5 pp"
    assert fmt_pp(-0.005, "ar") == "\u2066-0.5\u2069 نقطة مئوية"
    assert fmt_pp(0, "en") == "+0.0 pp"
    assert fmt_pp(-0.00001, "en") == "+0.0 pp"         # a change that rounds away has no sign of its own
    assert fmt_pp(0.1, "en", 0) == "+10 pp"
    assert fmt_pp(0.00049, "en") == "+0.0 pp"
    assert fmt_pp(0.00051, "en") == "+0.1 pp"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_p_values(lang):
    assert fmt_p(0.0004, lang) == "p < 0.001"
    assert fmt_p(0.00099, lang) == "p < 0.001"
    assert fmt_p(0.001, lang) == "p = 0.001"
    assert fmt_p(0.0344, lang) == "p = 0.034"
    assert fmt_p(0.5, lang) == "p = 0.500"
    assert fmt_p(1.0, lang) == "p = 1.000"
    assert fmt_p(0, lang) == "p < 0.001"
    # in a table cell whose heading names the p-value
    assert fmt_p(0.0004, lang, cell=True) == "< 0.001"
    assert fmt_p(0.0344, lang, cell=True) == "0.034"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_table_cells(lang):
    assert fmt_cell(6703, lang) == "6,703"
    assert fmt_cell(np.int64(6703), lang) == "6,703"
    assert fmt_cell(6703.0, lang) == "6,703"
    assert fmt_cell(0.25, lang) == "0.3"
    assert fmt_cell(-12.04, lang) == ltr("-12.0", lang)
    assert fmt_cell("Seef Mall", lang) == "Seef Mall"
    assert fmt_cell("12,5", lang) == "12,5"           # text already formatted is left as it is
    assert fmt_cell(True, lang) == "True"


def test_durations_in_the_unit_asked_for_whatever_their_size():
    assert fmt_duration(45, "en", "seconds") == "45 s"
    assert fmt_duration(107, "en", "seconds") == "107 s"
    assert fmt_duration(7356, "en", "seconds") == "7,356 s"
    assert fmt_duration(45, "en", "minutes") == "0.8 min"
    assert fmt_duration(750, "en") == "12.5 min"                  # minutes unless told
    assert fmt_duration(7356, "en", "minutes") == "122.6 min"     # never switches to hours
    assert fmt_duration(20880, "en", "hours") == "5.8 h"
    assert fmt_duration(0, "en", "seconds") == "0 s"
    assert fmt_duration(-30, "en", "minutes") == "-0.5 min"
    assert fmt_duration(29.5, "en", "seconds") == "30 s"
    assert fmt_duration(45, "ar", "seconds") == "45 ث"
    assert fmt_duration(750, "ar", "minutes") == "12.5 دقيقة"
    assert fmt_duration(20880, "ar", "hours") == "5.8 ساعة"
    with pytest.raises(ValueError, match="use one of seconds, minutes, hours"):
        fmt_duration(60, "en", "days")


def test_a_walk_in_wait_is_in_minutes_and_a_phone_or_chat_answer_in_seconds():
    # the shipped config/entity.yaml: units.waits walk_in minutes, phone/messaging seconds
    assert messages.duration_unit("wait_mean", channel_id="walk_in") == "minutes"
    assert messages.duration_unit("wait_p90", channel_id="phone") == "seconds"
    assert messages.duration_unit("wait_p50", channel_id="live_chat") == "seconds"
    assert messages.duration_unit("wait_p50", channel_id="whatsapp") == "seconds"
    assert messages.duration_unit("wait_mean", channel_id="email") == "hours"
    assert messages.duration_unit("wait_mean") == "minutes"                       # pooled over kinds
    assert messages.duration_unit("handle_mean", channel_id="phone") == "minutes"  # handling time: one unit
    assert messages.duration_unit("wait_mean", kind="walk_in") == "minutes"
    assert fmt_wait(7356, "en", "wait_mean", "walk_in") == "122.6 min"
    assert fmt_wait(107, "en", "wait_mean", "phone") == "107 s"
    assert fmt_wait(107, "ar", "wait_mean", "live_chat") == "107 ث"
    assert fmt_wait(20880, "en", "wait_mean", "email") == "5.8 h"


def test_units_come_from_the_configuration(tmp_path):
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    path = tmp_path / "config" / "entity.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["units"] = {"waits": {"walk_in": "seconds", "phone": "minutes"}, "handle": "seconds", "pooled": "hours"}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    messages.use_units(load_config(tmp_path))
    assert fmt_wait(90, "en", "wait_mean", "walk_in") == "90 s"
    assert fmt_wait(90, "en", "wait_mean", "phone") == "1.5 min"
    assert fmt_wait(90, "en", "wait_mean", "live_chat") == "90 s"       # not listed: the shipped default
    assert fmt_wait(5400, "en", "wait_mean") == "1.5 h"
    assert fmt_wait(90, "en", "handle_mean", "walk_in") == "90 s"


@pytest.mark.parametrize("units, message", [
    ({"waits": {"walk_in": "days"}}, "units.waits.walk_in is 'days'; use one of seconds, minutes, hours"),
    ({"waits": {"fax": "seconds"}}, "units.waits.fax: no channel is of kind 'fax'"),
    ({"handle": "weeks"}, "units.handle is 'weeks'"),
    ({"speed": "minutes"}, "units takes waits"),
])
def test_a_bad_unit_is_refused_with_a_clear_error(tmp_path, units, message):
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    path = tmp_path / "config" / "entity.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["units"] = units
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(tmp_path)


def test_no_formatter_lets_nan_or_inf_through():
    values = [0, 1, -1, 0.5, 1e9, -1e-9, math.pi, 123456.789]
    for lang in ("en", "ar"):
        for v in values + MISSING_VALUES:
            for text in (fmt_num(v, lang), fmt_pct(v, lang), fmt_pp(v, lang), fmt_change(v, lang),
                         fmt_duration(v, lang, "seconds"), fmt_p(v, lang), fmt_cell(v, lang)):
                low = text.lower()
                assert "nan" not in low and "inf" not in low and "none" not in low, (v, text)


def test_chart_axes_write_numbers_as_the_text_does():
    from helpers.base import plots

    assert [plots.tick_label(v) for v in (20000, 17500.0, 2.5, 0, -5, 1e6, 0.30000000000000004)] == \
        ["20,000", "17,500", "2.5", "0", "-5", "1,000,000", "0.3"]
    fig, ax = plots.figure(4, 3)
    ax.bar(["a", "b"], [6703, 20000])
    plots.separate_thousands(fig)
    fig.canvas.draw()
    svg_ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert "20,000" in svg_ticks and "20000" not in svg_ticks
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]      # categories are left alone
    plots.to_svg(fig)
