"""The shared page kit: the only explorer module that imports streamlit.

Every page starts with `page_setup(...)`. It gives the page its config, its header and the
presentation-mode switch (bound to the URL as ?present=true, carried from page to page).
Then a page may call `preset_row(...)` before its controls, `chart(...)` for each Altair
chart, `notice(...)` / `diverged(...)` for settings that cannot work, and `next_concept()`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any

import streamlit as st

from explorer import charts, course, tours
from explorer.params import PageSpec, Param, Preset, clean_query, number_token
from explorer.threads import limit_native_threads

# Every page imports this kit before any numeric work: one native thread per call from
# here on, because many sessions calling numpy or torch at once is the server's parallelism.
limit_native_threads()

PRESENT_KEY = "present"
PRESET_PARAM = "preset"

# Static CSS written here, never built from user text.
_PRESENT_CSS = """
<style>
html { font-size: 22px; }
[data-testid="stMainBlockContainer"] { padding: 1.2rem 1.5rem 4rem; max-width: 100%; }
[data-testid="stHeader"] { background: transparent; }
[data-testid="stToolbar"], [data-testid="stDecoration"] { display: none; }
h1 { font-size: 2.2rem !important; }
</style>
"""
_BASE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
</style>
"""
# The main column is a size container, so a page can choose a chart's layout from the
# width it really has (ui.by_width).
_CONTAINER_CSS = """
<style>
[data-testid="stMainBlockContainer"] { container-type: inline-size; container-name: main; }
/* A disabled control's label stays readable (4.5:1 on white; Streamlit greys it to 2.5:1). */
[data-testid="stWidgetLabel"][disabled], [data-testid="stWidgetLabel"][disabled] p,
[data-testid="stSlider"]:has([data-disabled]) [data-testid="stSliderThumbValue"],
[data-testid="stSlider"]:has([data-disabled]) [data-testid="stSliderTickBarMin"],
[data-testid="stSlider"]:has([data-disabled]) [data-testid="stSliderTickBarMax"] {
  color: #5f6368 !important; }
/* Keyboard shortcut hints inside buttons: as readable as the button's own label. */
[data-testid="stMain"] button kbd { color: inherit !important; opacity: 1 !important; }
/* On a phone, formulas at the size of the text around them (KaTeX draws them 21% larger),
   so most fit the screen instead of scrolling sideways. */
@container main (max-width: 500px) { .katex-display > .katex { font-size: 1.05em; } }
/* KaTeX draws a 2 px strut past the end of every stacked formula (.vlist-t2's negative
   margin): room for it, or a formula that fits would scroll by 2 px, and a scrollable box
   must then be a tab stop (axe-core's scrollable-region-focusable). */
.katex-display > .katex { padding-right: 2px; }
</style>
"""

# Formulas and tables wider than their column scroll sideways; a keyboard user must be able
# to reach and scroll them too (WCAG 2.1.1), so such a box is made focusable. Written here,
# run by the browser in the app's own page (a same-origin component frame); no user text.
_FOCUSABLE_FORMULAS_JS = """
<script>
(() => {  // a scope of its own: the script runs again on later runs
const doc = window.parent.document;
function mark() {
  window.__formulaMarkPending = false;
  for (const el of doc.querySelectorAll('.katex-display:not([tabindex])')) {
    if (el.scrollWidth > el.clientWidth + 1) focusable(el, 'Formula');
  }
  // st.table scrolls a wide table in its own box (or in a box inside it).
  for (const el of doc.querySelectorAll(
      '[data-testid="stTable"]:not([tabindex]), [data-testid="stTable"] div:not([tabindex])')) {
    const overflow = getComputedStyle(el).overflowX;
    if ((overflow === 'auto' || overflow === 'scroll') && el.scrollWidth > el.clientWidth + 1) {
      focusable(el, 'Table');
    }
  }
}
function focusable(el, what) {
  el.setAttribute('tabindex', '0');
  el.setAttribute('role', 'region');
  el.setAttribute('aria-label', what + ' (scroll sideways to read it all)');
}
// At most one check per frame: reading a width forces the browser to lay the page out,
// and a page being built changes many times between two frames.
function later() {
  if (window.__formulaMarkPending) return;
  window.__formulaMarkPending = true;
  window.parent.requestAnimationFrame(mark);
}
later();
if (!window.__formulaObserver) {
  window.__formulaObserver = new MutationObserver(later);
  window.__formulaObserver.observe(doc.body, {childList: true, subtree: true});
  window.addEventListener('resize', later);
}
})();
</script>
"""


