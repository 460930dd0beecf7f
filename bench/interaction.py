"""Interaction latency per page: median script time (AppTest, warm) of the default render
and of one control change, next to an empty reference page measured in the same run.
Also the cold start: seconds from `streamlit run` to the home page idle in Chromium.

    .venv/bin/python bench/interaction.py [--runs N] [--pages pages/2_x.py ...] [--no-cold]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.helpers import ALL_SCRIPTS, AppServer, app_test, launch_chromium, wait_idle  # noqa: E402

EMPTY = "bench/empty_page.py"


def _timed_run(at) -> float:
    t0 = time.perf_counter()
    at.run()
    dt = (time.perf_counter() - t0) * 1000
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return dt


def _first_control(at):
    """The first slider in the main area, else the first selectbox/radio; None if none."""
    for kind in ("slider", "select_slider", "selectbox", "radio", "number_input"):
        for widget in at.get(kind):
            if widget.key and widget.key != "present" and not widget.key.startswith("_"):
                return kind, widget.key
    return None


def _values_to_walk(at, kind, key, n):
    widget = at.get(kind)[[w.key for w in at.get(kind)].index(key)]
    if kind == "slider":
        lo, hi, step, v0 = widget.min, widget.max, widget.step, widget.value
        if isinstance(v0, (tuple, list)):
            return [v0] * n
        span = int(round((hi - lo) / step))
        return [type(v0)(lo + ((round((v0 - lo) / step) + k + 1) % (span + 1)) * step)
                for k in range(n)]
    if kind in ("selectbox", "radio", "select_slider"):
        options = list(widget.options)
        start = options.index(str(widget.value)) if str(widget.value) in options else 0
        return [options[(start + k + 1) % len(options)] for k in range(n)]
    if kind == "number_input":
        v0, step = widget.value, widget.step or 1
        return [v0 + (k % 2 + 1) * step for k in range(n)]
    return []


def measure(script: str, runs: int) -> tuple[float, float | None, str]:
    at = app_test(script, timeout=120)
    _timed_run(at)  # cold: imports, caches, first training
    default_ms = statistics.median(_timed_run(at) for _ in range(runs))
    control = _first_control(at)
    if control is None:
        return default_ms, None, "-"
    kind, key = control
    change_times = []
    for value in _values_to_walk(at, kind, key, runs):
        at.get(kind)[[w.key for w in at.get(kind)].index(key)].set_value(value)
        change_times.append(_timed_run(at))
    return default_ms, statistics.median(change_times), key


def cold_start_seconds() -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page()
        t0 = time.perf_counter()
        server = AppServer().start()
        try:
            page.goto(server.url + "/")
            wait_idle(page)
            return time.perf_counter() - t0
        finally:
            browser.close()
            server.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--pages", nargs="*", default=None)
    ap.add_argument("--no-cold", action="store_true")
    args = ap.parse_args()
    # AppTest outside a server logs a harmless "missing ScriptRunContext" warning per run.
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    scripts = args.pages or ALL_SCRIPTS

    empty_ms, _, _ = measure(EMPTY, args.runs)
    print(f"{'page':<40} | {'default ms':>10} | {'change ms':>9} | {'ratio to empty':>14} | control")
    print("-" * 100)
    print(f"{'(empty reference page)':<40} | {empty_ms:>10.1f} | {'-':>9} | {1.0:>14.1f} |")
    for script in scripts:
        default_ms, change_ms, key = measure(script, args.runs)
        change = f"{change_ms:9.1f}" if change_ms is not None else f"{'-':>9}"
        ratio = (change_ms if change_ms is not None else default_ms) / empty_ms
        print(f"{script:<40} | {default_ms:>10.1f} | {change} | {ratio:>14.1f} | {key}",
              flush=True)
    if not args.no_cold:
        print(f"\ncold start (streamlit run -> home page idle in Chromium): "
              f"{cold_start_seconds():.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
