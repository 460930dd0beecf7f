"""The convolution page's sentences about results, checked against what the page computes:
every preset note, the kernels' notes, the "What is going on" claims and the tiny CNN's
sections (issue 24)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from explorer import convolution as cv
from explorer import convolution_cnn as cnn
from explorer import mnist, mnist_models
from explorer.convolution_spec import DEFAULT_IMAGE, IMAGES, SPEC
from tests.helpers import open_app, visible_text

PAGE = "pages/5_convolution_kernels.py"


def preset_values(name: str) -> dict:
    return {p.key: p.default for p in SPEC.params} | SPEC.preset(name).values


def preset_output(name: str) -> np.ndarray:
    """The output of section 2 in a preset's state, computed here as the page does."""
    values = preset_values(name)
    source, which, colour = IMAGES[values["image"]]
    assert source == "photo"
    image = cv.sample_photo(which, colour)
    kernel = cv.KERNELS[values["kernel"]]
    if values["flip"]:
        kernel = cv.flip_kernel(kernel)
    weights = cv.layer_weights(kernel, 3 if colour else 1, values["per_colour"])
    return cv.conv2d(image, weights, values["bias"], values["S"], values["P"])


def shown_note(at) -> str:
    return " ".join(i.value for i in at.info)


# ---- presets -------------------------------------------------------------------------------


def bright_square(size: int = 20, lo: int = 6, hi: int = 14) -> np.ndarray:
    img = np.zeros((size, size))
    img[lo:hi, lo:hi] = 200.0
    return img


def test_emboss_lights_a_bright_square_from_the_top_left():
    """Issue 24: the note said "lit from the bottom right"; with the page's kernel a bright
    square is bright on its top-left rim and dark on its bottom-right rim."""
    values = preset_values("emboss")
    assert values["kernel"] == "emboss" and values["flip"] is False and values["bias"] == 0
    out = cv.conv2d(bright_square(), cv.KERNELS["emboss"], values["bias"], values["S"],
                    values["P"])[0]
    # output (i, j) is centred on input (i + 1, j + 1); the square spans inputs 6..13
    top_rim, left_rim = out[5 - 1, 7:12], out[7:12, 5 - 1]
    bottom_rim, right_rim = out[14 - 1, 7:12], out[7:12, 14 - 1]
    inside = out[8:11, 8:11]
    assert (top_rim > 255).all() and (left_rim > 255).all()  # drawn white
    assert (bottom_rim < 0).all() and (right_rim < 0).all()  # drawn black
    np.testing.assert_allclose(inside, 200.0)  # the weights add up to 1: flat stays flat
    note = SPEC.preset("emboss").note
    assert "bright along its top-left rim and dark along its bottom-right rim" in note
    assert "lit from the top left" in note and "bottom right" not in note.split("shadow")[0]
    assert "bright top-left rim and a dark bottom-right rim" in cv.KERNEL_NOTES["emboss"]
    # flipped, the light comes from the other side: the note is for the unflipped kernel
    flipped = cv.conv2d(bright_square(), cv.flip_kernel(cv.KERNELS["emboss"]))[0]
    assert (flipped[4, 7:12] < 0).all() and (flipped[13, 7:12] > 255).all()


def test_emboss_preset_shows_its_note_and_uses_the_unflipped_kernel():
    at = open_app(PAGE, preset="emboss", flip="true")  # the preset wins over the link
    assert SPEC.preset("emboss").note in shown_note(at)


def test_max_pool_preset_shows_max_pool_s_own_note():
    """Issue 24: Edges' settings are a subset of max_pool's, and the first match used to
    win; the kit now marks the most specific preset."""
    at = open_app(PAGE, preset="max_pool")
    note = shown_note(at)
    assert SPEC.preset("max_pool").note in note
    assert SPEC.preset("edges").note not in note
    assert at.button(key="preset_btn_max_pool").proto.type == "primary"
    assert at.button(key="preset_btn_edges").proto.type == "secondary"


