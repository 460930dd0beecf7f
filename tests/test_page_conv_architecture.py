"""Section 9 of the convolution page, the architecture composer, under AppTest: its defaults,
its presets (by URL and by the section's own buttons), a text that is not a network, the FC
as conv toggle, and a URL that reproduces a composed network."""

from __future__ import annotations

import json

import pytest

from explorer import conv_architecture as ca
from explorer.convolution_spec import TAB_COMPOSE
from tests.helpers import metric, open_app, visible_text
from tests.test_conv_architecture import torch_from_layers, torch_walk

PAGE = "pages/5_convolution_kernels.py"


def run(**query):
    """The page with the composer's part open (its sections are drawn only then)."""
    query.setdefault("conv_tab", TAB_COMPOSE)
    at = open_app(PAGE, **query)
    assert not at.exception, [e.value for e in at.exception]
    return at


def arch_table(at):
    """The section's table (the page's dataframe with an 'output volume' column)."""
    for frame in at.dataframe:
        if "output volume" in frame.value.columns:
            return frame.value
    raise AssertionError("no architecture table on the page")


def arch_charts(at) -> dict[str, dict]:
    specs = [json.loads(el.proto.spec) for el in at.get("arrow_vega_lite_chart")
             + at.get("vega_lite_chart")]
    return {s["title"]["text"] if isinstance(s.get("title"), dict) else s.get("title"): s
            for s in specs if "per layer" in str(s.get("title"))}


def torch_counts(text: str, size: int, depth: int):
    return torch_walk(torch_from_layers(ca.parse(text), depth), size, depth)


@pytest.fixture(scope="module")
def default_page():
    return run()


def test_default_network_table_and_totals_match_torch(default_page):
    at = default_page
    table = arch_table(at)
    reference = torch_counts(ca.DEFAULT_TEXT, 32, 3)
    assert len(table) == len(reference) + 1  # the input row first
    for (_, row), (shape, params) in zip(table.iloc[1:].iterrows(), reference, strict=True):
        assert row["output volume"] == "×".join(map(str, shape))
        assert row["weights"] + row["biases"] == params
    total = sum(p for _, p in reference)
    assert metric(at, "Parameters", exact=True) == f"{total:,}"
    assert set(table["check"].iloc[1:]) == {"✓ fits"}
    text = visible_text(at)
    assert "M = 3 conv stages (N = 2, 2, 2), K = 2 fully connected layers" in text
    assert "Where the parameters go." in text and "Where the memory goes." in text
    charts = arch_charts(at)
    assert set(charts) == {"parameters per layer", "activations per layer, one image"}


def test_vgg16_by_url_states_torchvisions_count_next_to_cs231n():
    at = run(preset="vgg16")
    at.run()  # the preset's values reach the URL on the run after
    assert metric(at, "Parameters", exact=True) == "138,357,544"
    assert metric(at, "Activations, one image") == "15,237,608"
    assert metric(at, "Their memory") == "58.1 MB"
    table = arch_table(at)
    assert len(table) == 22
    assert table["weights"].sum() == 138_344_128 and table["biases"].sum() == 13_416
    text = visible_text(at)
    assert "Next to CS231n's numbers." in text
    assert "exactly torchvision's count for VGG16 without batch norm" in text
    assert at.query_params["arch_size"] == "224"
    assert "preset" not in at.query_params


def test_section_buttons_load_alexnet_on_224_and_flag_four_rows():
    at = run()
    at.button(key="_arch_load_alexnet_224").click().run()
    assert not at.exception
    assert at.text_area(key="arch").value == ca.ALEXNET
    assert at.number_input(key="arch_size").value == 224
    table = arch_table(at)
    flagged = table[table["check"].str.startswith("⚠")]
    assert flagged["#"].tolist() == [1, 2, 4, 8]
    assert table.loc[1, "output size"] == "(224 − 11 + 2·0)/4 + 1 = 54.25"
    assert table.loc[1, "check"] == "⚠ rounded down, 54"
    warning = " ".join(str(w.value) for w in at.warning)
    assert "4 of the 11 layers are flagged" in warning and "54.25" in warning
    assert "Next to CS231n" not in visible_text(at)


def test_lenet5_and_fc_as_conv_keep_the_parameter_count():
    at = run(preset="lenet5")
    assert metric(at, "Parameters", exact=True) == "61,706"
    at.toggle(key="arch_fc_conv").set_value(True).run()
    assert not at.exception
    assert metric(at, "Parameters", exact=True) == "61,706"
    table = arch_table(at)
    assert table["layer"].tolist()[-3:] == ["CONV5-120 (was FC120)", "CONV1-84 (was FC84)",
                                            "CONV1-10 (was FC10)"]
    assert table["output volume"].tolist()[-3:] == ["1×1×120", "1×1×84", "1×1×10"]
    assert ("The fully connected layers hold 59,134 parameters; written as convolutions "
            "they hold 59,134, the same") in visible_text(at)


def test_a_bad_text_says_what_is_wrong_and_draws_no_table():
    at = run()
    at.text_area(key="arch").set_value("conv3-16, pool2, conv3-16; fc10").run()
    assert not at.exception
    # The message is shown escaped (it quotes the pattern's * and [ ]): read it unescaped.
    warning = " ".join(str(w.value) for w in at.warning).replace("\\", "")
    assert "The layers cannot be read." in warning
    assert "Stage 1, entry 3: a pool ends its stage" in warning
    assert not any("output volume" in f.value.columns for f in at.dataframe)
    assert not arch_charts(at)


def test_the_url_reproduces_a_composed_network():
    """Set by hand, then opened from the URL Streamlit writes for those values (AppTest does
    not write widget changes into its URL; the browser does, as the browser test shows)."""
    at = run()
    text = "conv5-20/p0, pool2; conv5-50/p0, pool2; fc500, fc10"
    at.text_area(key="arch").set_value(text).run()
    at.number_input(key="arch_size").set_value(28).run()
    at.number_input(key="arch_depth").set_value(1).run()
    at.toggle(key="arch_fc_conv").set_value(True).run()
    assert not at.exception
    again = run(arch=text, arch_size="28", arch_depth="1", arch_fc_conv="true")
    assert again.text_area(key="arch").value == text
    assert again.toggle(key="arch_fc_conv").value is True
    assert arch_table(again).equals(arch_table(at))
    assert metric(again, "Parameters", exact=True) == metric(at, "Parameters", exact=True)
    expected = sum(p for _, p in torch_counts(text, 28, 1))
    assert metric(again, "Parameters", exact=True) == f"{expected:,}"
    assert arch_table(again)["layer"].iloc[5] == "CONV4-500 (was FC500)"


def test_a_url_text_too_long_for_the_box_is_dropped_with_a_note():
    at = run(arch="conv3-8, " * 60 + "fc10")
    assert at.text_area(key="arch").value == ca.DEFAULT_TEXT
    assert any("arch: is longer than 400 characters" in str(i.value) for i in at.info)
