"""The pixels page's sentences about its numbers, checked against what the page computes:
every preset note, the resolution paragraph, the baseline's claims, "What is going on", and
the two rows of issue 24 (the writers of the data, and what going down in resolution does)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from explorer import mnist, pixels
from explorer import mnist_models as mm
from explorer import pixels_model as pm
from explorer.pixels_spec import SPEC
from tests.helpers import open_app, visible_text

PAGE = "pages/1_pixels_to_matrix.py"
L2, L1 = pm.DISTANCES


def preset_input(name: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """(what the network gets on the 0..255 scale, the clean digit at that size, values)
    for a preset, computed the page's way: the digit at the preset's size, perturbed."""
    values = {p.key: p.default for p in SPEC.params} | SPEC.preset(name).values
    assert values["source"] == pixels.MNIST
    size = pixels.SIZES[values["size"]]
    clean = mnist.at_size(mnist.load()[0][values["digit_index"]], size)
    raw = pixels.perturb(clean, invert=values["invert"], noise=float(values["pixel_noise"]),
                         shift_percent=values["shift"])
    return raw, clean, values


def probabilities(raw: np.ndarray) -> np.ndarray:
    return mm.mlp_forward(mm.load_mlp(raw.shape[0]), raw / 255.0).probs[0]


def test_clean_8_the_tallest_bar_is_8():
    raw, _, values = preset_input("clean_8")
    assert "tallest bar is 8" in SPEC.preset("clean_8").note
    assert int(np.argmax(probabilities(raw))) == 8 == mnist.load()[1][values["digit_index"]]
    assert raw.max() >= 250  # "dark cells carry big numbers"


def test_the_same_8_at_7x7_is_49_grey_block_averages_and_still_an_8():
    raw, _, values = preset_input("same_8_small")
    note = SPEC.preset("same_8_small").note
    assert "Only 49 numbers, each the average of a 4×4 block" in note
    full = mnist.load()[0][values["digit_index"]].astype(float)
    assert raw.size == 49
    assert np.abs(raw - full.reshape(7, 4, 7, 4).mean(axis=(1, 3))).max() <= 0.5
    # "the loops are grey blurs": full ink at 28x28, nothing near it at 7x7
    assert (full >= 250).sum() > 20 and raw.max() < 200
    assert int(np.argmax(probabilities(raw))) == 8  # "still says 8"


def test_inverted_every_number_flips_and_the_network_is_confidently_wrong():
    raw, clean, _ = preset_input("inverted")
    assert "every number flips (v → 255 − v)" in SPEC.preset("inverted").note
    np.testing.assert_array_equal(raw.astype(int), 255 - clean.astype(int))
    probs = probabilities(raw)
    assert int(np.argmax(probs)) != 8 and probs.max() >= 0.9  # "confidently wrong"


def test_noisy_about_half_the_numbers_change_and_the_prediction_survives():
    raw, clean, _ = preset_input("noisy")
    note = SPEC.preset("noisy").note
    assert note.startswith("More than half of the numbers change")
    changed = np.mean(raw != clean)
    assert 0.5 < changed < 0.75, changed
    # "the others were pushed below 0 and clipped back": the unchanged ones are paper
    kept = raw == clean
    assert np.mean(clean[kept] == 0) > 0.95
    assert int(np.argmax(probabilities(raw))) == 8  # "the prediction survives"
    for other in ("inverted", "shifted"):  # "... noise that inversion or a shift would not"
        assert int(np.argmax(probabilities(preset_input(other)[0]))) != 8


def test_shifted_moves_all_the_ink_and_the_network_guesses_wrong():
    raw, clean, values = preset_input("shifted")
    assert SPEC.preset("shifted").label == f"Shifted {values['shift']} %"
    assert raw.sum() == clean.sum()  # the same ink, at other positions
    moved = pixels.shift_pixels(values["shift"], 28)
    np.testing.assert_array_equal(raw[:, moved:], clean[:, :28 - moved])
    assert int(np.argmax(probabilities(raw))) != 8  # "so it guesses wrong"


def test_three_vs_seven_stands_beside_fastbooks_figure():
    values = {p.key: p.default for p in SPEC.params} | SPEC.preset("three_vs_seven").values
    assert (values["baseline"], values["distance"], values["size"]) == (
        pm.THREE_VS_SEVEN, L1, "28×28")  # the book's method: mean absolute difference
    note = SPEC.preset("three_vs_seven").note
    assert f"{pm.FASTBOOK_3V7['average']:.1%}" == "95.1%" and "95.1%" in note
    result = pm.baseline(pm.mnist_model(28), (3, 7), L1)
    average = (result.class_accuracy[3] + result.class_accuracy[7]) / 2
    assert abs(average - pm.FASTBOOK_3V7["average"]) < 0.02
    # the digit the preset shows is one of the two, and the baseline reads it right
    digit = mnist.load()[0][values["digit_index"]] / 255.0
    assert mnist.load()[1][values["digit_index"]] == result.predict(digit) == 3
    at = open_app(PAGE, preset="three_vs_seven")
    shown = {m.label: (m.value, m.proto.delta) for m in at.metric}
    assert shown["Held-out average"] == (f"{average:.1%}", "fastbook: 95.1%")
    assert shown["Held-out 3s right"] == (f"{result.class_accuracy[3]:.1%}", "fastbook: 91.7%")
    assert shown["Held-out 7s right"] == (f"{result.class_accuracy[7]:.1%}", "fastbook: 98.5%")


def test_the_resolution_paragraph_states_the_networks_own_scores():
    at = open_app(PAGE)
    text = next(m.value for m in at.markdown if m.value.startswith("**Resolution.**"))
    assert "14×14 averages each 2×2 block" in text and "7×7 each 4×4 block" in text
    scores = re.findall(r"\*\*([\d.]+%)\*\*", text)
    assert scores == [f"{mm.evaluate_mlp(s).accuracy:.1%}" for s in (28, 14, 7)]
    for size in (14, 7):  # each number at 14x14 and 7x7 is its block's mean (rounded)
        images = pm.mnist_model(size).images[:50].astype(float)
        f = 28 // size
        blocks = mnist.load()[0][:50].astype(float).reshape(50, size, f, size, f).mean((2, 4))
        assert np.abs(images - blocks).max() <= 0.5


def test_issue_24_no_enlarged_8x8_scans_and_no_43_writers():
    """Issue 24's rows for this page: the draw caption said 'a few dozen writers (43 took
    part...)' of scans whose bundled set has 13; the resolution text spoke of going down
    to 8x8 while the bundled scans were 8x8 already."""
    for query in ({}, {"source": "draw your own"}, {"source": pixels.SCANS}):
        text = visible_text(open_app(PAGE, **query))
        assert "43" not in text and "few dozen" not in text
        assert "Going down to 8×8" not in text
    draw = visible_text(open_app(PAGE, source="draw your own"))
    assert "learned from MNIST's writers" in draw
    scans = visible_text(open_app(PAGE, source=pixels.SCANS))
    assert f"{pixels.SCAN_WRITERS} people wrote them" in scans
    assert "These scans were only ever 8×8" in scans


@pytest.mark.parametrize(("source", "size"), [(pixels.MNIST, 28), (pixels.MNIST, 14),
                                              (pixels.MNIST, 7), (pixels.SCANS, 8)])
def test_the_network_beats_both_baselines_and_ten_digits_are_harder_than_two(source, size):
    """'The network is worth its training only because it beats this number' and 'Telling
    ten digits apart is harder' hold in every setting the page offers."""
    model = pm.scans_model() if source == pixels.SCANS else pm.mnist_model(size)
    for distance in pm.DISTANCES:
        ten = pm.baseline(model, tuple(range(10)), distance)
        two = pm.baseline(model, (3, 7), distance)
        assert model.mlp_accuracy > ten.accuracy
        assert two.accuracy > ten.accuracy


def test_what_is_going_on_inverted_or_shifted_digits_fail():
    """'Change the numbers without changing the digit (invert, shift) and a model that
    never saw such images fails': on all 2,000 held-out digits at 28x28."""
    x, y = mnist.held_out_data()
    w = mm.load_mlp(28)

    def accuracy(**change) -> float:
        changed = np.stack([pixels.perturb(image, **change) for image in x]) / 255.0
        return mnist.accuracy(mm.mlp_forward(w, changed).probs.argmax(1), y)

    assert mm.evaluate_mlp(28).accuracy > 0.95
    assert accuracy(invert=True) < 0.2
    assert accuracy(shift_percent=20) < 0.2


def test_the_first_tours_pixel_steps_say_what_their_presets_show():
    from explorer import tours

    steps = {step.preset: step for tour in tours.TOURS for step in tour.steps
             if step.page == "pixels_to_matrix" and step.preset}
    assert "more than half of the numbers" in steps["noisy"].look
    raw, clean, _ = preset_input("noisy")
    assert np.mean(raw != clean) > 0.5
    inverted = steps["inverted"].predict
    assert inverted.options[inverted.answer] == "Probably not"  # it does get it wrong
    assert int(np.argmax(probabilities(preset_input("inverted")[0]))) != 8