def test_max_pool_note_halves_the_map_and_drops_three_quarters():
    values = preset_values("max_pool")
    out = preset_output("max_pool")[0]
    pooled = cv.pool2d(out, values["pool_size"], values["pool_stride"], "max")
    assert pooled.shape == (out.shape[0] // 2, out.shape[1] // 2)  # "halves in each direction"
    assert pooled.size / out.size == pytest.approx(0.25)  # "three quarters ... dropped"
    assert cv.max_pool_kept_fraction(out, 2, 2) == pytest.approx(0.25)
    note = SPEC.preset("max_pool").note
    assert "halves in each direction" in note and "three quarters" in note


def test_blur_note_weights_and_fading_detail():
    kernel = cv.KERNELS[preset_values("blur")["kernel"]]
    assert (kernel > 0).all() and kernel.sum() == pytest.approx(1.0)  # "add up to 1"
    image = cv.sample_photo("china", False)
    out = preset_output("blur")[0]
    inner = image[2:-2, 2:-2]  # the same pixels the 5x5 output covers

    def detail(x):  # the size of pixel-to-pixel changes
        return np.abs(np.diff(x, axis=0)).mean() + np.abs(np.diff(x, axis=1)).mean()

    assert detail(out) < 0.6 * detail(inner)  # "fine detail fades"
    assert out.mean() == pytest.approx(inner.mean(), rel=0.01)
    assert "add up to 1" in SPEC.preset("blur").note and "fine detail fades" in SPEC.preset(
        "blur").note


def test_edges_note_flat_areas_are_zero():
    values = preset_values("edges")
    kernel = cv.KERNELS[values["kernel"]]
    assert kernel.sum() == 0  # "the weights add up to 0"
    flat = cv.conv2d(np.full((10, 10), 137.0), kernel)[0]
    np.testing.assert_array_equal(flat, 0.0)  # "flat areas give 0 (black)"
    assert values["show"] == cv.DISPLAY_MODES[2]  # black whatever the sign
    out = preset_output("edges")[0]
    assert np.mean(np.abs(out) < 10) > 0.3  # most of a photo is nearly flat: dark
    assert np.abs(out).max() > 255  # and where brightness changes, it lights up


def test_alexnet_note_arithmetic():
    values = preset_values("alexnet")
    size = cv.output_size(values["W"], values["F"], values["S"], values["P"])
    assert (227 - 11 + 0) == 216 and 216 / 4 == 54 and size.size == 55 and size.fits
    count = cv.conv_parameters(values["F"], values["D"], values["K"])
    assert count == 34_944 and round(count, -3) == 35_000  # "about 35 thousand weights"
    note = SPEC.preset("alexnet").note
    assert "55×55×96" in note and "about 35 thousand" in note


def test_stride_that_does_not_fit_note_arithmetic():
    values = preset_values("stride_no_fit")
    size = cv.output_size(values["W"], values["F"], values["S"], values["P"])
    assert size.exact == pytest.approx(2 + 1 / 3) and not size.fits
    assert size.unused_columns == 1 and size.size == 2  # "the last column", "round down to 2"
    assert "2⅓" in SPEC.preset("stride_no_fit").note


# ---- the kernels' notes --------------------------------------------------------------------


def step(direction: str) -> np.ndarray:
    """A 12x12 image that gets darker going `direction` ('down' or 'right')."""
    ramp = np.where(np.arange(12) < 6, 200.0, 40.0)
    return np.tile(ramp[:, None], (1, 12)) if direction == "down" else np.tile(ramp, (12, 1))


@pytest.mark.parametrize(("name", "image", "sign"), [
    ("Sobel top", "down", +1),  # "bright where the image gets darker going down"
    ("Sobel bottom", "down", -1),  # bright where it gets brighter going down: not here
    ("Sobel left", "right", +1),  # "bright where the image gets darker going right"
    ("Sobel right", "right", -1),
])
def test_sobel_notes_say_which_side_is_bright(name, image, sign):
    out = cv.conv2d(step(image), cv.KERNELS[name])[0]
    edge = out[4:6, :] if image == "down" else out[:, 4:6]
    assert (np.sign(edge) == sign).all()
    assert (np.delete(out, [4, 5], axis=0 if image == "down" else 1) == 0).all()
    # the test image gets darker: a kernel bright there says "darker", one dark there
    # is the opposite kernel, bright where the image gets brighter
    change = "darker" if sign > 0 else "brighter"
    assert f"bright where the image gets {change} going {image}" in cv.KERNEL_NOTES[name]


def test_the_other_kernel_notes():
    k = cv.KERNELS
    assert (k["box blur"] == 1 / 9).all() and k["box blur"].shape == (3, 3)
    assert k["Gaussian blur"].shape == (5, 5) and k["Gaussian blur"].sum() == pytest.approx(1)
    assert k["Gaussian blur"][2, 2] == k["Gaussian blur"].max()  # "favours the centre"
    assert k["sharpen"][1, 1] == 5 and (k["sharpen"][[0, 1, 1, 2], [1, 0, 2, 1]] == -1).all()
    assert k["outline"][1, 1] == 8 and (np.delete(k["outline"].ravel(), 4) == -1).all()
    assert k["identity"].sum() == 1 and k["identity"][1, 1] == 1


def test_what_is_going_on_sums():
    """"Weights that add up to 1 keep the overall brightness (blur, sharpen); weights that
    add up to 0 answer 0 on flat areas (edges)"."""
    image = cv.sample_photo("china", False)
    for name in ("box blur", "Gaussian blur", "sharpen"):
        out = cv.conv2d(image, cv.KERNELS[name])[0]
        f = cv.KERNELS[name].shape[0] // 2
        assert out.mean() == pytest.approx(image[f:-f, f:-f].mean(), rel=0.01), name
    for name in ("outline", "Sobel top", "Sobel left"):
        assert cv.conv2d(np.full((8, 8), 99.0), cv.KERNELS[name]).max() == 0


def test_a_default_image_preset_state_matches_the_page():
    at = open_app(PAGE, preset="blur")
    caption = next(c.value for c in at.caption if c.value.startswith("**Output**"))
    out = preset_output("blur")
    assert f"values from {out.min():.1f} to {out.max():.1f}" in caption
    assert IMAGES[DEFAULT_IMAGE][0] == "photo"


# ---- the tiny CNN -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cnn_page():
    return visible_text(open_app(PAGE, digit="5"))


def test_the_cnn_accuracy_sentence(cnn_page):
    evaluation = mnist_models.evaluate_cnn()
    right = int((evaluation.predicted == evaluation.labels).sum())
    assert f"trained on {len(mnist.train_data()[1]):,} MNIST digits" in cnn_page
    assert (f"gets **{evaluation.accuracy:.1%}** of the {len(evaluation.labels):,} held-out "
            f"digits right ({right:,})") in cnn_page
    assert f"{mnist_models.load_cnn().n_parameters:,} numbers in all" in cnn_page


def test_the_edge_detector_sentence(cnn_page):
    """Each filter named as like a Sobel kernel correlates with it at the number given,
    at least 0.8; the random start's best is lower."""
    history = cnn.load_history()
    trained = mnist_models.load_cnn().conv1_weight[:, 0]
    claims = re.findall(r"filter (\d) is like \*\*(Sobel \w+)\*\* \((0\.\d\d)\)", cnn_page)
    assert claims
    for k, name, score in claims:
        r = np.corrcoef(trained[int(k) - 1].ravel(), cv.KERNELS[name].ravel())[0, 1]
        assert round(r, 2) == float(score) and r >= 0.8
    start = history.conv1_weight[0][:, 0]
    best_start = max(abs(np.corrcoef(f.ravel(), cv.KERNELS[n].ravel())[0, 1])
                     for f in start for n in cnn.SOBEL_EDGES)
    said = float(re.search(r"came to a Sobel kernel was (0\.\d\d)", cnn_page).group(1))
    assert said <= best_start + 0.005 and said < min(float(s) for _, _, s in claims)


def test_the_replay_sentences(cnn_page):
    history = cnn.load_history()
    steps = history.steps
    assert f"({steps[-1]:,} steps of 64 digits, 20 passes over the data)" in cnn_page
    assert steps[-1] == 20 * history.steps_per_epoch
    # "more of them early on": the first half of the frames cover under half the steps
    assert steps[len(steps) // 2] < steps[-1] / 2
    first, last = history.held_out_accuracy[[0, -1]]
    assert f"from random filters ({first:.1%}, no better than guessing)" in cnn_page
    assert abs(first - 0.1) < 0.05  # ten classes: guessing gets about 1 in 10
    assert f"to the trained ones ({last:.1%})" in cnn_page


def test_the_followed_digit_s_verdict(cnn_page):
    evaluation = mnist_models.evaluate_cnn()
    said = int(re.search(r"The CNN says \*\*(\d)\*\*", cnn_page).group(1))
    assert said == evaluation.predicted[5]
    verdict = "right." if said == evaluation.labels[5] else "wrong"
    assert f"labelled **{evaluation.labels[5]}**: {verdict}" in cnn_page


def test_a_digit_the_cnn_gets_wrong_says_so():
    evaluation = mnist_models.evaluate_cnn()
    wrong = int(np.flatnonzero(evaluation.predicted != evaluation.labels)[0])
    text = visible_text(open_app(PAGE, digit=str(wrong)))
    assert (f"labelled **{evaluation.labels[wrong]}**: wrong, one of the "
            f"{int((evaluation.predicted != evaluation.labels).sum())} held-out digits it "
            "misses") in text


def test_pooling_stages_halve_the_maps(cnn_page):
    stages = mnist_models.cnn_stages(mnist_models.load_cnn(), mnist.held_out_data()[0][5] / 255)
    by_name = {s.name: s for s in stages}
    assert by_name["pool1"].shape[1:] == tuple(d // 2 for d in by_name["relu1"].shape[1:])
    assert by_name["pool2"].array.size * 4 == by_name["relu2"].array.size
    assert by_name["flatten"].shape == (784,) == (16 * 7 * 7,)
    assert "half the width and height, a quarter of the numbers" in cnn_page
