"""The house style for every figure: seaborn's theme under our rcParams, fonts that shape Arabic,
one colour per channel and per centre from config, deterministic SVG.

matplotlib >= 3.11 shapes Arabic itself; the font comes from the ``fontpkg-noto-sans-arabic``
package so no system font is needed. Do not add arabic-reshaper or python-bidi: with 3.11 they
reverse the text.

Colours: ``colour("channels", id)`` / ``colour("centres", id)`` is the configured colour
(``Config.colours``; ``use_colours`` registers a root's configuration, ``Report`` does it), so an
item has one colour in every chart of every month and language. ``tag`` gives the artists drawn
for an item an SVG id ``goldbook-channel-<id>`` / ``goldbook-centre-<id>`` (``-2``, ``-3`` … when a
figure draws it again), so a test can read the colours back from the published SVG.
"""

from __future__ import annotations

import io
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

import fontpkg_noto_sans_arabic as pkg
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import FuncFormatter, ScalarFormatter  # noqa: E402

from .config import COLOUR_KINDS, ConfigError, load_config
from .paths import CODE_ROOT

# Lines that stand for no channel or centre (targets, forecasts, thresholds) take these.
PALETTE = ["#1b4f72", "#c9a227", "#2e86c1", "#7d3c98", "#229954", "#cb4335", "#839192", "#f39c12"]
NEUTRAL = "#839192"     # a comparison line (before, control, threshold)
UNKNOWN = "#808080"     # an id the configuration does not list
SVG_SALT = "goldbook"
GID_PREFIX = {"channels": "goldbook-channel", "centres": "goldbook-centre"}
_colours: dict[str, dict[str, str]] = {}


@lru_cache(maxsize=1)
def arabic_font() -> str:
    """Register the packaged Noto Sans Arabic and return its family name."""
    path = sorted((pkg.ROOT / "files").glob("*.ttf"))[0]
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


@lru_cache(maxsize=1)
def house_rc() -> dict:
    """seaborn's ``whitegrid`` style and ``notebook`` context (fonts scaled to matplotlib's 10 pt),
    with the house settings on top: Arabic font first, our palette, plain patches, stable SVG."""
    rc = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook", font_scale=10 / 12)}
    rc.update({
        "font.family": [arabic_font(), "DejaVu Sans"],
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "patch.force_edgecolor": False,   # a bar or band is its item's colour only
        "figure.dpi": 100,
        "savefig.bbox": "tight",
        "svg.hashsalt": SVG_SALT,      # stable clip-path and glyph ids
        "svg.fonttype": "path",        # text as outlines: pages need no font
        "axes.unicode_minus": False,
    })
    return rc


def apply_style() -> None:
    """Set the house rcParams (``house_rc``)."""
    plt.rcParams.update(house_rc())


# --- one colour per channel and centre ---------------------------------------------------------

def use_colours(cfg) -> None:
    """Register ``cfg``'s channel and centre colours (``Config.colours``) for ``colour``."""
    for kind in COLOUR_KINDS:
        _colours[kind] = cfg.colours(kind)


def colour(kind: str, item_id) -> str:
    """The configured ``#rrggbb`` of channel or centre ``item_id`` (``kind``: ``channels`` or
    ``centres``); the shipped configuration's when none was registered; ``UNKNOWN`` grey for an
    id the configuration does not list."""
    if kind not in COLOUR_KINDS:
        raise ConfigError(f"colours are configured for {' and '.join(COLOUR_KINDS)}, not {kind!r}")
    if kind not in _colours:
        use_colours(load_config(CODE_ROOT))
    return _colours[kind].get(str(item_id), UNKNOWN)


def colours(kind: str, ids) -> list[str]:
    """``colour`` of each of ``ids``, in order."""
    return [colour(kind, i) for i in ids]


def tag(artists, kind: str, item_id):
    """Give ``artists`` (one artist, or a list/container of them) drawn for a channel or centre
    the SVG id ``goldbook-channel-<id>`` / ``goldbook-centre-<id>``, suffixed ``-2``, ``-3`` … when
    the figure already has it (ids are unique in an SVG). Returns ``artists``."""
    if hasattr(artists, "patches"):            # a BarContainer: each bar
        items = list(artists.patches)
    else:
        items = list(artists) if isinstance(artists, (list, tuple)) else [artists]
    for artist in items:
        fig = artist.get_figure()
        seen = fig.__dict__.setdefault("_goldbook_gids", {})
        base = f"{GID_PREFIX[kind]}-{item_id}"
        seen[base] = seen.get(base, 0) + 1
        artist.set_gid(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return artists


def figure(width: float = 8.0, height: float = 4.0, **kwargs):
    """A new figure and axes in the house style."""
    apply_style()
    return plt.subplots(figsize=(width, height), **kwargs)


def heatmap(ax, values, row_labels: list[str], column_labels: list[str], cmap: str = "YlOrBr"):
    """seaborn's annotated heatmap in the house style: each cell's count written in it (thousands
    separated, in a colour that reads on the cell), no colour bar, thin white cell borders."""
    sns.heatmap(values, ax=ax, annot=True, fmt=",.0f", cbar=False, cmap=cmap, linewidths=0.5, linecolor="white",
                xticklabels=column_labels, yticklabels=row_labels, annot_kws={"fontsize": 8})
    ax.tick_params(axis="y", rotation=0)
    return ax


def tick_label(value, _pos=None) -> str:
    """An axis number as the text writes numbers: thousands separated (``20,000``), no trailing
    zeros (``2.5``), never ``1e+06``."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def separate_thousands(fig) -> None:
    """Every plain numeric axis of ``fig`` (matplotlib's default ``ScalarFormatter``; not dates,
    categories, log scales or a chart's own formatter) labelled by ``tick_label``."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(FuncFormatter(tick_label))


def to_svg(fig) -> str:
    """The figure as SVG text with no date or creator metadata (same figure, same bytes); its
    numeric axes thousands-separated (``separate_thousands``)."""
    apply_style()
    separate_thousands(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buf.getvalue()


def stacked_bars(frame, index: str, stack: str, value: str, *, index_labels: dict, stack_labels: dict,
                 title: str, ylabel: str):
    """Stacked bars of ``value`` per ``index`` (e.g. centre) split by ``stack`` (e.g. channel).

    Labels are passed in already translated; bars and stack order follow the sorted ids. A stack
    of channels or centres takes their configured colours (``colour``).
    """
    wide = frame.pivot_table(index=index, columns=stack, values=value, aggfunc="sum", fill_value=0).sort_index()
    wide = wide[sorted(wide.columns)]
    fig, ax = figure(8, 4)
    bottom = None
    kind = "channels" if stack == "channel_id" else "centres" if stack == "centre_id" else None
    for i, col in enumerate(wide.columns):
        bars = ax.bar([index_labels.get(k, k) for k in wide.index], wide[col], bottom=bottom,
                      label=stack_labels.get(col, col),
                      color=colour(kind, col) if kind else PALETTE[i % len(PALETTE)])
        if kind:
            tag(bars, kind, col)
        bottom = wide[col] if bottom is None else bottom + wide[col]
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig
