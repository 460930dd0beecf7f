"""explorer.shared_results: one computation per key across sessions (threads), LRU."""

from __future__ import annotations

import threading
import time

import pytest

from explorer.shared_results import SharedResults


def constant(value, calls):
    def make(report):
        calls.append(value)
        return value
    return make


def test_computes_once_per_key_and_evicts_the_least_recently_used():
    store = SharedResults(max_entries=2)
    calls = []
    assert store.get("a", constant(1, calls)) == 1
    assert store.get("a", constant(99, calls)) == 1
    store.get("b", constant(2, calls))
    store.get("a", constant(99, calls))  # a is now the most recent
    store.get("c", constant(3, calls))  # evicts b
    assert "a" in store and "c" in store and "b" not in store
    assert len(store) == 2
    assert calls == [1, 2, 3]


def run_together(n, target):
    results = [None] * n
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, target(i)))
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


def test_sessions_asking_at_once_share_one_computation_and_see_its_progress():
    store = SharedResults()
    calls, seen = [], {i: [] for i in range(5)}

    def slow(report):
        calls.append(1)
        for step in range(1, 5):
            time.sleep(0.15)
            report(step / 4)
        return "model"

    results = run_together(5, lambda i: store.get("k", slow, show=seen[i].append))
    assert results == ["model"] * 5
    assert calls == [1]
    # Every session's bar moved, the computing one's through every step.
    assert all(seen[i] for i in seen)
    assert max(seen.values(), key=len) == [0.25, 0.5, 0.75, 1.0]
    assert all(0 <= f <= 1 for fractions in seen.values() for f in fractions)


def test_when_the_computing_session_stops_a_waiting_one_computes_instead():
    store = SharedResults()
    started = threading.Event()
    attempts = []

    def interrupted(report):
        attempts.append("first")
        started.set()
        time.sleep(0.3)
        raise KeyboardInterrupt  # as Streamlit stops a run whose visitor moved on

    def works(report):
        attempts.append("second")
        return 42

    def first(_):
        with pytest.raises(KeyboardInterrupt):
            store.get("k", interrupted)

    t = threading.Thread(target=first, args=(0,))
    t.start()
    started.wait(5)
    assert store.get("k", works) == 42
    t.join(5)
    assert attempts == ["first", "second"]
    assert store.get("k", works) == 42 and attempts == ["first", "second"]


def test_an_error_reaches_the_caller_and_nothing_is_stored():
    store = SharedResults()

    def broken(report):
        raise ValueError("bad settings")

    with pytest.raises(ValueError, match="bad settings"):
        store.get("k", broken)
    assert "k" not in store
    assert store.get("k", lambda report: 7) == 7


def test_the_gate_runs_at_most_its_slots_at_once_and_the_rest_in_arrival_order():
    import threading
    import time

    from explorer.shared_results import SharedResults, TrainingGate

    gate = TrainingGate(slots=2)
    store = SharedResults(gate=gate)
    running, peak, order, waits = [0], [0], [], {}
    lock = threading.Lock()

    def make(name):
        def work(report):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
                order.append(name)
            time.sleep(0.3)
            with lock:
                running[0] -= 1
            return name
        return work

    threads = []
    for i in range(5):
        t = threading.Thread(target=lambda i=i: store.get(
            i, make(i), queued=lambda ahead, i=i: waits.setdefault(i, ahead)))
        threads.append(t)
        t.start()
        time.sleep(0.05)  # arrive in order
    for t in threads:
        t.join(10)
    assert peak[0] == 2
    assert order == [0, 1, 2, 3, 4]
    assert 0 not in waits and 1 not in waits
    assert waits[2] == 0 and waits[3] == 1 and waits[4] == 2
    assert gate.busy == (0, 0)


def test_a_failed_computation_frees_its_slot():
    from explorer.shared_results import SharedResults, TrainingGate

    gate = TrainingGate(slots=1)
    store = SharedResults(gate=gate)

    def boom(report):
        raise RuntimeError("no")

    try:
        store.get("a", boom)
    except RuntimeError:
        pass
    assert gate.busy == (0, 0)
    assert store.get("b", lambda report: 7) == 7
