"""The pixels page's parameters and presets, declared once (see explorer.params)."""

from __future__ import annotations

from explorer import pixels
from explorer.params import PageSpec, Param, Preset

DEFAULT_INDEX = 13  # a clear 3 from the held-out part of the split
CLEAN_EIGHT = 28  # a clear 8, also held out: the network never trained on it

PARAMS = (
    Param("source", "Where the digit comes from", "radio", pixels.SOURCES[0],
          options=pixels.SOURCES),
    Param("size", "Resolution", "radio", next(iter(pixels.SIZES)),
          options=tuple(pixels.SIZES),
          help="The grid the image is resampled to (antialiased)."),
    Param("scale", "Scale of the numbers", "radio", pixels.SCALES[0], options=pixels.SCALES,
          help="How the same pixels are written down for the model."),
    Param("invert", "Invert colours (v → 255 − v)", "toggle", False),
    # "noise" on the gradient descent page is a different control (0 to 2 in steps of 0.05).
    Param("pixel_noise", "Noise (standard deviation, on the 0–255 scale)", "slider", 0,
          lo=0, hi=160, step=10, aliases=("noise",)),
    Param("shift", "Shift right (% of the width; negative = left)", "slider", 0,
          lo=-40, hi=40, step=10),
    Param("digit_index", f"Digit number (0 – {pixels.N_DIGITS - 1})", "number_input",
          DEFAULT_INDEX, lo=0, hi=pixels.N_DIGITS - 1, step=1),
)

# The perturbation controls at rest (a random pick of a 3 puts them back here).
UNPERTURBED = {"invert": False, "pixel_noise": 0, "shift": 0}

CLEAN = {"source": pixels.SOURCES[0], "digit_index": CLEAN_EIGHT, "size": "28×28",
         "scale": pixels.SCALES[0], **UNPERTURBED}

PRESETS = (
    Preset("clean_8", "A clean 8", CLEAN,
           note="Dark cells carry big numbers; the network's tallest bar is 8."),
    Preset("same_8_small", "The same 8 at 8×8", {**CLEAN, "size": "8×8"},
           note="Only 64 numbers, every one readable, and the network still says 8."),
    Preset("inverted", "Inverted colours", {**CLEAN, "invert": True},
           note="Same shape, white on black: every number flips (v → 255 − v) and the "
                "network, which never saw a dark page, is confidently wrong."),
    Preset("noisy", "Noisy digit", {**CLEAN, "pixel_noise": 100},
           note="Every number changed, yet the dark pattern is still there: the "
                "prediction survives noise that inversion or a shift would not."),
    Preset("shifted", "Shifted 30 %", {**CLEAN, "shift": 30},
           note="Moving the digit right puts its ink on different input positions: "
                "a plain network has to relearn the shape there, so it guesses wrong."),
)

SPEC = PageSpec("pixels_to_matrix", PARAMS, PRESETS)
