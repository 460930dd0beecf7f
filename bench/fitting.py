"""Figures for the over/underfitting page (issue 8's Speed section, issue 18's replay):
- polynomial tab: script time per control change (AppTest, warm), budget 150 ms;
- network tab: training time of the defaults (budget 3 s) and of the presets' nets, and the
  script time of a rerun once the result is cached;
- the replay: CPU of the default training with its snapshots and chart data (budget 1.5 s),
  and the size of the replay chart with all its frames (budget 3 MB);
- evaluation tab: time of the protocol computation (all splits fitted in one batch).

    .venv/bin/python bench/fitting.py [--runs N]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explorer import fitting_network as net  # noqa: E402
from explorer import fitting_protocol as protocol  # noqa: E402
from tests.helpers import app_test  # noqa: E402

PAGE = "pages/6_over_underfitting.py"


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run_ms(at) -> float:
    dt = timed(at.run) * 1000
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return dt


def replay_figures(runs: int) -> None:
    """Issue 18: the default training with its replay, in CPU seconds of the thread that
    does it (training, every frame's pictures, the chart's datasets converted to Arrow: all
    a server does once per setting), budget 1.5 s; and the size of the replay chart as sent
    (spec JSON plus Arrow datasets), budget 3 MB per chart."""
    import json

    from explorer import fitting_network_charts as fnc
    from explorer import ui

    def once(config):
        t0 = time.thread_time()
        result, replay = net.train_replay(config)
        data = fnc.replay_datasets(result, replay)
        arrow = ui.arrow_datasets(data)
        cpu = time.thread_time() - t0
        return cpu, result, replay, data, arrow

    once(net.NetConfig(epochs=5))
    default = net.NetConfig()
    cpus = [once(default)[0] for _ in range(runs)]
    _, result, replay, data, arrow = once(default)
    print(f"network defaults with replay ({replay.frames} frames): CPU median "
          f"{statistics.median(cpus):.2f} s, max {max(cpus):.2f} s   budget 1.5 s")
    t0 = time.thread_time()
    net.train(default)
    print(f"  (the same training without snapshots: {time.thread_time() - t0:.2f} s CPU)")

    def sent(result, replay, data, arrow, width, stacked):
        template = fnc.replay_chart(result.regression, width, stacked).to_dict()
        spec = fnc.fill_spec(template, {}, fnc.replay_params(result, replay, data))
        return len(json.dumps(spec)) + sum(len(b) for b in arrow.values())

    layouts = ((700, False), (420, True), (300, True))
    sizes = [sent(result, replay, data, arrow, w, st) for w, st in layouts]
    print(f"replay chart, defaults: {sizes[0] / 1e6:.2f} MB per layout, "
          f"{sum(sizes) / 1e6:.2f} MB for the three the page sends   budget 3 MB a chart")
    biggest = net.within_step_budget(net.NetConfig(
        dataset="hills", n_points=1000, hidden=(128, 128, 128, 128),
        features=net.FEATURE_NAMES, epochs=1000))
    cpu, *rest = once(biggest)
    size = sent(*rest, 700, False)
    print(f"replay chart, largest drawing (7 features, 4 x 128 units, 1,000 points, "
          f"{biggest.epochs} epochs): {size / 1e6:.2f} MB, {rest[1].frames} frames, "
          f"{cpu:.2f} s CPU")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(other sessions share the machine; figures are inflated by that)")

    at = app_test(PAGE, timeout=120)
    run_ms(at)
    run_ms(at)
    degree_ms = []
    for degree in [4, 7, 10, 15, 1, 2, 3][: max(args.runs, 3)]:
        at.slider(key="degree").set_value(degree)
        degree_ms.append(run_ms(at))
    n_ms = []
    for n in [25, 30, 35, 40, 45, 50, 55][: max(args.runs, 3)]:
        at.slider(key="fit_n").set_value(n)
        n_ms.append(run_ms(at))
    print(f"polynomial tab, degree change (cached data):   median {statistics.median(degree_ms):6.1f} ms")
    print(f"polynomial tab, points change (new sweep):     median {statistics.median(n_ms):6.1f} ms"
          "   budget 150 ms")

    # CPU time of the script's own thread (bare mode, no server): what the change costs on an
    # idle core, whatever the other sessions on the machine are doing.
    import runpy

    logging.disable(logging.CRITICAL)
    runpy.run_path(PAGE, run_name="__main__")
    cpu = []
    for _ in range(max(args.runs, 3)):
        t0 = time.thread_time()
        runpy.run_path(PAGE, run_name="__main__")
        cpu.append((time.thread_time() - t0) * 1000)
    logging.disable(logging.NOTSET)
    print(f"polynomial tab, whole script, CPU time of its thread: median "
          f"{statistics.median(cpu):6.1f} ms   budget 150 ms")

    net.train(net.NetConfig(epochs=5))  # torch import and first-call costs out of the way
    default = net.NetConfig()
    times = [timed(lambda: net.train(default)) for _ in range(args.runs)]
    print(f"network defaults (moons, 16,16, 300 full-batch epochs): median "
          f"{statistics.median(times):.2f} s, max {max(times):.2f} s   budget 3 s")
    replay_figures(args.runs)
    big = net.NetConfig(noise=0.3, n_points=100, hidden=(64, 64), epochs=300)
    for name, cfg in (("big net", big), ("+ dropout 0.5", replace(big, dropout=0.5)),
                      ("+ weight decay 0.003", replace(big, wd=0.003)),
                      ("defaults, mini-batch 32", replace(default, batch_size=32))):
        print(f"network {name:<28} {timed(lambda cfg=cfg: net.train(cfg)):.2f} s")

    at_net = app_test(PAGE, timeout=120)
    at_net.query_params["tab"] = "Network"
    first = run_ms(at_net)
    cached = statistics.median(run_ms(at_net) for _ in range(args.runs))
    print(f"network tab script time: first {first:.0f} ms (trains or hits the shared cache), "
          f"cached rerun median {cached:.0f} ms")

    protocol.evaluate(60, 5, 1)
    for rows, k, repeats in ((60, 5, 1), (300, 10, 5)):
        dt = statistics.median(timed(lambda r=rows, k=k, p=repeats: protocol.evaluate(r, k, p))
                               for _ in range(3))
        print(f"protocol: {rows} rows, K={k}, repeats={repeats}: {dt * 1000:.0f} ms "
              f"({k * repeats + 50 + 50 * k + 1} logistic regressions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
