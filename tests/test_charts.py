import altair as alt
import pandas as pd

from explorer import charts


def _line():
    return alt.Chart(pd.DataFrame({"x": [0, 1], "y": [1, 2]})).mark_line().encode(x="x", y="y")


def test_theme_uses_colour_blind_safe_palette_and_grows_when_presenting():
    normal, big = charts.theme_config(False), charts.theme_config(True)
    assert normal["range"]["category"] == charts.PALETTE
    assert big["axis"]["labelFontSize"] > normal["axis"]["labelFontSize"]
    assert charts.chart_height(300, True) > charts.chart_height(300, False) == 300


def test_themed_keeps_the_charts_own_settings():
    own = _line().configure_axis(labelFontSize=30)
    spec = charts.themed(own, present=False).to_dict()
    assert spec["config"]["axis"]["labelFontSize"] == 30
    assert spec["config"]["axis"]["titleFontSize"] == 14
    assert spec["config"]["range"]["category"] == charts.PALETTE


def test_themed_works_on_layers_and_does_not_mutate():
    base = _line()
    layered = base + base.mark_point()
    spec = charts.themed(layered, present=True).to_dict()
    assert spec["config"]["axis"]["labelFontSize"] == 18
    assert base.config is alt.Undefined


def test_themed_spec_merges_into_a_copy_of_a_dict_spec():
    spec = {"mark": "line", "config": {"axis": {"labelFontSize": 30}}}
    out = charts.themed_spec(spec, present=True)
    assert out["config"]["axis"]["labelFontSize"] == 30
    assert out["config"]["axis"]["titleFontSize"] == 20
    assert out["config"]["range"]["category"] == charts.PALETTE
    assert spec["config"] == {"axis": {"labelFontSize": 30}}


def test_chart_text_is_readable_on_a_phone_and_from_the_back_of_a_room():
    from explorer import charts

    phone, projector = charts.theme_config(False), charts.theme_config(True)
    for part in ("axis", "legend", "header"):
        assert phone[part]["labelFontSize"] >= 11
        assert projector[part]["labelFontSize"] >= 16
    assert projector["title"]["fontSize"] >= 20


def test_charts_name_the_web_font_streamlit_loads_first():
    """Chart text in the page's own font: the first family the theme names is the one
    Streamlit's frontend sets for the page's text (an unknown name falls back to Helvetica
    or Arial)."""
    from explorer.compressed_static import static_folder

    first = charts.theme_config()["font"].split(",")[0].strip()
    scripts = (static_folder() / "static" / "js").glob("*.js")
    assert any(f'sansSerif:`"{first}", sans-serif`' in path.read_text(encoding="utf-8")
               for path in scripts), first
