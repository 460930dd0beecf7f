"""Words about numbers, computed from the numbers: what a curve does (falls, rises, is flat,
bottoms out then rises), how many times one number is another, whether a sequence zig-zags.
A sentence built from these, or a fixed sentence tested with them, cannot silently become
false when the numbers change. Pure Python and numpy."""

from __future__ import annotations

import numpy as np


def trend(values, tolerance: float = 0.01) -> str:
    """What a curve does from its first to its last value, relative to its range:
    'falls', 'rises', 'flat', 'bottoms out, then rises', 'peaks, then falls', or 'bumpy'.

    tolerance: changes smaller than this fraction of the largest |value| count as flat."""
    y = np.asarray(values, dtype=float)
    if len(y) < 2:
        return "flat"
    scale = max(float(np.max(np.abs(y))), 1e-12)
    eps = tolerance * scale
    lowest, highest = int(np.argmin(y)), int(np.argmax(y))
    if float(np.ptp(y)) <= eps:
        return "flat"
    falls_then_rises = y[lowest] < y[0] - eps and y[-1] > y[lowest] + eps
    rises_then_falls = y[highest] > y[0] + eps and y[-1] < y[highest] - eps
    if falls_then_rises and not rises_then_falls:
        return "bottoms out, then rises"
    if rises_then_falls and not falls_then_rises:
        return "peaks, then falls"
    if falls_then_rises or rises_then_falls:
        return "bumpy"
    return "falls" if y[-1] < y[0] else "rises"


def falls_every_step(values) -> bool:
    y = np.asarray(values, dtype=float)
    return bool(np.all(np.diff(y) < 0))


def zigzags(values, around: float, min_flips: int = 3) -> bool:
    """Whether a sequence lands on alternate sides of `around` at least min_flips times."""
    signs = np.sign(np.asarray(values, dtype=float) - around)
    signs = signs[signs != 0]
    return int(np.sum(signs[1:] != signs[:-1])) >= min_flips


def ratio_words(big: float, small: float) -> str:
    """'about the same', 'N times smaller' in words a reader checks against two numbers:
    `big` over `small` (both positive)."""
    if small <= 0 or big <= 0:
        raise ValueError("ratio_words needs two positive numbers")
    r = big / small
    if r < 1.25:
        return "about the same"
    if r < 1e3:
        return f"{r:.0f} times smaller" if r >= 2 else f"{r:.1f} times smaller"
    return f"about 10^{int(round(np.log10(r)))} times smaller"
