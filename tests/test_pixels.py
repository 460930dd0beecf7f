"""The pixels page's logic against independent references: scikit-learn's own loader and
NearestCentroid, scipy's distances, torch for shapes, flattening and the forward pass,
explorer.mnist's evaluation, hand computations for scaling, contrast and the words, and
Pillow-made drawings and broken files for the preparation and upload checks."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from explorer import mnist, pixels
from explorer import mnist_models as mm
from explorer import pixels_charts as pc
from explorer import pixels_model as pm

SIZES = (28, 14, 7)
L2, L1 = pm.DISTANCES


@pytest.fixture(scope="module")
def scans():
    return pixels.load_scans()


@pytest.fixture(scope="module")
def models():
    return {size: pm.mnist_model(size) for size in SIZES}


# ---- data ------------------------------------------------------------------------------


def test_scans_match_scikit_learn_and_its_description(scans):
    from sklearn.datasets import load_digits

    ink, labels = scans
    ref = load_digits()
    assert ink.shape == (1797, 8, 8) and ink.dtype == np.uint8
    np.testing.assert_array_equal(labels, ref.target)
    np.testing.assert_array_equal(ink, np.rint(ref.images * 255 / 16).astype(np.uint8))
    assert ink.max() == 255 and ink.min() == 0
    # What the page says about them: a copy of the UCI set's test part, 13 writers, 4x4
    # blocks of a 32x32 bitmap counted into 0..16.
    assert "copy of the test set" in ref.DESCR
    assert f"different {pixels.SCAN_WRITERS}\nto the test set" in ref.DESCR
    assert "32x32 bitmaps are divided into nonoverlapping blocks of\n4x4" in ref.DESCR
    assert pixels.N_SCANS == len(ref.target)


def test_scans_split_is_fixed_disjoint_and_complete():
    train, test = pixels.split_indices(1797)
    again_train, again_test = pixels.split_indices(1797)
    np.testing.assert_array_equal(train, again_train)
    np.testing.assert_array_equal(test, again_test)
    assert len(test) == 449 and len(train) == 1348
    assert not set(train) & set(test)
    assert set(train) | set(test) == set(range(1797))


def test_mnist_at_each_size_is_the_shipped_digits_averaged_by_blocks(models):
    images, labels = mnist.load()
    train, test = mnist.split()
    for size, model in models.items():
        assert model.images.shape == (10_000, size, size) and model.size == size
        f = 28 // size
        sample = images[:5].astype(float).reshape(5, size, f, size, f).mean(axis=(2, 4))
        assert np.abs(model.images[:5] - sample).max() <= 0.5
        np.testing.assert_array_equal(model.labels, labels)
        np.testing.assert_array_equal(model.train, train)
        np.testing.assert_array_equal(model.test, test)
        assert (model.n_train, model.n_test) == (8000, 2000)
        assert model.mlp_accuracy == mm.evaluate_mlp(size).accuracy
        assert model.held_out(int(test[0])) and not model.held_out(int(train[0]))
    np.testing.assert_array_equal(models[28].images, images)


# ---- scaling ---------------------------------------------------------------------------


def test_three_scales_by_hand():
    raw = np.array([[0, 51], [255, 102]], dtype=np.uint8)
    std = pixels.Standardizer(mean=0.2, std=0.4)
    np.testing.assert_array_equal(pixels.scale_pixels(raw, "raw 0–255", std), raw)
    np.testing.assert_allclose(pixels.scale_pixels(raw, "0 to 1", std),
                               [[0, 0.2], [1, 0.4]])
    np.testing.assert_allclose(pixels.scale_pixels(raw, "standardized", std),
                               [[-0.5, 0.0], [2.0, 0.5]])
    with pytest.raises(ValueError):
        pixels.scale_pixels(raw, "log", std)


def test_scale_domain_is_where_paper_and_ink_land():
    std = pixels.Standardizer(mean=0.2, std=0.4)
    assert pixels.scale_domain("raw 0–255", std) == (0.0, 255.0)
    assert pixels.scale_domain("0 to 1", std) == (0.0, 1.0)
    # by hand: (0 - 0.2) / 0.4 and (1 - 0.2) / 0.4
    assert pixels.scale_domain("standardized", std) == pytest.approx((-0.5, 2.0))


@pytest.mark.parametrize("size", SIZES)
def test_standardized_training_pixels_have_mean_0_std_1(models, size):
    model = models[size]
    x = model.images[model.train] / 255.0
    z = model.standardizer.apply(x)
    assert z.mean() == pytest.approx(0.0, abs=1e-9)
    assert z.std() == pytest.approx(1.0, abs=1e-9)
    assert model.standardizer.mean == pytest.approx(x.mean())


# ---- perturbations ---------------------------------------------------------------------


def test_invert_and_shift_by_hand():
    raw = np.array([[0, 10, 200, 255]], dtype=np.uint8).repeat(4, axis=0)
    np.testing.assert_array_equal(pixels.perturb(raw, invert=True)[0], [255, 245, 55, 0])
    np.testing.assert_array_equal(pixels.perturb(raw, shift_percent=25)[0], [0, 0, 10, 200])
    np.testing.assert_array_equal(pixels.perturb(raw, shift_percent=-50)[0], [200, 255, 0, 0])
    np.testing.assert_array_equal(pixels.shift_image(raw, 9), np.zeros_like(raw))
    assert pixels.shift_pixels(30, 28) == 8 and pixels.shift_pixels(-40, 8) == -3


def test_noise_is_seeded_clipped_and_has_the_asked_spread():
    flat = np.full((100, 100), 128, dtype=np.uint8)
    a = pixels.perturb(flat, noise=20, seed=3)
    np.testing.assert_array_equal(a, pixels.perturb(flat, noise=20, seed=3))
    assert a.dtype == np.uint8
    assert a.astype(float).std() == pytest.approx(20, rel=0.05)
    wild = pixels.perturb(flat, noise=400)
    assert wild.min() == 0 and wild.max() == 255


# ---- shapes and positions --------------------------------------------------------------


@pytest.mark.parametrize("shape", [(28, 28), (784,), (2000, 28, 28), (2000, 10), (1,)])
def test_shape_text_matches_torch(shape):
    import torch

    assert pixels.torch_size_text(shape) == str(torch.zeros(shape).shape)
    assert len(shape) == torch.zeros(shape).dim()  # rank = number of axes


@pytest.mark.parametrize("size", [28, 14, 7, 8])
def test_flat_index_is_where_torch_flatten_puts_a_pixel(size):
    import torch

    grid = torch.arange(size * size).reshape(size, size)  # each pixel holds its position
    flat = grid.flatten()
    for row, col in [(0, 0), (0, size - 1), (size - 1, 0), (size // 2, 3), (size - 1, size - 1)]:
        index = pixels.flat_index(row, col, size)
        assert flat[index] == grid[row, col] and index == row * size + col


# ---- the baseline ----------------------------------------------------------------------


def _flat01(images):
    return images.reshape(len(images), -1).astype(np.float64) / 255.0


@pytest.mark.filterwarnings("ignore:self.within_class_std_dev_")
@pytest.mark.parametrize("size", SIZES)
def test_ten_digit_baseline_equals_scikit_learn_and_scipy(models, size):
    """Root mean square distance ranks like the Euclidean distance (scikit-learn's
    NearestCentroid); mean absolute like scipy's city block distance to the means."""
    from scipy.spatial.distance import cdist
    from sklearn.neighbors import NearestCentroid

    model = models[size]
    x, y = _flat01(model.images), model.labels
    centroid = NearestCentroid().fit(x[model.train], y[model.train])
    l2 = pm.baseline(model, tuple(range(10)), L2)
    np.testing.assert_allclose(l2.means.reshape(10, -1), centroid.centroids_, atol=1e-12)
    assert l2.accuracy == pytest.approx(centroid.score(x[model.test], y[model.test]), abs=0)
    l1 = pm.baseline(model, tuple(range(10)), L1)
    by_city_block = cdist(x[model.test], centroid.centroids_, "cityblock").argmin(axis=1)
    assert l1.accuracy == pytest.approx(np.mean(by_city_block == y[model.test]), abs=0)
    # the same numbers as explorer.mnist's own baseline
    assert l2.accuracy == mnist.nearest_mean(tuple(range(10)), "squared", size).accuracy
    assert l1.accuracy == mnist.nearest_mean(tuple(range(10)), "abs", size).accuracy


