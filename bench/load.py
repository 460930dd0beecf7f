"""A class opening the app at once: N concurrent sessions against one local server. Each
session visits every page and moves one control (the first slider in the main area).
Reports, per page, p50/p95 seconds until the page is idle after opening and after the
control change, the number of exceptions and of failed steps, the server's resident
memory, and how the machine's CPU time split between the server and the clients.

Two kinds of client:
- `browser` (default): headless Chromium, one browser context per session; "idle" is the
  app's own script state in the page, so the time includes drawing the page.
- `protocol`: bench/protocol_client.py speaks the app's WebSocket protocol without
  rendering; it measures the server alone. On this 2-core machine 30 Chromium pages
  take most of the CPU themselves, which the browser figures cannot separate.

    .venv/bin/python bench/load.py                       # N = 1, 10, 30 in Chromium
    .venv/bin/python bench/load.py --client protocol     # the same, server alone
    .venv/bin/python bench/load.py --sessions 5          # one level
    .venv/bin/python bench/load.py --soak 300            # 30 sessions for 5 minutes

Only 127.0.0.1 is contacted; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.protocol_client import ProtocolSession  # noqa: E402
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, IDLE, AppServer  # noqa: E402

SLIDER = '[data-testid="stMain"] [data-testid="stSlider"] input[type="range"]'
EXCEPTION = '[data-testid="stException"]'
STEP_TIMEOUT_S = 180
CLK_TCK = os.sysconf("SC_CLK_TCK")

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
([t0, url0]) => {
  const s = window.__states || [];
  const i = s.findIndex(([t, v]) => t >= t0 && v === 'running');
  if (i >= 0) {
    const j = s.findIndex(([t, v], k) => k > i && v === 'notRunning');
    return j < 0 ? null : s[j][0] - t0;
  }
  // No 'running' seen (a starved page may batch the two state changes): the control's
  // new value is in the URL and the app has been idle for a second.
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = app && app.getAttribute('data-test-script-state') === 'notRunning';
  if (location.href !== url0 && idle) {
    window.__idleSince = window.__idleSince || performance.now();
    if (performance.now() - window.__idleSince > 1000) return window.__idleSince - t0;
  } else {
    window.__idleSince = null;
  }
  return null;
}
"""


def process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return pids


def rss_mb(pid: int) -> float:
    """Resident memory of the server process and its children, in MB."""
    total = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process (all its threads), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_busy_seconds() -> float:
    """CPU time spent by everything on the machine (all cores), in seconds."""
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, idle, iowait, irq, softirq = (int(x) for x in cpu[:7])
    return (user + nice + system + irq + softirq) / CLK_TCK


class Results:
    def __init__(self):
        self.pages: dict[str, dict] = {}

    def page(self, name: str) -> dict:
        return self.pages.setdefault(
            name, {"open": [], "change": [], "exceptions": 0, "failed": 0, "errors": []})


async def visit_browser(page, base: str, path: str, results: Results, think) -> None:
    r = results.page(path)
    t0 = time.perf_counter()
    await page.goto(base + path, timeout=STEP_TIMEOUT_S * 1000)
    await wait_idle(page)
    r["open"].append(time.perf_counter() - t0)
    r["exceptions"] += await page.locator(EXCEPTION).count()

    if path == "/":
        return  # the home page has no slider
    sliders = page.locator(SLIDER)
    # On a starved machine the page is idle before React has drawn every element.
    await sliders.first.wait_for(timeout=STEP_TIMEOUT_S * 1000)
    await think()
    slider = sliders.first
    await page.evaluate(STATE_RECORDER)
    before = await slider.input_value()
    at_max = await slider.evaluate("el => el.value === el.max")
    t_start = await page.evaluate("performance.now()")
    url_before = page.url
    # A key press can be lost while the page is still settling its layout: press again
    # (at most 3 times) until the thumb shows the new value.
    for _ in range(3):
        await slider.focus()
        await page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
        try:
            await page.wait_for_function(
                "([el, v]) => el.value !== v",
                arg=[await slider.element_handle(), before], timeout=3000)
            break
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError; try the key again
            continue
    else:
        raise RuntimeError("the slider did not move")
    deadline = time.perf_counter() + STEP_TIMEOUT_S
    elapsed_ms = None
    while elapsed_ms is None:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no rerun finished {STEP_TIMEOUT_S} s after the change")
        await page.wait_for_timeout(25)
        elapsed_ms = await page.evaluate(RERUN_DONE, [t_start, url_before])
    r["change"].append(elapsed_ms / 1000)
    r["exceptions"] += await page.locator(EXCEPTION).count()