@functools.cache
def _favicon():
    """The tab icon, drawn here: a Material icon as page_icon makes the browser fetch it
    from a font server at run time, and an emoji depends on the visitor's fonts."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 63, 63), radius=12, fill=charts.PALETTE[0])
    for row in range(3):  # a 3x3 grid of cells: a matrix, a kernel
        for col in range(3):
            x, y = 10 + col * 16, 10 + row * 16
            shade = (255, 255, 255) if (row + col) % 2 == 0 else (230, 159, 0)
            draw.rectangle((x, y, x + 11, y + 11), fill=shade)
    return image


def presenting() -> bool:
    """True when presentation mode is on (from the widget, or the URL on first load)."""
    if PRESENT_KEY in st.session_state:
        return bool(st.session_state[PRESENT_KEY])
    return str(st.query_params.get(PRESENT_KEY, "")).lower() == "true"


def page_setup(title: str, intro: str = "", icon: str = ":material/psychology:",
               wide: bool = True, spec: PageSpec | None = None) -> bool:
    """Config, presentation mode and header for a page. Returns whether presenting.

    spec: the page's declared parameters. The URL is cleaned against it here, before any
    widget exists: Streamlit seeds widgets from the URL when they are created, and some
    values (`?seed=inf`) raise inside that seeding."""
    url_notes = clean_url(spec) if spec is not None else []
    _start_warm_up_on_a_real_server()
    present = presenting()
    st.set_page_config(
        page_title=f"{title} · Deep learning explorer",
        page_icon=_favicon(),
        layout="wide" if wide else "centered",
        initial_sidebar_state="collapsed" if present else "auto",
    )
    # Carry presentation mode to the next page. Streamlit carries a bound widget's value
    # across pages when the user flipped it, but not when it came from the URL (?present=
    # true opened directly); so the kit remembers it, and re-assigns it once the toggle
    # has been drawn, which is when Streamlit writes a value set from code into the URL.
    carried = st.session_state.get("_present_carry", False)
    if PRESENT_KEY not in st.session_state:
        if carried:
            st.session_state[PRESENT_KEY] = True
    elif st.session_state[PRESENT_KEY] and st.query_params.get(PRESENT_KEY) != "true":
        st.session_state[PRESENT_KEY] = True
    with st.sidebar:
        _navigation()
        st.toggle(
            "Presentation mode",
            key=PRESENT_KEY,
            bind="query-params",
            help="Larger text and charts for a projector. Stays on as you change pages.",
        )
    present = presenting()
    st.session_state["_present_carry"] = present
    st.markdown((_PRESENT_CSS if present else _BASE_CSS) + _CONTAINER_CSS,
                unsafe_allow_html=True)
    st.html(_FOCUSABLE_FORMULAS_JS, unsafe_allow_javascript=True)
    heading = st
    if present:
        heading, corner = st.columns([3, 1], vertical_alignment="center")
        # Filled at the end of the page (share_view), when every control has written its
        # value into the URL.
        st.session_state["_share_slot"] = corner.popover(
            "QR code", icon=":material/qr_code_2:", key="share_qr",
            help="A QR code of exactly what is on screen, for the room to open on their "
                 "phones.", width="stretch")
        st.session_state["_share_path"] = spec.url_path if spec is not None else ""
    else:
        st.session_state.pop("_share_slot", None)
    # Material icons render in markdown without an emoji font.
    heading.title(f"{icon} {title}")
    if url_notes:
        # Keys are the page's own declared names and the notes are written here: no text
        # from the URL reaches the page.
        st.info("This link had values the page cannot use, so they were changed: "
                + "; ".join(url_notes) + ".", icon=":material/link:")
    if spec is not None:
        tour_bar(spec)
    if intro:
        st.markdown(intro)
    return present


# ---- warm-up: every page's default view computed once when the server starts ----------

_WARM_UP_LOCK = threading.Lock()
_warm_up_started = False
_sockets_tuned = False
# A page run that has not finished in this time is left alone (a later visitor waits for
# it as it would have anyway).
_WARM_UP_PAGE_TIMEOUT_S = 300


async def _visit(base_url: str, url_path: str) -> float:
    """Open one page in a browser-less session (Streamlit's WebSocket protocol, as the
    frontend speaks it) and wait until its script has finished; returns the seconds."""
    import asyncio
    import time

    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
    message = BackMsg()
    message.rerun_script.query_string = ""
    message.rerun_script.page_name = url_path
    started = time.perf_counter()
    async with connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60,
                       ping_interval=None) as ws:
        await ws.send(message.SerializeToString())
        finished = None
        while True:
            wait = _WARM_UP_PAGE_TIMEOUT_S if finished is None else 0.3
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=wait)
            except TimeoutError:
                if finished is None:
                    raise
                return finished - started
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            if forward.WhichOneof("type") == "script_finished":
                if forward.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    finished = time.perf_counter()
                else:
                    finished = None


def _warm_up(base_url: str) -> None:
    """Visit every page once, in course order (the home page first: it is the lightest)."""
    import asyncio
    import time
    import urllib.request

    from streamlit.logger import get_logger

    log = get_logger("streamlit.explorer_warm_up")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the server answers once it is listening
        try:
            if urllib.request.urlopen(base_url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.2)
    for url_path in ["", *(page.url_path for page in course.LEARNING_PATH)]:
        try:
            seconds = asyncio.run(_visit(base_url, url_path))
            log.info("warm-up: /%s ready in %.1f s", url_path, seconds)
        except Exception as err:  # a failed warm-up must never stop the server
            log.warning("warm-up: /%s failed: %s", url_path, err)
    from explorer import compressed_static

    started = time.perf_counter()
    if files := compressed_static.compress_ahead():
        log.info("warm-up: %d static files compressed in %.1f s", files,
                 time.perf_counter() - started)
    log.info("warm-up: done")
    mark_warm()


WARM_FILE_ENV = "EXPLORER_WARM_FILE"


def mark_warm() -> None:
    """Write the file named by EXPLORER_WARM_FILE, if set, once the server is warm (or has no
    warm-up to do): a readiness probe that also checks it sends no visitor to a replica
    still training its default models (deploy/k8s/deployment.yaml)."""
    import os
    from pathlib import Path

    path = os.environ.get(WARM_FILE_ENV)
    if path:
        try:
            Path(path).write_text("warm\n")
        except OSError as err:  # a probe that never passes is better than a crash
            from streamlit.logger import get_logger

            get_logger("streamlit.explorer_warm_up").warning("warm-up: cannot write %s: %s",
                                                             path, err)


def start_warm_up() -> bool:
    """Start the warm-up in a background thread, once per server process. Off when
    EXPLORER_WARMUP=0 (the tests' servers, so that what a test measures is its own work)."""
    global _warm_up_started
    import os

    _send_small_messages_at_once()
    if os.environ.get("EXPLORER_WARMUP", "1") == "0":
        mark_warm()  # nothing to wait for
        return False
    with _WARM_UP_LOCK:
        if _warm_up_started:
            return False
        _warm_up_started = True
    port = st.get_option("server.port") or 8501
    threading.Thread(target=_warm_up, args=(f"http://127.0.0.1:{port}",),
                     name="explorer-warm-up", daemon=True).start()
    return True


def _send_small_messages_at_once() -> None:
    """TCP_NODELAY on the server's sockets, once per process (explorer.tcp: Streamlit's
    own socket leaves Nagle's algorithm on, 40 ms on each small response)."""
    global _sockets_tuned
    with _WARM_UP_LOCK:
        if _sockets_tuned:
            return
        _sockets_tuned = True
    from explorer import tcp

    tcp.send_small_messages_at_once()


def _start_warm_up_on_a_real_server() -> None:
    """For hosts that run `streamlit run app.py` (no serve.py): the first visit starts it."""
    from streamlit import runtime

    if not _warm_up_started and runtime.exists():
        start_warm_up()


# ---- guided tours ----------------------------------------------------------------------

_TOUR_APPLIED = "_tour_applied"
_TOUR_REVEALED = "_tour_revealed"


def _drop_url_params(keys) -> None:
    """Take parameters out of the URL, bound ones included (see clean_url)."""
    from streamlit.runtime.state.session_state_proxy import get_session_state

    with get_session_state().query_params() as qp:
        for key in keys:
            qp._initial_query_params.pop(key, None)
            qp.discard_param_no_forward_msg(key)
        qp._send_query_param_msg()


def _apply_step(spec: PageSpec, values: dict, keep: set[str]) -> None:
    """Every declared parameter to the step's value or back to its default, except those
    in `keep` (values a shared link names explicitly win over the tour's)."""
    for param in spec.params:
        if param.key in keep:
            continue
        if param.key in values:
            st.session_state[param.key] = values[param.key]
        elif param.key in st.session_state:
            del st.session_state[param.key]


def _go_to_step(spec: PageSpec, tour: tours.Tour, index: int | None) -> None:
    """Open a tour step (or leave the tour when index is None) on whichever page it is."""
    if index is None:
        # Keep the view: its values were set from code, which Streamlit writes into the
        # URL when they are set again once their widgets exist (see preset_row).
        for key in spec.keys:
            if key in st.session_state and st.query_params.get(key) is None:
                st.session_state[key] = st.session_state[key]
        _drop_url_params([tours.TOUR_PARAM, tours.STEP_PARAM])
        st.session_state.pop(_TOUR_APPLIED, None)
        st.rerun()
    page = course.page_by_url(tour.steps[index].page)
    query = {tours.TOUR_PARAM: tour.name, tours.STEP_PARAM: str(index + 1)}
    try:
        st.switch_page(page.file, query_params=query)
    except st.errors.StreamlitAPIException:
        # A page run alone (AppTest) knows no other page: move the URL and rerun here.
        st.query_params.update(query)
        st.rerun()


def tour_bar(spec: PageSpec) -> None:
    """The tour's bar when the URL names a tour step on this page: title, step k of n,
    what to look at (after a prediction, if the step asks for one), Back, Next, leave."""
    position = tours.parse_position(st.query_params.get(tours.TOUR_PARAM),
                                    st.query_params.get(tours.STEP_PARAM))
    if position is None:
        return
    tour, index = position
    step = tour.steps[index]
    here = (tour.name, index)
    if step.page != spec.url_path:
        elsewhere = course.page_by_url(step.page)
        st.info(f"Step {index + 1} of the tour “{tour.title}” is on another page.",
                icon=":material/tour:")
        page_link(elsewhere.file, f"Go to step {index + 1}: {elsewhere.title}",
                  elsewhere.icon, {tours.TOUR_PARAM: tour.name,
                                   tours.STEP_PARAM: str(index + 1)})
        return
    values = tours.step_values(step, course.page_spec)
    revealed = step.predict is None or st.session_state.get(_TOUR_REVEALED) == here
    if revealed and st.session_state.get(_TOUR_APPLIED) != here:
        # A link opened afresh keeps the control values it names; moving within the tour
        # starts each step from the page's defaults, so a step looks the same either way.
        first = _TOUR_APPLIED not in st.session_state
        keep = {k for k in st.query_params if k in spec} if first else set()
        if not first:
            _drop_url_params([k for k in spec.keys if k in st.query_params])
        _apply_step(spec, values, keep)
        st.session_state[_TOUR_APPLIED] = here

    with st.container(border=True, key="tour_bar"):
        st.markdown(f"**:material/tour: Tour: {tour.title}** · step {index + 1} of "
                    f"{len(tour)}")
        if not revealed:
            guess = st.radio(step.predict.prompt, step.predict.options, index=None,
                             key=f"_tour_guess_{tour.name}_{index}",
                             help="Answer first; then the page changes to show what happens.")
            if st.button("Show me", key="_tour_reveal", type="primary", shortcut="Enter"):
                st.session_state[_TOUR_REVEALED] = here
                st.rerun()
        else:
            if step.predict is not None:
                guess = st.session_state.get(f"_tour_guess_{tour.name}_{index}")
                right = step.predict.options[step.predict.answer]
                verdict = ("Right." if guess == right else
                           f"Not quite: the answer is “{right}”." if guess else
                           f"The answer: “{right}”.")
                st.markdown(f"{verdict} {step.predict.why}")
            st.markdown(step.look)
        back, forward, leave, _ = st.columns([2, 2, 2, 1])
        if back.button("Back", key="_tour_back", icon=":material/arrow_back:",
                       disabled=index == 0, shortcut="Shift+Left", width="stretch",
                       help="Previous step (Shift + ←)"):
            _go_to_step(spec, tour, index - 1)
        last = index == len(tour) - 1
        if forward.button("Finish" if last else "Next", key="_tour_next",
                          icon=":material/check:" if last else ":material/arrow_forward:",
                          type="primary", shortcut="Shift+Right", width="stretch",
                          help="Next step (Shift + →)"):
            _go_to_step(spec, tour, None if last else index + 1)
        if leave.button("Leave tour", key="_tour_leave", icon=":material/close:",
                        width="stretch", help="Keep this view and stop the tour"):
            _go_to_step(spec, tour, None)


# ---- parameters: the URL and the widgets, from the page's declaration -------------------


def clean_url(spec: PageSpec) -> list[str]:
    """Make every declared parameter in the URL one its widget can take; return the notes.

    Streamlit keeps the URL twice: the current query, and the query the page was opened
    with, from which widgets are seeded on their first run. Both are cleaned. A bound key
    cannot be set through st.query_params, so this goes through the session's query-params
    object (the one place the kit touches these internals)."""
    from streamlit.runtime.state.session_state_proxy import get_session_state

    query = {key: st.query_params.get_all(key) for key in st.query_params}
    changes, notes = clean_query(spec.params, query)
    if not changes:
        return notes
    with get_session_state().query_params() as qp:
        for key, values in changes.items():
            if values is None:
                qp._initial_query_params.pop(key, None)
                qp.discard_param_no_forward_msg(key)
            else:
                qp._initial_query_params[key] = list(values)
                qp._set_item_internal(key, values if len(values) > 1 else values[0])
        qp._send_query_param_msg()
    return notes


def widget(param: Param, where: Any = None, **live: Any) -> Any:
    """Draw the widget a parameter declares, with its key bound to the URL; return its value.

    where: st, st.sidebar or a column (default st). live: what only the running page knows
    or wants, passed on to the widget (e.g. max_value for a dynamic range, options for
    dynamic choices, disabled, on_change, horizontal, format_func for display only, a
    label that names a count from the data)."""
    where = st if where is None else where
    label = live.pop("label", param.label)
    common = {"key": param.key, "bind": "query-params"}
    if param.help:
        common["help"] = param.help
    kind = param.widget
    if kind in ("slider", "number_input"):
        kwargs = {"min_value": param.lo, "max_value": param.hi, "value": param.default,
                  "step": param.step}
    elif kind == "tabs":
        options = live.pop("options", param.options)
        return where.tabs(list(options), default=live.pop("default", param.default),
                          key=param.key, bind="query-params", **live)
    elif kind in ("select_slider", "multiselect", "segmented_control", "pills"):
        kwargs = {"options": param.options}
        if param.fmt is not None:
            kwargs["format_func"] = param.fmt
        kwargs["value" if kind == "select_slider" else "default"] = param.default
    elif kind in ("selectbox", "radio"):
        options = live.get("options", param.options)
        kwargs = {"options": options,
                  "index": list(options).index(param.default)
                  if param.default in options else 0}
        if param.fmt is not None:
            kwargs["format_func"] = param.fmt
    elif kind in ("toggle", "checkbox"):
        kwargs = {"value": param.default}
    else:  # text
        kwargs = {"value": param.default, "max_chars": param.max_chars}
    kwargs.update(common)
    kwargs.update(live)
    return getattr(where, kind)(label, **kwargs)


def set_values(spec: PageSpec, values: dict[str, Any]) -> None:
    """Set several declared parameters from code (before their widgets are drawn)."""
    spec.check_values(values, f"page {spec.url_path}: ")
    for key, value in values.items():
        st.session_state[key] = value


def _navigation() -> None:
    """The sidebar's list of pages: Home, then each section's pages under the titles the
    pages show, in course order. Drawn here because Streamlit's own list (switched off in
    config.toml) names pages after their files ("app", "over underfitting")."""
    page_link("app.py", course.HOME_LABEL, ":material/home:")
    for title, pages in course.sections():
        st.caption(title)
        for page in pages:
            if page.exists():
                page_link(page.file, page.title, page.icon)
    st.divider()


def chart_height(base: int = charts.BASE_HEIGHT) -> int:
    """A chart height that grows in presentation mode."""
    return charts.chart_height(base, presenting())


def chart(figure, caption: str, *, data: dict | None = None, key: str | None = None,
          on_select="ignore", selection_mode=None, width="stretch",
          description: str | None = None):
    """Show a chart with the project's look and a caption saying what it shows.

    figure: an Altair chart, or a Vega-Lite spec as a plain dict, usually from
    `built_chart` (built once for every session). data: named datasets to put into the
    spec (a template built once, filled per setting): DataFrames, Arrow tables, lists of
    row dicts, or bytes from `arrow_datasets` (convert once, inside a cached function).
    description: what a screen reader announces for the chart (Vega-Lite's description
    becomes its ARIA label): what it plots and the key number; the caption by default."""
    present = presenting()
    spoken = plain_text(description or caption)
    if data:
        figure = dict(figure)
        figure["datasets"] = {**figure.get("datasets", {}), **arrow_datasets(data)}
    if isinstance(figure, dict):
        # themed_spec returns a new top-level dict: Streamlit deletes top-level keys
        # (datasets, data) from the spec it is given, and the spec may be a cached object.
        themed_dict = charts.themed_spec(figure, present)
        themed_dict["description"] = spoken
        event = st.vega_lite_chart(themed_dict,
                                   theme=None,
                                   width=width, key=key, on_select=on_select,
                                   selection_mode=selection_mode)
    else:
        themed_chart = charts.themed(figure, present)
        # Skip Altair's schema validation on every rerun (it costs more than drawing): the chart
        # builders' specs are validated in their tests. themed() made a copy, so the
        # override touches no shared chart.
        object.__setattr__(themed_chart, "to_dict", functools.partial(
            type(themed_chart).to_dict, themed_chart, validate=False))
        themed_chart.description = spoken
        event = st.altair_chart(themed_chart, theme=None, width=width, key=key,
                                on_select=on_select, selection_mode=selection_mode)
    st.caption(caption)
    return event


def plain_text(markdown: str) -> str:
    """A caption's words without markdown marks, for a screen reader's label."""
    import re

    text = re.sub(r"\*\*|__|`", "", markdown)
    text = re.sub(r"(?<!\w)[*_](\S[^*_]*?)[*_](?!\w)", r"\1", text)
    return " ".join(text.split())


def built_chart(builder, *args, **kwargs) -> dict:
    """`builder(*args, **kwargs)` as a Vega-Lite dict, built once per distinct arguments and
    shared by every session.

    Building an Altair chart costs milliseconds of the server's one Python core; a class on
    the same settings would pay it thirty times over. For builders whose arguments
    Streamlit can hash (frames, arrays, numbers, strings). Pass the result to `chart`.
    """
    return _built_chart(builder.__module__, builder.__qualname__, args, kwargs)


def frame_digest(frame) -> bytes:
    """A cache key for a DataFrame: its columns, dtypes and values.

    Streamlit's own DataFrame hash goes through pandas' per-row hashing, slow for text
    columns (paid by every session on every run); this reads each column's values in one
    piece, several times faster (figures: bench/ and the issue notes). Text columns go in as the repr of
    their list of values, not joined, so cell boundaries stay unambiguous.
    """
    import hashlib

    import numpy as np
    import pandas as pd

    digest = hashlib.blake2b(digest_size=20)
    digest.update(repr((list(frame.columns), [str(t) for t in frame.dtypes],
                        frame.shape)).encode())
    if not frame.index.equals(pd.RangeIndex(len(frame))):
        digest.update(repr(frame.index.tolist()).encode())
    for k in range(frame.shape[1]):
        column = frame.iloc[:, k]
        if isinstance(column.dtype, pd.CategoricalDtype):  # the category order sorts axes
            digest.update(repr(column.cat.categories.tolist()).encode())
        if column.dtype.kind in "biufcmM":
            digest.update(np.ascontiguousarray(column.to_numpy()).tobytes())
        else:
            values = column.tolist()
            if all(isinstance(v, (str, int, float, bool, type(None))) for v in values):
                digest.update(repr(values).encode())
            else:  # e.g. arrays in cells, whose repr elides the middle: pandas' own hash
                digest.update(pd.util.hash_pandas_object(column, index=False)
                              .to_numpy().tobytes())
    return digest.digest()


# Streamlit matches hash_funcs by the type's module and name: "pandas.DataFrame" from
# pandas 3 on ("pandas.core.frame.DataFrame" before), else its own slow hash runs.
FRAME_HASH_FUNCS = {"pandas.DataFrame": frame_digest, "pandas.core.frame.DataFrame": frame_digest}


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=FRAME_HASH_FUNCS)
def _built_chart(module: str, name: str, args: tuple, kwargs: dict) -> dict:
    import importlib

    builder = getattr(importlib.import_module(module), name)
    spec = charts.without_altair_theme(builder(*args, **kwargs).to_dict(validate=False))
    # Stored as Arrow bytes, the form Streamlit sends them in: a cache hit then neither
    # unpickles thousands of row dicts nor converts them again.
    spec["datasets"] = arrow_datasets(spec.get("datasets", {}))
    return spec


