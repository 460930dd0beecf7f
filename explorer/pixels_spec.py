"""The pixels page's parameters and presets, declared once (see explorer.params)."""

from __future__ import annotations

from explorer import mnist, pixels
from explorer import pixels_model as pm
from explorer.params import PageSpec, Param, Preset

DEFAULT_INDEX = 3165  # a clear 3 from MNIST's held-out digits
CLEAN_EIGHT = 8359  # a clear 8, also held out: no model on the page trained on it
DEFAULT_SCAN = 13  # a clear 3 among the held-out 8x8 scans
L2, L1 = pm.DISTANCES

PARAMS = (
    Param("source", "Where the digit comes from", "radio", pixels.MNIST,
          options=pixels.SOURCES, value_aliases=pixels.OLD_SOURCES),
    Param("size", "Resolution", "radio", next(iter(pixels.SIZES)),
          options=tuple(pixels.SIZES), value_aliases=pixels.OLD_SIZES,
          help="MNIST's digits are 28×28. 14×14 averages each 2×2 block of pixels into one, "
               "7×7 each 4×4 block: what detail survives?"),
    Param("scale", "Scale of the numbers", "radio", pixels.SCALES[0], options=pixels.SCALES,
          help="How the same pixels are written down for the model."),
    Param("invert", "Invert colours (v → 255 − v)", "toggle", False),
    # "noise" on the gradient descent page is a different control (0 to 2 in steps of 0.05).
    Param("pixel_noise", "Noise (standard deviation, on the 0–255 scale)", "slider", 0,
          lo=0, hi=160, step=10, aliases=("noise",)),
    Param("shift", "Shift right (% of the width; negative = left)", "slider", 0,
          lo=-40, hi=40, step=10),
    Param("digit_index", f"MNIST digit number (0 – {mnist.N_DIGITS - 1:,})", "number_input",
          DEFAULT_INDEX, lo=0, hi=mnist.N_DIGITS - 1, step=1),
    Param("scan_index", f"Scan number (0 – {pixels.N_SCANS - 1:,})", "number_input",
          DEFAULT_SCAN, lo=0, hi=pixels.N_SCANS - 1, step=1),
    Param("baseline", "Digits the baseline tells apart", "radio", pm.ALL_DIGITS,
          options=pm.BASELINES),
    Param("distance", "Distance to a mean image", "radio", L2, options=tuple(pm.DISTANCES),
          help="Both average over the pixels: the root of the mean squared difference, or "
               "the mean absolute difference (the one fastbook's chapter 4 uses)."),
)

# The perturbation controls at rest (a random pick of a 3 puts them back here).
UNPERTURBED = {"invert": False, "pixel_noise": 0, "shift": 0}

CLEAN = {"source": pixels.MNIST, "digit_index": CLEAN_EIGHT, "size": "28×28",
         "scale": pixels.SCALES[0], **UNPERTURBED}

# Every note below is checked against what the page computes (tests/test_pixels_words.py).
PRESETS = (
    Preset("clean_8", "A clean 8", CLEAN,
           note="Dark cells carry big numbers; the network's tallest bar is 8."),
    Preset("same_8_small", "The same 8 at 7×7", {**CLEAN, "size": "7×7"},
           note="Only 49 numbers, each the average of a 4×4 block: the loops are grey "
                "blurs, yet the network trained at 7×7 still says 8."),
    Preset("inverted", "Inverted colours", {**CLEAN, "invert": True},
           note="Same shape, white on black: every number flips (v → 255 − v) and the "
                "network, which never saw a dark page, is confidently wrong."),
    Preset("noisy", "Noisy digit", {**CLEAN, "pixel_noise": 100},
           note="More than half of the numbers change (the others, mostly paper, were "
                "pushed below 0 and clipped back), yet the dark pattern is still there: the "
                "prediction survives noise that inversion or a shift would not."),
    Preset("shifted", "Shifted 20 %", {**CLEAN, "shift": 20},
           note="Moving the digit right puts its ink on different input positions: "
                "a plain network has to relearn the shape there, so it guesses wrong."),
    Preset("three_vs_seven", "3 vs 7", {
        "source": pixels.MNIST, "digit_index": DEFAULT_INDEX, "size": "28×28",
        "scale": pixels.SCALES[0], **UNPERTURBED, "baseline": pm.THREE_VS_SEVEN,
        "distance": L1},
           note="The course's first model: an ideal 3 and an ideal 7 (the mean training "
                "images), and a digit is whichever it is closer to. Section 4 shows how "
                "often that is right on held-out 3s and 7s, beside fastbook's 95.1%."),
)

SPEC = PageSpec("pixels_to_matrix", PARAMS, PRESETS)
