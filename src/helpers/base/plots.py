"""The house style for every figure: fonts that shape Arabic, a fixed palette, deterministic SVG.

matplotlib >= 3.11 shapes Arabic itself; the font comes from the ``fontpkg-noto-sans-arabic``
package so no system font is needed. Do not add arabic-reshaper or python-bidi: with 3.11 they
reverse the text.
"""

from __future__ import annotations

import io
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

import fontpkg_noto_sans_arabic as pkg
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

PALETTE = ["#1b4f72", "#c9a227", "#2e86c1", "#7d3c98", "#229954", "#cb4335", "#839192", "#f39c12"]
SVG_SALT = "goldbook"


@lru_cache(maxsize=1)
def arabic_font() -> str:
    """Register the packaged Noto Sans Arabic and return its family name."""
    path = sorted((pkg.ROOT / "files").glob("*.ttf"))[0]
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def apply_style() -> None:
    """Set the house rcParams: fonts with Arabic first, palette, and reproducible SVG output."""
    plt.rcParams.update({
        "font.family": [arabic_font(), "DejaVu Sans"],
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "figure.dpi": 100,
        "savefig.bbox": "tight",
        "svg.hashsalt": SVG_SALT,      # stable clip-path and glyph ids
        "svg.fonttype": "path",        # text as outlines: pages need no font
        "axes.unicode_minus": False,
    })


def figure(width: float = 8.0, height: float = 4.0, **kwargs):
    """A new figure and axes in the house style."""
    apply_style()
    return plt.subplots(figsize=(width, height), **kwargs)


def to_svg(fig) -> str:
    """The figure as SVG text with no date or creator metadata (same figure, same bytes)."""
    apply_style()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buf.getvalue()


def stacked_bars(frame, index: str, stack: str, value: str, *, index_labels: dict, stack_labels: dict,
                 title: str, ylabel: str):
    """Stacked bars of ``value`` per ``index`` (e.g. centre) split by ``stack`` (e.g. channel).

    Labels are passed in already translated; bars and stack order follow the sorted ids.
    """
    wide = frame.pivot_table(index=index, columns=stack, values=value, aggfunc="sum", fill_value=0).sort_index()
    wide = wide[sorted(wide.columns)]
    fig, ax = figure(8, 4)
    bottom = None
    for i, col in enumerate(wide.columns):
        ax.bar([index_labels.get(k, k) for k in wide.index], wide[col], bottom=bottom,
               label=stack_labels.get(col, col), color=PALETTE[i % len(PALETTE)])
        bottom = wide[col] if bottom is None else bottom + wide[col]
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig
