"""The architecture composer (explorer.conv_architecture, _words, _charts) against
torch.nn: the same networks built from torch layers give every layer's output shape and
parameter count; VGG16 against torchvision's published count; the FC-as-conv rewrite against
torch computing both; the VGGNet walk-through of CS231n's notes; the parser's messages; the
preset notes' numbers."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from explorer import conv_architecture as ca
from explorer import conv_architecture_words as caw
from explorer.convolution_spec import ARCH_PRESETS, SPEC

# ---- torch networks, written by hand from the published configurations --------------------

# torchvision's VGG configuration "D" (VGG16): numbers are 3×3 convs (padding 1), "M" a 2×2
# max pool with stride 2; then 512·7·7 → 4096 → 4096 → 1000.
VGG16_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
             512, 512, 512, "M"]
TORCHVISION_VGG16_PARAMETERS = 138_357_544  # torchvision's published count, vgg16 (no BN)


def torch_vgg16() -> list[nn.Module]:
    layers: list[nn.Module] = []
    depth = 3
    for v in VGG16_CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers.append(nn.Conv2d(depth, v, 3, padding=1))
            depth = v
    return layers + [nn.Linear(512 * 7 * 7, 4096), nn.Linear(4096, 4096),
                     nn.Linear(4096, 1000)]


def torch_alexnet(groups: int = 1) -> list[nn.Module]:
    """Krizhevsky et al. (2012): groups=2 splits conv 2, 4 and 5 over two GPUs as the paper
    did; groups=1 is the one-GPU network of the preset."""
    return [nn.Conv2d(3, 96, 11, stride=4), nn.MaxPool2d(3, 2),
            nn.Conv2d(96, 256, 5, padding=2, groups=groups), nn.MaxPool2d(3, 2),
            nn.Conv2d(256, 384, 3, padding=1), nn.Conv2d(384, 384, 3, padding=1, groups=groups),
            nn.Conv2d(384, 256, 3, padding=1, groups=groups), nn.MaxPool2d(3, 2),
            nn.Linear(256 * 6 * 6, 4096), nn.Linear(4096, 4096), nn.Linear(4096, 1000)]


def torch_lenet5() -> list[nn.Module]:
    return [nn.Conv2d(1, 6, 5, padding=2), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.MaxPool2d(2),
            nn.Linear(16 * 5 * 5, 120), nn.Linear(120, 84), nn.Linear(84, 10)]


def torch_from_layers(layers, depth: int) -> list[nn.Module]:
    """torch modules for parsed layers (for texts with no hand-written torch twin)."""
    modules: list[nn.Module] = []
    flat = None
    for layer in layers:
        if layer.kind == "conv":
            modules.append(nn.Conv2d(depth, layer.filters, layer.size, stride=layer.stride,
                                     padding=layer.padding))
            depth = layer.filters
        elif layer.kind == "pool":
            modules.append(nn.MaxPool2d(layer.size, layer.stride))
        else:
            modules.append(nn.LazyLinear(layer.size) if flat is None else
                           nn.Linear(flat, layer.size))
            flat = layer.size
    return modules


def torch_walk(modules: list[nn.Module], size: int, depth: int):
    """(output shape as (H, W, D), parameter count) of each module, on the meta device (no
    arithmetic is done, only shapes): a Linear flattens a volume first, as torch models do."""
    x = torch.empty(1, depth, size, size, device="meta")
    out = []
    for module in modules:
        module = module.to("meta") if not isinstance(module, nn.LazyLinear) else module
        if isinstance(module, (nn.Linear, nn.LazyLinear)) and x.dim() == 4:
            x = torch.flatten(x, 1)
        if isinstance(module, nn.LazyLinear):
            module(torch.zeros(1, x.shape[1]))  # materialise its weight on the CPU
            x = torch.empty(1, module.out_features, device="meta")
        else:
            x = module(x)
        shape = (x.shape[2], x.shape[3], x.shape[1]) if x.dim() == 4 else (1, 1, x.shape[1])
        out.append((tuple(int(v) for v in shape), sum(p.numel() for p in module.parameters())))
    return out


def assert_same_as_torch(network: ca.Network, modules: list[nn.Module]) -> None:
    ours = [(r.shape, r.parameters) for r in network.layers]
    theirs = torch_walk(modules, network.size, network.depth)
    assert len(ours) == len(theirs)
    for number, (a, b) in enumerate(zip(ours, theirs, strict=True), start=1):
        assert a == b, f"layer {number} ({network.rows[number].name}): ours {a}, torch {b}"
    assert network.parameters == sum(b[1] for b in theirs)


# ---- the three networks of the presets, layer by layer ------------------------------------


def test_vgg16_every_layer_and_torchvisions_count():
    network = ca.build(ca.VGG16, 224, 3)
    modules = torch_vgg16()
    assert_same_as_torch(network, modules)
    assert network.parameters == TORCHVISION_VGG16_PARAMETERS == caw.TORCHVISION_VGG16
    assert sum(p.numel() for m in modules for p in m.parameters()) == 138_357_544


def test_alexnet_every_layer():
    network = ca.build(ca.ALEXNET, 227, 3)
    assert_same_as_torch(network, torch_alexnet())
    assert network.parameters == 62_378_344
    assert not network.problems


def test_lenet5_every_layer():
    network = ca.build(ca.LENET5, 28, 1)
    assert_same_as_torch(network, torch_lenet5())
    assert network.parameters == 61_706


TEXTS = [
    (ca.DEFAULT_TEXT, 32, 3),
    ("conv7-64/s2/p3, pool3/s2; conv3-64x2; fc10", 224, 3),  # a ResNet-like stem
    ("conv11-96/s4/p0, pool3/s2; conv5-256, pool3/s2; fc100", 224, 3),  # strides that do not fit
    ("conv4-8/s3/p1, pool2/s3; conv2-5; fc7, fc3", 31, 2),
    ("pool2; fc10", 9, 4),  # N = 0, and an FC on a 4×4×4 volume
    ("fc3", 5, 1),  # INPUT → FC, a linear classifier
    ("conv3-4x3", 6, 1),  # no FC at all
]


@pytest.mark.parametrize("text,size,depth", TEXTS)
def test_any_network_against_torch(text, size, depth):
    network = ca.build(text, size, depth)
    assert network.complete
    assert_same_as_torch(network, torch_from_layers(ca.parse(text), depth))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["conv", "pool"]), st.integers(1, 5),
                          st.integers(1, 3), st.integers(0, 2)), min_size=1, max_size=5),
       st.integers(4, 40), st.integers(1, 3), st.booleans())
def test_sizes_and_counts_agree_with_torch_or_both_refuse(spec, size, depth, fc):
    """Random strides, paddings and windows: where torch computes a layer, we give the same
    shape and count; where torch refuses (output below 1), we flag 'no output'."""
    tokens = [f"conv{f}-{f + 1}/s{s}/p{p}" if kind == "conv" else f"pool{f}/s{s}"
              for kind, f, s, p in spec]
    text = "; ".join(tokens) + ("; fc5" if fc else "")
    network = ca.build(text, size, depth)
    modules = torch_from_layers(ca.parse(text), depth)
    x = torch.empty(1, depth, size, size, device="meta")
    for row, module in zip(network.layers, modules, strict=True):
        if row.status in ("no output", "not computed"):
            if row.status == "no output":
                with pytest.raises(RuntimeError):
                    module.to("meta")(x)
            return
        if isinstance(module, nn.LazyLinear):
            assert row.parameters == (x[0].numel() + 1) * 5
            return
        x = module.to("meta")(x)
        assert row.shape == (x.shape[2], x.shape[3], x.shape[1])
        assert row.parameters == sum(p.numel() for p in module.parameters())
        width = row.layer.size if row.kind == "pool" else row.layer.size - 2 * row.layer.padding
        assert (row.status == "fits") == (
            (network.rows[row.number - 1].shape[0] - width) % row.layer.stride == 0)


def test_alexnet_split_over_two_gpus_is_the_papers_sixty_million():
    grouped = sum(p.numel() for m in torch_alexnet(groups=2) for p in m.parameters())
    assert grouped == 60_965_224
    note = SPEC.preset("alexnet_whole").note
    assert "62,378,344" in note and "60,965,224" in note
    assert ca.build(ca.ALEXNET, 227, 3).parameters == 62_378_344


# ---- CS231n's VGGNet walk-through ----------------------------------------------------------

# "VGGNet in detail" in CS231n's notes: each layer's memory (activations) and weights, as
# the notes write them (weights without biases).
CS231N_VGG = [
    (224 * 224 * 3, 0),
    (224 * 224 * 64, (3 * 3 * 3) * 64), (224 * 224 * 64, (3 * 3 * 64) * 64),
    (112 * 112 * 64, 0),
    (112 * 112 * 128, (3 * 3 * 64) * 128), (112 * 112 * 128, (3 * 3 * 128) * 128),
    (56 * 56 * 128, 0),
    (56 * 56 * 256, (3 * 3 * 128) * 256), (56 * 56 * 256, (3 * 3 * 256) * 256),
    (56 * 56 * 256, (3 * 3 * 256) * 256),
    (28 * 28 * 256, 0),
    (28 * 28 * 512, (3 * 3 * 256) * 512), (28 * 28 * 512, (3 * 3 * 512) * 512),
    (28 * 28 * 512, (3 * 3 * 512) * 512),
    (14 * 14 * 512, 0),
    (14 * 14 * 512, (3 * 3 * 512) * 512), (14 * 14 * 512, (3 * 3 * 512) * 512),
    (14 * 14 * 512, (3 * 3 * 512) * 512),
    (7 * 7 * 512, 0),
    (4096, 7 * 7 * 512 * 4096), (4096, 4096 * 4096), (1000, 4096 * 1000),
]


def test_vgg16_walk_matches_cs231n_row_by_row():
    network = ca.build(ca.VGG16, 224, 3)
    assert [(r.activations, r.weights) for r in network.rows] == CS231N_VGG
    listed_memory = sum(m for m, _ in CS231N_VGG)
    listed_weights = sum(w for _, w in CS231N_VGG)
    # The notes' own list adds up to 15.2M activations (they round the total to 24M) and
    # 138,344,128 weights; biases make the difference to torchvision's count.
    assert network.activations == listed_memory == 15_237_608
    assert network.weights == listed_weights == 138_344_128
    assert network.biases == 13_416 == 138_357_544 - 138_344_128
    assert round(network.activation_mib, 1) == 58.1
    first_fc = network.rows[19]
    assert first_fc.weights == 102_760_448  # "the first FC layer contains 100M weights"


def test_vgg16_words_state_the_numbers_they_compare():
    network = ca.build(ca.VGG16, 224, 3)
    words = caw.vgg16_words(network)
    for number in ("138,357,544", "138,344,128", "13,416", "15,237,608", "58.1 MB",
                   "15.2M", "exactly torchvision's count"):
        assert number in words
    assert caw.is_network(network, ca.VGG16, 224, 3)
    assert not caw.is_network(ca.build(ca.VGG16, 256, 3), ca.VGG16, 224, 3)


# ---- FC layers written as convolutions -----------------------------------------------------


@pytest.mark.parametrize("text,size,depth", [(ca.VGG16, 224, 3), (ca.ALEXNET, 227, 3),
                                             (ca.LENET5, 28, 1), ("pool2; fc10", 9, 4)])
def test_fc_as_conv_keeps_every_count_and_gives_1x1_volumes(text, size, depth):
    plain, conv = ca.build(text, size, depth), ca.build(text, size, depth, fc_as_conv=True)
    assert conv.parameters == plain.parameters
    assert [r.parameters for r in conv.rows] == [r.parameters for r in plain.rows]
    assert [r.shape for r in conv.rows] == [r.shape for r in plain.rows]
    first = next(r for r in conv.rows if r.kind == "fc")
    side = conv.rows[first.number - 1].shape[0]
    assert first.name.startswith(f"CONV{side}-{first.layer.size} (was FC")
    assert "the same" in caw.fc_conv_words(plain, conv)


def test_fc_as_conv_computes_what_the_fc_layers_compute():
    """CS231n: the FC layer reading a W×W×D volume is a CONV with F = W, P = 0, S = 1; the
    next ones are 1×1 convolutions. Same weights, reshaped; same outputs."""
    torch.manual_seed(0)
    conv_part = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
    fcs = [nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)]
    convs = [nn.Conv2d(16, 120, 5), nn.Conv2d(120, 84, 1), nn.Conv2d(84, 10, 1)]
    for fc, conv in zip(fcs, convs, strict=True):
        conv.weight.data = fc.weight.data.reshape(conv.weight.shape)
        conv.bias.data = fc.bias.data.clone()
        assert conv.weight.numel() + conv.bias.numel() == fc.weight.numel() + fc.bias.numel()
    x = torch.randn(4, 1, 28, 28)
    with torch.no_grad():
        h = conv_part(x)
        a = torch.flatten(h, 1)
        b = h
        for k, (fc, conv) in enumerate(zip(fcs, convs, strict=True)):
            a, b = fc(a), conv(b)
            if k < 2:
                a, b = torch.relu(a), torch.relu(b)
    assert b.shape == (4, 10, 1, 1)
    torch.testing.assert_close(b.flatten(1), a, atol=1e-5, rtol=1e-5)
    network = ca.build(ca.LENET5, 28, 1, fc_as_conv=True)
    assert [r.name for r in network.rows[-3:]] == ["CONV5-120 (was FC120)",
                                                   "CONV1-84 (was FC84)", "CONV1-10 (was FC10)"]


# ---- flags on the rows ----------------------------------------------------------------------


def test_alexnet_on_224_flags_the_four_layers_whose_stride_does_not_fit():
    network = ca.build(ca.ALEXNET, 224, 3)
    flagged = {r.number: r for r in network.problems}
    assert sorted(flagged) == [1, 2, 4, 8]
    assert all(r.status == "does not fit" for r in flagged.values())
    assert flagged[1].arithmetic == "(224 − 11 + 2·0)/4 + 1 = 54.25"
    assert "round down to 54" in flagged[1].problem
    assert flagged[1].shape == (54, 54, 96)
    assert network.complete
    rows = ca.table_rows(network)
    assert rows[1]["check"] == "⚠ rounded down, 54"
    assert rows[3]["check"] == "✓ fits"
    note = SPEC.preset("alexnet_224").note
    assert "54.25" in note and "all four" in note and len(flagged) == 4


def test_a_volume_that_shrinks_below_one_stops_the_walk():
    network = ca.build("conv3-8/p0x3; pool2; fc10", 6, 1)
    statuses = [r.status for r in network.layers]
    assert statuses == ["fits", "fits", "no output", "not computed", "not computed"]
    bad = network.rows[3]
    assert bad.arithmetic == "(2 − 3 + 2·0)/1 + 1 = 0"
    assert "3×3 filter is larger than the 2×2 input" in bad.problem
    assert not network.complete
    assert ca.table_rows(network)[4]["output volume"] == "—"


# ---- reading the text ------------------------------------------------------------------------


def test_the_text_forms():
    layers = ca.parse("CONV11-96/s4/p0 , pool3/s2\nconv3-64×2 maxpool2;;fc10x2, fc3")
    assert [(y.kind, y.size, y.filters, y.stride, y.padding, y.stage) for y in layers] == [
        ("conv", 11, 96, 4, 0, 1), ("pool", 3, 0, 2, 0, 1), ("conv", 3, 64, 1, 1, 2),
        ("conv", 3, 64, 1, 1, 2), ("pool", 2, 0, 2, 0, 2), ("fc", 10, 0, 1, 0, 3),
        ("fc", 10, 0, 1, 0, 3), ("fc", 3, 0, 1, 0, 3)]
    assert ca.parse("conv5-6")[0].padding == 2 and ca.parse("conv4-6")[0].padding == 1
    for text in (ca.VGG16, ca.ALEXNET, ca.LENET5, ca.DEFAULT_TEXT):
        assert ca.to_text(ca.parse(text)) == text


@pytest.mark.parametrize("text,expected", [
    ("", "The text has no layer"),
    (" ;; , ", "has no layer"),
    ("conv3-64, fcc10", "Stage 1, entry 2: this is not a layer the page knows"),
    ("conv3-64, pool2, conv3-64", "Stage 1, entry 3: a pool ends its stage"),
    ("conv3-64, fc10", "Stage 1, entry 2: fully connected layers form the last stage"),
    ("fc10; conv3-8", "Stage 2, entry 1: it comes after the fully connected layers"),
    ("conv3-8; inf", "Stage 2, entry 1: this is not a layer"),
    ("conv0-8", "the filter size F must be from 1 to 99, not 0"),
    ("conv3-8/s0", "the stride S must be from 1 to 32, not 0"),
    ("conv3-999999999999", "the number of filters K must be from 1 to 65,536"),
    ("fc10x0", "the repeat count after x must be from 1 to 32, not 0"),
    ("conv3-8x32, conv3-8x32, conv3-8x32", "more than 64 layers"),
    ("9" * 401, "The text is longer than 400 characters"),
    ("__import__('os').system('x')", "not a layer the page knows"),
    ("conv1e9-3", "not a layer the page knows"),
])
def test_bad_text_gets_a_message_in_our_words(text, expected):
    with pytest.raises(ca.ArchitectureTextError) as caught:
        ca.parse(text)
    assert expected in str(caught.value)
    # The message names the place; it never repeats what was typed.
    assert len(text) < 3 or text.strip(" ;,") == "" or text not in str(caught.value)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_a_network_or_a_message(text):
    try:
        layers = ca.parse(text)
    except ca.ArchitectureTextError as err:
        assert err.reason
        return
    assert 1 <= len(layers) <= ca.MAX_LAYERS
    assert ca.parse(ca.to_text(layers)) == layers


# ---- the words and the presets --------------------------------------------------------------


def test_preset_notes_state_what_the_networks_give():
    vgg = ca.build(ca.VGG16, 224, 3)
    first_fc = vgg.rows[19]
    assert caw.percent(caw.share(vgg, first_fc, "parameters")) == "74%"
    first_two = (vgg.rows[1].activations + vgg.rows[2].activations) / vgg.activations
    assert caw.percent(first_two) == "42%"
    assert f"{vgg.parameters:,}" in SPEC.preset("vgg16").note
    assert "74%" in SPEC.preset("vgg16").note and "42%" in SPEC.preset("vgg16").note
    lenet = ca.build(ca.LENET5, 28, 1)
    assert caw.percent(caw.share(lenet, lenet.rows[5], "parameters")) == "78%"
    assert "61,706" in SPEC.preset("lenet5").note and "78%" in SPEC.preset("lenet5").note
    assert [p.name for p in ARCH_PRESETS] == ["vgg16", "alexnet_whole", "alexnet_224",
                                              "lenet5"]


def test_where_words_are_computed_from_the_network():
    vgg = ca.build(ca.VGG16, 224, 3)
    params, memory = caw.where_words(vgg)
    assert "FC4096 (layer 19) alone holds 74% of the 138,357,544" in params
    conv = sum(r.parameters for r in vgg.rows if r.kind == "conv") / vgg.parameters
    assert f"conv layers together {conv:.0%}" in params
    assert "CONV3-64 (layer 1), 224×224×64 = 3,211,264 numbers, 21%" in memory
    assert "the fully connected ones 0.06%" in memory
    _, memory = caw.where_words(ca.build("pool2; fc10", 4, 2))
    assert "largest volume is the input" in memory


def test_pattern_words():
    assert caw.pattern_sentence(ca.build(ca.VGG16, 224, 3)) == (
        "Read as INPUT → [[CONV → RELU]×2 → POOL]×2 → [[CONV → RELU]×3 → POOL]×3 → "
        "[FC → RELU]×2 → FC: M = 5 conv stages (N = 2, 2, 3, 3, 3), K = 2 fully connected "
        "layers with a ReLU, then the last one.")
    assert caw.pattern_words(ca.build("fc3", 5, 1)) == "INPUT → FC"
    assert caw.pattern_words(ca.build("conv3-4; conv3-4, pool2", 8, 1)) == (
        "INPUT → CONV → RELU → CONV → RELU → POOL")


def test_percent_and_memory_text():
    assert [caw.percent(x) for x in (0.7431, 0.0006, 0.0, 1.0)] == ["74%", "0.06%", "0%",
                                                                   "100%"]
    assert caw.memory_text(15_237_608) == "58.1 MB"
    assert caw.memory_text(8_878) == "34.7 KB"


# ---- the charts ------------------------------------------------------------------------------


def test_per_layer_charts_draw_each_layers_numbers():
    from explorer import conv_architecture_charts as cac

    network = ca.build(ca.VGG16, 224, 3, fc_as_conv=True)
    frame = cac.layer_frame(network)
    spec = cac.per_layer_chart(frame, "parameters", "p").to_dict()  # validates the schema
    rows = spec["datasets"][spec["data"]["name"]]
    assert [r["parameters"] for r in rows] == [r.parameters for r in network.layers]
    assert rows[18]["layer"] == "19 · CONV7-4096 (was FC4096)" and rows[18]["kind"] == "FC"
    assert spec["encoding"]["y"]["sort"] == {"field": "order"}
    assert spec["height"] == cac.ROW_HEIGHT * 21 + cac.FRAME_HEIGHT
    spec = cac.per_layer_chart(frame, "activations", "a", zoom=1.4).to_dict()
    rows = spec["datasets"][spec["data"]["name"]]
    assert [r["activations"] for r in rows] == [r.activations for r in network.rows]
    assert rows[0]["kind"] == "input"
    assert sum(r["MB"] for r in rows) == pytest.approx(network.activation_mib)
    assert spec["height"] == int((cac.ROW_HEIGHT * 22 + cac.FRAME_HEIGHT) * 1.4)