def test_three_versus_seven_counts_each_digit_by_hand(models):
    model = models[28]
    result = pm.baseline(model, (3, 7), L1)
    y = model.labels[model.test]
    keep = np.isin(y, (3, 7))
    x = model.images[model.test][keep] / 255.0
    ideal = {k: (model.images[model.train][model.labels[model.train] == k] / 255.0).mean(0)
             for k in (3, 7)}
    says = np.where(np.abs(x - ideal[3]).mean(axis=(1, 2)) < np.abs(x - ideal[7]).mean(
        axis=(1, 2)), 3, 7)
    for k in (3, 7):
        assert result.class_accuracy[k] == pytest.approx(np.mean(says[y[keep] == k] == k))
    assert result.accuracy == pytest.approx(np.mean(says == y[keep]))
    assert result.n_test == keep.sum() == 420
    assert result.predict(x[0]) == says[0]


def test_shown_distances_are_root_mean_square_and_mean_absolute():
    image = np.array([[0.0, 1.0], [0.5, 0.5]])
    means = np.stack([np.zeros((2, 2)), np.ones((2, 2))])
    np.testing.assert_allclose(pm.shown_distances(image, means, L2),
                               [np.sqrt(1.5 / 4), np.sqrt(1.5 / 4)])
    np.testing.assert_allclose(pm.shown_distances(image, means, L1), [0.5, 0.5])


