"""One palette (issue 15, section 3): each channel and each centre has one colour, fixed in
config/entity.yaml, the same in every chart of every month and language.

Charts tag what they draw for a channel or centre with the SVG id ``goldbook-channel-<id>`` /
``goldbook-centre-<id>`` (``plots.tag``); the end-to-end test reads those colours back from every
published SVG of a month."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pytest
import yaml

from helpers.base import plots
from helpers.base.config import SPARE_COLOURS, ConfigError, load_config
from helpers.base.paths import CODE_ROOT
from helpers.chapters import adoption_view, kpis_view, readiness_view, recognition_view

GID = re.compile(r"^goldbook-(channel|centre)-(.+?)(?:-\d+)?$")
STYLE_COLOUR = re.compile(r"(?:^|;)\s*(?:fill|stroke)\s*:\s*(#[0-9a-fA-F]{6})")


# --- reading colours back from SVG ------------------------------------------------------------

def element_colours(element) -> set[str]:
    """The ``#rrggbb`` fill and stroke colours of ``element`` and everything inside it (style
    attributes, as matplotlib writes them, and plain fill/stroke attributes)."""
    found = set()
    for node in element.iter():
        found |= {c.lower() for c in STYLE_COLOUR.findall(node.get("style", ""))}
        found |= {node.get(a).lower() for a in ("fill", "stroke") if (node.get(a) or "").startswith("#")}
    return found


def svg_colours(svg_text: str) -> dict[tuple[str, str], set[str]]:
    """``{(kind, id): colours}`` of every tagged element of one SVG (kind ``channel``/``centre``)."""
    out: dict[tuple[str, str], set[str]] = {}
    for node in ET.fromstring(svg_text).iter():
        match = GID.match(node.get("id") or "")
        if match:
            out.setdefault((match.group(1), match.group(2)), set()).update(element_colours(node))
    return out


@pytest.fixture
def shipped_colours():
    """The shipped configuration's colours, registered for the test and after it."""
    cfg = load_config(CODE_ROOT)
    plots.use_colours(cfg)
    yield cfg
    plots.use_colours(cfg)


def write_config(tmp_path: Path, change) -> Path:
    """A copy of the shipped config/ under ``tmp_path`` with ``change(raw)`` applied to entity.yaml."""
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    path = tmp_path / "config" / "entity.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return tmp_path


# --- plots.colour and the configuration ---------------------------------------------------------

def test_colour_is_the_configured_colour_by_id(shipped_colours):
    raw = yaml.safe_load((CODE_ROOT / "config" / "entity.yaml").read_text(encoding="utf-8"))
    for kind in ("channels", "centres"):
        configured = raw["colours"][kind]
        assert set(configured) == {str(item["id"]) for item in raw[kind]}, "every item has its own colour"
        for item_id, hex_colour in configured.items():
            assert plots.colour(kind, item_id) == hex_colour.lower()
        assert len(set(configured.values())) == len(configured), f"two {kind} share a colour"
    assert plots.colour("channels", "walk_in") == "#0072b2"
    assert plots.colour("centres", "seef") == "#1b4f72"
    assert plots.colours("channels", ["phone", "walk_in"]) == ["#e69f00", "#0072b2"]
    assert plots.colour("channels", "no_such_channel") == plots.UNKNOWN
    with pytest.raises(ConfigError, match="not 'services'"):
        plots.colour("services", "wage_support")


def test_registered_configuration_decides_the_colour(tmp_path, shipped_colours):
    def change(raw):
        raw["colours"]["channels"]["walk_in"] = "#AB12CD"
    plots.use_colours(load_config(write_config(tmp_path, change)))
    assert plots.colour("channels", "walk_in") == "#ab12cd"
    assert plots.colour("channels", "phone") == "#e69f00"


def test_an_item_left_out_gets_a_spare_colour_no_other_item_has(tmp_path):
    def change(raw):
        raw["colours"] = {"channels": {"walk_in": SPARE_COLOURS[0], "phone": "#000000"}}
    cfg = load_config(write_config(tmp_path, change))
    got = cfg.colours("channels")
    assert got["walk_in"] == SPARE_COLOURS[0] and got["phone"] == "#000000"
    # the others, in configured order, take the spare colours after the one walk_in already has
    assert [got[c] for c in ("whatsapp", "live_chat", "video_call")] == list(SPARE_COLOURS[1:4])
    assert len(set(got.values())) == len(got)
    assert cfg.colours("centres") == dict(zip(["seef", "tijjar", "virtual"], SPARE_COLOURS[:3], strict=True))


@pytest.mark.parametrize("colours, message", [
    ({"channels": {"walk_in": "red"}}, r"colours.channels.walk_in is 'red'; write a colour as \"#rrggbb\""),
    ({"channels": {"walk_in": "#12345"}}, r"colours.channels.walk_in is '#12345'"),
    ({"channels": {"walk_in": "#12345g"}}, r"colours.channels.walk_in is '#12345g'"),
    ({"channels": {"walk_in": 123456}}, r"colours.channels.walk_in is 123456"),
    ({"centres": {"riffa": "#123456"}}, r"colours.centres.riffa: no configured centre has id 'riffa'"),
    ({"channels": {"walk_in": "#123456", "phone": "#123456"}}, r"walk_in and phone share #123456"),
    ({"services": {"appeal": "#123456"}}, r"colours must map channels and/or centres"),
    ({"channels": ["#123456"]}, r"colours.channels must map each id to a colour"),
])
def test_a_bad_colour_is_refused_with_a_clear_error(tmp_path, colours, message):
    def change(raw):
        raw["colours"] = colours
    with pytest.raises(ConfigError, match=message):
        load_config(write_config(tmp_path, change))


