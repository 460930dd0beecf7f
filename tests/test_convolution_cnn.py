"""The convolution page's tiny CNN: its training history (shipped, deterministic, ending on
the shipped weights), the first layer's maps against torch, the pictures' colours against
Vega's schemes, a picture of a digit prepared like MNIST, and the replay chart's size."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import convolution as cv
from explorer import convolution_charts as charts
from explorer import convolution_cnn as cnn
from explorer import heat_images, mnist, ui
from explorer import mnist_models as mm
from tools import train_mnist_models as trainer


def test_history_file_is_plain_arrays_of_the_expected_shapes():
    with np.load(cnn.HISTORY_FILE, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(cnn.HISTORY_KEYS)
        assert npz["conv1_weight"].dtype == np.float32
    history = cnn.load_history()
    assert history.frames == trainer.HISTORY_FRAMES == 40
    assert history.conv1_weight.shape == (40, 8, 1, 3, 3)
    assert history.conv1_bias.shape == (40, 8)
    assert history.steps_per_epoch == 125  # 8,000 digits in batches of 64
    assert history.steps[0] == 0 and history.steps[-1] == 20 * 125
    assert np.all(np.diff(history.steps) > 0)
    np.testing.assert_array_equal(history.steps, trainer.history_steps(2500))
    assert cnn.HISTORY_FILE.stat().st_size < 300_000  # "a few hundred KB" at most


def test_last_frame_is_the_shipped_trained_conv_layer():
    history, weights = cnn.load_history(), mm.load_cnn()
    np.testing.assert_array_equal(history.conv1_weight[-1], weights.conv1_weight)
    np.testing.assert_array_equal(history.conv1_bias[-1], weights.conv1_bias)
    # The accuracy stored with the last frame (torch, float32) is the numpy evaluation's.
    assert round(float(history.held_out_accuracy[-1]) * 2000) == round(
        mm.evaluate_cnn().accuracy * 2000) == 1963


def test_first_frame_is_torch_s_random_start_for_the_seed():
    """The training seeds torch, then builds the network: its first conv layer is the first
    thing drawn, so a fresh Conv2d after the same seed holds frame 0's weights."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(trainer.SEED)
    fresh = torch.nn.Conv2d(1, 8, 3, padding=1)
    history = cnn.load_history()
    np.testing.assert_array_equal(history.conv1_weight[0], fresh.weight.detach().numpy())
    np.testing.assert_array_equal(history.conv1_bias[0], fresh.bias.detach().numpy())
    assert 0.05 < history.held_out_accuracy[0] < 0.15  # random filters: about 1 in 10


def test_history_steps_are_denser_early_and_exact_in_number():
    for total in (2500, 125, 45, 39, 10):
        steps = trainer.history_steps(total)
        assert steps[0] == 0 and steps[-1] == total
        assert np.all(np.diff(steps) > 0)
        assert len(steps) == min(40, total + 1)
    gaps = np.diff(trainer.history_steps(2500))
    assert gaps[:10].mean() < gaps[-10:].mean() / 3


@pytest.mark.slow
def test_snapshots_are_deterministic_and_change_nothing():
    """One epoch, three ways: twice with snapshots (same bytes), once without (same
    weights), and the last snapshot is the network that comes out."""
    params, history = trainer.train_cnn(epochs=1, frames=6)
    again, history_again = trainer.train_cnn(epochs=1, frames=6)
    plain, _ = trainer.train_cnn(epochs=1, frames=0)
    for key in history:
        np.testing.assert_array_equal(history[key], history_again[key])
    for key in params:
        np.testing.assert_array_equal(params[key].detach().numpy(), again[key].detach().numpy())
        np.testing.assert_array_equal(params[key].detach().numpy(), plain[key].detach().numpy())
    assert history["steps"].tolist() == trainer.history_steps(125, 6).tolist()
    np.testing.assert_array_equal(history["conv1_weight"][-1],
                                  params["conv1_weight"].detach().numpy())