def test_the_comparison_with_fastbook_gives_each_digits_accuracy(models):
    result = pm.baseline(models[28], (3, 7), L1)
    rows, words = pm.fastbook_comparison(result, pixels.MNIST, 28)
    ours = result.class_accuracy
    assert rows == (("3s right", ours[3], 0.9168), ("7s right", ours[7], 0.9854),
                    ("average", (ours[3] + ours[7]) / 2, 0.9511))
    assert words.startswith("Same method and setting")
    # fastbook's average is the mean of its two printed accuracies
    book = pm.FASTBOOK_3V7
    assert round((book["threes"] + book["sevens"]) / 2, 4) == book["average"]
    _, other = pm.fastbook_comparison(pm.baseline(models[14], (3, 7), L1), pixels.MNIST, 14)
    assert "measure different things" in other and "14×14" in other


# NearestCentroid warns that some corner pixels never vary within a class (always paper).
@pytest.mark.filterwarnings("ignore:self.within_class_std_dev_")
def test_the_scans_model_against_scikit_learn(scans):
    from sklearn.neighbors import NearestCentroid

    ink, labels = scans
    model = pm.scans_model()
    train, test = pixels.split_indices(len(labels))
    assert (model.size, model.n_train, model.n_test) == (8, len(train), len(test))
    np.testing.assert_array_equal(model.images, ink)
    x = _flat01(ink)
    centroid = NearestCentroid().fit(x[train], labels[train])
    baseline = pm.baseline(model, tuple(range(10)), L2)
    np.testing.assert_allclose(baseline.means.reshape(10, -1), centroid.centroids_, atol=1e-12)
    assert baseline.accuracy == pytest.approx(centroid.score(x[test], labels[test]))
    assert model.standardizer.mean == pytest.approx(x[train].mean())
    network = mm.mlp_forward(pm.load(), x[test].reshape(-1, 8, 8)).probs.argmax(1)
    assert model.mlp_accuracy == pytest.approx(np.mean(network == labels[test]))
    assert model.mlp_accuracy > baseline.accuracy


# ---- the scans' network ----------------------------------------------------------------


def test_numpy_forward_pass_of_the_scans_network_matches_torch(scans):
    import torch

    ink, _ = scans
    w = pm.load()
    images = ink[:50] / 255.0
    net = torch.nn.Sequential(torch.nn.Linear(64, w.hidden), torch.nn.ReLU(),
                              torch.nn.Linear(w.hidden, 10)).double()
    with torch.no_grad():
        for layer, (weight, bias) in ((net[0], (w.w1, w.b1)), (net[2], (w.w2, w.b2))):
            layer.weight.copy_(torch.tensor(weight))
            layer.bias.copy_(torch.tensor(bias))
        x = torch.tensor(images.reshape(50, -1))
        logits = net(x).numpy()
        probs = torch.softmax(net(x), dim=1).numpy()
    ours = mm.mlp_forward(w, images)
    np.testing.assert_allclose(ours.logits, logits, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours.probs, probs, rtol=1e-6, atol=1e-9)


