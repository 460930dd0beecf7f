"""Cold start: seconds from opening a page in Chromium to the page idle with its charts drawn,
on a freshly started server (one server per page): the first visit, a second visitor (a
new browser context, nothing cached) and the first visitor opening the link again (its
browser has Streamlit's scripts cached). Two readings of each visit:
- "seen settled": until the bench has seen the page settled: wait_idle's settling (at least
  0.3 s without a change, checked every 0.3 s) and two animation frames after the charts
  are drawn. The measure of the issue's first table and of every README run before (7).
- "settled at": when the page last changed before that, from navigation start (a
  MutationObserver in the page notes the time of every change to the document): what the
  visitor waits for, without the 0.3-0.6 s the bench spends making sure nothing follows.

Three ways a visitor can meet a fresh server:
- `now`: the visitor arrives the moment the server answers, with `streamlit run serve.py`
  (its warm-up has just begun and competes with the visit);
- `warm`: the same server, the visitor arrives once the warm-up has finished (a server that
  woke up a minute before the class);
- `app.py`: `streamlit run app.py` with the warm-up off, the visitor arrives at once.

    .venv/bin/python bench/cold_start.py [--pages gradient_descent tabular ...]
                                         [--modes now warm app.py] [--repeat 3]

--repeat N starts N fresh servers per page and mode and prints the median of each column (a
single first visit varies by ±0.3 s here).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explorer import course  # noqa: E402
from tests.helpers import (  # noqa: E402
    AppServer,
    launch_chromium,
    wait_charts_drawn,
    wait_idle,
)

# Runs in every document before Streamlit's own scripts: the time of the latest change to
# the page (an element, an attribute, a text), in ms from navigation start.
LAST_CHANGE_JS = """
window.__lastChange = 0;
new MutationObserver(() => { window.__lastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""


def new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.add_init_script(LAST_CHANGE_JS)
    return context, page


def timed_open(page, url: str) -> tuple[float, float]:
    """Seconds until the bench has seen the page settled, and when it last changed."""
    t0 = time.perf_counter()
    page.goto(url)
    wait_idle(page, timeout_ms=300_000)
    wait_charts_drawn(page, timeout_ms=300_000)
    seen = time.perf_counter() - t0
    return seen, page.evaluate("() => window.__lastChange") / 1000


def visits(browser, url: str) -> list[tuple[float, float]]:
    """(seen settled, settled at) for the first visit, a second visitor (a new browser:
    nothing cached in it, so it loads Streamlit's scripts again) and the first visitor
    opening the link again (the same browser: scripts cached; the median of three)."""
    first_context, first_page = new_page(browser)
    first = timed_open(first_page, url)
    other_context, other_page = new_page(browser)
    second = timed_open(other_page, url)
    other_context.close()
    # Median of three: a warm page's time varies by a few tenths of a second.
    agains = [timed_open(first_page, url) for _ in range(3)]
    again = tuple(statistics.median(a[reading] for a in agains) for reading in (0, 1))
    first_context.close()
    return [first, second, again]


def wait_for_warm_up(server: AppServer, timeout: float = 300) -> float:
    t0 = time.monotonic()
    while "warm-up: done" not in server.log_path.read_text():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError("warm-up did not finish")
        time.sleep(0.5)
    return time.monotonic() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", nargs="*",
                        default=["", *(p.url_path for p in course.LEARNING_PATH)])
    parser.add_argument("--modes", nargs="*", default=["now", "warm", "app.py"])
    parser.add_argument("--repeat", type=int, default=1,
                        help="fresh servers per page and mode; the table shows medians")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        for path in args.pages:
            row = {"page": "/" + path}
            for mode in args.modes:
                samples = []
                for _ in range(args.repeat):
                    script = "app.py" if mode == "app.py" else "serve.py"
                    server = AppServer(script=script, warm_up=script == "serve.py").start()
                    try:
                        warm_up = wait_for_warm_up(server) if mode == "warm" else None
                        samples.append((warm_up, visits(browser, f"{server.url}/{path}")))
                    finally:
                        server.stop()
                if mode == "warm":
                    row["warm-up s"] = statistics.median(s[0] for s in samples)
                for reading, suffix in ((0, ""), (1, " settled at")):
                    for visit, column in enumerate(("1st", "2nd", "again")):
                        row[f"{mode} {column}{suffix}"] = statistics.median(
                            s[1][visit][reading] for s in samples)
            rows.append(row)
            print(row, flush=True)
        browser.close()
    columns = list(rows[0])
    print("\n| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(f"{row[c]:.1f}" if isinstance(row[c], float) else row[c]
                                 for c in columns) + " |")


if __name__ == "__main__":
    main()
