"""Speed figures for the gradient descent page (issue 4's Speed section):

- time to compute a 1,000-step trajectory, per optimizer (budget: under 50 ms);
- time to turn it into chart data (the gradient three ways at every drawn step);
- script time of a control change on the page, warm (budget: under 150 ms);
- the step scrubber causes no server rerun: proven by
  tests/test_browser_gradient_descent.py::test_step_scrubber_moves_the_picture_without_a_server_rerun

    .venv/bin/python bench/gradient_descent.py [--runs N]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explorer import gradient_descent as gd  # noqa: E402
from explorer import gradient_descent_charts as gdc  # noqa: E402
from tests.helpers import app_test  # noqa: E402


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)

    data = gd.make_data(n=100)
    print("1,000 optimizer steps on 100 points (median of", args.runs, "runs; budget 50 ms)")
    for opt, kw in [(gd.FULL_BATCH, {"epochs": 1000}), ("SGD", {"epochs": 100, "batch": 10}),
                    ("Momentum", {"epochs": 100, "batch": 10}),
                    ("Adam", {"epochs": 100, "batch": 10})]:
        ms = median_ms(lambda opt=opt, kw=kw: gd.train(data, opt=opt, lr=0.05, **kw), args.runs)
        print(f"  {opt:<18} {ms:7.1f} ms")
    for loss in gd.LOSSES:
        ms = median_ms(lambda loss=loss: gd.train(data, opt="SGD", lr=0.05, epochs=100,
                                                  batch=10, loss=loss), args.runs)
        print(f"  SGD, {loss:<13} {ms:7.1f} ms")

    traj = gd.train(data, opt="SGD", lr=0.05, epochs=100, batch=10)
    gdc.line_view(data, traj, "MSE", (3.0, 2.0))  # warm: the torch import
    ms = median_ms(lambda: gdc.line_view(data, traj, "MSE", (3.0, 2.0)), args.runs)
    print(f"chart data for 1,000 steps (gradient 3 ways at each, loss surface): {ms:.1f} ms")

    at = app_test("pages/2_gradient_descent.py", timeout=180)
    t0 = time.perf_counter()
    at.run()
    print(f"page first run (cold: torch import, chart templates): "
          f"{time.perf_counter() - t0:.1f} s")
    lrs = [0.15, 0.2, 0.3, 0.5, 0.05, 0.03, 0.7, 0.02, 0.01]
    changes = []
    for lr in lrs[:max(args.runs, 3)]:
        at.select_slider(key="lr").set_value(lr)
        t0 = time.perf_counter()
        at.run()
        changes.append((time.perf_counter() - t0) * 1000)
        assert not at.exception
    print(f"control change (new learning rate, uncached), script time median: "
          f"{statistics.median(changes):.0f} ms (budget 150 ms); max {max(changes):.0f} ms")
    at.select_slider(key="lr").set_value(lrs[0])
    cached = median_ms(lambda: at.run(), args.runs)
    print(f"rerun with a cached setting: {cached:.0f} ms")
    print("step scrubber: no server rerun (browser test counts script runs and websocket "
          "messages: zero)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
