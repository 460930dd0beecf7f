"""Figures for the pixels page (issue 3, Speed):

1. first use of the classifier, in a fresh Python process: import the logic, read the
   MNIST digits, load the shipped 28x28 network, score the held-out split and classify
   one digit (budget: under 3 s);
2. the first render of the page under AppTest in a fresh process (cold caches);
3. script time of a rerun after each control change, warm (budget: under 150 ms), next to
   an empty page measured in the same run;
4. for reference, how long the weights script takes to train the 8x8 scans' network.

    .venv/bin/python bench/pixels.py [--runs N] [--skip-training]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE = "pages/1_pixels_to_matrix.py"

FIRST_USE = """
import time
t0 = time.perf_counter()
from explorer import mnist, pixels_model
from explorer import mnist_models as mm
from explorer.pixels_spec import DEFAULT_INDEX
model = pixels_model.mnist_model(28)
acc = model.mlp_accuracy
digit = int(mm.mlp_forward(model.weights, model.images[DEFAULT_INDEX] / 255.0).probs.argmax())
print(f"{time.perf_counter() - t0:.3f} {acc:.4f} {digit}")
"""

FIRST_RENDER = """
import logging, time
logging.getLogger("streamlit").setLevel(logging.ERROR)
from tests.helpers import app_test
at = app_test("pages/1_pixels_to_matrix.py", timeout=120)
t0 = time.perf_counter()
at.run()
assert not at.exception, at.exception
print(f"{time.perf_counter() - t0:.3f}")
"""

# (widget kind, key, values to cycle through)
CONTROLS = [
    ("slider", "pixel_noise", [40, 80, 0]),
    ("slider", "shift", [20, -20, 0]),
    ("toggle", "invert", [True, False]),
    ("radio", "scale", ["0 to 1", "standardized", "raw 0–255"]),
    ("number_input", "digit_index", [100, 500, 3165]),
    ("radio", "size", ["14×14", "7×7", "28×28"]),
    ("radio", "distance", ["mean absolute (L1)", "root mean square (L2)"]),
    ("radio", "baseline", ["3 vs 7", "all ten digits"]),
]


def fresh_process(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, env={"PYTHONPATH": str(ROOT)})
    return out.stdout.strip().splitlines()[-1]


CPU_MS: list[float] = []


def timed(at) -> float:
    """Wall-clock ms of one rerun; its process CPU ms goes to CPU_MS (CPU time is what
    the rerun costs the machine; it hardly grows when other processes compete)."""
    c0, t0 = time.process_time(), time.perf_counter()
    at.run()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    CPU_MS.append(cpu * 1000)
    return wall * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3, help="cycles through each control's values")
    ap.add_argument("--skip-training", action="store_true")
    args = ap.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from tests.helpers import app_test

    seconds, acc, digit = fresh_process(FIRST_USE).split()
    print(f"first use of the classifier (fresh process, 28x28): {float(seconds):.2f} s "
          f"[budget 3 s]; held-out accuracy {float(acc):.1%}; the default digit -> {digit}")
    print(f"first render of the page (fresh process, AppTest, cold caches): "
          f"{float(fresh_process(FIRST_RENDER)):.2f} s")

    empty = app_test("bench/empty_page.py")
    timed(empty)
    empty_ms = statistics.median(timed(empty) for _ in range(7))
    empty_cpu = statistics.median(CPU_MS[-7:])

    at = app_test(PAGE, timeout=120)
    timed(at)
    for size in ("14×14", "7×7", "28×28"):  # warm every size's model and chart templates
        at.radio(key="size").set_value(size)
        timed(at)
    print(f"\nscript time per rerun, warm (median of {args.runs} cycles) "
          f"[budget 150 ms]; empty page: {empty_ms:.1f} ms wall, {empty_cpu:.1f} ms CPU")
    print(f"{'control':<14} | {'median ms':>9} | {'max ms':>7} | {'median CPU ms':>13}")
    worst = 0.0
    for kind, key, values in CONTROLS:
        times, first_cpu = [], len(CPU_MS)
        for _ in range(args.runs):
            for value in values:
                widget = next(w for w in at.get(kind) if w.key == key)
                widget.set_value(value)
                times.append(timed(at))
        worst = max(worst, statistics.median(times))
        cpu = statistics.median(CPU_MS[first_cpu:])
        print(f"{key:<14} | {statistics.median(times):>9.1f} | {max(times):>7.1f} | "
              f"{cpu:>13.1f}")
    print(f"worst median: {worst:.1f} ms wall")

    if not args.skip_training:
        from explorer import mnist, pixels_model
        from explorer import mnist_models as mm

        t0 = time.perf_counter()
        x_train, y_train, x_test, y_test = pixels_model.training_data()
        weights = pixels_model.train_mlp(x_train, y_train)
        dt = time.perf_counter() - t0
        acc = mnist.accuracy(mm.mlp_forward(weights, x_test).probs.argmax(1), y_test)
        print(f"\ntraining the 8x8 scans' network from scratch (torch, 1 thread, "
              f"{pixels_model.EPOCHS} epochs): {dt:.1f} s, held-out accuracy {acc:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