def test_weights_file_holds_only_the_scans_network_as_plain_arrays():
    with np.load(pm.WEIGHTS_FILE, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["s8_b1", "s8_b2", "s8_w1", "s8_w2"]
        assert all(npz[name].dtype == np.float32 for name in npz.files)
    w = pm.load()
    assert w.size == 8 and w.w2.shape == (10, w.hidden) and w.hidden == pm.HIDDEN


@pytest.mark.slow
def test_the_training_script_reproduces_a_good_model():
    """What `python -m explorer.pixels_model` does."""
    x_train, y_train, x_test, y_test = pm.training_data()
    weights = pm.train_mlp(x_train, y_train)
    acc = mnist.accuracy(mm.mlp_forward(weights, x_test).probs.argmax(1), y_test)
    assert acc >= 0.95


def test_load_or_train_falls_back_to_training(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(pm, "train_mlp", lambda x, y: calls.append(x.shape) or "trained")
    assert pm.load_or_train(tmp_path / "missing.npz") == "trained"
    assert calls == [(1348, 8, 8)]


# ---- drawings --------------------------------------------------------------------------


def canvas_rgba(draw, stroke: int = 28) -> np.ndarray:
    """What the drawing canvas sends: RGBA, transparent paper, black strokes (a tenth of
    the 280-pixel canvas wide, as the page draws them)."""
    image = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    draw(ImageDraw.Draw(image), stroke)
    return np.asarray(image)


def vertical_stroke(d, w):
    d.line([(140, 40), (140, 240)], fill=(0, 0, 0, 255), width=w)


def seven(d, w):
    d.line([(70, 50), (210, 50), (120, 240)], fill=(0, 0, 0, 255), width=w, joint="curve")


def ring(d, w):
    d.ellipse([75, 40, 205, 240], outline=(0, 0, 0, 255), width=w)


def test_canvas_colours_become_ink():
    rgba = np.zeros((2, 3, 4), dtype=np.uint8)
    rgba[0, 0] = (0, 0, 0, 255)  # black stroke
    rgba[0, 1] = (255, 255, 255, 255)  # white background
    rgba[0, 2] = (0, 0, 0, 128)  # half-transparent black
    out = pixels.ink_from_rgba(rgba)
    assert out[0, 0] == 255 and out[0, 1] == 0 and out[1, 0] == 0
    assert out[0, 2] == 128
    with pytest.raises(pixels.BadImage):
        pixels.ink_from_rgba(np.zeros((4, 4)))


def test_an_enlarged_picture_is_black_ink_on_white_in_a_frame():
    ink = np.array([[0, 255], [128, 0]], dtype=np.uint8)
    picture = np.asarray(pixels.enlarged_picture(ink, px=10))
    assert picture.shape == (12, 12)  # 10 pixels and a one-pixel frame each side
    frame = np.concatenate([picture[0], picture[-1], picture[:, 0], picture[:, -1]])
    assert (frame == pixels.PICTURE_FRAME).all()
    # each ink value fills a 5x5 block, drawn as 255 - ink (paper white, ink black)
    np.testing.assert_array_equal(picture[1:11, 1:11], np.kron(255 - ink, np.ones((5, 5))))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("draw", "digit"), [(vertical_stroke, 1), (seven, 7), (ring, 0)])
def test_synthetic_drawings_prepared_the_mnist_way_are_recognised(size, draw, digit):
    prepared = mnist.prepare_drawing(pixels.ink_from_rgba(canvas_rgba(draw))).image
    probs = mm.mlp_forward(mm.load_mlp(size), mnist.at_size(prepared, size) / 255.0).probs[0]
    assert int(probs.argmax()) == digit, np.round(probs, 2)


def test_a_drawn_png_goes_through_the_upload_decoder_too():
    image = Image.fromarray(canvas_rgba(ring), "RGBA")
    buf = io.BytesIO()
    image.save(buf, "PNG")
    decoded = pixels.decode_image(buf.getvalue())
    assert not decoded.dark_background  # transparent paper counts as white
    np.testing.assert_array_equal(decoded.ink, pixels.ink_from_rgba(canvas_rgba(ring)))


# ---- words for the pictures ----------------------------------------------------------------


def test_every_picture_has_words_saying_what_it_shows():
    name = pixels.picture_name(pixels.MNIST, 3)
    assert pixels.picture_alt(name, 28, invert=False, noise=0, shift=0, written=True) == \
        "MNIST digit 3, 28×28 pixels, as written"
    assert pixels.picture_alt("your drawing", 7, invert=True, noise=40, shift=-20,
                              written=False) == ("your drawing, 7×7 pixels, colours inverted, "
                                                 "with noise of spread 40, shifted left by 20% "
                                                 "of its width")
    assert pixels.picture_name(pixels.SCANS, 8) == "8×8 scan of a 8"
    assert pixels.picture_alt(pixels.picture_name(pixels.UPLOAD, None), 14, invert=False,
                              noise=0, shift=10, written=False).endswith("shifted right by "
                                                                         "10% of its width")


# ---- the matrix on screen ----------------------------------------------------------------


def _wcag_contrast(a: float, b: float) -> float:
    """Contrast of two grey levels, the WCAG 2 formula written out again."""
    def lum(g):
        c = g / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_cell_number_has_at_least_4_5_to_1_contrast():
    values = np.arange(256.0)
    colours = pc.text_colours(values, (0.0, 255.0))
    text_grey = {"black": 0.0, "white": 255.0, pc.ZERO_TEXT: int(pc.ZERO_TEXT[1:3], 16)}
    for value, colour in zip(values, colours, strict=True):
        cell = 255.0 - value  # the cell's grey: white paper (0) to black ink (255)
        assert _wcag_contrast(cell, text_grey[colour]) >= 4.5, (value, colour)
    assert colours[0] == pc.ZERO_TEXT and colours[255] == "white" and colours[60] == "black"
    # standardized: paper is negative, and still gets the grey zero colour
    assert pc.text_colours(np.array([-0.42, 2.8]), (-0.42, 2.8)).tolist() == [
        pc.ZERO_TEXT, "white"]


def _vega_value(expr: str, names: dict[str, float]) -> float:
    """The value of one of matrix_chart's or means_chart's Vega expressions: numbers,
    names, + - * / and clamp/min/max/floor/ceil calls, and a >= comparison (evaluated on its syntax tree)."""
    import ast
    import operator

    functions = {"clamp": lambda v, lo, hi: min(max(v, lo), hi), "min": min, "max": max,
                 "floor": math.floor, "ceil": math.ceil}
    binary = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
              ast.Div: operator.truediv}

    def value(node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return names[node.id]
        if isinstance(node, ast.BinOp):
            return binary[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.Call):
            return functions[node.func.id](*map(value, node.args))
        if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.GtE):
            return value(node.left) >= value(node.comparators[0])
        raise AssertionError(f"unexpected syntax in {expr!r}")

    return value(ast.parse(expr, mode="eval").body)


