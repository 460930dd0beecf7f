"""A class opening the app at once: N concurrent sessions in headless Chromium (one browser
context each) against one local server. Each session visits every page and moves one
control (the first slider in the main area). Reports, per page, p50/p95 seconds until the
page is idle after opening and after the control change, the number of exceptions, and
the server's resident memory.

    .venv/bin/python bench/load.py                 # N = 1, 10, 30
    .venv/bin/python bench/load.py --sessions 5    # one level
    .venv/bin/python bench/load.py --soak 300      # 30 sessions for 5 minutes: memory flat?

Only 127.0.0.1 is contacted; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.helpers import CHROMIUM, CHROMIUM_ARGS, IDLE, AppServer  # noqa: E402

SLIDER = '[data-testid="stMain"] [data-testid="stSlider"] input[type="range"]'
EXCEPTION = '[data-testid="stException"]'
PAGE_TIMEOUT_MS = 180_000

# Records every change of the app's script state with a timestamp, so a rerun that starts
# and ends between two polls is still seen.
STATE_RECORDER = """
() => {
  window.__states = [];
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => window.__states.push(
      [performance.now(), app.getAttribute('data-test-script-state')]))
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}
"""
RERUN_DONE = """
(t0) => {
  const s = window.__states || [];
  const i = s.findIndex(([t, v]) => t >= t0 && v === 'running');
  if (i < 0) return null;
  const j = s.findIndex(([t, v], k) => k > i && v === 'notRunning');
  return j < 0 ? null : s[j][0] - t0;
}
"""


def rss_mb(pid: int) -> float:
    """Resident memory of the server process and its children, in MB."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


async def wait_idle(page) -> None:
    await page.wait_for_selector(IDLE, timeout=PAGE_TIMEOUT_MS)
    await page.wait_for_timeout(200)
    await page.wait_for_selector(IDLE, timeout=PAGE_TIMEOUT_MS)


async def visit(page, url: str, results: dict, name: str) -> None:
    t0 = time.perf_counter()
    await page.goto(url, timeout=PAGE_TIMEOUT_MS)
    await wait_idle(page)
    results.setdefault(name, {"open": [], "change": [], "exceptions": 0})
    results[name]["open"].append(time.perf_counter() - t0)
    results[name]["exceptions"] += await page.locator(EXCEPTION).count()

    sliders = page.locator(SLIDER)
    if await sliders.count() == 0:
        return
    await page.evaluate(STATE_RECORDER)
    slider = sliders.first
    await slider.focus()
    t_start = await page.evaluate("performance.now()")
    await page.keyboard.press("ArrowRight")
    deadline = time.perf_counter() + PAGE_TIMEOUT_MS / 1000
    elapsed_ms = None
    while elapsed_ms is None and time.perf_counter() < deadline:
        await page.wait_for_timeout(25)
        elapsed_ms = await page.evaluate(RERUN_DONE, t_start)
    if elapsed_ms is not None:
        results[name]["change"].append(elapsed_ms / 1000)
    results[name]["exceptions"] += await page.locator(EXCEPTION).count()


async def session(browser, base: str, paths: list[str], results: dict, delay: float,
                  until: float | None) -> None:
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        rounds = 0
        while True:
            for path in paths:
                await visit(page, base + path, results, path or "/")
            rounds += 1
            if until is None or time.perf_counter() > until or rounds > 1000:
                break
    finally:
        await context.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[k]


async def run_level(server: AppServer, n: int, paths: list[str], soak_s: float | None):
    from playwright.async_api import async_playwright

    results: dict = {}
    memory: list[tuple[float, float]] = []
    stop = asyncio.Event()

    async def sample_memory():
        t0 = time.perf_counter()
        while not stop.is_set():
            memory.append((time.perf_counter() - t0, rss_mb(server.proc.pid)))
            await asyncio.sleep(1.0 if soak_s is None else 5.0)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        sampler = asyncio.create_task(sample_memory())
        until = time.perf_counter() + soak_s if soak_s else None
        rng = random.Random(n)
        t0 = time.perf_counter()
        # A class arriving within a few seconds of each other.
        await asyncio.gather(*(session(browser, server.url, paths, results,
                                       rng.uniform(0, min(5.0, 0.2 * n)), until)
                               for _ in range(n)))
        wall = time.perf_counter() - t0
        stop.set()
        await sampler
        await browser.close()
    return results, memory, wall


def discover_paths(server: AppServer) -> list[str]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(server.url + "/")
        page.wait_for_selector(IDLE, timeout=PAGE_TIMEOUT_MS)
        hrefs = page.locator('[data-testid="stSidebarNav"] a').evaluate_all(
            "links => links.map(a => new URL(a.href).pathname)")
        browser.close()
    return sorted(set(hrefs), key=hrefs.index) or ["/"]


def report(n: int, results: dict, memory, wall: float) -> None:
    peak = max(m for _, m in memory) if memory else float("nan")
    print(f"\n== {n} concurrent session(s): {wall:.1f} s wall, server memory peak "
          f"{peak:.0f} MB, end {memory[-1][1] if memory else float('nan'):.0f} MB")
    print(f"{'page':<28} | {'open p50':>8} | {'open p95':>8} | {'change p50':>10} | "
          f"{'change p95':>10} | {'changes':>7} | exceptions")
    for name, r in results.items():
        print(f"{name:<28} | {pct(r['open'], .5):8.2f} | {pct(r['open'], .95):8.2f} | "
              f"{pct(r['change'], .5):10.2f} | {pct(r['change'], .95):10.2f} | "
              f"{len(r['change']):>7} | {r['exceptions']}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, nargs="*", default=[1, 10, 30])
    ap.add_argument("--soak", type=float, default=None, help="seconds to hold 30 sessions")
    ap.add_argument("--paths", nargs="*", default=None, help="page paths, default: all")
    args = ap.parse_args()

    server = AppServer().start()
    try:
        paths = args.paths or discover_paths(server)
        print(f"pages: {' '.join(paths)}")
        if args.soak:
            results, memory, wall = asyncio.run(run_level(server, 30, paths, args.soak))
            report(30, results, memory, wall)
            half = len(memory) // 2
            first = statistics.mean(m for _, m in memory[:max(1, half)])
            second = statistics.mean(m for _, m in memory[half:])
            tail = [m for _, m in memory[-max(3, len(memory) // 4):]]
            print(f"\nsoak {args.soak:.0f} s: memory mean first half {first:.0f} MB, second "
                  f"half {second:.0f} MB, last quarter {min(tail):.0f}-{max(tail):.0f} MB")
            growing = second > first * 1.10 and tail[-1] > tail[0] * 1.02
            print("memory keeps growing" if growing else "memory is flat (no steady growth)")
        else:
            for n in args.sessions:
                results, memory, wall = asyncio.run(run_level(server, n, paths, None))
                report(n, results, memory, wall)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