def test_first_layer_maps_at_a_frame_equal_torch():
    torch = pytest.importorskip("torch")
    history = cnn.load_history()
    image, _ = cnn.held_out_digit(11)
    x01 = image / 255.0
    maps = cnn.history_maps(history, x01)
    assert maps.shape == (40, 8, 28, 28)
    for frame in (0, 17, 39):
        w = torch.tensor(history.conv1_weight[frame], dtype=torch.float64)
        b = torch.tensor(history.conv1_bias[frame], dtype=torch.float64)
        expected = torch.relu(torch.nn.functional.conv2d(
            torch.tensor(x01)[None, None], w, b, padding=1))[0].numpy()
        np.testing.assert_allclose(maps[frame], expected, atol=1e-12)
    # the last frame's maps are the trained network's relu1 stage
    stages = mm.cnn_stages(mm.load_cnn(), x01)
    np.testing.assert_allclose(maps[-1], stages[2].array, atol=1e-12)


def test_the_colour_stops_are_vega_s_own():
    """Copied from Vega (the schemes the charts use); read back from the Vega bundled with
    the installed Streamlit."""
    import re
    from pathlib import Path

    import streamlit

    bundle = Path(streamlit.__file__).parent / "static" / "static" / "js"
    text = "".join(p.read_text(errors="ignore") for p in bundle.glob("embed*.js"))
    for ours, theirs in (("viridis", "viridis"), ("blueorange", "blueOrange"),
                         ("greys", "greys")):
        found = re.search(theirs + r":`([0-9a-f]+)`", text)
        assert found, theirs
        assert heat_images.SCHEME_STOPS[ours] == found.group(1)