def _domain(scale: str) -> tuple[float, float]:
    return (0.0, 255.0) if scale == pixels.SCALES[0] else (
        (0.0, 1.0) if scale == pixels.SCALES[1] else (-0.42, 2.82))


@pytest.mark.parametrize("size", [28, 14, 8, 7])
@pytest.mark.parametrize("scale", pixels.SCALES)
@pytest.mark.parametrize("present", [False, True])
def test_matrix_numbers_are_11_px_or_more_and_fit_their_cells(size, scale, present):
    domain = _domain(scale)
    chars = pc.label_chars(scale, domain)
    fmt = pc.value_format(scale)
    longest = max(len(f"{int(v) if fmt == 'd' else v:{fmt}}") for v in domain)
    assert chars == longest
    widths = [0, pc.PHONE_SIDE, 450, 560, 620, 700, pc.largest_side(present), 2000]
    fits = [pc.matrix_fit(w, size, chars, present) for w in widths]
    assert [f.side for f in fits] == sorted(f.side for f in fits)  # grows with the page
    assert fits[0].side == 120 and fits[-1].side == pc.largest_side(present)
    for fit in fits:
        if fit.numbers:
            assert fit.font >= 11
            assert longest * 0.56 * fit.font + 2 <= fit.side / size
        else:
            assert longest * 0.56 * 11 + 2 > fit.side / size  # 11 px would not fit
        assert fit.font <= pc.big_font(size, present)
    # raw numbers are written out on a wide page at every size
    if scale == pixels.SCALES[0]:
        assert fits[-1].numbers


