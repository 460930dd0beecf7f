"""Helpers shared by the page tests (AppTest) and browser tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE_FILES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))
ALL_SCRIPTS = ["app.py", *PAGE_FILES]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--no-first-run"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def url_path_of(script: str) -> str:
    """The URL path Streamlit gives a script: '' for app.py, the name sans number prefix."""
    if script == "app.py":
        return ""
    stem = Path(script).stem
    head, _, rest = stem.partition("_")
    return rest if head.isdigit() and rest else stem


def app_test(script: str, timeout: float = 120):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / script), default_timeout=timeout)


def chart_specs(at) -> list[dict]:
    """Every Altair/Vega-Lite chart on the page as a spec dict."""
    return [json.loads(el.proto.spec) for el in at.get("arrow_vega_lite_chart")] + [
        json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def chart_datasets(at) -> list:
    """Every dataset every chart received, as DataFrames: the ones Streamlit moved into
    Arrow bytes and the ones left inline in the spec."""
    import pandas as pd
    import pyarrow as pa

    frames = []
    for el in at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart"):
        for ds in el.proto.datasets:
            frames.append(pa.ipc.open_stream(ds.data.data).read_all().to_pandas())
        if el.proto.HasField("data") and el.proto.data.data:
            frames.append(pa.ipc.open_stream(el.proto.data.data).read_all().to_pandas())
    for spec in chart_specs(at):
        for values in (spec.get("datasets") or {}).values():
            frames.append(pd.DataFrame(values))
        if isinstance(spec.get("data"), dict) and "values" in spec["data"]:
            frames.append(pd.DataFrame(spec["data"]["values"]))
    return frames


def visible_text(at) -> str:
    """The text of the rendered markdown, captions, metrics, alerts and titles."""
    parts = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                 "error", "success", "latex", "text", "code"):
        parts += [str(el.value) for el in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.get("metric")]
    return "\n".join(parts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`streamlit run app.py` on a free local port, for browser tests and benchmarks."""

    def __init__(self, port: int | None = None, log: Path | None = None,
                 script: str = "app.py", warm_up: bool = False):
        """script: app.py, or serve.py (the hosted entry, with its start-up warm-up).
        warm_up: off by default, so a test measures its own work, not the warm-up's."""
        self.script = script
        self.warm_up = warm_up
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log or Path(f"/tmp/explorer-server-{self.port}.log")
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> AppServer:
        env = dict(os.environ, PYTHONUNBUFFERED="1",
                   EXPLORER_WARMUP="1" if self.warm_up else "0")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", self.script, "--server.headless=true",
             f"--server.port={self.port}", "--server.address=127.0.0.1",
             "--browser.gatherUsageStats=false"],
            cwd=ROOT, env=env, stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT,
            start_new_session=True)
        t0 = time.time()
        while time.time() - t0 < timeout:
            try:
                if urllib.request.urlopen(self.url + "/_stcore/health", timeout=2).read() == b"ok":
                    return self
            except OSError:
                time.sleep(0.2)
            if self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"streamlit did not start; see {self.log_path}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            import signal

            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# Records every value the app's script-state attribute takes (a rerun changes it); read
