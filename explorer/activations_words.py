"""Sentences of the activation functions page that describe its numbers, computed from the
page's own functions (explorer.activations), so a sentence cannot drift from the curves.
Pure numpy: no streamlit here."""

from __future__ import annotations

import functools

import numpy as np

from explorer import activations as act

# Smooth functions whose slope on the left is not 0 near the origin but fades far out.
FADING_LEFT = ("ELU", "GELU", "SiLU")


@functools.cache
def flat_left_of(name: str, slope: float = 0.01, threshold: float = act.SATURATION_THRESHOLD,
                 lo: float = -40.0, step: float = 1e-4) -> float | None:
    """The x below which the function's slope stays under `threshold` in size all the way to
    the left (the left tail where it is saturated); None if its slope never gets that small
    far out on the left (leaky ReLU with a ≥ threshold)."""
    x = np.arange(lo, 0.0 + step / 2, step)
    flat = np.abs(act.derivative(name, x, slope)) < threshold
    if not flat[0]:
        return None
    first_steep = int(np.argmin(flat)) if not flat.all() else len(x)
    return float(x[first_steep - 1])


def left_side_caption(slope: float) -> str:
    """What happens left of 0 for ReLU, leaky ReLU (with the page's slope a) and the smooth
    cousins, with the x where each smooth cousin's slope drops below the threshold."""
    threshold = act.SATURATION_THRESHOLD
    text = ("ReLU never saturates for positive inputs (slope 1), which is why deep networks "
            "train well with it; for negative inputs its slope is 0, and a unit stuck there "
            "('dead') stops learning. ")
    if slope == 0:
        text += "With a = 0, leaky ReLU is ReLU: its left side is just as flat. "
    elif slope < threshold:
        text += (f"Leaky ReLU keeps the slope a = {slope:g} on the whole left side: not 0, "
                 f"but below {threshold:g}, so its units learn only very slowly there. ")
    else:
        text += (f"Leaky ReLU keeps the slope a = {slope:g} on the whole left side, so its "
                 "units never die. ")
    edges = [f"{flat_left_of(name):.1f}".replace("-", "−") + f" ({name})"
             for name in FADING_LEFT]
    text += (f"{', '.join(FADING_LEFT[:-1])} and {FADING_LEFT[-1]} keep some slope just left "
             f"of 0, but it fades further out: below {threshold:g} for x below about "
             f"{', '.join(edges[:-1])} and {edges[-1]}.")
    return text
