from tests.helpers import app_test, visible_text

KIT = "tests/kit_page.py"


def test_defaults_and_presentation_toggle():
    at = app_test(KIT).run()
    assert not at.exception
    assert at.toggle(key="present").value is False
    assert "lr=0.1 epochs=10" in visible_text(at)


def test_preset_button_sets_several_controls_and_marks_itself():
    at = app_test(KIT).run()
    at.button(key="preset_btn_too_big").click().run()
    assert not at.exception
    assert at.slider(key="lr").value == 2.5
    assert at.slider(key="epochs").value == 30
    assert "It overshoots." in visible_text(at)
    assert "diverged at step 7" in visible_text(at)
    assert "Lower the learning rate" in visible_text(at)


def test_preset_in_url_applies_once_and_stays_until_a_control_moves():
    at = app_test(KIT)
    at.query_params["preset"] = "too_small"
    at.run()
    assert at.slider(key="lr").value == 0.001
    assert at.slider(key="epochs").value == 5
    assert at.query_params.get("preset") == "too_small", "the link keeps sharing the preset"
    at.slider(key="epochs").set_value(50).run()
    assert at.slider(key="epochs").value == 50, "the preset is not applied over the change"
    assert at.slider(key="lr").value == 0.001
    assert "preset" not in at.query_params, "after a change the URL names the values"


def test_explicit_url_values_win_over_the_preset():
    at = app_test(KIT)
    at.query_params["preset"] = "too_small"
    at.query_params["epochs"] = "77"
    at.run()
    assert at.slider(key="lr").value == 0.001
    assert at.slider(key="epochs").value == 77


def test_unknown_preset_in_url_is_ignored_and_dropped():
    at = app_test(KIT)
    at.query_params["preset"] = "no_such_thing"
    at.run()
    assert not at.exception
    assert at.slider(key="lr").value == 0.1
    assert "preset" not in at.query_params


def test_a_preset_button_after_a_preset_link_takes_over():
    at = app_test(KIT)
    at.query_params["preset"] = "too_small"
    at.run()
    at.button(key="preset_btn_too_big").click().run()
    assert at.slider(key="lr").value == 2.5
    assert "preset" not in at.query_params


def test_url_restores_presentation_mode():
    at = app_test(KIT)
    at.query_params["present"] = "true"
    at.run()
    assert at.toggle(key="present").value is True


def test_built_chart_is_the_builders_spec_with_data_as_arrow():
    import io

    import pandas as pd
    import pyarrow as pa

    from explorer import charts, collab_charts, ui

    frame = pd.DataFrame({"model": ["biases only", "dot product", "with biases"],
                          "validation RMSE": [0.95, 0.93, 0.91]})
    expected = charts.without_altair_theme(
        collab_charts.stages_chart(frame, 220).to_dict(validate=False))
    built = ui.built_chart(collab_charts.stages_chart, frame, 220)
    assert {k: v for k, v in built.items() if k != "datasets"} == {
        k: v for k, v in expected.items() if k != "datasets"}
    assert built["datasets"].keys() == expected["datasets"].keys()
    for name, rows in expected["datasets"].items():
        table = pa.ipc.open_stream(io.BytesIO(built["datasets"][name])).read_all()
        assert table.to_pandas().to_dict("records") == rows
    # The same look as showing the chart itself: Altair's default theme left out.
    shown_as_chart = charts.without_altair_theme(charts.themed(
        collab_charts.stages_chart(frame, 220)).to_dict(validate=False))
    assert charts.themed_spec(built)["config"] == shown_as_chart["config"]
    # Built once: the second call is the cached spec (a copy, so a caller may change it).
    again = ui.built_chart(collab_charts.stages_chart, frame, 220)
    assert again == built and again is not built


def test_built_charts_hash_frames_with_frame_digest():
    """Streamlit picks a hash function by the type's module and name; pandas 3 calls its
    frames `pandas.DataFrame`. A key that matches nothing silently falls back to Streamlit's
    slow hash (it did, for a while)."""
    import pandas as pd
    from streamlit import type_util

    from explorer import ui

    assert ui.FRAME_HASH_FUNCS[type_util.get_fqn_type(pd.DataFrame())] is ui.frame_digest


def test_frame_digest_tells_apart_what_changes_a_chart():
    import numpy as np
    import pandas as pd

    from explorer.ui import frame_digest

    base = pd.DataFrame({"title": ["a", "b"], "x": [1.0, 2.0], "n": [3, 4]})
    same = pd.DataFrame({"title": ["a", "b"], "x": [1.0, 2.0], "n": [3, 4]})
    assert frame_digest(base) == frame_digest(same)
    variants = [
        base.assign(x=[1.0, 2.5]),                                  # a number
        base.assign(title=["a", "c"]),                              # a text cell
        pd.DataFrame({"title": ["a\x1fb", "c"], "x": [1.0, 2.0], "n": [3, 4]}),
        pd.DataFrame({"title": ["a", "b\x1fc"], "x": [1.0, 2.0], "n": [3, 4]}),
        base.rename(columns={"x": "y"}),                            # a column name
        base.assign(n=np.array([3.0, 4.0])),                        # a dtype
        base.set_axis([5, 6]),                                      # the index
        base.assign(x=[1.0, np.nan]),                               # a missing value
        base.iloc[:1],                                              # the length
        base.assign(title=pd.Categorical(["a", "b"], categories=["a", "b"])),
        base.assign(title=pd.Categorical(["a", "b"], categories=["b", "a"])),
    ]
    digests = {frame_digest(v) for v in variants} | {frame_digest(base)}
    assert len(digests) == len(variants) + 1