def arrow_bytes(data) -> bytes:
    """The one conversion of chart data to the Arrow bytes Streamlit sends: a DataFrame,
    an Arrow table, a list of row dicts, or bytes already converted."""
    if isinstance(data, bytes):
        return data
    import pyarrow as pa
    from streamlit import dataframe_util

    if isinstance(data, list):
        # Straight from the records: going through pandas costs more than the chart. Columns
        # Arrow cannot type (text mixed with numbers) go through pandas, as Streamlit does.
        try:
            data = pa.Table.from_pylist(data)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            import pandas as pd

            data = pd.DataFrame.from_records(data)
    if isinstance(data, pa.Table):
        return dataframe_util.convert_arrow_table_to_arrow_bytes(data)
    return dataframe_util.convert_anything_to_arrow_bytes(data)


def arrow_datasets(frames: dict) -> dict[str, bytes]:
    """Every named dataset as Arrow bytes (see arrow_bytes)."""
    return {name: arrow_bytes(frame) for name, frame in frames.items()}


def shared_result(store, key, make, text):
    """`store.get(key, make)` (an explorer.shared_results store), with a progress bar
    while this session or another one computes it; `text(fraction)` labels the bar. When
    the server is already training as much as it can at once, the bar says so and how
    many trainings are ahead."""
    # One placeholder whether or not a bar is drawn in it, so the page has the same
    # elements on the run that computes and on the runs that find the result (a shifted
    # element is a new element: an open expander below it would close).
    slot = st.empty()
    if key in store:
        return store.get(key, make)
    bar = slot.progress(0.0, text=text(0.0))

    def queued(ahead: int) -> None:
        slots = store.gate.slots if store.gate else 1
        after = "this one is next" if ahead == 0 else f"{ahead} more wait before this one"
        bar.progress(0.0, text=f"Waiting for the server: it trains at most {slots} models "
                               f"at once for everyone using it, and {after}…")

    result = store.get(key, make, lambda fraction: bar.progress(fraction,
                                                                 text=text(fraction)),
                       queued)
    bar.empty()
    return result


