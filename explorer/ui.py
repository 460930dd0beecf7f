"""The shared page kit: the only explorer module that imports streamlit.

Every page starts with `page_setup(...)`. It gives the page its config, its header and the
presentation-mode switch (bound to the URL as ?present=true, carried from page to page).
Then a page may call `preset_row(...)` before its controls, `chart(...)` for each Altair
chart, `notice(...)` / `diverged(...)` for settings that cannot work, and `next_concept()`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import streamlit as st

from explorer import charts, course
from explorer.params import PageSpec, Param, Preset, clean_query
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
[data-testid="stMainBlockContainer"] { padding-top: 1.2rem; max-width: 100%; }
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
        st.toggle(
            "Presentation mode",
            key=PRESENT_KEY,
            bind="query-params",
            help="Larger text and charts for a projector. Stays on as you change pages.",
        )
    present = presenting()
    st.session_state["_present_carry"] = present
    st.markdown(_PRESENT_CSS if present else _BASE_CSS, unsafe_allow_html=True)
    st.title(f"{icon} {title}")  # Material icons render in markdown without an emoji font
    if url_notes:
        # Keys are the page's own declared names and the notes are written here: no text
        # from the URL reaches the page.
        st.info("This link had values the page cannot use, so they were changed: "
                + "; ".join(url_notes) + ".", icon=":material/link:")
    if intro:
        st.markdown(intro)
    return present


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


def chart_height(base: int = charts.BASE_HEIGHT) -> int:
    """A chart height that grows in presentation mode."""
    return charts.chart_height(base, presenting())


def chart(figure, caption: str, *, data: dict | None = None, key: str | None = None,
          on_select="ignore", selection_mode=None, width="stretch"):
    """Show a chart with the project's look and a caption saying what it shows.

    figure: an Altair chart, or a Vega-Lite spec as a plain dict, usually from
    `built_chart` (built once for every session). data: named datasets to put into the
    spec (a template built once, filled per setting): DataFrames, Arrow tables, lists of
    row dicts, or bytes from `arrow_datasets` (convert once, inside a cached function)."""
    present = presenting()
    if data:
        figure = dict(figure)
        figure["datasets"] = {**figure.get("datasets", {}), **arrow_datasets(data)}
    if isinstance(figure, dict):
        # themed_spec returns a new top-level dict: Streamlit deletes top-level keys
        # (datasets, data) from the spec it is given, and the spec may be a cached object.
        event = st.vega_lite_chart(charts.themed_spec(figure, present),
                                   theme=None,
                                   width=width, key=key, on_select=on_select,
                                   selection_mode=selection_mode)
    else:
        themed_chart = charts.themed(figure, present)
        # Skip Altair's schema validation on every rerun (about 10 ms a chart): the chart
        # builders' specs are validated in their tests. themed() made a copy, so the
        # override touches no shared chart.
        object.__setattr__(themed_chart, "to_dict", functools.partial(
            type(themed_chart).to_dict, themed_chart, validate=False))
        event = st.altair_chart(themed_chart, theme=None, width=width, key=key,
                                on_select=on_select, selection_mode=selection_mode)
    st.caption(caption)
    return event


def built_chart(builder, *args, **kwargs) -> dict:
    """`builder(*args, **kwargs)` as a Vega-Lite dict, built once per distinct arguments and
    shared by every session.

    Building an Altair chart costs 5 to 30 ms of the server's one Python core; a class on
    the same settings would pay it thirty times over. For builders whose arguments
    Streamlit can hash (frames, arrays, numbers, strings). Pass the result to `chart`.
    """
    return _built_chart(builder.__module__, builder.__qualname__, args, kwargs)


def frame_digest(frame) -> bytes:
    """A cache key for a DataFrame: its columns, dtypes and values.

    Streamlit's own DataFrame hash goes through pandas' per-row hashing, slow for text
    columns (1.4 ms for the 300-row movie map, paid by every session on every run); this
    reads each column's values in one piece (0.3 ms). Text columns go in as the repr of
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


@st.cache_data(max_entries=256, show_spinner=False,
               hash_funcs={"pandas.core.frame.DataFrame": frame_digest})
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
        # Straight from the records: going through pandas costs ~15 ms a chart. Columns
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
    while this session or another one computes it; `text(fraction)` labels the bar."""
    if key in store:
        return store.get(key, make)
    bar = st.progress(0.0, text=text(0.0))
    result = store.get(key, make, lambda fraction: bar.progress(fraction,
                                                                 text=text(fraction)))
    bar.empty()
    return result


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


def _matches(preset: Preset) -> bool:
    return all(st.session_state.get(k) == v for k, v in preset.values.items())


def preset_row(presets: Sequence[Preset] | PageSpec, label: str = "Try:") -> Preset | None:
    """One button per preset; call it before the controls it sets.

    presets: the page's PageSpec (its declared presets, already checked against its
    parameters), or a plain list of presets (checked by nothing: for tests of the kit).

    ?preset=name in the URL applies that preset when the page opens, and stays in the URL
    until the next run. Then the preset's values are written into the URL one by one
    (Streamlit writes a value set from code into the URL only once its widget has been
    drawn, so not on the first run) and `preset` leaves the URL: from then on the address
    names the control values. Explicit control values in the URL win over the preset's
    (?preset=too_big&lr=0.5). Returns the preset in force, if any.
    """
    if isinstance(presets, PageSpec):
        presets = presets.presets
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
    matching = [p for p in presets if p.values and _matches(p)]
    active = max(matching, key=lambda p: len(p.values), default=None)
    # Columns as wide as their labels, so a long label is not cut off.
    cols = st.columns([5] + [max(9, len(p.label)) for p in presets],
                      vertical_alignment="center")
    cols[0].markdown(f"**{label}**")
    for col, preset in zip(cols[1:], presets, strict=True):
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


def next_concept(current_url_path: str) -> None:
    """A pointer to the next page on the learning path."""
    following = course.next_page(current_url_path)
    st.divider()
    if following is None:
        page_link("app.py", "Back to the map of the course", ":material/map:")
    elif following.exists():
        page_link(following.file, f"Next: {following.title}", following.icon)
    else:
        st.caption(f"Next on the path: {following.title} (coming soon).")
