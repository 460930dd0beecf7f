"""Figures for the convolution page (issue 7's Speed section):

- filtering a 512x512 photo with a 5x5 kernel (median ms; budget 100 ms), plus a 3x3
  and a colour 3-filter case for context;
- script time of the page's default render and of a few control changes (warm AppTest,
  median ms; budget 150 ms);
- the tiny CNN's figures for one digit: every stage of the forward pass, and the training
  replay's 320 map pictures (once per digit, cached).

    .venv/bin/python bench/convolution.py [--runs N]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explorer import convolution as cv  # noqa: E402
from tests.helpers import app_test  # noqa: E402

PAGE = "pages/5_convolution_kernels.py"


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def photo_512(colour: bool) -> np.ndarray:
    from sklearn.datasets import load_sample_images

    img = np.asarray(load_sample_images().images[0], dtype=np.float64)[:427, :512]
    img = np.pad(img, ((0, 512 - img.shape[0]), (0, 0), (0, 0)), mode="edge")
    chw = np.moveaxis(img, -1, 0)
    return chw if colour else cv.grey(chw)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)

    grey, colour = photo_512(False), photo_512(True)
    print(f"{'case':58s} | median ms")
    print("-" * 72)
    for label, fn in [
        ("512x512 grey photo, 5x5 Gaussian blur (budget 100 ms)",
         lambda: cv.conv2d(grey, cv.KERNELS["Gaussian blur"])),
        ("512x512 grey photo, 3x3 sharpen",
         lambda: cv.conv2d(grey, cv.KERNELS["sharpen"])),
        ("512x512 colour photo, 5x5 kernel on 3 channels, 3 filters",
         lambda: cv.conv2d(colour, np.ones((3, 3, 5, 5)) / 75)),
        ("512x512 grey photo, 5x5, stride 2, padding 2",
         lambda: cv.conv2d(grey, cv.KERNELS["Gaussian blur"], 0, 2, 2)),
    ]:
        print(f"{label:58s} | {median_ms(fn, args.runs):9.1f}")

    from explorer import convolution_cnn as cnn
    from explorer import mnist_models as mm

    image01 = cnn.held_out_digit(0)[0] / 255.0
    history = cnn.load_history()
    print(f"{'tiny CNN: one digit through every stage':58s}"
          f" | {median_ms(lambda: mm.cnn_stages(mm.load_cnn(), image01), args.runs):9.1f}")

    def replay_pictures():
        maps = cnn.history_maps(history, image01)
        return [cnn.map_data_url(m, 1.0) for f in maps for m in f]

    print(f"{'tiny CNN: the replay maps of one digit (40 x 8 pictures)':58s}"
          f" | {median_ms(replay_pictures, args.runs):9.1f}")

    at = app_test(PAGE)
    at.run()
    at.run()  # warm: caches filled
    print()
    print(f"{'page script time, warm AppTest (budget 150 ms)':58s} | median ms")
    print("-" * 72)

    def rerun():
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].value)

    print(f"{'default render':58s} | {median_ms(rerun, args.runs):9.1f}")
    changes = [
        ("kernel", "selectbox", ["emboss", "outline", "Sobel left", "box blur"]),
        ("S", "slider", [2, 1, 3, 1]),
        ("row", "slider", [10, 50, 100, 150]),
        ("image", "selectbox", ["photo: flower (colour)", "photo: China (grey)"]),
        ("digit", "slider", [5, 17, 100, 1000]),
        ("pool", "selectbox", ["max", "average", "none"]),
    ]
    for key, kind, values in changes:
        times = []
        for k in range(args.runs):
            getattr(at, kind)(key=key).set_value(values[k % len(values)])
            t0 = time.perf_counter()
            rerun()
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{'change ' + key:58s} | {statistics.median(times):9.1f}")


if __name__ == "__main__":
    main()