def by_width(key: str, wide_px: int):
    """(wide, narrow): two containers of which the browser shows one, chosen by a CSS
    container query on the width of the page's main column (so an open sidebar counts).
    For compound charts with no layout that fits both a phone and a desktop: draw the
    side-by-side version (wide_px wide) in `wide`, the stacked one in `narrow`.
    key: a name written in the code (it becomes a CSS class)."""
    static_css(f"@container main (max-width: {wide_px - 1}px) {{ .st-key-{key}_wide "
               f"{{ display: none; }} }} @container main (min-width: {wide_px}px) "
               f"{{ .st-key-{key}_narrow {{ display: none; }} }}")
    return st.container(key=f"{key}_wide"), st.container(key=f"{key}_narrow")


def static_css(css: str) -> None:
    """Page-specific styling. Only for CSS written in the code, never for user text."""
    st.markdown(f"<style>{css}</style>", unsafe_allow_html=True)


def formula(latex: str, words: str = "") -> None:
    """A formula, with one line of plain words under it."""
    st.latex(latex)
    if words:
        st.caption(words)


# ---- presets ---------------------------------------------------------------------------


def _apply_preset(preset: Preset) -> None:
    for key, value in preset.values.items():
        st.session_state[key] = value
    st.session_state["_active_preset"] = preset.name


