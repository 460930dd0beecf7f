"""Speed figures for the activation functions page (issue: function views under 100 ms of
script time per change; trained fits cached, the first fit under 2 s).

    .venv/bin/python bench/activations.py [--runs N]

Prints: the script time (AppTest, warm) of the page's default render and of changes to
each function-view control, of softmax changes, and of a cached fit; the wall time of
the first fit of each target (torch already imported, and once including the import);
an empty reference page measured in the same run, because the machine may be shared.
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

from tests.helpers import app_test  # noqa: E402

PAGE = "pages/3_activation_functions.py"


def timed(at) -> float:
    t0 = time.perf_counter()
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return (time.perf_counter() - t0) * 1000


def walk(at, setter, values) -> list[float]:
    times = []
    for value in values:
        setter(at, value)
        times.append(timed(at))
    return times


def page_figures(runs: int) -> None:
    empty = app_test("bench/empty_page.py")
    timed(empty)
    empty_ms = statistics.median(timed(empty) for _ in range(runs))

    at = app_test(PAGE, timeout=120)
    timed(at)
    default_ms = statistics.median(timed(at) for _ in range(runs))
    # Each change is a new setting (not yet cached), the case the budget is about.
    changes = {
        "range (slider)": walk(at, lambda a, v: a.slider(key="range").set_value(v),
                               [6 + k for k in range(runs)]),
        "fn (selectbox)": walk(at, lambda a, v: a.selectbox(key="fn").set_value(v),
                               ["sigmoid", "tanh", "GELU", "SiLU", "ELU", "softplus",
                                "leaky ReLU"][:runs]),
        "slope (slider)": walk(at, lambda a, v: a.slider(key="slope").set_value(v),
                               [0.02 * (k + 1) for k in range(runs)]),
        "show_derivative": walk(at, lambda a, v: a.toggle(key="show_derivative")
                                .set_value(v), [k % 2 == 0 for k in range(runs)]),
    }
    soft = app_test(PAGE, timeout=120)
    soft.query_params["view"] = "Softmax"
    timed(soft)
    changes["temperature (softmax)"] = walk(
        soft, lambda a, v: a.select_slider(key="temperature").set_value(v),
        [0.1, 0.2, 0.3, 0.5, 2.0, 5.0, 10.0][:runs])
    changes["logits (softmax)"] = walk(
        soft, lambda a, v: a.text_input(key="logits").input(v),
        [f"{k}, 1, 0.5, -1" for k in range(runs)])
    fit = app_test(PAGE, timeout=120)
    fit.query_params["view"] = "Why bend"
    timed(fit)  # trains the default once
    changes["rerun with a cached fit"] = [timed(fit) for _ in range(runs)]

    print(f"script time per rerun (AppTest, median of {runs}); empty page: {empty_ms:.1f} ms")
    print(f"{'what changed':<28} | {'median ms':>9} | {'max ms':>7} | {'x empty':>7}")
    print("-" * 62)
    print(f"{'nothing (default, warm)':<28} | {default_ms:>9.1f} | {'-':>7} | "
          f"{default_ms / empty_ms:>7.1f}")
    for name, times in changes.items():
        med = statistics.median(times)
        print(f"{name:<28} | {med:>9.1f} | {max(times):>7.1f} | {med / empty_ms:>7.1f}")


def fit_figures() -> None:
    from explorer import activations as act

    cold = subprocess.run(
        [sys.executable, "-c",
         "import time; t=time.perf_counter(); from explorer.activations import fit_target;"
         "fit_target('sine', 10, 0); print(time.perf_counter()-t)"],
        cwd=ROOT, capture_output=True, text=True, check=True)
    print(f"\nfirst fit in a fresh process, torch import included: "
          f"{float(cold.stdout.split()[-1]):.2f} s")
    act.fit_target("sine", 2, 0, steps=5)  # import torch
    print(f"{'first fit (torch imported)':<28} | {'units':>5} | {'seconds':>7} | {'MSE':>8}")
    print("-" * 58)
    for target in act.TARGETS:
        for units in (10, 50):
            result = act.fit_target(target, units, 0)
            print(f"{target:<28} | {units:>5} | {result.seconds:>7.2f} | {result.mse:>8.5f}")
    result = act.fit_target("sine", 20, 0)
    print(f"{'sine, 20 units (the test)':<28} | {20:>5} | {result.seconds:>7.2f} | "
          f"{result.mse:>8.5f}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    page_figures(args.runs)
    fit_figures()
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() \
        else ["?"]
    print(f"\nload average while measuring: {' '.join(load)} (on {_cores()} cores)")
    return 0


def _cores() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