async def wait_idle(page) -> None:
    await page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_S * 1000)
    await page.wait_for_timeout(200)
    await page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_S * 1000)


async def visit_protocol(base: str, path: str, results: Results, think) -> None:
    r = results.page(path)
    t0 = time.perf_counter()
    async with ProtocolSession(base, path) as session:
        connect_s = time.perf_counter() - t0
        opened = await session.open(STEP_TIMEOUT_S)
        # From opening the connection until the session is idle, as a page load.
        r["open"].append(connect_s + opened.seconds)
        r["exceptions"] += opened.exceptions
        if opened.page_not_found:
            raise RuntimeError("page not found")
        if opened.sliders:
            await think()
            changed = await session.change(opened.sliders[0], STEP_TIMEOUT_S)
            r["change"].append(changed.seconds)
            r["exceptions"] += changed.exceptions


async def session(client: str, browser, base: str, paths: list[str], results: Results,
                  delay: float, until: float | None, think_s: float, seed: int) -> None:
    rng = random.Random(seed)

    async def think():
        # A person reads before acting: uniform in [think_s / 2, 3 * think_s / 2].
        if think_s > 0:
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think_s)

    await asyncio.sleep(delay)
    context = page = None
    if client == "browser":
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
    try:
        rounds = 0
        while True:
            for path in paths:
                try:
                    if client == "browser":
                        await visit_browser(page, base, path, results, think)
                    else:
                        await visit_protocol(base, path, results, think)
                except Exception as e:  # noqa: BLE001 - count it and go on to the next page
                    results.page(path)["failed"] += 1
                    results.page(path)["errors"].append(f"{type(e).__name__}: {e}"[:200])
                await think()
            rounds += 1
            if until is None or time.perf_counter() > until or rounds > 1000:
                break
    finally:
        if context is not None:
            await context.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[k]


async def run_level(server: AppServer, n: int, paths: list[str], soak_s: float | None,
                    client: str, think_s: float = 0.0):
    results = Results()
    memory: list[tuple[float, float]] = []
    stop = asyncio.Event()

    async def sample_memory():
        t0 = time.perf_counter()
        while not stop.is_set():
            memory.append((time.perf_counter() - t0, rss_mb(server.proc.pid)))
            await asyncio.sleep(1.0 if soak_s is None else 5.0)

    async def run_sessions(browser):
        until = time.perf_counter() + soak_s if soak_s else None
        rng = random.Random(n)
        # A class arriving within a few seconds of each other.
        await asyncio.gather(*(session(client, browser, server.url, paths, results,
                                       rng.uniform(0, min(5.0, 0.2 * n)), until, think_s,
                                       seed=1000 * n + i)
                               for i in range(n)))

    cpu0 = (cpu_seconds(server.proc.pid), machine_busy_seconds())
    t0 = time.perf_counter()
    sampler = asyncio.create_task(sample_memory())
    if client == "browser":
        from playwright.async_api import async_playwright

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            await run_sessions(browser)
            await browser.close()
    else:
        await run_sessions(None)
    wall = time.perf_counter() - t0
    stop.set()
    await sampler
    cpu = (cpu_seconds(server.proc.pid) - cpu0[0], machine_busy_seconds() - cpu0[1])
    return results, memory, wall, cpu