def test_colours_follow_vega_s_scheme_stops():
    viridis = heat_images.stops("viridis")
    assert viridis.shape == (31, 3)
    np.testing.assert_array_equal(cnn.colour(np.array([0.0, 2.0]), "positive", 2.0),
                                  [viridis[0], viridis[-1]])
    blue_orange = heat_images.stops("blueorange")
    middle = cnn.colour(np.array([-3.0, 0.0, 3.0]), "signed", 3.0)
    np.testing.assert_array_equal(middle[[0, 2]], blue_orange[[0, -1]])
    np.testing.assert_array_equal(middle[1], blue_orange[len(blue_orange) // 2])
    np.testing.assert_array_equal(cnn.colour(np.array([0.0, 0.5, 9.0]), "ink", 1.0),
                                  [[0, 0, 0], [128, 128, 128], [255, 255, 255]])


def test_a_map_picture_is_its_values_in_32_shades():
    import base64
    import io

    from PIL import Image

    values = np.linspace(0, 3.0, 28 * 28).reshape(28, 28)
    url = cnn.map_data_url(values, bound=3.0)
    assert url.startswith("data:image/png;base64,")
    picture = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert picture.mode == "P" and picture.size == (28, 28)
    shades = np.rint(values / 3.0 * 31) / 31
    expected = cnn.colour(shades, "positive", 1.0)
    np.testing.assert_array_equal(np.asarray(picture.convert("RGB")), expected)


def test_tile_puts_each_map_in_its_place():
    maps = np.zeros((5, 2, 2))
    maps[3] = 1.0  # the fourth map lights up: row 1, column 0 of a 3-wide grid
    picture = cnn.tile(maps, "positive", columns=3, scale=2, gap=1)
    assert picture.shape == (2 * 4 + 1, 3 * 4 + 2, 3)
    lit = cnn.colour(np.array(1.0), "positive", 1.0)
    np.testing.assert_array_equal(picture[5:9, 0:4], np.broadcast_to(lit, (4, 4, 3)))
    np.testing.assert_array_equal(picture[4], 255)  # the gap between the rows
    np.testing.assert_array_equal(picture[5:, 10:], 255)  # no sixth map


def test_most_like_is_the_correlation_of_the_two_patterns():
    """The similarity the page quotes equals Pearson's correlation of the nine weights."""
    rng = np.random.default_rng(3)
    filters = rng.normal(size=(6, 3, 3))
    refs = {name: cv.KERNELS[name] for name in cnn.SOBEL_EDGES}
    for f, (name, score) in zip(filters, cnn.most_like(filters, refs), strict=True):
        correlations = {n: np.corrcoef(f.ravel(), k.ravel())[0, 1] for n, k in refs.items()}
        assert name == max(correlations, key=correlations.get)
        assert score == pytest.approx(correlations[name])


def _picture(ink_on_paper: bool) -> np.ndarray:
    grey = np.full((120, 90), 255.0 if ink_on_paper else 0.0)
    grey[20:100, 40:52] = 0.0 if ink_on_paper else 255.0  # a thick vertical stroke: a "1"
    return grey


@pytest.mark.parametrize("ink_on_paper", [True, False])
def test_a_picture_of_a_digit_is_prepared_like_mnist(ink_on_paper):
    prepared = cnn.digit_from_picture(_picture(ink_on_paper))
    assert prepared.image.shape == (28, 28) and prepared.image.dtype == np.uint8
    assert prepared.scaled_shape[0] == 20  # the taller side scaled to 20 pixels
    r, c = prepared.centre_of_mass
    assert abs(r - 14) <= 0.5 and abs(c - 14) <= 0.5
    assert prepared.image[14, 14] > 200 and prepared.image[0, 0] == 0  # ink bright
    for shade in (255.0, 200.0, 30.0):  # a picture all of one shade has no ink
        assert cnn.digit_from_picture(np.full((50, 50), shade)) is None
    # a pencil stroke (shade 120) on grey paper (shade 210) becomes full-strength ink
    pencil = np.full((60, 60), 210.0)
    pencil[10:50, 28:33] = 120.0
    assert cnn.digit_from_picture(pencil).image.max() >= 250


def test_an_uploaded_copy_of_a_held_out_digit_gets_the_same_answer():
    """A held-out digit saved as a picture, dark on light and 5 times bigger, comes back
    from the upload path as the same digit for the CNN: the same answer as on the digit
    itself (right or wrong)."""
    import io

    from PIL import Image

    images, _ = mnist.held_out_data()
    weights, answers = mm.load_cnn(), mm.evaluate_cnn().predicted
    for index in range(0, 2000, 50):
        big = Image.fromarray(255 - images[index]).resize((140, 140), Image.Resampling.NEAREST)
        buffer = io.BytesIO()
        big.save(buffer, "PNG")
        prepared = cnn.digit_from_picture(cv.load_upload(buffer.getvalue()))
        probs = mm.cnn_forward(weights, prepared.image / 255.0)[0]
        assert probs.argmax() == answers[index], index


def test_percent_never_rounds_to_certainty():
    assert cnn.percent(0.99996) == "more than 99.9%"
    assert cnn.percent(0.00002) == "less than 0.1%"
    assert cnn.percent(0.5) == "50.0%"


def test_the_replay_chart_with_every_frame_is_under_3_mb():
    """Issue 18: a spec with all frames at most 3 MB. Measured as Streamlit sends it: the
    JSON spec and the Arrow bytes of its datasets."""
    import json

    history = cnn.load_history()
    image, _ = cnn.held_out_digit(0)
    maps = cnn.history_maps(history, image / 255.0)
    urls = [[cnn.map_data_url(m, cnn.bound_of(f, "positive"))
             for m in f] for f in maps]
    data = charts.replay_data(history, maps, urls)
    assert len(data["frames"]) == 40 and len(data["filters"]) == 40 * 72
    assert len(data["maps"]) == 40 * 8
    size = sum(len(b) for b in ui.arrow_datasets(data).values())
    for wide in (True, False):
        spec = charts.training_replay(40, 2500, 0.8, columns=8 if wide else 4)
        assert spec["params"][0]["bind"]["max"] == 39 and spec["params"][0]["value"] == 39
        assert size + len(json.dumps(spec)) < 3_000_000
    assert size < 1_000_000