# back with page.evaluate("window.__states"): [] means no script ran.
SCRIPT_STATE_RECORDER = """() => {
  window.__states = [];
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => window.__states.push(app.getAttribute('data-test-script-state')))
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def wait_screenshot_changes(page, shoot, before: bytes, timeout_s: float = 30,
                            what: str = "the chart") -> bytes:
    """`shoot()` (a screenshot) once it differs from `before`: Vega redraws a frame after
    its data or a param changed, and on a busy machine that can take a while."""
    deadline = time.monotonic() + timeout_s
    while True:
        now = shoot()
        if now != before:
            return now
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not change")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                      "requestAnimationFrame(r)))")


SKELETON = '[data-testid="stSkeleton"]'
ELEMENT_COUNT = "document.querySelectorAll('[data-testid=\"stElementContainer\"]').length"


def wait_idle(page, timeout_ms: int = 90_000) -> None:
    """Wait until the script finished and the page has drawn what it sent.

    On a busy machine the app reports idle before React has drawn every element, so
    also wait until the number of elements stops changing.
    """
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    drawn = page.evaluate(ELEMENT_COUNT)
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        page.wait_for_timeout(300)
        page.wait_for_selector(IDLE, timeout=timeout_ms)
        now = page.evaluate(ELEMENT_COUNT)
        # A skeleton is an element whose component (a chart, say) is still loading.
        loading = page.locator(SKELETON).count()
        if (now == drawn and not loading) or time.monotonic() > deadline:
            return
        drawn = now


def press_slider(page, slider, key: str = "ArrowRight", tries: int = 5) -> str:
    """Press one arrow key on a slider and return its new value.

    On a busy page a key press can be lost: the rerun started by an earlier press
    redraws the slider and takes its focus. So focus before each press, and press
    again until the thumb shows a new value.
    """
    before = slider.input_value()
    for _ in range(tries):
        slider.focus()
        page.keyboard.press(key)
        # Poll through the locator, not an element handle: the redraw may replace the node.
        for _ in range(30):
            value = slider.input_value()
            if value != before:
                return value
            page.wait_for_timeout(100)
    raise AssertionError(f"the slider stayed at {before} after {tries} presses of {key}")


def slide_to(page, slider, target: float, max_steps: int = 100) -> None:
    """Move a slider to `target` one verified key press at a time, so no step is lost."""
    for _ in range(max_steps):
        value = float(slider.input_value())
        if abs(value - target) < 1e-9:
            # A rerun that was under way may still redraw the thumb at an older value.
            wait_idle(page)
            if abs(float(slider.input_value()) - target) < 1e-9:
                return
            continue
        press_slider(page, slider, "ArrowRight" if value < target else "ArrowLeft")
    raise AssertionError(f"the slider did not reach {target} in {max_steps} presses")


# Streamlit's own frontend probes these relative to a deep link and gets 404s: harmless.
IGNORED_CONSOLE = ("/_stcore/health", "/_stcore/host-config")
# An image of a superseded run: Streamlit drops a run's media files when the next run
# finishes, and a browser still loading the old <img> gets a 404; the new image follows.
STALE_MEDIA = "/media/"


def is_ignored_console_error(text: str, location_url: str = "") -> bool:
    blob = f"{text} {location_url}"
    if any(probe in blob for probe in IGNORED_CONSOLE):
        return True
    return "404" in text and STALE_MEDIA in location_url


# ---- shared by the page tests (AppTest) ------------------------------------------------


def open_app(script: str, **query):
    """Run a page under AppTest with these URL parameters (values as the URL has them)."""
    at = app_test(script)
    for key, value in query.items():
        at.query_params[key] = value if isinstance(value, (list, tuple)) else str(value)
    return at.run()


def metric(at, label: str, *, exact: bool = False) -> str:
    """The value of the first st.metric whose label is (or starts with) `label`."""
    for m in at.metric:
        if (m.label == label) if exact else m.label.startswith(label):
            return str(m.value)
    raise KeyError(f"no metric labelled {label!r}: {[m.label for m in at.metric]}")


def chart_named_datasets(at, index: int = 0) -> tuple[dict, dict]:
    """(spec, {dataset name: DataFrame}) of the page's index-th Vega-Lite chart."""
    import pyarrow as pa

    el = (at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart"))[index]
    frames = {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas()
              for d in el.proto.datasets}
    return json.loads(el.proto.spec), frames


# ---- shared by the browser tests -------------------------------------------------------

CHART = '[data-testid="stVegaLiteChart"]'
EXCEPTION = '[data-testid="stException"]'

# True when every Vega chart on the page has drawn: vega-embed puts a canvas or an svg
# with a size into its container once the view has run.
CHARTS_DRAWN = """() => {
  // An element whose component is still loading (charts are lazy-loaded) is a skeleton;
  // with no chart in the page yet, "every chart drawn" would be true of none.
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  // Charts in a hidden container (ui.by_width's other layout, a closed tab) never draw.
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(c => c.checkVisibility());
  return charts.every(c => {
    const view = c.querySelector('canvas, svg.marks');
    return view && view.getBoundingClientRect().width > 0;
  });
}"""


def wait_charts_drawn(page, timeout_ms: int = 60_000) -> None:
    """Wait until every chart has drawn, then two animation frames for the last paint."""
    page.wait_for_function(CHARTS_DRAWN, timeout=timeout_ms)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                  "requestAnimationFrame(r)))")


def open_page(page, url: str, timeout_ms: int = 120_000) -> None:
    """Open a URL, wait for the app to be idle and its charts drawn, and fail on a
    Streamlit exception."""
    page.goto(url)
    wait_idle(page, timeout_ms=timeout_ms)
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()
    wait_charts_drawn(page, timeout_ms=timeout_ms)


def url_param(page, key: str) -> str | None:
    """A query parameter of the page's current address (read through the history API)."""
    from urllib.parse import parse_qs, urlparse

    values = parse_qs(urlparse(page.evaluate("() => location.href")).query).get(key)
    return values[-1] if values else None


def wait_url_param(page, key: str, value: str | None, timeout_ms: int = 60_000) -> None:
    """Wait until the address has `key=value` (value None: until the key is gone)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while url_param(page, key) != value:
        if time.monotonic() > deadline:
            raise AssertionError(f"URL kept {key}={url_param(page, key)!r}, wanted {value!r}")
        page.wait_for_timeout(100)
