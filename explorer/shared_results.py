"""Results of slow work (training a network) shared by every session of the server.

A class opens a page at once, often with the same settings: the first session to ask for
a key computes it and the others wait for that result instead of computing it again,
watching the first one's progress. The newest `max_entries` results are kept.

Hand-made rather than st.cache_resource because the work reports to a progress bar drawn
outside it, which Streamlit's cache cannot replay. Pure Python: no Streamlit here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

# How often a waiting session refreshes its progress bar, in seconds.
POLL_S = 0.25

Report = Callable[[float], None]


@dataclass
class _Flight:
    """One computation under way."""

    done: threading.Event = field(default_factory=threading.Event)
    fraction: float = 0.0
    value: Any = None
    failed: bool = False


class SharedResults:
    def __init__(self, max_entries: int = 24):
        self.max_entries = max_entries
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
            show: Report | None = None) -> Any:
        """The stored result for `key`, or `make(report)`'s, computed by one session only.

        `make` calls `report(fraction)` as it goes (0 to 1); `show(fraction)`, if given, is
        called with the progress of whichever session is computing the result.
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
                return self._compute(key, flight, make, show)
            while not flight.done.wait(POLL_S):
                if show is not None:
                    show(flight.fraction)
            if not flight.failed:
                return flight.value
            # The computing session stopped (an error, or its visitor moved on and
            # Streamlit interrupted its run): try again, perhaps as the one computing.

    def _compute(self, key: Hashable, flight: _Flight, make: Callable[[Report], Any],
                 show: Report | None) -> Any:
        def report(fraction: float) -> None:
            flight.fraction = fraction
            if show is not None:
                show(fraction)

        try:
            value = make(report)
        except BaseException:
            flight.failed = True
            with self._lock:
                self._flights.pop(key, None)
            flight.done.set()
            raise
        with self._lock:
            self._flights.pop(key, None)
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)
        flight.value = value
        flight.done.set()
        return value