def _url_token(param: Param, value: Any) -> str:
    """How Streamlit writes `value` of this parameter's widget into the URL."""
    if param.kind in ("int", "float"):
        return number_token(value)
    if param.kind == "flag":
        return "true" if value else "false"
    return param.label_of(value) if param.kind == "choice" else str(value)


def _matches(preset: Preset, spec: PageSpec | None = None) -> bool:
    """Whether every value of the preset holds. A control not drawn yet in this session
    (the page's first run) counts with the value its widget is about to take: the URL's,
    else its declared default; so the first run marks the same preset as the next ones,
    and the page's elements do not shift (which would close an open expander)."""
    for key, value in preset.values.items():
        if key in st.session_state or spec is None or key not in spec:
            if st.session_state.get(key) != value:
                return False
            continue
        param = spec[key]
        token = st.query_params.get(key)
        if token is None and param.default != value:
            return False
        if token is not None and token != _url_token(param, value):
            return False
    return True


def preset_row(presets: Sequence[Preset] | PageSpec, label: str = "Try:",
               per_row: int | None = None) -> Preset | None:
    """One button per preset; call it before the controls it sets. per_row: at most this
    many buttons on a row (more presets go on further rows), so labels are not cut off.

    presets: the page's PageSpec (its declared presets, already checked against its
    parameters), or a plain list of presets (checked by nothing: for tests of the kit).

    ?preset=name in the URL applies that preset when the page opens, and stays in the URL
    until the next run. Then the preset's values are written into the URL one by one
    (Streamlit writes a value set from code into the URL only once its widget has been
    drawn, so not on the first run) and `preset` leaves the URL: from then on the address
    names the control values. Explicit control values in the URL win over the preset's
    (?preset=too_big&lr=0.5). Returns the preset in force, if any.
    """
    spec = presets if isinstance(presets, PageSpec) else None
    if spec is not None:
        presets = spec.presets
    by_name = {p.name: p for p in presets}
    requested = st.query_params.get(PRESET_PARAM)
    # Which URL preset this session applied, so a rerun does not apply it again over a
    # change the user made; and whether its values still have to be written to the URL.
    applied_key = "_preset_from_url:" + ",".join(sorted(by_name))
    sync_key = "_preset_url_sync:" + ",".join(sorted(by_name))
    if requested in by_name and st.session_state.get(applied_key) != requested:
        _apply_preset(by_name[requested])
        st.session_state[applied_key] = requested
        st.session_state[sync_key] = requested
    else:
        pending = st.session_state.pop(sync_key, None)
        if pending in by_name:
            for key, value in by_name[pending].values.items():
                if key in st.session_state and st.session_state[key] == value:
                    st.session_state[key] = value  # untouched by the user: write to the URL
        if requested is not None:
            del st.query_params[PRESET_PARAM]

    # The most specific preset whose values all hold: a preset whose settings are a subset
    # of another's would otherwise be marked (and its note shown) for both.
    matching = [p for p in presets if p.values and _matches(p, spec)]
    active = max(matching, key=lambda p: len(p.values), default=None)
    # Columns as wide as their labels, so a long label is not cut off.
    per_row = per_row or len(presets)
    rows = [list(presets[k:k + per_row]) for k in range(0, len(presets), per_row)]
    if len(rows) == 1:
        widths = [max(9, len(p.label)) for p in presets]
    else:  # one width for every button, so the rows line up
        widths = [max(9, *(len(p.label) for p in presets))] * per_row
    for number, row in enumerate(rows):
        # The label's column grows with the buttons' so "Try:" stays on one line.
        cols = st.columns([max(5, 0.3 * max(widths))] + widths, vertical_alignment="center")
        if number == 0:
            cols[0].markdown(f"**{label}**")
        for col, preset in zip(cols[1:], row, strict=False):
            col.button(
                preset.label,
                key=f"preset_btn_{preset.name}",
                on_click=_apply_preset,
                args=(preset,),
                type="primary" if preset is active else "secondary",
                help=preset.note or None,
                width="stretch",
            )
    if active is not None and active.note:
        st.info(active.note, icon=":material/visibility:")
    return active


