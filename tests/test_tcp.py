"""Nagle's algorithm off on the server's sockets (explorer/tcp.py): a small response on a
kept-alive connection comes at once, not after the browser's 40 ms delayed acknowledgement."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from explorer import tcp


def _nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_connections_accepted_later_and_open_ones_get_nodelay():
    # Bound as Streamlit 1.67 binds it: protocol 0, so asyncio leaves Nagle on.
    listener = socket.socket(socket.AF_INET)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    early = socket.create_connection(listener.getsockname())
    early_accepted, _ = listener.accept()
    assert listener.proto == 0 and _nodelay(early_accepted) == 0
    open_fds = len(os.listdir("/proc/self/fd"))

    assert tcp.send_small_messages_at_once() >= 3  # listener + both ends of `early`

    later = socket.create_connection(listener.getsockname())
    later_accepted, _ = listener.accept()
    assert _nodelay(later_accepted) == 1  # inherited from the listening socket
    assert _nodelay(early_accepted) == 1
    assert len(os.listdir("/proc/self/fd")) == open_fds + 2  # only `later`'s two ends
    for sock in (early, early_accepted, later, later_accepted, listener):
        sock.close()


def test_no_proc_folder_means_nothing_done(monkeypatch):
    monkeypatch.setattr(tcp, "_FD_FOLDER", "/no/such/folder")
    assert tcp.send_small_messages_at_once() == 0


def _small_responses_ms(base_url: str, count: int = 5) -> list[float]:
    """Milliseconds for `count` health checks one after another on one kept-alive
    connection, each read until its body is complete."""
    host, port = base_url.split("//")[1].split(":")
    times = []
    with socket.create_connection((host, int(port))) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(count):
            started = time.perf_counter()
            sock.sendall(b"GET /_stcore/health HTTP/1.1\r\nHost: test\r\n\r\n")
            received = b""
            while not (b"\r\n\r\n" in received and received.endswith(b"ok")):
                chunk = sock.recv(65536)
                assert chunk, "the server closed the connection"
                received += chunk
            times.append((time.perf_counter() - started) * 1000)
    return times


@pytest.mark.parametrize("script", ["serve.py", "app.py"])
def test_the_server_answers_small_requests_at_once(script):
    from explorer import ui
    from tests.helpers import AppServer

    server = AppServer(script=script, warm_up=False).start()
    try:
        if script == "app.py":
            # There the page kit sets the option when the first session runs a page. Its
            # own event loop, in a thread: the browser tests' Playwright holds this one's.
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, ui._visit(server.url, "")).result(timeout=120)
        times = _small_responses_ms(server.url)
    finally:
        server.stop()
    # With Nagle on, every answer after the first waited for the delayed ACK: 40-44 ms.
    assert max(times[1:]) < 20, times
