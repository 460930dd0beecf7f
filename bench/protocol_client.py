"""A browser-less Streamlit session: speaks the app's WebSocket protocol (protobuf BackMsg and
ForwardMsg) the way the frontend does, without rendering anything.

bench/load.py uses it to measure the server alone. With 30 headless Chromium pages on the
same 2 cores, most of the CPU goes to drawing charts in the browsers, so browser timings
mostly measure the clients; this client costs a few milliseconds per run.

A visit opens a new connection (a browser's page load does too), asks for one page's run,
and waits until the session is idle: a run finished and no further run started within
`SETTLE_S` (the presets' follow-up runs, `st.rerun`). A control change sends the same
rerun with one slider's new value, as the frontend does after a drag.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

# Wait this long after a finished run for a follow-up run before calling the page idle.
# Streamlit starts a follow-up within a few milliseconds of the previous run's end.
SETTLE_S = 0.15
MAIN_CONTAINER = 0  # delta_path[0]: 0 main area, 1 sidebar


@dataclass
class Slider:
    widget_id: str
    values: list[float]
    lo: float
    hi: float
    step: float
    options: list[str]  # a select_slider's labels; its values are indices into them


@dataclass
class RunResult:
    seconds: float
    exceptions: int = 0
    sliders: list[Slider] = field(default_factory=list)
    page_not_found: bool = False


class ProtocolSession:
    """One connection to the app, for one page view and the changes made on it."""

    def __init__(self, base_url: str, path: str):
        self.ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.page_name = path.strip("/")
        self.ws = None

    async def __aenter__(self) -> ProtocolSession:
        from websockets.asyncio.client import connect

        # The frontend passes "streamlit" as the subprotocol; no Origin header, as a
        # program (not a web page) connecting to the app.
        self.ws = await connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                open_timeout=180, ping_interval=None)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    def _rerun_message(self, widget_states: list | None = None) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_name = self.page_name
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        for widget in widget_states or []:
            state.widget_states.widgets.append(widget)
        return msg.SerializeToString()

    async def open(self, timeout: float) -> RunResult:
        await self.ws.send(self._rerun_message())
        return await self._until_idle(time.perf_counter(), timeout)

    async def change(self, slider: Slider, timeout: float) -> RunResult:
        """Move the slider one step (down if it sits at its maximum) and wait for idle."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        new = slider.values[0] + slider.step
        if new > slider.hi:
            new = slider.values[0] - slider.step
        values = [new, *slider.values[1:]]
        state = WidgetState(id=slider.widget_id)
        if slider.options:
            # A select_slider reports the labels of the chosen options.
            state.string_array_value.data.extend(slider.options[int(v)] for v in values)
        else:
            state.double_array_value.data.extend(values)
        t0 = time.perf_counter()
        await self.ws.send(self._rerun_message([state]))
        return await self._until_idle(t0, timeout)

    async def _until_idle(self, t0: float, timeout: float) -> RunResult:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        result = RunResult(seconds=float("nan"))
        finished_at = None
        deadline = t0 + timeout
        while True:
            now = time.perf_counter()
            if now > deadline:
                raise TimeoutError(f"{self.page_name or '/'}: not idle after {timeout:.0f} s")
            wait = deadline - now if finished_at is None else SETTLE_S
            try:
                raw = await asyncio.wait_for(self.ws.recv(), timeout=wait)
            except TimeoutError:
                if finished_at is None:
                    continue
                result.seconds = finished_at - t0
                return result
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                finished_at = None
                result.exceptions = 0
                result.sliders = []
            elif kind == "delta":
                self._read_delta(msg, result)
            elif kind == "script_finished":
                if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    finished_at = time.perf_counter()
            elif kind == "page_not_found":
                result.page_not_found = True

    @staticmethod
    def _read_delta(msg, result: RunResult) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            result.exceptions += 1
        elif (kind == "slider" and msg.metadata.delta_path[0] == MAIN_CONTAINER
              and not element.slider.disabled):
            s = element.slider
            values = list(s.value if s.set_value else s.default)
            options = list(s.options)
            hi = len(options) - 1 if options else s.max
            result.sliders.append(Slider(widget_id=s.id, values=values, lo=s.min, hi=hi,
                                         step=1 if options else s.step or 1,
                                         options=options))