# --- charts colour by id -------------------------------------------------------------------------

def test_tag_gives_unique_svg_ids_carrying_the_colour(shipped_colours):
    fig, ax = plots.figure(4, 3)
    plots.tag(ax.plot([0, 1], [1, 2], color=plots.colour("channels", "phone")), "channels", "phone")
    plots.tag(ax.plot([0, 1], [2, 3], color=plots.colour("channels", "phone")), "channels", "phone")
    plots.tag(ax.bar([0, 1], [1, 2], color=plots.colour("centres", "seef")), "centres", "seef")
    svg = plots.to_svg(fig)
    ids = re.findall(r'id="(goldbook-[^"]+)"', svg)
    assert sorted(ids) == ["goldbook-centre-seef", "goldbook-centre-seef-2",
                           "goldbook-channel-phone", "goldbook-channel-phone-2"]
    assert svg_colours(svg) == {("channel", "phone"): {"#e69f00"}, ("centre", "seef"): {"#1b4f72"}}


def test_a_channel_keeps_its_colour_whichever_channels_a_chart_shows(shipped_colours):
    """Colours by position gave the first channel drawn the first colour: Phone took Walk-in's
    colour in a chart without Walk-in."""
    volumes = pd.DataFrame({"centre_id": ["seef", "seef", "tijjar"], "channel_id": ["phone", "whatsapp", "phone"],
                            "transactions": [5, 3, 4]})
    fig = plots.stacked_bars(volumes, "centre_id", "channel_id", "transactions", index_labels={},
                             stack_labels={}, title="t", ylabel="y")
    assert svg_colours(plots.to_svg(fig)) == {("channel", "phone"): {"#e69f00"},
                                              ("channel", "whatsapp"): {"#009e73"}}
    trend = pd.DataFrame({"month": ["2024-01", "2024-02"] * 2, "channel_id": ["email"] * 2 + ["walk_in"] * 2,
                          "transactions": [10, 12, 30, 31], "service_level": [0.8, 0.9, 0.7, 0.75]})
    fig = kpis_view.trend_chart(trend, ["transactions", "service_level"], {"transactions": "a", "service_level": "b"},
                                {"email": "Email", "walk_in": "Walk-in"})
    assert svg_colours(plots.to_svg(fig)) == {("channel", "email"): {"#7f7f7f"}, ("channel", "walk_in"): {"#0072b2"}}
    mix = pd.DataFrame({"month": ["2024-01", "2024-02"], "channel_id": ["live_chat", "live_chat"],
                        "completed": [3, 4]})
    fig = adoption_view.mix_chart(mix, {"phone": "Phone", "live_chat": "Live chat"}, title="t", ylabel="y")
    assert svg_colours(plots.to_svg(fig)) == {("channel", "live_chat"): {"#56b4e9"}}


def test_centre_charts_colour_each_centre_by_id(shipped_colours):
    team = pd.DataFrame({"centre_id": ["virtual", "tijjar"], "compliments_per_1000_before": [1.0, 2.0],
                         "compliments_per_1000": [1.5, None]})
    fig = recognition_view.team_figure(team, title="t", before="b", now="n", centre_labels={})
    assert svg_colours(plots.to_svg(fig)) == {("centre", "virtual"): {"#7d3c98"}, ("centre", "tijjar"): {"#b7950b"}}
    assert callable(readiness_view.trend_figure)    # drawn per centre the same way (checked end to end below)


# --- end to end: every SVG of a published month -------------------------------------------------

@pytest.mark.e2e
def test_each_channel_and_centre_has_one_colour_in_every_svg_of_a_month(demo_run):
    cfg = load_config(demo_run)
    month = sorted(p.name for p in (demo_run / "reports").iterdir() if re.fullmatch(r"\d{4}-\d{2}", p.name))[-1]
    svgs = sorted((demo_run / "reports" / month / "figures").glob("*/*.svg"))
    assert {p.parent.name for p in svgs} == {"en", "ar"}, f"{month} has figures in both languages"
    seen: dict[tuple[str, str], dict[str, list[str]]] = {}
    for path in svgs:
        for key, found in svg_colours(path.read_text(encoding="utf-8")).items():
            for c in found:
                seen.setdefault(key, {}).setdefault(c, []).append(f"{path.parent.name}/{path.name}")
    expected = {("channel", i): c for i, c in cfg.colours("channels").items()}
    expected |= {("centre", i): c for i, c in cfg.colours("centres").items()}
    missing = sorted(k for k in expected if k not in seen)
    assert not missing, f"drawn in no SVG of {month} with its goldbook id: {missing}"
    wrong = {f"{kind} {item}": {c: sorted(set(files)) for c, files in found.items()}
             for (kind, item), found in seen.items() if set(found) != {expected.get((kind, item))}}
    assert not wrong, f"{month}: items drawn in another colour than configured, or in several: {wrong}"
    # the same charts in both languages tag the same items
    by_lang = {lang: {k for p in svgs if p.parent.name == lang
                      for k in svg_colours(p.read_text(encoding="utf-8"))} for lang in ("en", "ar")}
    assert by_lang["en"] == by_lang["ar"]
