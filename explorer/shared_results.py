"""Results of slow work (training a network) shared by every session of the server.

A class opens a page at once, often with the same settings: the first session to ask for
a key computes it and the others wait for that result instead of computing it again,
watching the first one's progress. The newest `max_entries` results are kept.

Hand-made rather than st.cache_resource because the work reports to a progress bar drawn
outside it, which Streamlit's cache cannot replay. Pure Python: no Streamlit here.

Results that never change are computed ahead instead and ship in explorer/data
(collab_shipped, tabular_shipped); `shipped_arrays` reads such a file.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# How often a waiting session refreshes its progress bar, in seconds.
POLL_S = 0.25

# Trainings that may run at once in this server process, whatever page asked: each uses
# one core (torch and numpy are held to one thread), and the machine has two. The others
# wait in arrival order, so a link that asks for an expensive setting cannot starve a room.
HEAVY_SLOTS = 2

Report = Callable[[float], None]
Queued = Callable[[int], None]


class TrainingGate:
    """At most `slots` computations at once; the rest wait their turn in arrival order."""

    def __init__(self, slots: int = HEAVY_SLOTS):
        self.slots = slots
        self._running = 0
        self._waiting: deque = deque()
        self._cond = threading.Condition()

    def enter(self, on_wait: Queued | None = None) -> None:
        """Block until this caller may run; `on_wait(n)` is told how many others wait
        before it (0: it runs as soon as a running one ends)."""
        ticket = object()
        with self._cond:
            self._waiting.append(ticket)
            try:
                while not (self._running < self.slots and self._waiting[0] is ticket):
                    ahead = self._waiting.index(ticket)
                    if on_wait is not None:
                        self._cond.release()
                        try:
                            on_wait(ahead)
                        finally:
                            self._cond.acquire()
                    self._cond.wait(POLL_S)
            except BaseException:
                self._waiting.remove(ticket)
                self._cond.notify_all()
                raise
            self._waiting.popleft()
            self._running += 1
            self._cond.notify_all()

    def leave(self) -> None:
        with self._cond:
            self._running -= 1
            self._cond.notify_all()

    @property
    def busy(self) -> tuple[int, int]:
        """(running, waiting) now."""
        with self._cond:
            return self._running, len(self._waiting)


GATE = TrainingGate()


@dataclass
class _Flight:
    """One computation under way."""

    done: threading.Event = field(default_factory=threading.Event)
    fraction: float = 0.0
    ahead: int | None = None  # trainings ahead of this one in the gate's queue
    value: Any = None
    failed: bool = False


class SharedResults:
    def __init__(self, max_entries: int = 24, gate: TrainingGate | None = GATE):
        self.max_entries = max_entries
        self.gate = gate
        self._values: OrderedDict = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._values

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    def get(self, key: Hashable, make: Callable[[Report], Any],
            show: Report | None = None, queued: Queued | None = None) -> Any:
        """The stored result for `key`, or `make(report)`'s, computed by one session only.

        `make` calls `report(fraction)` as it goes (0 to 1); `show(fraction)`, if given, is
        called with the progress of whichever session is computing the result, and
        `queued(n)` while that computation waits for the server's gate with n ahead.
        """
        while True:
            with self._lock:
                if key in self._values:
                    self._values.move_to_end(key)
                    return self._values[key]
                flight = self._flights.get(key)
                owner = flight is None
                if owner:
                    flight = self._flights[key] = _Flight()
            if owner:
                return self._compute(key, flight, make, show, queued)
            while not flight.done.wait(POLL_S):
                if flight.ahead is not None:
                    if queued is not None:
                        queued(flight.ahead)
                elif show is not None:
                    show(flight.fraction)
            if not flight.failed:
                return flight.value
            # The computing session stopped (an error, or its visitor moved on and
            # Streamlit interrupted its run): try again, perhaps as the one computing.

    def _compute(self, key: Hashable, flight: _Flight, make: Callable[[Report], Any],
                 show: Report | None, queued: Queued | None) -> Any:
        def report(fraction: float) -> None:
            flight.fraction = fraction
            if show is not None:
                show(fraction)

        def wait(ahead: int) -> None:
            flight.ahead = ahead
            if queued is not None:
                queued(ahead)

        entered = False
        try:
            if self.gate is not None:
                self.gate.enter(wait)
                entered = True
            flight.ahead = None
            value = make(report)
        except BaseException:
            flight.failed = True
            with self._lock:
                self._flights.pop(key, None)
            flight.done.set()
            raise
        finally:
            if entered:
                self.gate.leave()
        with self._lock:
            self._flights.pop(key, None)
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)
        flight.value = value
        flight.done.set()
        return value


@functools.cache
def shipped_arrays(path: Path) -> dict | None:
    """The arrays of a results file shipped with the app (explorer/data), read once per
    process and never unpickled (allow_pickle=False); None when the file is missing or
    cannot be read (truncated, a Git LFS pointer): then nothing counts as shipped and the
    pages compute as usual."""
    import zipfile

    import numpy as np

    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        import logging

        logging.getLogger(__name__).warning("shipped results %s unreadable: %s", path, err)
        return None
