"""Speed of the backprop page: a 30-node expression, built and rendered.

Prints (medians):
  - engine: parse + graph + forward + backward + step transcript + DOT text, in ms;
  - script time of the whole page under AppTest with that expression, warm, both with new
    values on every run (no cache hits: the torch check runs each time) and with the same
    values (cached);
  - in Chromium: from pressing Enter in the expression box to the new graph drawn (SVG).
The budget from the issue: under 150 ms of script time.

    .venv/bin/python bench/backprop.py [--runs N] [--no-browser]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explorer import backprop as bp  # noqa: E402
from explorer import backprop_render as render  # noqa: E402
from tests.helpers import AppServer, app_test, launch_chromium, wait_idle  # noqa: E402

EXPR = ("sigmoid(w1*x1 + w2*x2 + b) * tanh(w1 - x2) + exp(-(x1 - b)^2) / (1 + abs(w2*x1))"
        " - log(1 + x2^2) + relu(b * x1)")
PAGE = "pages/4_backprop_graph.py"


def values(k: int) -> str:
    return f"x1={1 + k * 1e-3:.4f}, x2=-2, w1=0.5, w2=-0.25, b=0.2"


def engine_ms(runs: int) -> tuple[float, int]:
    times = []
    n_nodes = 0
    for k in range(runs):
        t0 = time.perf_counter()
        graph = bp.differentiate(EXPR, {"x1": 1 + k * 1e-3, "x2": -2, "w1": 0.5, "w2": -0.25,
                                        "b": 0.2})
        steps = render.steps(graph)
        render.graph_dot(graph, step=steps[3], step_index=3, all_steps=steps)
        bp.paths_to_output(graph, graph.inputs[0].index)
        times.append((time.perf_counter() - t0) * 1000)
        n_nodes = len(graph.nodes)
    return statistics.median(times), n_nodes


def script_ms(runs: int, vary: bool) -> float:
    at = app_test(PAGE)
    at.query_params["expr"] = EXPR
    at.query_params["values"] = values(0)
    at.run()  # warm-up: imports, torch
    times = []
    for k in range(1, runs + 1):
        at.text_input(key="values").set_value(values(k if vary else 0))
        t0 = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t0) * 1000)
        assert not at.exception, at.exception[0].value
    return statistics.median(times)


def browser_ms(runs: int) -> float:
    from urllib.parse import quote

    from playwright.sync_api import sync_playwright

    server = AppServer().start()
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{server.url}/backprop_graph?expr={quote(EXPR)}&values={quote(values(0))}")
            wait_idle(page)
            box = page.locator('[data-testid="stTextInput"]').filter(
                has_text="Values of the variables").locator("input")
            times = []
            for k in range(1, runs + 1):
                expected = f"value {bp.fmt(1 + k * 1e-2)}"
                box.fill(f"x1={1 + k * 1e-2:.4f}, x2=-2, w1=0.5, w2=-0.25, b=0.2")
                t0 = time.perf_counter()
                box.press("Enter")
                page.wait_for_function(
                    "e => { const g = document.querySelector('[data-testid=\"stGraphVizChart\"] svg');"
                    " return g && g.textContent.includes(e); }", arg=expected, timeout=30_000)
                times.append((time.perf_counter() - t0) * 1000)
                wait_idle(page)
            browser.close()
    finally:
        server.stop()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)

    ms, n_nodes = engine_ms(args.runs * 10)
    print(f"expression: {EXPR}")
    print(f"graph nodes: {n_nodes}")
    print(f"engine (parse, graph, both passes, steps, DOT, paths): {ms:.2f} ms median")
    print(f"page script time, new values each run (torch check not cached): "
          f"{script_ms(args.runs, vary=True):.0f} ms median (budget 150 ms)")
    print(f"page script time, same values (cached): {script_ms(args.runs, vary=False):.0f} ms "
          "median")
    if not args.no_browser:
        print(f"browser: Enter pressed -> new graph drawn: {browser_ms(5):.0f} ms median")


if __name__ == "__main__":
    main()