def discover_paths(server: AppServer) -> list[str]:
    """Every page of the course, home first (from explorer.course, the list the sidebar
    is drawn from)."""
    from explorer import course

    return ["/", *(f"/{page.url_path}" for page in course.LEARNING_PATH)]


def report(n: int, client: str, results: Results, memory, wall: float, cpu,
           think_s: float = 0.0) -> None:
    peak = max(m for _, m in memory) if memory else float("nan")
    server_cpu, machine_cpu = cpu
    print(f"\n== {n} concurrent {client} session(s), think {think_s:g} s: {wall:.1f} s wall; "
          f"server memory peak "
          f"{peak:.0f} MB, end {memory[-1][1] if memory else float('nan'):.0f} MB; CPU "
          f"{machine_cpu:.0f} s busy on the machine, {server_cpu:.0f} s of it the server "
          f"({100 * server_cpu / max(machine_cpu, 1e-9):.0f}%)")
    print(f"{'page':<26} | {'open p50':>8} | {'open p95':>8} | {'change p50':>10} | "
          f"{'change p95':>10} | {'changes':>7} | {'failed':>6} | exceptions")
    for name, r in results.pages.items():
        print(f"{name:<26} | {pct(r['open'], .5):8.2f} | {pct(r['open'], .95):8.2f} | "
              f"{pct(r['change'], .5):10.2f} | {pct(r['change'], .95):10.2f} | "
              f"{len(r['change']):>7} | {r['failed']:>6} | {r['exceptions']}")
    errors = [(name, e) for name, r in results.pages.items() for e in r["errors"]]
    for name, e in errors[:10]:
        print(f"  failed on {name}: {e}")


def report_soak(soak_s: float, memory: list[tuple[float, float]]) -> None:
    """Memory over the soak, and whether it keeps rising: the last third of the samples
    against the middle third (the first third includes the class arriving)."""
    third = max(1, len(memory) // 3)
    middle = statistics.mean(m for _, m in memory[third:2 * third])
    last = statistics.mean(m for _, m in memory[2 * third:])
    by_minute = [f"{t / 60:.0f} min {m:.0f} MB" for t, m in memory if int(t) % 60 < 5]
    print(f"\nsoak {soak_s:.0f} s, memory over time: {', '.join(by_minute)}, "
          f"end {memory[-1][1]:.0f} MB")
    print(f"mean of the middle third {middle:.0f} MB, of the last third {last:.0f} MB: "
          + ("memory keeps growing" if last > middle * 1.05 else
             "memory is flat (no steady growth)"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, nargs="*", default=[1, 10, 30])
    ap.add_argument("--soak", type=float, default=None, help="seconds to hold 30 sessions")
    ap.add_argument("--client", choices=["browser", "protocol"], default="browser")
    ap.add_argument("--think", type=float, default=2.0,
                    help="mean seconds a person reads before each action (0: back to back)")
    ap.add_argument("--paths", nargs="*", default=None, help="page paths, default: all")
    args = ap.parse_args()

    server = AppServer().start()
    try:
        paths = args.paths or discover_paths(server)
        print(f"pages: {' '.join(paths)}")
        if args.soak:
            # One session first, so the soak measures a warm server: memory that caches
            # fill once is not growth.
            asyncio.run(run_level(server, 1, paths, None, args.client, 0.0))
            results, memory, wall, cpu = asyncio.run(
                run_level(server, 30, paths, args.soak, args.client, args.think))
            report(30, args.client, results, memory, wall, cpu, args.think)
            report_soak(args.soak, memory)
        else:
            for n in args.sessions:
                results, memory, wall, cpu = asyncio.run(
                    run_level(server, n, paths, None, args.client, args.think))
                report(n, args.client, results, memory, wall, cpu, args.think)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