# ---- small tables ----------------------------------------------------------------------


GAP = "—"  # how `table` writes a missing value


def table_frame(frame, formats: dict[str, str] | None = None):
    """What `table` draws: every text cell and column name escaped (st.table renders each
    as markdown, and a title can come from an upload), numbers written with `formats`
    (column -> format spec such as ".3f"; other fractional columns with 4 significant
    digits), a missing value as GAP."""
    from pandas.api.types import is_bool_dtype, is_float_dtype, is_numeric_dtype

    from explorer.text import escape_markdown

    formats = formats or {}
    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        gaps = values.isna().to_numpy()
        if column in formats or is_float_dtype(values) or (
                gaps.any() and is_numeric_dtype(values) and not is_bool_dtype(values)):
            spec = formats.get(column, ".4g")
            shown[column] = [GAP if gap else format(value, spec)
                             for value, gap in zip(values, gaps, strict=True)]
        elif not is_numeric_dtype(values):  # text (a bool is numeric here)
            shown[column] = [GAP if gap else escape_markdown(value, 200)
                             for value, gap in zip(values, gaps, strict=True)]
    shown.columns = [escape_markdown(column, 200) for column in shown.columns]
    return shown


def table(frame, formats: dict[str, str] | None = None, index: str | None = None) -> None:
    """A few rows as a plain table (st.table): for ten rows the data grid's 0.5 MB of
    script, loaded on a first visit, and its drawing (about 0.05 s a grid) buy nothing.
    index: a name to show the frame's index under, as the first column (else hidden).
    frame may also be what `table_arrow` made (inside a page's cached function): shown as
    it is, with no hashing of the frame on every run."""
    import pyarrow as pa

    if not isinstance(frame, pa.Table):
        frame = _table_arrow(frame, tuple(sorted((formats or {}).items())), index)
    st.table(frame, hide_index=True)