@pytest.mark.parametrize("size", [28, 14, 7])
@pytest.mark.parametrize("scale", pixels.SCALES)
@pytest.mark.parametrize("present", [False, True])
def test_the_matrix_chart_sizes_itself_in_the_browser_as_matrix_fit_says(size, scale,
                                                                        present):
    domain = _domain(scale)
    spec = pc.matrix_chart(size=size, domain=domain, scale_name=scale,
                           present=present).to_dict()
    params = {p["name"]: p["expr"] for p in spec["params"]}
    assert list(params) == ["side", "font", "numbers"]  # each uses the ones before it
    for width in (200, pc.PHONE_SIDE, 500, 620, 728, 1200):
        names = {"width": width}
        for name, expr in params.items():
            names[name] = _vega_value(expr, names)
        fit = pc.matrix_fit(width, size, pc.label_chars(scale, domain), present)
        assert (names["side"], names["font"], names["numbers"]) == (
            fit.side, fit.font, fit.numbers)
    # Both layers place cells on [0, side] in x and y: a square grid of side pixels.
    for layer in spec["layer"]:
        for channel in ("x", "y"):
            assert layer["encoding"][channel]["scale"]["range"] == [0, {"expr": "side"}]
            assert layer["encoding"][channel]["scale"]["domain"] == [0, size]
    text = spec["layer"][1]["mark"]
    assert text["fontSize"] == {"expr": "font"}
    assert spec["layer"][1]["transform"] == [{"filter": "numbers"}]
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}


WIDTHS = [120, 250, pc.PHONE_SIDE, 358, 450, 560, 700, 728, 900, 1200, 2000]


@pytest.mark.parametrize("panels", [10, 2])
@pytest.mark.parametrize("present", [False, True])
def test_the_mean_images_fill_the_width_in_even_rows_without_overlapping(panels, present):
    largest, least_column, _ = pc.means_sizes(panels, present)
    fits = [pc.means_fit(w, panels, present) for w in WIDTHS]
    assert [f.columns for f in fits] == sorted(f.columns for f in fits)  # more when wider
    assert fits[-1].columns == panels and fits[-1].picture == largest  # one row, full size
    assert fits[0].columns == 1
    for width, fit in zip(WIDTHS, fits, strict=True):
        rows = math.ceil(panels / fit.columns)
        assert math.ceil(panels / rows) == fit.columns  # rows as even as they can be
        assert fit.column >= least_column  # a title always has its room
        assert fit.picture <= fit.column  # a picture never overlaps the next column
        grid = fit.columns * fit.column + (fit.columns - 1) * pc.MEANS_GAP
        assert grid <= max(width, least_column) + 1e-9  # the grid fits the plot area
    if panels == 10:  # ten digits: one row on a desktop page, two rows of five on a phone
        assert pc.means_fit(728, 10).columns == 10
        assert pc.means_fit(358, 10).columns == 5


@pytest.mark.parametrize("panels", [10, 2])
@pytest.mark.parametrize("present", [False, True])
def test_the_means_chart_lays_itself_out_in_the_browser_as_means_fit_says(panels, present):
    spec = pc.means_chart(panels=panels, present=present).to_dict()
    params = {p["name"]: p["expr"] for p in spec["params"]}
    assert list(params) == ["fit", "columns", "column", "picture"]  # each uses the ones before
    for width in WIDTHS:
        names = {"width": width}
        for name, expr in params.items():
            names[name] = _vega_value(expr, names)
        fit = pc.means_fit(width, panels, present)
        assert (names["columns"], names["column"], names["picture"]) == (
            fit.columns, fit.column, fit.picture)
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    for layer in spec["layer"]:  # marks placed in pixels, not on scales
        assert layer["encoding"]["x"]["scale"] is None
        assert layer["encoding"]["y"]["scale"] is None


def test_the_means_frame_keeps_the_classes_order_and_titles_the_nearest():
    distances = np.array([0.3, 0.1, 0.2])
    frame = pc.means_frame(("a", "b", "c"), distances, (3, 7, 9)).to_pydict()
    assert frame["slot"] == [0, 1, 2] and frame["digit"] == [3, 7, 9]
    assert frame["url"] == ["a", "b", "c"]
    assert frame["title"] == ["3  ·  0.300", "7  ·  0.100  ◀", "9  ·  0.200"]


# ---- uploads ---------------------------------------------------------------------------


def png_bytes(image: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()


def dark_digit_on_paper(size=(120, 160)) -> Image.Image:
    image = Image.new("L", size, 255)
    ImageDraw.Draw(image).line([(60, 20), (60, 140)], fill=0, width=14)
    return image


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (np.random.default_rng(0).bytes(5000), "not an image"),
    (b"hello, I am a text file with a .png name\n" * 20, "not an image"),
])
def test_bad_uploads_get_a_message(data, message):
    with pytest.raises(pixels.BadImage, match=message):
        pixels.decode_image(data)


