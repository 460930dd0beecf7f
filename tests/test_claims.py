"""The words-from-numbers helpers, on curves whose shape is known by construction."""

import numpy as np
import pytest

from explorer import claims


@pytest.mark.parametrize(("values", "words"), [
    ([5, 4, 3, 2, 1], "falls"), ([1, 2, 3], "rises"), ([1, 1.001, 0.999], "flat"),
    ([3, 1, 0.5, 0.8, 1.2], "bottoms out, then rises"), ([1, 3, 2], "peaks, then falls"),
    ([3.13, 1.085, 1.086, 1.090], "flat-ish")])
def test_trend(values, words):
    if words == "flat-ish":
        # The collab dot-product curve: a 0.5% rise after the bottom is flat at 1% tolerance.
        assert claims.trend(values[1:], tolerance=0.01) == "flat"
        assert claims.trend(values, tolerance=0.01) == "falls"
    else:
        assert claims.trend(values) == words


def test_zigzag_and_monotone():
    assert claims.zigzags([1, 3, 1, 3, 1.9, 2.1], around=2)
    assert not claims.zigzags([1, 1.5, 1.8, 1.9], around=2)
    assert claims.falls_every_step(np.exp(-np.arange(10)))
    assert not claims.falls_every_step([3, 2, 2.5])


def test_ratio_words():
    assert claims.ratio_words(0.6, 0.15) == "4 times smaller"
    assert claims.ratio_words(1.0, 1e-12) == "about 10^12 times smaller"
    assert claims.ratio_words(1.1, 1.0) == "about the same"