def table_arrow(frame, formats: dict[str, str] | None = None, index: str | None = None):
    """table_frame as Arrow, ready for `table`: for a page that builds its tables once in
    a cached function keyed by a few settings (hashing a frame on every run costs more
    than a small key)."""
    import pyarrow as pa

    if index is not None:
        frame = frame.rename_axis(index).reset_index()
    return pa.Table.from_pandas(table_frame(frame, dict(formats or {})), preserve_index=False)


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=FRAME_HASH_FUNCS)
def _table_arrow(frame, formats: tuple, index: str | None = None):
    """table_arrow once per distinct table: every session of a class draws the same few
    tables on every run, and escaping and converting them cost the server's one Python
    core about 3 ms a table."""
    return table_arrow(frame, dict(formats), index)


# ---- notices ---------------------------------------------------------------------------


def notice(what_happened: str, what_to_change: str = "", *, kind: str = "warning") -> None:
    """One clear sentence of what happened and, when there is one, what to change."""
    text = what_happened if not what_to_change else f"{what_happened} {what_to_change}"
    show = {"warning": st.warning, "error": st.error, "info": st.info}[kind]
    show(text, icon=":material/info:" if kind == "info" else ":material/warning:")


def diverged(step: int, what_to_change: str = "Lower the learning rate.") -> None:
    """Training blew up: say where, why in plain words, and what to do."""
    notice(
        f"Training diverged at step {step}: each step overshot the minimum by more than "
        "the last, so the loss grew without bound and training was stopped there.",
        what_to_change,
    )


def page_link(file: str, label: str, icon: str | None = None,
              query_params: dict[str, str] | None = None) -> None:
    """A link to another page of the app that keeps the session (and ?present).

    st.page_link only knows the pages of the running app; when a page runs alone (as under
    AppTest) the others are unknown, so the link falls back to a plain relative link."""
    from streamlit.errors import StreamlitPageNotFoundError

    try:
        st.page_link(file, label=label, icon=icon, query_params=query_params)
    except StreamlitPageNotFoundError:
        stem = file.rsplit("/", 1)[-1].removesuffix(".py")
        head, _, rest = stem.partition("_")
        target = "./" if file == "app.py" else (rest if head.isdigit() and rest else stem)
        if query_params:
            target += "?" + "&".join(f"{k}={v}" for k, v in query_params.items())
        st.markdown(f"[{(icon + ' ') if icon else ''}{label}]({target})")


