"""Shared chart look: a colour-blind-safe palette, readable fonts, sizes that grow in
presentation mode. Chart builders elsewhere return plain alt.Chart objects and leave the
look to `themed` (called by explorer.ui.chart)."""

from __future__ import annotations

import altair as alt

from explorer import altair_speedup

altair_speedup.install()
# Streamlit moves chart data out of the spec itself; Altair's own 5,000-row guard only
# matters for specs written inline, which ui.built_chart does.
alt.data_transformers.disable_max_rows()

# Okabe & Ito's palette: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000"]
# Diverging scale for signed values (kernels, gradients): blue negative, orange positive.
DIVERGING = "blueorange"
# Sequential scale for magnitudes.
SEQUENTIAL = "viridis"

BASE_HEIGHT = 320
PRESENT_SCALE = 1.4


def chart_height(base: int = BASE_HEIGHT, present: bool = False) -> int:
    return int(base * PRESENT_SCALE) if present else base


def theme_config(present: bool = False) -> dict:
    size = 1.4 if present else 1.0
    return {
        # Streamlit's own web font is "Source Sans"; "Source Sans Pro" (its old name) is
        # not installed anywhere, so charts fell back to Helvetica or Arial.
        "font": "Source Sans, Source Sans Pro, Helvetica, Arial, sans-serif",
        "axis": {"labelFontSize": round(13 * size), "titleFontSize": round(14 * size),
                 "titleFontWeight": "normal", "gridColor": "#E3E6EA"},
        "legend": {"labelFontSize": round(13 * size), "titleFontSize": round(14 * size),
                   "symbolSize": 120 * size},
        "header": {"labelFontSize": round(13 * size), "titleFontSize": round(14 * size)},
        "title": {"fontSize": round(16 * size), "anchor": "start", "fontWeight": "normal"},
        "text": {"fontSize": round(12 * size)},
        "range": {"category": PALETTE},
        "view": {"stroke": None, "continuousHeight": chart_height(BASE_HEIGHT, present)},
        "line": {"strokeWidth": 2.5 * size},
        "point": {"size": 50 * size},
    }


def _merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def themed(chart: alt.TopLevelMixin, present: bool = False) -> alt.TopLevelMixin:
    """The chart with the project's look; settings the chart made itself win."""
    own = chart.config.to_dict() if chart.config is not alt.Undefined else {}
    themed_chart = chart.copy(deep=False)
    themed_chart.config = alt.Config(**_merge(theme_config(present), own))
    return themed_chart


def themed_spec(spec: dict, present: bool = False) -> dict:
    """A Vega-Lite spec dict with the project's look; the spec's own config wins.

    For pages that build specs as plain dicts (no Altair validation on every rerun)."""
    themed_dict = dict(spec)
    themed_dict["config"] = _merge(theme_config(present), spec.get("config") or {})
    return themed_dict


def without_altair_theme(spec: dict) -> dict:
    """The spec without the settings Altair's active theme wrote into it on `to_dict`
    (its default theme sets a 300 px view), so `themed_spec` gives the same look as
    `themed` on the chart itself."""
    theme_view = (alt.theme.get()().get("config") or {}).get("view") or {}
    view = (spec.get("config") or {}).get("view")
    if view:
        for key, value in theme_view.items():
            if view.get(key) == value:
                del view[key]
        if not view:
            del spec["config"]["view"]
        if not spec["config"]:
            del spec["config"]
    return spec


def _register_theme() -> None:
    @alt.theme.register("explorer", enable=False)
    def _explorer_theme() -> alt.theme.ThemeConfig:
        return {"config": theme_config(False)}


_register_theme()
