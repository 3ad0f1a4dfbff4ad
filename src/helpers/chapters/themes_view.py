"""What readers see of comment themes: ``themes`` frames with theme, kind and language in words."""

from __future__ import annotations

import pandas as pd

from ..base.messages import LANGS, fmt_pct, t


def themes_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``top_themes`` / ``examples`` / ``top_terms`` frames for readers: theme, kind and language in
    words, shares as percentages. Comment text stays plain text (the display escapes it)."""
    out = frame.copy()
    if "kind" in out.columns:
        out["kind"] = [t(f"themes.kind.{k}", lang) for k in frame["kind"]]
    if "theme" in out.columns:
        out["theme"] = [t(f"themes.theme.{k}", lang) for k in frame["theme"]]
    if "share" in out.columns:
        out["share"] = [fmt_pct(v, lang) for v in frame["share"]]
    if "lang" in out.columns:
        out["lang"] = [t(f"lang.{k}", lang) if k in LANGS else t("themes.lang.unknown", lang)
                       for k in frame["lang"]]
    return out