def check_yourself(makers, title: str = "Check yourself") -> None:
    """The page's questions in one section (hidden in presentation mode), each computed from
    the variant named by ?quiz_seed=; a button draws a new variant."""
    from explorer import quiz

    if presenting():
        return
    raw = st.query_params.get(quiz.SEED_PARAM, "1")
    seed = int(raw) if raw.isdigit() and len(raw) <= 6 else 1

    def new_variant() -> None:
        import secrets

        st.query_params[quiz.SEED_PARAM] = str(secrets.randbelow(quiz.MAX_SEED))

    questions = _questions(tuple((m.__module__, m.__qualname__) for m in makers), seed)
    # A key keeps the section open across reruns even when an element above it comes or
    # goes (a preset note appearing would otherwise remount it, closed).
    with st.expander(f"{title}: {len(questions)} questions", icon=":material/quiz:",
                     key="_quiz_section"):
        st.caption(f"Variant {seed}. The answers are computed by this page's own code, so a "
                   "new variant has new numbers and new answers. Rounded answers are fine.")
        for index, question in enumerate(questions):
            key = f"_quiz_{seed}_{index}"
            st.markdown(f"**{index + 1}.** {question.prompt}")
            if question.is_choice:
                given = st.radio("Your answer", question.options, index=None, key=key,
                                 horizontal=True, label_visibility="collapsed")
            else:
                given = st.text_input("Your answer", key=key, placeholder="a number",
                                      label_visibility="collapsed", max_chars=40)
            if st.button("Check", key=key + "_check", disabled=not given):
                st.session_state[key + "_checked"] = given
            checked = st.session_state.get(key + "_checked")
            if checked is not None and checked == given:
                if question.check(given):
                    st.success(f"Right. {question.explanation}", icon=":material/check:")
                else:
                    st.error(f"Not quite: the answer is {question.shown_answer()}. "
                             f"{question.explanation}", icon=":material/close:")
        st.button("New variant", key="_quiz_new", icon=":material/casino:",
                  on_click=new_variant)


@st.cache_data(max_entries=256, show_spinner=False)
def _questions(makers: tuple[tuple[str, str], ...], seed: int) -> list:
    """The questions of one variant, shared by every session (makers by module and name,
    which Streamlit can hash)."""
    import importlib

    from explorer import quiz

    return quiz.make_questions(tuple(getattr(importlib.import_module(module), name)
                                     for module, name in makers), seed)


def share_view() -> None:
    """In presentation mode: the QR code of the current view's URL, in the popover that
    page_setup put at the top of the page."""
    from explorer import share

    slot = st.session_state.get("_share_slot")
    if slot is None:
        return
    params = [(key, value) for key in st.query_params
              for value in st.query_params.get_all(key)]
    if PRESENT_KEY not in st.query_params:
        params.append((PRESENT_KEY, "true"))
    url = share.view_url(st.context.url, st.session_state.get("_share_path", ""), params)
    with slot:
        if url is None:
            st.caption("The app's address is not known here.")
            return
        st.image(share.qr_png(url), width=320,
                 alt="QR code of this page's address with its current settings")
        st.code(url, language=None, wrap_lines=True)


def next_concept(current_url_path: str) -> None:
    """A pointer to the next page on the learning path (and, presenting, the QR code)."""
    share_view()
    following = course.next_page(current_url_path)
    st.divider()
    if following is None:
        page_link("app.py", "Back to the map of the course", ":material/map:")
    elif following.exists():
        page_link(following.file, f"Next: {following.title}", following.icon)
    else:
        st.caption(f"Next on the path: {following.title} (coming soon).")


# ---- playing a chart's frames in the browser ----------------------------------------------

# A chart that binds a "Play" checkbox next to a range slider (a Vega-Lite param each) is
# played here: while the box is ticked the slider moves one step every STEP_MS, as if
# dragged, and at its end the box is unticked. Everything happens in the visitor's browser:
# no rerun, no message to the server. Written here, run in the app's own page; no user text.
# Installed once per browser tab, however often the page draws it.
_PLAYER_JS = """
<script>
(() => {  // a scope of its own: the script runs again on later runs
const win = window.parent;
if (!win.__explorerPlayer) {
  win.__explorerPlayer = true;
  const STEP_MS = 180;
  const doc = win.document;
  const fire = (el, type) => el.dispatchEvent(new win.Event(type, {bubbles: true}));
  doc.addEventListener('change', (event) => {
    const box = event.target;
    if (!box || box.tagName !== 'INPUT' || box.type !== 'checkbox' || !box.checked) return;
    const bind = box.closest('.vega-bind');
    const name = bind && bind.querySelector('.vega-bind-name');
    if (!name || name.textContent.trim() !== 'Play') return;
    const bindings = bind.parentElement;
    const range = bindings && bindings.querySelector('input[type="range"]');
    if (!range) return;
    const step = Number(range.step) || 1;
    const move = (value) => { range.value = String(value); fire(range, 'input');
                              fire(range, 'change'); };
    if (Number(range.value) >= Number(range.max)) move(Number(range.min));
    const timer = win.setInterval(() => {
      if (!box.isConnected || !range.isConnected || !box.checked) {
        win.clearInterval(timer);
        return;
      }
      const next = Math.min(Number(range.value) + step, Number(range.max));
      move(next);
      if (next >= Number(range.max)) {
        win.clearInterval(timer);
        box.checked = false;
        fire(box, 'change');
      }
    }, STEP_MS);
  }, true);
}
})();
</script>
"""


def browser_player() -> None:
    """Make every chart's "Play" checkbox (a Vega-Lite param bound to a checkbox named
    "Play") play its range slider in the browser. Call once on a page that has one."""
    st.html(_PLAYER_JS, unsafe_allow_javascript=True)