def test_a_10000_by_10000_image_is_refused_before_decoding():
    huge = png_bytes(Image.new("L", (10_000, 10_000), 255))
    assert len(huge) < pixels.MAX_UPLOAD_BYTES  # small file, enormous canvas
    with pytest.raises(pixels.BadImage, match="10,000×10,000"):
        pixels.decode_image(huge)


def test_truncated_and_oversized_files():
    good = png_bytes(dark_digit_on_paper())
    with pytest.raises(pixels.BadImage, match="damaged"):
        pixels.decode_image(good[: len(good) // 2])
    with pytest.raises(pixels.BadImage, match="limit"):
        pixels.decode_image(good, max_bytes=100)
    with pytest.raises(pixels.BadImage, match="not supported"):
        pixels.decode_image(png_bytes(dark_digit_on_paper(), "TIFF"))


def test_large_dimensions_are_downscaled_and_dark_backgrounds_flipped():
    wide = Image.new("L", (3000, 600), 0)  # light stroke on black, MNIST style
    ImageDraw.Draw(wide).line([(1500, 50), (1500, 550)], fill=255, width=60)
    decoded = pixels.decode_image(png_bytes(wide))
    assert decoded.downscaled and decoded.original_size == (3000, 600)
    assert max(decoded.ink.shape) == pixels.MAX_SIDE
    assert decoded.dark_background
    assert decoded.ink[:, :100].max() == 0 and decoded.ink.max() == 255


def test_jpeg_and_rgba_uploads_decode_to_ink():
    decoded = pixels.decode_image(png_bytes(dark_digit_on_paper().convert("RGB"), "JPEG"))
    assert decoded.ink.shape == (160, 120) and decoded.ink.max() > 200
    assert decoded.ink[:, :20].max() < 30  # paper stays near 0 (JPEG noise aside)
    prepared = mnist.prepare_drawing(decoded.ink)
    assert prepared.image.shape == (28, 28) and prepared.scaled_shape[0] == 20


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_ink_or_a_bad_image_message(data):
    try:
        decoded = pixels.decode_image(data)
    except pixels.BadImage as err:
        assert str(err)
    else:
        assert decoded.ink.dtype == np.uint8


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=1, max_size=400), st.integers(8, 200))
def test_corrupted_png_bodies_never_escape_as_other_errors(noise, cut):
    good = png_bytes(dark_digit_on_paper((40, 40)))
    data = good[:cut] + noise + good[cut + len(noise):]
    try:
        pixels.decode_image(data)
    except pixels.BadImage:
        pass


def test_a_gigapixel_header_is_refused_with_a_size_message():
    # Beyond twice Pillow's own limit Image.open refuses outright; the message still
    # talks about size, not about a broken file.
    big = png_bytes(Image.new("1", (20_000, 20_000), 1))
    with pytest.raises(pixels.BadImage, match="pixels"):
        pixels.decode_image(big)


def _decoded(url: str) -> np.ndarray:
    import base64

    assert url.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
                      .convert("L"))


@pytest.mark.parametrize("size", [28, 14, 7])
def test_a_mean_picture_is_its_values_white_to_black(size):
    """The mean images are pictures (one per digit, not a rect per pixel): each pixel a
    block of the same grey, 0 white and 1 black as in the matrix charts."""
    rng = np.random.default_rng(size)
    mean = rng.random((size, size))
    mean[0, 0], mean[-1, -1] = 0.0, 1.0
    grey = _decoded(pc.mean_picture_url(mean))
    block = pc.MEAN_PICTURE_PX // size
    assert grey.shape == (size * block, size * block)
    np.testing.assert_array_equal(grey[::block, ::block], 255 - np.rint(mean * 255))
    np.testing.assert_array_equal(grey[block - 1::block, block - 1::block],
                                  255 - np.rint(mean * 255))


def test_the_means_table_has_one_picture_per_digit_in_order():
    means = np.stack([np.full((7, 7), k / 9) for k in range(10)])
    distances = np.arange(10, 0, -1, dtype=float)
    table = pc.means_frame(pc.mean_pictures(means), distances).to_pandas()
    assert list(table["digit"]) == list(range(10))
    assert table["title"].iloc[9].endswith("◀")  # the nearest
    for k in (0, 9):
        assert (_decoded(table["url"].iloc[k]) == 255 - round(k / 9 * 255)).all()
